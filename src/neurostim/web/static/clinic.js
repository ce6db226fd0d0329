// neurostim clinic: small enhancements; every page works without this file.
// 1. Figures: <div class="plot" data-figure="{...}"> drawn with Plotly.js when it is loaded.
// 2. Review forms: the write button waits until every warning box is ticked (the server
//    refuses an unacknowledged warning all the same).
"use strict";
function drawPlots(root) {
  if (typeof Plotly === "undefined") return;
  root.querySelectorAll("div.plot[data-figure]").forEach(function (el) {
    var fig = JSON.parse(el.getAttribute("data-figure"));
    Plotly.newPlot(el, fig.data, fig.layout, {displaylogo: false, responsive: true});
  });
}
function guardReview(root) {
  root.querySelectorAll("form").forEach(function (form) {
    var boxes = form.querySelectorAll("input.ack");
    var button = form.querySelector("#write-button");
    if (!boxes.length || !button) return;
    var update = function () {
      button.disabled = !Array.prototype.every.call(boxes, function (b) { return b.checked; });
    };
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  });
}
document.addEventListener("DOMContentLoaded", function () {
  drawPlots(document);
  guardReview(document);
});
document.addEventListener("htmx:afterSwap", function (e) { drawPlots(e.target); });
