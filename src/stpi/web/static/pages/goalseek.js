// Goal-seek: the gain each moved indicator adds to the index, largest on top.
(function (S) {
  const zh = S.zh;
  S.charts.goalseek_gains = function (ctx, el) {
    const moves = ctx.moves.slice().reverse();  // plotly draws the first bar at the bottom
    const room = el && el.clientWidth < 500 ? 8 : 14;  // a phone keeps most of its width for the bars
    const labels = moves.map(m => m.no + ". " + (m.name.length > room ? m.name.slice(0, room - 1) + "…" : m.name));
    return [[{
      type: "bar", orientation: "h", y: labels, x: moves.map(m => m.gain), marker: { color: S.colors.blue },
      text: moves.map(m => S.number(m.gain)), textposition: "outside", cliponaxis: false,
      hovertext: moves.map(m => m.name + (zh ? ":" : ": ") + m.lead), hoverinfo: "text+x",
    }], S.layout({ margin: { l: 10, r: 40, t: 10, b: 40 }, xaxis: { title: zh ? "指数增量(点)" : "Index gain (pts)", rangemode: "tozero" },
                   yaxis: { automargin: true }, showlegend: false })];
  };
})(window.STPI);
