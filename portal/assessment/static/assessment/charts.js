// Bar charts of the assessment pages, drawn with the locally served ECharts build.
// Each chart reads its data from a json_script element; the table beside it carries the
// same figures for screen readers and for browsers without JavaScript.
(function () {
  "use strict";
  function draw(container) {
    if (!window.echarts) { return; }
    var source = document.getElementById(container.dataset.source);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    container.hidden = false;
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: data.max },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: [{ type: "bar", data: data.values, label: { show: true, position: "right" } }],
      aria: { enabled: true }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    container.dataset.drawn = "true";
  }
  document.querySelectorAll("[data-assessment-chart]").forEach(draw);
})();
