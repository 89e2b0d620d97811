/* Charts on the overview page. The data comes from the server in a json_script tag
   (#chart-data) because the content security policy allows no inline scripts. */
(function () {
  "use strict";

  function bar(element, series, horizontal) {
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    // Horizontal bars read top-down in the order the server sent them.
    var category = {
      type: "category",
      data: series.labels,
      inverse: horizontal,
      axisLabel: { interval: 0 }
    };
    var value = { type: "value", minInterval: 1 };
    chart.setOption({
      title: { text: series.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ type: "bar", data: series.values, itemStyle: { color: "#b3261e" } }]
    });
    return chart;
  }

  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var tags = document.getElementById("chart-tags");
    if (tags && data.tags) {
      charts.push(bar(tags, data.tags, true));
    }
    var breakdown = document.getElementById("chart-breakdown");
    if (breakdown && data.breakdown) {
      breakdown.style.height = Math.max(240, data.breakdown.labels.length * 22 + 60) + "px";
      charts.push(bar(breakdown, data.breakdown, true));
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
