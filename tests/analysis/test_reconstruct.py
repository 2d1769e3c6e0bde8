"""The official parameters reconstructed from published node scores: random frameworks and parameters are
recovered from exact and from rounded scores; what the data cannot identify is said, not guessed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stpi.analysis.reconstruct import Reconstruction, reconstruct, reconstructed_framework, resolution
from stpi.analysis.values import Values
from stpi.engine import Recipe, build
from stpi.framework import Framework, embedded_framework, load_framework
from stpi.framework.io import export_framework, framework_from_records
from stpi.framework.model import Provenance

REGIONS = tuple(f"R{i:02d}" for i in range(14))
YEARS = (2023, 2024, 2025)
ASSUMED = Provenance("assumed", "test")


def make_framework(shape: list[list[int]], rng: np.random.Generator) -> Framework:
    """A tree: the root, one area per item of ``shape``, under it one child per number (0: an indicator, n: a group of n indicators)."""
    records: list[dict[str, Any]] = [{"code": "ROOT", "parent": "", "name": "root"}]
    leaves = 0

    def leaf(parent: str, weight: float) -> None:
        nonlocal leaves
        leaves += 1
        direction = -1 if rng.random() < 0.25 else 1
        records.append({"code": f"I{leaves:02d}", "parent": parent, "name": f"i{leaves}", "weight": weight, "standard": float(10 ** rng.uniform(-2, 4)), "direction": direction})

    for a, children in enumerate(shape):
        records.append({"code": f"A{a}", "parent": "ROOT", "name": f"a{a}", "weight": 0.0})
        for g, size in enumerate(children):
            if size == 0:
                leaf(f"A{a}", 0.0)
            else:
                records.append({"code": f"G{a}{g}", "parent": f"A{a}", "name": f"g{a}{g}", "weight": 0.0})
                for _ in range(size):
                    leaf(f"G{a}{g}", 0.0)
    kids: dict[str, list[int]] = {}
    for i, r in enumerate(records[1:], start=1):
        kids.setdefault(r["parent"], []).append(i)
    for idx in kids.values():
        for i, w in zip(idx, rng.dirichlet(np.full(len(idx), 2.0))):
            records[i]["weight"] = float(w)
        records[idx[-1]]["weight"] = 1.0 - sum(records[i]["weight"] for i in idx[:-1])
    return framework_from_records(list(enumerate(records, start=1)), file="<test>", head={"id": "t", "title": "t"}, default_provenance=ASSUMED)


def synthetic(fw: Framework, rng: np.random.Generator, digits: int | None) -> tuple[Values, dict[tuple[str, int, str], float]]:
    """Raw values scoring 15–130 % of the standard (so some capped); every node's published score (rounded)."""
    tree = fw.tree
    ratio = rng.uniform(0.15, 1.3, (len(REGIONS), len(YEARS), len(fw.leaves)))
    x = np.where(tree.direction > 0, ratio * tree.standard, tree.standard / ratio)
    values = Values(REGIONS, YEARS, tuple(n.code for n in fw.leaves), x)
    scores = build(Recipe(), tree, x).scores
    if digits is not None:
        scores = np.round(scores, digits)
    pub = {(r, y, c): float(scores[i, t, k]) for i, r in enumerate(REGIONS) for t, y in enumerate(YEARS) for k, c in enumerate(tree.codes)}
    return values, pub


def illustrative(truth: Framework, rng: np.random.Generator) -> Framework:
    """The same tree with other (equal) weights and standards: what reconstruction starts from."""
    nodes = []
    for n in truth.nodes:
        siblings = len(truth.children(n.parent)) if n.parent else 1
        nodes.append(replace(n, weight=1.0 / siblings, standard=None if n.standard is None else n.standard * rng.uniform(0.3, 3)))
    return replace(truth, nodes=tuple(nodes))


def errors(rec: Reconstruction, truth: Framework) -> tuple[float, float]:
    """Largest relative error of the standards and largest absolute error of the weights."""
    s = max(abs(x.estimate / truth.node(x.code).standard - 1) for x in rec.standards if x.estimate is not None)  # type: ignore[operator]
    w = max(abs(e - truth.node(c).weight) for f in rec.weights if f.estimate is not None for c, e in zip(f.codes, f.estimate))
    return s, w


