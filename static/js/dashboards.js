/* Draw the dashboards' plotly figures. Each figure is built in Python and embedded as JSON in a
   <script type="application/json"> element named by the chart's data-figure attribute; plotly.js is
   served by the portal itself (no CDN). Without JavaScript the tables carry the same numbers. */
(function () {
  "use strict";

  function draw() {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    var charts = document.querySelectorAll("[data-figure]");
    Array.prototype.forEach.call(charts, function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout, {
        displaylogo: false,
        displayModeBar: false,
        responsive: true
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
