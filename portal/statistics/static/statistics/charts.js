// Draws the statistics pages' charts with Apache ECharts (served from our own static
// files). The figures come from the page's json_script block; every chart has a table
// beside it with the same figures, so nothing is lost without JavaScript.
(function () {
  "use strict";

  function option(spec) {
    var horizontal = spec.type === "bar" && !spec.over_time && spec.categories.length > 8;
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: horizontal ? { width: 160, overflow: "truncate" } : { hideOverlap: true },
      inverse: horizontal,
    };
    var valueAxis = { type: "value", minInterval: 1 };
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: spec.series.map(function (series) {
        return {
          name: series.name,
          type: spec.type === "line" ? "line" : "bar",
          data: series.data,
          connectNulls: false,
        };
      }),
    };
  }

  function draw() {
    var data = document.getElementById("statistics-charts");
    if (!data || typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    JSON.parse(data.textContent).forEach(function (spec) {
      var element = document.getElementById("chart-" + spec.id);
      if (!element) {
        return;
      }
      element.hidden = false;
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      element.setAttribute("data-rendered", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
