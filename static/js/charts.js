/* Draw the progress pages' plotly figures: the portal's one chart mechanism (targets/charts/).
   Each figure is built in Python and embedded as JSON — {"data", "layout", "config"} — in a
   <script type="application/json"> element named by the chart element's data-figure attribute
   (templates/targets/_chart.html). plotly.js is served by the portal itself (no CDN) and no page
   carries an inline script. Without JavaScript the tables beside the charts carry the same numbers. */
(function () {
  "use strict";

  function draw(root) {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    var charts = (root || document).querySelectorAll("[data-figure]");
    Array.prototype.forEach.call(charts, function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source || el.classList.contains("js-plotly-plot")) {
        return;  // nothing to draw, or drawn already
      }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout, figure.config || { displaylogo: false, responsive: true })
        .then(function () { el.on("plotly_click", openCustomdataUrl); });
    });
  }

  /* A point whose customdata is one of the portal's own addresses ("/units/330302/") is a link:
     a click opens it (the county map). Other customdata (e.g. a status in words) is left alone. */
  function openCustomdataUrl(event) {
    var point = event && event.points && event.points[0];
    var target = point && point.customdata;
    if (Array.isArray(target)) {
      target = target[0];
    }
    if (typeof target === "string" && target.charAt(0) === "/" && target.charAt(1) !== "/") {
      window.location.assign(target);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
}());
