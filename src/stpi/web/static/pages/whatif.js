// What-if: charts of the start and what-if scores, and the live form. Typing asks POST /api/whatif (debounced)
// and puts the answer in place; without JavaScript the form posts to /whatif and the page comes back computed.
(function (S) {
  const zh = S.zh;
  const START = zh ? "起始" : "Start", NOW = zh ? "情景" : "What-if";

  // horizontal bars: the names stay readable on a phone; the first row on top
  function bars(rows, ctx) {
    const names = rows.map(r => r.name).reverse();
    const trace = (key, name, color) => ({ type: "bar", orientation: "h", y: names, x: rows.map(r => r[key]).reverse(), name: name, marker: { color: color },
      hovertemplate: "%{y}: %{x:.2f}<extra>" + name + "</extra>" });
    return [[trace("start", START + " " + ctx.year, "#aebbd3"), trace("value", NOW, S.colors.blue)],
      S.layout({ barmode: "group", bargap: 0.25, xaxis: { range: [0, 100.5], dtick: 20 }, yaxis: { automargin: true },
                 margin: { l: 10, r: 10, t: 10, b: 40 }, legend: { orientation: "h", y: -0.12 } })];
  }
  S.charts.whatif_groups = function (ctx) { return bars(ctx.groups, ctx); };
  S.charts.whatif_areas = function (ctx) { return bars(ctx.areas, ctx); };

  const fixed = x => S.number(x), signed = x => S.number(x, true);

  function setText(root, field, text) {
    const el = root.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = text;
  }

  function show(ctx) {
    document.getElementById("ctx").textContent = JSON.stringify(ctx);
    ["", "-bar"].forEach(function (suffix) {
      document.getElementById("whatif-index" + suffix).textContent = fixed(ctx.index.value);
      document.getElementById("whatif-change" + suffix).textContent = signed(ctx.index.change);
      document.getElementById("whatif-rank" + suffix).textContent = ctx.rank.rank === null ? "—" : String(ctx.rank.rank);
    });
    document.getElementById("whatif-changed").textContent = ctx.changed.length ? (zh ? "已修改 " + ctx.changed.length + " 项指标" : ctx.changed.length + " indicators changed") : "";
    ctx.indicators.forEach(function (r) {
      const row = document.querySelector('#whatif-table tr[data-code="' + r.code + '"]');
      if (!row) return;
      row.classList.toggle("changed", r.changed);
      setText(row, "score", fixed(r.score));
      setText(row, "contribution", fixed(r.contribution));
      setText(row, "contribution_change", signed(r.contribution_change));
    });
    ctx.areas.concat(ctx.groups).forEach(function (n) {
      const row = document.querySelector('#whatif-nodes tr[data-node="' + n.code + '"]');
      if (!row) return;
      setText(row, "value", fixed(n.value));
      setText(row, "change", signed(n.change));
    });
    document.querySelectorAll('[data-chart^="whatif_"]').forEach(function (el) {
      if (!window.Plotly || el.dataset.drawn !== "1") return;  // not drawn yet: app.js draws it from #ctx
      const [traces, layout] = S.charts[el.dataset.chart](ctx, el);
      Plotly.react(el, traces, layout);
    });
  }

  function markErrors(inputs, errors) {
    inputs.forEach(function (input) {
      const msg = errors[input.dataset.code], p = document.getElementById("err-" + input.dataset.code);
      if (msg) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      if (p) { p.textContent = msg || ""; p.hidden = !msg; }
    });
  }

  // 422 bodies: stpi's {problems: [{field, reason}]} or pydantic's {detail: [{loc: [..., code], msg}]}
  function problemsOf(body) {
    const out = {};
    (body.problems || []).forEach(p => { if (p.field) out[p.field] = p.reason; });
    (Array.isArray(body.detail) ? body.detail : []).forEach(d => { const loc = d.loc || []; out[loc[loc.length - 1]] = d.msg; });
    return out;
  }

  function setup() {
    const form = document.getElementById("whatif-form");
    if (!form || !window.fetch) return;
    const csrf = form.querySelector('input[name="csrf_token"]').value;
    const year = Number(form.querySelector('input[name="year"]').value);
    const inputs = Array.from(form.querySelectorAll("input[data-code]"));
    const status = document.getElementById("whatif-status");
    let timer = null, sent = 0, shown = 0;

    function collect() {
      const values = {}, bad = {};
      inputs.forEach(function (input) {
        const text = input.value.trim().replace(/,/g, "");
        const x = Number(text);
        if (text === "") values[input.dataset.code] = null;
        else if (!isFinite(x) || Math.abs(x) > 1e12) bad[input.dataset.code] = zh ? "须为绝对值不超过 1e12 的数" : "must be a number within ±1e12";
        else values[input.dataset.code] = x;
      });
      return [values, bad];
    }

    async function send() {
      clearTimeout(timer);
      const [values, bad] = collect();
      markErrors(inputs, bad);
      if (Object.keys(bad).length) { status.textContent = zh ? "请更正标出的数值" : "Fix the values marked"; status.className = "field-error"; return; }
      const mine = ++sent;
      status.textContent = zh ? "计算中…" : "Computing…"; status.className = "note";
      try {
        const r = await fetch("/api/whatif", { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify({ year: year, values: values }) });
        const body = await r.json();
        if (mine < shown) return;  // an older answer arriving late
        shown = mine;
        if (r.ok) { markErrors(inputs, {}); show(body); status.textContent = zh ? "已更新" : "Updated"; return; }
        markErrors(inputs, problemsOf(body));
        status.textContent = body.message || (zh ? "输入有误" : "Invalid input"); status.className = "field-error";
      } catch (e) {
        status.textContent = zh ? "无法连接服务器,可点“计算”提交" : "Cannot reach the server; press Compute to submit"; status.className = "field-error";
      }
    }
    function later() { clearTimeout(timer); timer = setTimeout(send, 150); }
    function setAll(key) { inputs.forEach(input => { input.value = input.dataset[key]; }); send(); }

    inputs.forEach(input => input.addEventListener("input", later));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      const button = e.submitter;
      if (button && button.classList.contains("to-target")) {
        const input = document.getElementById("v-" + button.dataset.code);
        input.value = input.dataset.target;
        send();
      } else if (button && button.id === "whatif-all-target") setAll("target");
      else send();
    });
    document.getElementById("whatif-reset").addEventListener("click", function (e) { e.preventDefault(); setAll("start"); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup); else setup();
})(window.STPI);
