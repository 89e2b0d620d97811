/* Charts of the work-order evaluation page (三率: response, resolution, satisfaction, and the
   on-time, rework and overdue rates). The numbers come from the server in a json_script tag
   (#rates-data): the content security policy allows no inline scripts. */
(function () {
  "use strict";

  var COLOURS = ["#b3261e", "#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#6c757d"];

  function percent(value) {
    return value === null || value === undefined ? "—" : value.toFixed(1) + "%";
  }

  function grouped(element, data) {
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      color: COLOURS,
      tooltip: {
        trigger: "axis",
        valueFormatter: percent
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: data.series.map(function (series) {
        return { name: series.name, type: "bar", data: series.values };
      })
    });
    return chart;
  }

  function trend(element, data) {
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      color: COLOURS,
      tooltip: { trigger: "axis", valueFormatter: percent },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: data.series.map(function (series) {
        return { name: series.name, type: "line", data: series.values, connectNulls: true };
      })
    });
    return chart;
  }

  function draw() {
    var source = document.getElementById("rates-data");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var overview = document.getElementById("chart-rates");
    if (overview && data.overview) {
      charts.push(grouped(overview, data.overview));
    }
    var comparison = document.getElementById("chart-comparison");
    if (comparison && data.comparison && data.comparison.labels.length) {
      charts.push(grouped(comparison, data.comparison));
    }
    var months = document.getElementById("chart-trend");
    if (months && data.trend && data.trend.labels.length) {
      charts.push(trend(months, data.trend));
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