shapes = st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=4), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_random_parameters_are_recovered_from_exact_scores(shape: list[list[int]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = make_framework(shape, rng)
    values, pub = synthetic(truth, rng, None)
    rec = reconstruct(illustrative(truth, rng), values, pub, source="exact")
    assert rec.n_identified == (len(truth.leaves), len(truth.leaves), len(rec.weights), len(rec.weights))
    s, w = errors(rec, truth)
    assert s < 1e-9 and w < 1e-9
    assert rec.fit.max_abs is not None and rec.fit.max_abs < 1e-8 and rec.resolution == 0.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_random_parameters_are_recovered_from_scores_rounded_to_two_decimals(shape: list[list[int]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = make_framework(shape, rng)
    values, pub = synthetic(truth, rng, 2)
    rec = reconstruct(illustrative(truth, rng), values, pub, source="rounded")
    assert rec.n_identified[0] == len(truth.leaves) and rec.n_identified[2] == len(rec.weights)
    s, w = errors(rec, truth)
    assert s < 1e-3 and w < 0.002
    assert rec.resolution == 0.005 and rec.fit.rms is not None and rec.fit.rms < 0.01
    for x in rec.standards:  # the truth lies in the interval every observation used allows
        assert x.low is not None and x.high is not None and x.low * (1 - 1e-12) <= truth.node(x.code).standard <= x.high * (1 + 1e-12)


@pytest.mark.parametrize("digits", [None, 2])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_the_gansu_framework_for_14_cities_and_three_years(digits: int | None, seed: int) -> None:
    rng = np.random.default_rng(seed)
    fw = embedded_framework()
    weights: dict[str, float] = {}
    for parent in (n for n in fw.nodes if not n.is_leaf):
        kids = fw.children(parent.code)
        weights.update(zip((k.code for k in kids), rng.dirichlet(np.full(len(kids), 3.0))))
    truth = replace(fw, nodes=tuple(replace(n, weight=weights.get(n.code, n.weight), standard=None if n.standard is None else n.standard * rng.uniform(0.5, 2)) for n in fw.nodes))
    values, pub = synthetic(truth, rng, digits)
    rec = reconstruct(fw, values, pub, source="2025年评价反馈")
    assert rec.n_identified == (32, 32, 18, 18)
    s, w = errors(rec, truth)
    assert (s < 1e-9 and w < 1e-9) if digits is None else (s < 1e-3 and w < 0.002)


def test_what_the_data_cannot_identify_is_said() -> None:
    rng = np.random.default_rng(7)
    truth = make_framework([[0, 0, 0], [2]], rng)
    values, pub = synthetic(truth, rng, 2)
    x = values.data.copy()
    i01 = values.indicators.index("I01")
    x[..., i01] = np.where(truth.node("I01").direction == 1, 10, 0.1) * truth.node("I01").standard  # capped everywhere
    i04, i05 = values.indicators.index("I04"), values.indicators.index("I05")
    x[..., i05] = x[..., i04] * truth.node("I05").standard / truth.node("I04").standard  # I04 and I05 score alike: collinear
    if truth.node("I05").direction != truth.node("I04").direction:
        x[..., i05] = truth.node("I05").standard * truth.node("I04").standard / x[..., i04]
    values = replace(values, data=x)
    pub = {k: v for k, v in synthetic_scores(truth, values).items() if k[1] != 2025 or k[2] != "I02"}
    pub = {k: v for k, v in pub.items() if not (k[2] == "I03" and k[:2] != ("R00", 2023))}  # one observation only
    rec = reconstruct(truth, values, pub, source="s")
    by = {s.code: s for s in rec.standards}
    assert not by["I01"].identified and "capped at 100 everywhere" in by["I01"].reason.en  # type: ignore[union-attr]
    assert by["I01"].bound is not None
    assert by["I02"].identified and by["I02"].n_published == 28
    assert by["I03"].n_published == 1 and (not by["I03"].identified or by["I03"].reason is not None)
    g = next(w for w in rec.weights if w.parent == "G10")
    assert not g.identified and "collinear" in g.reason.en or "alike" in g.reason.en  # type: ignore[union-attr]
    assert g.low == (0.0, 0.0) and g.high == pytest.approx((1.0, 1.0), abs=1e-6)
    fw = reconstructed_framework(truth, rec)
    assert fw.node("I01").standard == truth.node("I01").standard and fw.node("I01").standard_provenance == ASSUMED
    assert fw.node("I04").weight == truth.node("I04").weight and str(fw.node("I02").standard_provenance) == "official: reconstructed from s"


def synthetic_scores(fw: Framework, values: Values) -> dict[tuple[str, int, str], float]:
    scores = np.round(build(Recipe(), fw.tree, values.data).scores, 2)
    return {(r, y, c): float(scores[i, t, k]) for i, r in enumerate(values.regions) for t, y in enumerate(values.years) for k, c in enumerate(fw.tree.codes)}


def test_a_mistyped_figure_is_left_out_not_averaged_in() -> None:
    rng = np.random.default_rng(11)
    truth = make_framework([[0, 0], [0, 3]], rng)
    values, pub = synthetic(truth, rng, 2)
    code = "I02"
    k = values.indicators.index(code)
    x = values.data.copy()
    i, t = next((i, t) for i in range(14) for t in range(3) if pub[(REGIONS[i], YEARS[t], code)] < 90)
    x[i, t, k] *= 10 if truth.node(code).direction == 1 else 0.1  # a raw value typed ten times too large, the published score being right
    rec = reconstruct(truth, replace(values, data=x), pub, source="s")
    fit = next(s for s in rec.standards if s.code == code)
    assert fit.identified and fit.reason is not None and "disagree" in fit.reason.en
    assert fit.estimate == pytest.approx(truth.node(code).standard, rel=1e-3)


def test_resolution() -> None:
    assert resolution([40.12, 33.5, 100.0]) == 0.005
    assert resolution([40.1, 33.5]) == 0.05
    assert resolution([41.0, 9.0]) == 0.5
    assert resolution([1 / 3]) == 0.0


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_the_reconstructed_framework_is_complete_and_reads_back(fmt: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    fw = embedded_framework()
    values, pub = synthetic(fw, rng, 2)
    rec = reconstruct(fw, values, pub, source="2025年评价反馈")
    out = reconstructed_framework(fw, rec)
    assert not out.is_illustrative and "(示意参数)" not in out.title and out.notes[-1].startswith("据评价反馈重建")
    path = tmp_path / f"fw.{fmt}"
    export_framework(out, fmt, path)
    back = load_framework(path)
    assert [(n.code, str(n.weight_provenance), str(n.standard_provenance)) for n in back.nodes] == [(n.code, str(n.weight_provenance), str(n.standard_provenance)) for n in out.nodes]
    # Excel keeps 15 significant digits
    assert [n.weight for n in back.nodes] == pytest.approx([n.weight for n in out.nodes], rel=1e-13)
    assert [n.standard or 0 for n in back.nodes] == pytest.approx([n.standard or 0 for n in out.nodes], rel=1e-13)


def test_unpublished_levels_are_bridged_only_by_reconstructed_parameters() -> None:
    rng = np.random.default_rng(13)
    truth = make_framework([[2, 3], [0, 2]], rng)
    values, pub = synthetic(truth, rng, 2)
    leaves_and_root = {k: v for k, v in pub.items() if k[2] == "ROOT" or k[2].startswith("I")}
    rec = reconstruct(illustrative(truth, rng), values, leaves_and_root, source="s")
    assert rec.n_identified == (len(truth.leaves), len(truth.leaves), 0, len(rec.weights))  # groups and areas unpublished: nothing above the leaves
    assert all("no region-year" in (w.reason.en if w.reason else "") for w in rec.weights if len(w.codes) > 1)
    peers_without_leaves = {k: v for k, v in pub.items() if not k[2].startswith("I") or k[0] in ("R00", "R01")}
    rec = reconstruct(illustrative(truth, rng), values, peers_without_leaves, source="s")
    assert rec.n_identified == (len(truth.leaves), len(truth.leaves), len(rec.weights), len(rec.weights))
    assert {f.n_obs for f in rec.weights} == {42}  # the peers' leaf scores computed from the reconstructed standards
    _, w = errors(rec, truth)
    assert w < 0.002
    top_only = {k: v for k, v in pub.items() if k[2] in ("ROOT", "A0", "A1")}
    rec = reconstruct(illustrative(truth, rng), values, top_only, source="s")
    fits = {f.parent: f for f in rec.weights}
    assert fits["ROOT"].identified and not fits["A0"].identified and rec.n_identified[0] == 0
