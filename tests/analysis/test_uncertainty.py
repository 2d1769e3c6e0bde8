"""Monte Carlo rank intervals and Sobol' indices on small frameworks worked out by hand."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from stpi.analysis import Values
from stpi.analysis.uncertainty import Settings, sobol_problem, uncertainty
from stpi.engine import Aggregate, Normalise, Recipe, build
from stpi.errors import MethodError, NotFoundError
from stpi.framework import Framework, Node

NAN = np.nan


def framework(rows: list[tuple[str, str | None, float, float | None]]) -> Framework:
    """A framework from (code, parent, weight, standard) rows; every leaf higher-is-better."""
    nodes = [Node(c, p, c, weight=w, standard=s, direction=None if s is None else 1) for c, p, w, s in rows]
    return Framework("test", "test", tuple(nodes))


def values(fw: Framework, data: dict[str, list[float]], year: int = 2024) -> Values:
    regions = tuple(data)
    cube = np.array([data[r] for r in regions], dtype=float)[:, None, :]
    return Values(regions, (year,), tuple(n.code for n in fw.leaves), cube)


TWO = framework([("R", None, 1.0, None), ("x", "R", 0.5, 10.0), ("y", "R", 0.5, 10.0)])

# root → A (0.6) → a1, a2; root → B (0.4) → b (a lone child)
TOY = framework(
    [("R", None, 1.0, None), ("A", "R", 0.6, None), ("B", "R", 0.4, None), ("a1", "A", 0.5, 100.0), ("a2", "A", 0.5, 100.0), ("b", "B", 1.0, 100.0)]
)

SIX = framework(
    [("R", None, 1.0, None), ("A", "R", 0.5, None), ("B", "R", 0.5, None), ("a1", "A", 0.5, 10.0), ("a2", "A", 0.5, 10.0), ("b1", "B", 0.5, 10.0), ("b2", "B", 0.5, 10.0)]
)
SIX_DATA = {  # well separated: nominal indices 90, 75, 60, 45, 30, 15
    "甲": [9, 9, 9, 9], "乙": [7.5, 7.5, 7.5, 7.5], "丙": [6, 6, 6, 6], "丁": [4.5, 4.5, 4.5, 4.5], "戊": [3, 3, 3, 3], "己": [1.5, 1.5, 1.5, 1.5],
}


def test_without_noise_every_replication_is_the_nominal_index() -> None:
    data = dict(SIX_DATA, 庚=[2.0, NAN, 8.0, 5.0])  # a gap, re-weighted
    vals = values(SIX, data)
    res = uncertainty(SIX, vals, settings=Settings(replications=300, weight_noise=0.0, standard_noise=0.0))
    expected = build(Recipe(aggregate=Aggregate(missing="reweight")), SIX.tree, vals.data).scores[:, 0, 0]
    assert np.array_equal(res.index, np.repeat(expected[:, None], 300, axis=1))
    s = res.summary.set_index("region")
    assert s.loc["庚", "index"] == 0.5 * 20 + 0.5 * (0.5 * 80 + 0.5 * 50)  # a2 missing: a1 carries A alone
    assert (s["rank_p5"] == s["rank"]).all() and (s["rank_p95"] == s["rank"]).all() and (s["rank_shift"] == 0).all()
    assert res.sensitivity.empty and res.sobol_runs == 0  # nothing varies


def test_two_regions_swap_places_half_of_the_time() -> None:
    # P scores (100, 0), Q (0, 100): P's index is 100·f_x/(f_x + f_y), Q's the rest
    res = uncertainty(TWO, values(TWO, {"P": [10, 0], "Q": [0, 10]}), settings=Settings(replications=4000, standard_noise=0.0, sobol_samples=0))
    assert np.allclose(res.index.sum(axis=0), 100.0, rtol=0, atol=1e-12)
    assert res.index.min() >= 37.5 and res.index.max() <= 62.5  # f in [0.75, 1.25]: 0.75/2 … 1.25/2
    s = res.summary.set_index("region")
    assert s["index"].tolist() == [50.0, 50.0] and s["rank"].tolist() == [1.0, 1.0]  # a nominal tie
    assert s["rank_p5"].tolist() == [1.0, 1.0] and s["rank_p95"].tolist() == [2.0, 2.0]
    # in every replication one of the two drops to 2nd: the shifts average exactly 0.5
    assert s["rank_shift"].mean() == 0.5 and abs(s.loc["P", "rank_shift"] - 0.5) < 0.03
    assert abs(s.loc["P", "index_p50"] - 50.0) < 0.5 and s.loc["P", "index_p5"] == pytest.approx(100 - s.loc["Q", "index_p95"], abs=0.3)


def test_the_same_seed_gives_the_same_result_and_another_seed_another() -> None:
    vals = values(SIX, SIX_DATA)
    settings = Settings(replications=500, weight_noise=0.9, standard_noise=0.5, sobol_samples=16, focus=("丙",))
    a, b = uncertainty(SIX, vals, settings=settings), uncertainty(SIX, vals, settings=settings)
    assert np.array_equal(a.index, b.index)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    c = uncertainty(SIX, vals, settings=Settings(replications=500, weight_noise=0.9, standard_noise=0.5, sobol_samples=16, focus=("丙",), seed=1))
    assert not np.array_equal(a.index, c.index)
    assert not a.sensitivity["ST"].equals(c.sensitivity["ST"])


TEN = {  # mixed profiles, indices 38 … 83.25 (regions' values drawn once and written out)
    "R0": [8.4, 8.5, 6.1, 4.3], "R1": [2.4, 5.1, 5.3, 2.4], "R2": [2.4, 10.0, 7.2, 3.9], "R3": [5.5, 9.8, 9.2, 8.8], "R4": [5.1, 5.9, 7.4, 2.5],
    "R5": [6.4, 4.2, 9.0, 2.5], "R6": [7.4, 9.0, 3.8, 9.2], "R7": [9.0, 2.1, 7.7, 2.0], "R8": [6.0, 5.5, 3.6, 4.6], "R9": [8.4, 4.5, 3.2, 7.6],
}


def test_rank_intervals_contain_the_nominal_rank() -> None:
    res = uncertainty(SIX, values(SIX, TEN), settings=Settings(replications=2000, sobol_samples=0))
    s = res.summary.set_index("region")
    assert s.index.tolist() == ["R3", "R6", "R0", "R9", "R2", "R5", "R4", "R7", "R8", "R1"]
    assert s["index"].tolist() == pytest.approx([83.25, 73.5, 68.25, 59.25, 58.75, 55.25, 52.25, 52.0, 49.25, 38.0])
    assert ((s["rank_p5"] <= s["rank"]) & (s["rank"] <= s["rank_p95"])).all()
    assert ((s["index_p5"] <= s["index"]) & (s["index"] <= s["index_p95"])).all()
    # the clear leader and the clear last never move; the close middle does
    assert s.loc["R3", ["rank_p5", "rank_p95", "rank_shift"]].tolist() == [1, 1, 0]
    assert s.loc["R1", ["rank_p5", "rank_p95", "rank_shift"]].tolist() == [10, 10, 0]
    assert s.loc["R2", ["rank_p5", "rank_p50", "rank_p95"]].tolist() == [4, 5, 7]
    assert s.loc["R7", ["rank_p5", "rank_p50", "rank_p95"]].tolist() == [6, 8, 9]


def test_method_choices_share_the_replications() -> None:
    minmax = Normalise("minmax", {"low": 1.0, "high": 100.0})  # the geometric mean needs positive scores (as in COINr)
    settings = Settings(replications=2000, normalisations=(Normalise(), minmax), aggregations=("arithmetic", "geometric"), sobol_samples=0)
    res = uncertainty(SIX, values(SIX, SIX_DATA), settings=settings)
    s = res.summary
    assert s["index"].tolist() == pytest.approx([90, 75, 60, 45, 30, 15])
    assert s["rank_p5"].tolist() == s["rank_p95"].tolist() == [1, 2, 3, 4, 5, 6]  # equal profiles: no method reorders them
    assert res.methods["replications"].tolist() == [505, 498, 508, 489] and res.methods["nominal"].tolist() == [True, False, False, False]
    assert s["index_p5"].iloc[-1] == pytest.approx(1.0)  # minmax:1,100 scores the last region 1: so is its geometric mean
    with pytest.raises(MethodError, match="a1 \\(己 2024"):  # minmax:0,100 scores it 0: refused, naming it
        uncertainty(SIX, values(SIX, SIX_DATA), settings=replace(settings, normalisations=(Normalise(), Normalise("minmax"))))


def test_a_dominant_input_gets_the_sobol_indices() -> None:
    # B's score is equal everywhere, so B's weight cannot change any rank: only A's inner weights can.
    # Standards move every score by at most 1%, weights by up to 50%.
    data = {"P": [80.0, 10.0, 50.0], "Q": [10.0, 90.0, 50.0], "S": [45.0, 50.0, 50.0], "T": [60.0, 45.0, 50.0]}
    settings = Settings(replications=100, weight_noise=0.5, standard_noise=0.01, sobol_samples=256, focus=("P", "S"))
    res = uncertainty(TOY, values(TOY, data), settings=settings)
    assert res.sobol_runs == 256 * (3 + 2)  # groups: weights under A, weights under B, standards
    si = res.sensitivity.set_index(["output", "input"])
    for output in ("rank_shift", "rank:P"):
        assert si.loc[(output, "weights:B"), "S1"] == 0.0 and si.loc[(output, "weights:B"), "ST"] == 0.0
        assert si.loc[(output, "weights:A"), "ST"] > 0.9 and si.loc[(output, "weights:A"), "S1"] > 0.8
        assert si.loc[(output, "standards"), "ST"] < 0.1
    assert si.loc[("rank_shift", "weights:A"), ["S1", "ST"]].tolist() == pytest.approx([0.928, 0.995], abs=1e-3)
    # S is 3rd in every run: its rank has no variance to share out
    assert si.loc["rank:S"].isna().all().all()


def test_sobol_problem_groups_inputs_by_area() -> None:
    problem, where = sobol_problem(TOY.tree, Settings(normalisations=(Normalise(), Normalise("minmax"))))
    # B's lone child b has no sibling to trade weight with: not an input
    assert problem["names"] == ["w:A", "w:B", "w:a1", "w:a2", "s:a1", "s:a2", "s:b", "method"]
    assert problem["groups"] == ["weights:A", "weights:B", "weights:A", "weights:A", "standards", "standards", "standards", "method"]
    assert problem["bounds"][0] == [0.75, 1.25] and problem["bounds"][4] == [0.9, 1.1] and problem["bounds"][7] == [0.0, 1.0]
    assert where["w_nodes"] == [1, 2, 3, 4] and where["s_leaves"] == [0, 1, 2] and where["m"] == [7]


def test_year_choice_and_regions_without_data() -> None:
    cube = np.array([[[1.0, 2.0], [5.0, 5.0]], [[NAN, NAN], [10.0, 0.0]], [[4.0, 4.0], [NAN, NAN]]])
    vals = Values(("P", "Q", "S"), (2023, 2024), ("x", "y"), cube)
    res = uncertainty(TWO, vals, settings=Settings(replications=10, sobol_samples=0))
    assert res.year == 2024 and res.regions == ("P", "Q")  # S has nothing in 2024
    assert uncertainty(TWO, vals, year=2023, settings=Settings(replications=10, sobol_samples=0)).regions == ("P", "S")
    with pytest.raises(NotFoundError, match="2030"):
        uncertainty(TWO, vals, year=2030)
    with pytest.raises(NotFoundError, match="S"):
        uncertainty(TWO, vals, settings=Settings(replications=10, sobol_samples=4, focus=("S",)))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(missing="propagate"), "propagate"),
        (Settings(sobol_samples=100), "100"),
        (Settings(weight_noise=1.5), "1.5"),
        (Settings(replications=0), "0"),
        (Settings(aggregations=("median",)), "median"),
        (Settings(normalisations=(Normalise("minmax", {"sd": 1.0}),)), "sd"),
    ],
)
def test_invalid_settings_name_the_value(settings: Settings, message: str) -> None:
    with pytest.raises(MethodError, match=message):
        settings.check()


def test_to_dict_is_plain_json_with_labels() -> None:
    res = uncertainty(SIX, values(SIX, SIX_DATA), settings=Settings(replications=200, sobol_samples=8, focus=("甲",)))
    data = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert data["illustrative_parameters"] is True and data["assumed_uncertainty"] is True
    assert data["nominal_recipe"] == {"normalise": {"method": "ratio", "params": {}}, "aggregate": {"method": "arithmetic", "missing": "reweight"}}
    assert data["regions"][0]["region"] == "甲" and data["regions"][0]["index"] == 90.0
    assert {r["output"] for r in data["sensitivity"]} == {"rank_shift", "rank:甲"}
    assert data["weights"][0] == pytest.approx({"indicator": "a1", "weight": 0.25, **{k: data["weights"][0][k] for k in ("weight_p5", "weight_p50", "weight_p95")}})
    assert data["settings"]["replications"] == 200 and data["sobol_runs"] == 8 * (3 + 2)
