// The indicator page's chart: values by year, the milestone path from the baseline to the target, the target.
(function (S) {
  const zh = S.zh;
  S.charts.indicator_trend = function (ctx) {
    const tr = ctx.trend, unit = ctx.unit || "";
    const traces = [
      { x: tr.years, y: tr.values, name: zh ? "数值" : "Value", mode: "lines+markers", line: { color: S.colors.blue, width: 3 }, marker: { size: 8 },
        hovertemplate: "%{x}: %{y:.2f} " + unit + "<extra></extra>" },
    ];
    if (tr.path.length) {
      traces.push({ x: tr.path_years, y: tr.path, name: zh ? "里程碑路径" : "Milestone path", mode: "lines+markers", line: { color: S.colors.line, dash: "dash" },
        marker: { size: 5 }, hovertemplate: "%{x}: %{y:.2f} " + unit + "<extra></extra>" });
    }
    traces.push({ x: [tr.target_year], y: [tr.target], name: (zh ? "目标" : "Target") + (ctx.target_at_least ? (zh ? "(以上)" : " (at least)") : ""), mode: "markers",
      marker: { symbol: "star", size: 15, color: S.colors.red } });
    const first = Math.min(tr.baseline_year, ...(tr.years.length ? tr.years : [tr.baseline_year]));
    return [traces, S.layout({ xaxis: { dtick: 1, range: [first - 0.5, tr.target_year + 0.5] }, yaxis: { title: unit } })];
  };
})(window.STPI);
