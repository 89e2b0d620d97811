/* The grade summary of a party-spirit check-up as stacked bars, one per community. The data
   comes from the server in a json_script tag (#checkup-summary-data): the content security
   policy allows no inline scripts. */
(function () {
  "use strict";

  var COLOURS = ["#198754", "#ffc107", "#dc3545", "#adb5bd"];

  function draw() {
    var source = document.getElementById("checkup-summary-data");
    var element = document.getElementById("checkup-summary-chart");
    if (!source || !element || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    element.style.height = Math.max(200, data.labels.length * 26 + 80) + "px";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.labels, inverse: true, axisLabel: { interval: 0 } },
      series: data.series.map(function (series, index) {
        return {
          name: series.name,
          type: "bar",
          stack: "grades",
          data: series.values,
          itemStyle: { color: COLOURS[index % COLOURS.length] }
        };
      })
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
