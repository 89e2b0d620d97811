// Party pages: forms marked data-confirm ask before they are sent (removing a responsibility,
// vacating a grid post, ending a party post), so one stray click changes nothing.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
})();
