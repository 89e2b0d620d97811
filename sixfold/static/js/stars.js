// Points, stars and airing pages: a period chooser that submits itself, and the print button.
(function () {
  "use strict";
  document.querySelectorAll("select.sf-autosubmit").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) {
        select.form.submit();
      }
    });
  });
  var printButton = document.getElementById("print-now");
  if (printButton) {
    printButton.addEventListener("click", function () {
      window.print();
    });
  }
})();
