// The overview's rank history: the plan region's rank each year (bold), every peer's (thin grey), the goal rank dashed.
// Ranks run downwards (1 = highest, at the top); a hollow marker is the store's own computation, a filled one the province's published rank.
(function (S) {
  const zh = S.zh;
  S.charts.rank_history = function (ctx) {
    const rh = ctx.ranks, years = rh.years, traces = [];
    const rankOf = s => s.points.map(p => p.rank), hover = s => s.points.map(p => p.index === null ? "" : S.number(p.index) + "%");
    rh.series.filter(s => !s.self).forEach(function (s, i) {
      traces.push({ x: years, y: rankOf(s), name: zh ? "其他市州" : "Other peers", legendgroup: "peers", showlegend: i === 0, mode: "lines",
        line: { color: "#c3c8d0", width: 1.5 }, customdata: hover(s), text: years.map(() => s.name),
        hovertemplate: "%{text} %{x}: " + (zh ? "第%{y}位" : "rank %{y}") + " · %{customdata}<extra></extra>" });
    });
    const me = rh.series.find(s => s.self);
    if (me) {
      traces.push({ x: years, y: rankOf(me), name: me.name, mode: "lines+markers+text", line: { color: S.colors.blue, width: 3 },
        marker: { size: 9, color: me.points.map(p => p.source === "own" ? "#fff" : S.colors.blue), line: { color: S.colors.blue, width: 2 } },
        text: me.points.map(p => p.rank === null ? "" : String(p.rank)), textposition: "bottom center", customdata: hover(me),
        hovertemplate: me.name + " %{x}: " + (zh ? "第%{y}位" : "rank %{y}") + " · %{customdata}<extra></extra>" });
    }
    const x0 = years[0] - 0.3, x1 = Math.max(years[years.length - 1], rh.target_year) + 0.3;
    traces.push({ x: [x0, x1], y: [rh.goal_rank, rh.goal_rank], mode: "lines", line: { color: S.colors.red, dash: "dash", width: 2 },
      name: (zh ? "排名目标：第" + rh.goal_rank + "位" : "Rank goal: " + rh.goal_rank) + (rh.goal_rank_approx ? (zh ? "左右" : " (about)") : ""), hoverinfo: "name" });
    return [traces, S.layout({
      xaxis: { title: { text: zh ? "年份" : "Year" }, dtick: 1, range: [x0, x1] },
      yaxis: { title: { text: zh ? "名次（第1位最高）" : "Rank (1 = highest)" }, autorange: false, range: [rh.peers + 0.5, 0.5], dtick: rh.peers > 10 ? 2 : 1, tick0: 1 },
      margin: { l: 60, r: 20, t: 20, b: 60 }, legend: { orientation: "h", y: -0.3 } })];
  };
})(window.STPI);
