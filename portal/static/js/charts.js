// Draws the charts of any page with Apache ECharts (served from our own static files): the
// statistics pages and the assessment pages. Every chart has a table beside it with the same
// figures, so nothing is lost without JavaScript or ECharts; the chart stays hidden then.
//
// A chart is an element with data-chart-source, the id of the page's json_script block that
// holds its spec, or a list of specs among which data-chart names its own (by "id"). A spec:
//   type          "bar" or "line"
//   categories    the labels along the category axis
//   series        [{name, data}]; null in data is a gap (a figure the page may not show);
//                 named series get a legend
//   over_time     the categories are months in order: drawn left to right, never as
//                 horizontal bars
//   horizontal    bars across the page even for a few categories (else past 8 of them)
//   max           the top of the value axis (else ECharts chooses)
//   value_labels  each bar's figure written at its end
// The element may name its renderer (data-renderer, "canvas" by default); once drawn it is
// shown and marked data-drawn="true".
(function () {
  "use strict";

  function option(spec, element) {
    var horizontal =
      spec.type === "bar" && !spec.over_time && (spec.horizontal || spec.categories.length > 8);
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: horizontal ? { width: 160, overflow: "truncate" } : { hideOverlap: true },
      inverse: horizontal,
    };
    var valueAxis = { type: "value", minInterval: 1 };
    if (spec.max !== undefined && spec.max !== null) {
      valueAxis.max = spec.max;
    }
    var legend = spec.series.some(function (series) {
      return Boolean(series.name);
    });
    return {
      animation: false,
      // A chart hidden from screen readers (its table says the same) needs no description.
      aria: { enabled: element.getAttribute("aria-hidden") !== "true" },
      tooltip: { trigger: "axis" },
      legend: { show: legend, top: 0, type: "scroll" },
      grid: {
        left: 8,
        right: spec.value_labels ? 24 : 16,
        top: legend ? 36 : 8,
        bottom: 8,
        containLabel: true,
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: spec.series.map(function (series) {
        return {
          name: series.name,
          type: spec.type === "line" ? "line" : "bar",
          data: series.data,
          connectNulls: false,
          label: { show: Boolean(spec.value_labels), position: horizontal ? "right" : "top" },
        };
      }),
    };
  }

  function specFor(element) {
    var source = document.getElementById(element.dataset.chartSource);
    if (!source) {
      return null;
    }
    var specs = JSON.parse(source.textContent);
    if (!Array.isArray(specs)) {
      return specs;
    }
    return (
      specs.filter(function (spec) {
        return spec.id === element.dataset.chart;
      })[0] || null
    );
  }

  function draw() {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart-source]").forEach(function (element) {
      var spec = specFor(element);
      if (!spec || element.dataset.drawn === "true") {
        return;
      }
      element.hidden = false;
      var renderer = element.dataset.renderer || "canvas";
      var chart = window.echarts.init(element, null, { renderer: renderer });
      chart.setOption(option(spec, element));
      element.dataset.drawn = "true";
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
