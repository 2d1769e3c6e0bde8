// Chart builders, by the name a page gives in data-chart="…". Each takes the page's context (the JSON twin) and
// returns [traces, layout]. Page scripts in /static/pages/ add their own to STPI.charts.
window.STPI = window.STPI || { charts: {} };
(function (S) {
  const zh = document.documentElement.lang.startsWith("zh");
  S.zh = zh;
  // numbers for people, the rule of stpi.numbers (pages update scores and points live, all below 10⁵, so no 万/亿 here):
  // two decimals, but at least 3 and at most 5 significant digits, trailing zeros dropped, — for none
  S.number = function (x, signed) {
    if (x === null || x === undefined || !isFinite(x)) return "—";
    if (x === 0) return "0";
    const a = Math.abs(x), e = Number(a.toExponential(4).split("e")[1]);
    const d = Math.min(100, Math.max(Math.min(2, 4 - e), 2 - e));
    const text = d > 0 ? a.toFixed(d).replace(/0+$/, "").replace(/\.$/, "") : String(Math.round(a / Math.pow(10, -d)) * Math.pow(10, -d));
    return (x < 0 ? "-" : signed ? "+" : "") + text;
  };
  S.colors = { green: "#1a7f37", yellow: "#b7791f", red: "#c53030", grey: "#8a8f98", blue: "#1f4e9c", line: "#5b6b86" };
  S.layout = function (extra) {
    return Object.assign({ margin: { l: 50, r: 20, t: 20, b: 50 }, font: { size: 13 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      legend: { orientation: "h", y: -0.2 }, hovermode: "closest" }, extra || {});
  };
  S.charts.index_path = function (ctx) {
    const p = ctx.path;
    const years = p.years.concat(ctx.target_year > p.years[p.years.length - 1] ? [ctx.target_year] : []);
    return [[
      { x: p.years, y: p.values, name: zh ? "综合指数" : "Index", mode: "lines+markers", line: { color: S.colors.blue, width: 3 } },
      { x: [ctx.baseline_year, ctx.target_year], y: [p.values[0], ctx.goal.index], name: zh ? "里程碑路径" : "Milestone path", mode: "lines", line: { color: S.colors.line, dash: "dash" } },
      { x: [ctx.target_year], y: [ctx.goal.index], name: zh ? "目标" : "Target", mode: "markers", marker: { symbol: "star", size: 14, color: S.colors.red } },
    ], S.layout({ xaxis: { dtick: 1, range: [ctx.baseline_year - 0.5, ctx.target_year + 0.5] }, yaxis: { title: "%" } })];
  };
  S.charts.areas_radar = function (ctx) {
    const names = ctx.areas.map(a => a.name), close = a => a.concat(a.slice(0, 1));
    return [[
      { type: "scatterpolar", r: close(ctx.areas.map(a => a.value)), theta: close(names), fill: "toself", name: String(ctx.year), line: { color: S.colors.blue } },
      { type: "scatterpolar", r: close(ctx.areas.map(a => a.target)), theta: close(names), name: zh ? "目标" : "Target", line: { color: S.colors.red, dash: "dot" } },
    ], S.layout({ polar: { radialaxis: { range: [0, 100] } }, margin: { l: 60, r: 60, t: 30, b: 30 } })];
  };
  S.charts.groups_bars = function (ctx) {
    const g = ctx.groups, names = g.map(x => x.name);
    return [[
      { type: "bar", x: names, y: g.map(x => x.value), name: zh ? "得分" : "Score", marker: { color: g.map(x => S.colors[x.light] || S.colors.grey) } },
      { type: "scatter", mode: "markers", x: names, y: g.map(x => x.milestone), name: zh ? "里程碑" : "Milestone", marker: { symbol: "line-ew-open", size: 22, color: "#111", line: { width: 3 } } },
      { type: "scatter", mode: "markers", x: names, y: g.map(x => x.target), name: zh ? "目标" : "Target", marker: { symbol: "diamond-open", size: 10, color: S.colors.red } },
    ], S.layout({ yaxis: { range: [0, 100], title: zh ? "得分(0–100)" : "Score (0–100)" }, margin: { l: 60, r: 20, t: 20, b: 110 } })];
  };
})(window.STPI);
