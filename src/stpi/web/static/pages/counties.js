// The counties page's chart: each county's index in the year, best first, with the city's index as a dashed line.
(function (S) {
  const zh = S.zh;
  S.charts.county_bars = function (ctx) {
    const rows = ctx.ranking.slice().reverse();  // horizontal bars draw bottom-up: the first-ranked on top
    const traces = [{ type: "bar", orientation: "h", y: rows.map(r => r.region), x: rows.map(r => r.index), name: zh ? "县区指数" : "County index",
      marker: { color: S.colors.blue }, text: rows.map(r => r.index === null ? "" : S.number(r.index)), textposition: "auto",
      hovertemplate: "%{y}: %{x:.2f}<extra></extra>" }];
    const shapes = [];
    if (ctx.city_index !== null) {
      shapes.push({ type: "line", x0: ctx.city_index, x1: ctx.city_index, yref: "paper", y0: 0, y1: 1, line: { color: S.colors.red, dash: "dash", width: 2 } });
      traces.push({ type: "scatter", mode: "lines", x: [null], y: [null], name: (zh ? "全市指数 " : "City index ") + S.number(ctx.city_index), line: { color: S.colors.red, dash: "dash" } });
    }
    return [traces, S.layout({ shapes: shapes, margin: { l: 70, r: 20, t: 10, b: 60 }, xaxis: { title: "%", rangemode: "tozero" }, yaxis: { automargin: true } })];
  };
})(window.STPI);
