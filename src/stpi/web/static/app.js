// Draws every [data-chart] element from the page's context (the same JSON the /api twin returns).
(function (S) {
  function draw() {
    const ctx = JSON.parse(document.getElementById("ctx").textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      const build = S.charts[el.dataset.chart];
      if (!build || !window.Plotly) return;
      const [traces, layout] = build(ctx, el);
      Plotly.newPlot(el, traces, layout, { displaylogo: false, responsive: true }).then(function () {
        el.dataset.drawn = "1";
      });
    });
  }
  S.draw = draw;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})(window.STPI);
