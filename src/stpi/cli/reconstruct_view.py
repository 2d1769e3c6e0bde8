"""The terminal view of ``stpi calibrate --from-published``: what was reconstructed, what not and why, the fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.panel import Panel

from stpi import console
from stpi.i18n import get_lang, tr

if TYPE_CHECKING:
    from stpi.analysis.reconstruct import Reconstruction
    from stpi.framework import Framework

__all__ = ["print_reconstruction"]


def _why(note: object) -> str:
    return "" if note is None else note.label(get_lang())  # type: ignore[attr-defined]


def print_reconstruction(rec: Reconstruction, fw: Framework) -> None:
    """Summary, standards, weights, fit by level and the largest differences."""
    lang = get_lang()
    s, sn, w, wn = rec.n_identified
    style = "green" if s == sn and w == wn else "bold yellow"
    head = tr("rec.title", s=s, sn=sn, w=w, wn=wn)
    if rec.fit.max_abs is not None and rec.fit.rms is not None:
        head += "\n" + tr("rec.fit", max=rec.fit.max_abs, rms=rec.fit.rms, n=rec.fit.n, res=rec.resolution)
    console.out.print(Panel(head, style=style))
    rows = []
    for st in rec.standards:
        est = console.fmt(st.estimate, 6) if st.identified else tr("rec.kept")
        interval = "—" if st.low is None or st.high is None else f"{st.low:.6g} – {st.high:.6g}"
        rows.append([st.code, fw.node(st.code).label(lang), f"{st.direction:+d}", console.fmt(st.current, 6), est, interval, f"{st.n_used}/{st.n_uncapped}/{st.n_published}", _why(st.reason)])
    cols = [tr("code"), tr("name"), tr("rec.direction"), tr("rec.current"), tr("rec.reconstructed"), tr("rec.interval"), tr("rec.obs"), tr("rec.why")]
    console.out.print(console.table(tr("rec.standards"), cols, rows, numeric_from=2))
    rows = []
    for wf in rec.weights:
        for i, code in enumerate(wf.codes):
            est = console.fmt(wf.estimate[i], 4) if wf.estimate is not None else f"{tr('rec.kept')} ({wf.low[i]:.4f} – {wf.high[i]:.4f})"
            rows.append([wf.parent, code, fw.node(code).label(lang), console.fmt(wf.current[i], 4), est, str(wf.n_obs), _why(wf.reason) if i == 0 else ""])
    cols = [tr("cal.parent"), tr("code"), tr("name"), tr("cal.current"), tr("rec.reconstructed"), tr("cal.n_obs"), tr("rec.why")]
    console.out.print(console.table(tr("rec.weights"), cols, rows, numeric_from=3))
    depth = [[str(d), str(n), f"{mx:.4g}", f"{rms:.4g}"] for d, n, mx, rms in rec.fit.by_depth]
    console.out.print(console.table(tr("rec.by_depth"), [tr("rec.depth"), tr("cal.n_obs"), "max", "RMS"], depth, numeric_from=1))
    worst = [[r, str(y), c, f"{p:.4f}", f"{o:.4f}", f"{d:+.4f}"] for r, y, c, p, o, d in rec.fit.worst]
    console.out.print(console.table(tr("rec.worst"), [tr("region"), tr("year"), tr("code"), tr("cal.published"), tr("rec.own"), tr("rec.diff")], worst, numeric_from=3))
