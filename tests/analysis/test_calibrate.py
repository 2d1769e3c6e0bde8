"""Calibration of unknown weights on published index values: recovery, identifiability, refusal."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize

from stpi.analysis import compute_index
from stpi.analysis.calibrate import calibrate, calibrated_framework, consistent_ranges, fit_simplex, free_parents
from stpi.analysis.values import Values
from stpi.errors import MethodError, StpiError
from stpi.framework import Framework, embedded_framework, load_framework
from stpi.framework.io import export_framework, framework_from_records
from stpi.framework.model import Provenance

TRUE_AREAS = {"A1": 0.1, "A2": 0.15, "A3": 0.2, "A4": 0.25, "A5": 0.3}
REGIONS = tuple(f"R{i}" for i in range(6))
YEARS = (2020, 2021, 2022, 2023)


@pytest.fixture(scope="module")
def fw() -> Framework:
    return embedded_framework()


@pytest.fixture(scope="module")
def values(fw: Framework) -> Values:
    """Synthetic raw values for 6 regions × 4 years, some above their standard (capped)."""
    rng = np.random.default_rng(0)
    data = rng.uniform(0.2, 1.5, (len(REGIONS), len(YEARS), len(fw.leaves))) * fw.tree.standard
    return Values(REGIONS, YEARS, tuple(n.code for n in fw.leaves), data)


def with_weights(fw: Framework, weights: dict[str, float], scale: float = 1.0) -> Framework:
    nodes = []
    for n in fw.nodes:
        n = replace(n, weight=weights.get(n.code, n.weight))
        nodes.append(replace(n, standard=n.standard * scale) if n.standard is not None else n)
    return replace(fw, nodes=tuple(nodes))


def published(fw: Framework, values: Values, digits: int | None = None) -> dict[tuple[str, int], float]:
    root = compute_index(fw, values).root
    return {(r, y): float(root[i, j] if digits is None else round(root[i, j], digits)) for i, r in enumerate(values.regions) for j, y in enumerate(values.years)}


def test_fit_simplex_is_exact_without_noise() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 20, (12, 5))
    w = np.array([0.1, 0.15, 0.2, 0.25, 0.3])
    got = fit_simplex(a, a @ w, np.zeros(5, dtype=np.intp))
    np.testing.assert_allclose(got, w, atol=1e-12)
    two = np.array([0, 0, 0, 1, 1], dtype=np.intp)
    w2 = np.array([0.2, 0.3, 0.5, 0.4, 0.6])
    np.testing.assert_allclose(fit_simplex(a, a @ w2, two), w2, atol=1e-12)


def test_fit_simplex_respects_the_bounds_when_the_optimum_is_outside() -> None:
    rng = np.random.default_rng(2)
    a = rng.uniform(0, 20, (15, 4))
    b = a @ np.array([0.0, 0.5, 0.5, 0.0]) + rng.normal(0, 2, 15) - 3 * a[:, 0] / 20  # equality-only optimum has w[3] < 0
    block = np.zeros(4, dtype=np.intp)
    got = fit_simplex(a, b, block)
    assert got.min() >= 0 and got.sum() == pytest.approx(1.0, abs=1e-12) and got[3] == 0.0  # unconstrained: -0.063
    ref = minimize(lambda v: np.sum((a @ v - b) ** 2), np.full(4, 0.25), bounds=[(0, None)] * 4, constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1}], method="SLSQP", options={"ftol": 1e-14})
    assert np.sum((a @ got - b) ** 2) <= np.sum((a @ ref.x - b) ** 2) + 1e-9


def test_consistent_ranges_of_two_identical_columns() -> None:
    a = np.array([[1.0, 1.0, 5.0], [2.0, 2.0, 1.0], [3.0, 3.0, 4.0], [0.5, 0.5, 2.0]])
    w = np.array([0.3, 0.3, 0.4])
    low, high = consistent_ranges(a, a @ w, np.zeros(3, dtype=np.intp), w)
    np.testing.assert_allclose(low, [0.0, 0.0, 0.4], atol=1e-6)
    np.testing.assert_allclose(high, [0.6, 0.6, 0.4], atol=1e-6)


def test_recovers_the_area_weights_exactly(fw: Framework, values: Values) -> None:
    cal = calibrate(fw, values, published(with_weights(fw, TRUE_AREAS), values))
    assert cal.status == "identified" and cal.codes == ("A1", "A2", "A3", "A4", "A5") and cal.parent_of == ("INDEX",) * 5
    assert cal.estimate is not None
    np.testing.assert_allclose(cal.estimate, list(TRUE_AREAS.values()), atol=1e-12)
    np.testing.assert_allclose(cal.low, list(TRUE_AREAS.values()), atol=1e-12)
    np.testing.assert_allclose(cal.high, list(TRUE_AREAS.values()), atol=1e-12)
    assert (cal.n_obs, cal.n_free, cal.rank) == (24, 4, 4) and cal.current == (0.2,) * 5
    assert cal.r2 == pytest.approx(1.0) and cal.rmse is not None and cal.rmse < 1e-12
    assert cal.condition == pytest.approx(1.4914880238, rel=1e-6) and cal.range_method == "leave_one_out"
    assert "参数可识别" in cal.message.zh and cal.reasons == ()


def test_recovers_group_weights_inside_the_areas(fw: Framework, values: Values) -> None:
    truth = {"G01": 0.5, "G02": 0.2, "G03": 0.3, "G04": 0.7, "G05": 0.3}
    cal = calibrate(fw, values, published(with_weights(fw, truth), values), parents=["A1", "A2"])
    assert cal.codes == ("G01", "G02", "G03", "G04", "G05") and cal.n_free == 3 and cal.status == "identified"
    assert cal.estimate is not None
    np.testing.assert_allclose(cal.estimate, list(truth.values()), atol=1e-10)


def test_recovers_a_common_scale_of_the_standards(fw: Framework, values: Values) -> None:
    cal = calibrate(fw, values, published(with_weights(fw, TRUE_AREAS, scale=1.3), values), scale_standards=True)
    assert cal.status == "identified" and cal.n_free == 5
    assert cal.scale == pytest.approx(1.3, abs=1e-6) and cal.estimate is not None
    np.testing.assert_allclose(cal.estimate, list(TRUE_AREAS.values()), atol=1e-6)
    assert cal.scale_range is not None and cal.scale_range[0] == pytest.approx(1.3, abs=1e-6) and cal.scale_range[1] == pytest.approx(1.3, abs=1e-6)


def test_published_values_rounded_to_two_decimals(fw: Framework, values: Values) -> None:
    cal = calibrate(fw, values, published(with_weights(fw, TRUE_AREAS), values, digits=2))
    assert cal.status == "identified" and cal.estimate is not None
    np.testing.assert_allclose(cal.estimate, list(TRUE_AREAS.values()), atol=0.005)
    assert cal.r2 is not None and cal.r2 > 0.99999 and cal.rmse is not None and cal.rmse < 0.005


def test_too_few_published_values_are_refused(fw: Framework, values: Values) -> None:
    few = dict(list(published(with_weights(fw, TRUE_AREAS), values).items())[:3])
    cal = calibrate(fw, values, few)
    assert cal.status == "unidentified" and cal.estimate is None and cal.scale is None
    assert (cal.n_obs, cal.n_free, cal.rank, cal.r2) == (3, 4, 3, None) and cal.range_method == "consistent"
    assert "数据不足,参数无法识别" in cal.message.zh and "not identified" in cal.message.en
    assert all(lo - 1e-6 <= t <= hi + 1e-6 for lo, t, hi in zip(cal.low, TRUE_AREAS.values(), cal.high))
    assert max(h - lo for lo, h in zip(cal.low, cal.high)) > 0.1
    with pytest.raises(StpiError, match="数据不足"):
        calibrated_framework(fw, cal)


def test_a_few_more_values_than_parameters_is_weak(fw: Framework, values: Values) -> None:
    six = dict(list(published(with_weights(fw, TRUE_AREAS), values).items())[:6])
    cal = calibrate(fw, values, six)
    assert cal.status == "weak" and cal.estimate is not None
    assert any("自由度仅 2" in r.zh for r in cal.reasons) and "数据不足以精确估计" in cal.message.zh


def collinear() -> Framework:
    """INDEX → three indicators directly; X1 and X2 will move together."""
    rows = [
        {"code": "INDEX", "parent": "", "name": "指数", "unit": "%"},
        {"code": "X1", "parent": "INDEX", "name": "x1", "unit": "u", "weight": 0.2, "standard": 10, "direction": 1},
        {"code": "X2", "parent": "INDEX", "name": "x2", "unit": "u", "weight": 0.3, "standard": 20, "direction": 1},
        {"code": "X3", "parent": "INDEX", "name": "x3", "unit": "u", "weight": 0.5, "standard": 5, "direction": 1},
    ]
    return framework_from_records(list(enumerate(rows, 1)), file="<test>", head={"id": "t", "title": "t"}, default_provenance=Provenance("assumed", "test"))


def test_collinear_groups_are_unidentified() -> None:
    fw = collinear()
    rng = np.random.default_rng(3)
    x1 = rng.uniform(1, 9, 20)
    data = np.stack([x1, 2 * x1, rng.uniform(1, 4, 20)], axis=-1)[:, None, :]  # X2's score equals X1's
    values = Values(tuple(f"R{i}" for i in range(20)), (2023,), ("X1", "X2", "X3"), data)
    cal = calibrate(fw, values, published(fw, values))
    assert cal.status == "unidentified" and cal.estimate is None and (cal.n_obs, cal.n_free, cal.rank) == (20, 2, 1)
    np.testing.assert_allclose(cal.low, [0.0, 0.0, 0.5], atol=1e-6)  # only X1 + X2 = 0.5 is known
    np.testing.assert_allclose(cal.high, [0.5, 0.5, 0.5], atol=1e-6)


def test_parents_are_checked(fw: Framework) -> None:
    assert free_parents(fw) == ("INDEX",)
    assert free_parents(fw, depth=1) == ("A1", "A2", "A3", "A4", "A5")
    with pytest.raises(MethodError, match="嵌套"):
        free_parents(fw, parents=["INDEX", "A1"])
    with pytest.raises(MethodError, match="末级"):
        free_parents(fw, parents=["I01"])
    with pytest.raises(MethodError, match="只能选一个"):
        free_parents(fw, parents=["A1"], depth=1)
    with pytest.raises(MethodError, match="第 3 层"):
        free_parents(fw, depth=3)


def test_values_without_figures_are_dropped(fw: Framework, values: Values) -> None:
    pub = published(with_weights(fw, TRUE_AREAS), values) | {("嘉峪关市", 2022): 65.61}
    cal = calibrate(fw, values, pub)
    assert cal.n_obs == 24 and cal.dropped == (("嘉峪关市", 2022, "没有该地区该年的指标数据 no figures for this region and year"),)


def test_candidate_framework(fw: Framework, values: Values, tmp_path: Path) -> None:
    cal = calibrate(fw, values, published(with_weights(fw, TRUE_AREAS), values))
    cand = calibrated_framework(fw, cal)
    assert fw.node("A1").weight == 0.2  # the framework given is unchanged
    assert cand.node("A1").weight == pytest.approx(0.1) and cand.node("G01").weight == fw.node("G01").weight
    note = str(cand.node("A5").weight_provenance)
    assert note.startswith("assumed: 由 24 个公布值校准 calibrated from 24 published values (fit R²=1.0000")
    assert cand.node("G01").weight_provenance == fw.node("G01").weight_provenance and cand.id == "gansu-city-calibrated"
    export_framework(cand, "csv", tmp_path / "cand.csv")
    again = load_framework(tmp_path / "cand.csv")
    assert again.node("A4").weight == pytest.approx(0.25) and again.node("I01").standard == fw.node("I01").standard
