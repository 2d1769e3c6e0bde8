"""Rank forecast from sparse published peer results: trends, Monte Carlo, missing peers, the gap."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from stpi.analysis import rankforecast as rf
from stpi.analysis.demo_peers import DEMO_LABEL, demo_peer_results
from stpi.analysis.rankforecast import TrendPrior, fit_trend, pooled_prior, rank_forecast
from stpi.errors import InputError, MethodError, StpiError

# three points on exact lines: no residual, so no uncertainty at all
EXACT = {
    "A": [(2020, 50.0), (2021, 51.0), (2022, 52.0)],  # 56 in 2026
    "B": [(2020, 40.0), (2021, 41.0), (2022, 42.0)],  # 46
    "C": [(2020, 30.0), (2021, 30.0), (2022, 30.0)],  # 30
}
SPARSE = {"A": [(2021, 50.0), (2022, 52.0)], "B": [(2022, 44.0)], "C": [(2020, 40.0), (2021, 41.5), (2022, 42.0)]}
EXACTLY = TrendPrior(noise_floor=0.0)  # no floor on the residual sd: exact lines stay certain


def test_ols_trend_by_hand() -> None:
    t = fit_trend("R", [(2022, 45.0), (2019, 40.0), (2021, 41.0), (2020, 42.0)], target_year=2026, prior=TrendPrior(noise_sd=0.0, noise_floor=0.0))
    assert t is not None and t.method == "ols" and t.years == (2019, 2020, 2021, 2022)
    # t̄ = 2020.5, ȳ = 42, Sxx = 5, Sxy = 7, RSS = 0.01 + 0.49 + 2.89 + 0.81 = 4.2, s² = 2.1
    assert t.slope == pytest.approx(1.4) and t.mean == pytest.approx(49.7) and t.horizon == 5.5
    assert t.sd_noise == pytest.approx(math.sqrt(2.1))
    assert t.sd_level == pytest.approx(math.sqrt(2.1) / 2) and t.sd_slope == pytest.approx(math.sqrt(2.1 / 5))
    assert t.sd == pytest.approx(math.sqrt(2.1 / 4 + 2.1 / 5 * 5.5**2 + 2.1))


def test_one_and_two_points_borrow_the_prior_and_none_is_unranked() -> None:
    prior = TrendPrior(drift=1.0, drift_sd=2.0, noise_sd=1.5)
    one = fit_trend("R", [(2022, 50.0)], target_year=2026, prior=prior)
    assert one is not None and one.method == "one_point"
    assert (one.mean, one.sd_level, one.sd_slope, one.sd_noise, one.horizon) == (54.0, 1.5, 2.0, 1.5, 4.0)
    assert one.sd == pytest.approx(math.sqrt(68.5))
    two = fit_trend("R", [(2021, 50.0), (2022, 53.0)], target_year=2026, prior=prior)
    assert two is not None and two.method == "two_point"
    assert (two.slope, two.mean, two.sd_noise) == (3.0, 65.0, 1.5) and two.sd_slope == pytest.approx(1.5 / math.sqrt(0.5))
    assert fit_trend("R", [], target_year=2026, prior=prior) is None


def test_pooled_prior() -> None:
    pooled = pooled_prior({"A": [(2021, 40.0), (2022, 42.0)], "B": [(2021, 50.0), (2022, 51.0)], "C": [(2022, 30.0)]})
    assert pooled.drift == 1.5 and pooled.drift_sd == pytest.approx(math.sqrt(0.5))
    assert pooled.noise_sd == TrendPrior().noise_sd and "pooled: 2" in pooled.source  # no region with 3 points: default noise
    pooled = pooled_prior(EXACT)
    assert (pooled.drift, pooled.drift_sd, pooled.noise_sd) == (pytest.approx(2 / 3), pytest.approx(math.sqrt(1 / 3)), 0.0)
    assert pooled_prior({"A": [(2022, 40.0)]}) == TrendPrior()


def test_zero_uncertainty_gives_probability_one_at_the_deterministic_rank() -> None:
    f = rank_forecast(EXACT, city="X", target_year=2026, goal_rank=2, city_index=45.0, draws=1000, prior=EXACTLY)
    assert [t.mean for t in f.peers] == [56.0, 46.0, 30.0] and all(t.sd == 0 for t in f.peers)
    assert f.rank_probability == (0.0, 0.0, 1.0, 0.0)
    assert f.p_goal == 0.0 and f.p_goal_bounds == (0.0, 0.0)
    assert f.gap_mean == 1.0 and f.gap_quantiles == (1.0, 1.0, 1.0)  # B's 46 minus 45
    assert f.at_goal_rank == (("B", 1.0),)
    ahead = rank_forecast(EXACT, city="X", target_year=2026, goal_rank=2, city_index=47.5, draws=10, prior=EXACTLY)
    assert ahead.rank_probability == (0.0, 1.0, 0.0, 0.0) and ahead.p_goal == 1.0 and ahead.gap_mean == -1.5


def test_a_tie_shares_the_better_rank() -> None:
    f = rank_forecast(EXACT, city="X", target_year=2026, goal_rank=2, city_index=46.0, draws=10, prior=EXACTLY)
    assert f.rank_probability == (0.0, 1.0, 0.0, 0.0) and f.gap_mean == 0.0


def test_single_points_without_any_uncertainty_are_deterministic() -> None:
    peers = {"A": [(2022, 60.0)], "B": [(2021, 40.0)], "C": [(2022, 20.0)]}
    f = rank_forecast(peers, city="X", target_year=2026, goal_rank=1, city_index=50.0, prior=TrendPrior(0.0, 0.0, 0.0, noise_floor=0.0), draws=100)
    assert all(t.method == "one_point" for t in f.peers)
    assert f.rank_probability == (0.0, 1.0, 0.0, 0.0) and f.gap_mean == 10.0


def test_seeded_and_reproducible() -> None:
    kwargs = dict(city="X", target_year=2026, goal_rank=2, city_index=50.0, city_sd=2.0, draws=10_000)
    a = rank_forecast(SPARSE, seed=7, **kwargs)  # type: ignore[arg-type]
    assert a == rank_forecast(SPARSE, seed=7, **kwargs)  # type: ignore[arg-type]
    # C's own residual sd (0.41, one degree of freedom) is floored at 1 point, as are the borrowed ones
    assert a.rank_probability == (0.0378, 0.4204, 0.4323, 0.1095)
    assert a.p_goal == pytest.approx(0.4582)
    assert a.gap_mean == pytest.approx(0.420161667708019)
    assert [name for name, _ in a.at_goal_rank] == ["B", "C", "A"]
    b = rank_forecast(SPARSE, seed=8, **kwargs)  # type: ignore[arg-type]
    assert b.rank_probability == (0.0406, 0.4246, 0.4193, 0.1155)


def test_chunks_and_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rf, "CHUNK", 1000)
    seen: list[tuple[int, int]] = []
    f = rank_forecast(SPARSE, city="X", target_year=2026, goal_rank=2, city_index=50.0, draws=2500, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert sum(f.rank_probability) == pytest.approx(1.0)


def test_probability_matches_the_normal_distribution() -> None:
    # one peer, one point, borrowed noise only: its 2022 draw is N(52, 1.5² + 1.5²)
    f = rank_forecast({"A": [(2022, 52.0)]}, city="X", target_year=2022, goal_rank=1, city_index=50.0, draws=200_000, seed=1)
    assert f.p_goal == pytest.approx(norm.cdf((50.0 - 52.0) / math.sqrt(4.5)), abs=0.005)


def test_missing_peers_are_reported_and_bound_the_probability() -> None:
    regions = ["X", "A", "B", "C", "D", "E"]
    f = rank_forecast(EXACT, city="X", regions=regions, target_year=2026, goal_rank=4, city_index=45.0, draws=100, prior=EXACTLY)
    assert f.unranked == ("D", "E") and f.regions_total == 6 and f.ranked == 4
    assert f.rank_probability == (0.0, 0.0, 1.0, 0.0)
    assert f.p_goal == 1.0 and f.p_goal_bounds == (0.0, 1.0)  # rank 3 among the known: 3 or 5 among all
    assert "D、E" in f.notes[0].zh and "not ranked" in f.notes[0].en
    assert f.gap_mean is None and any("少于 4 个" in n.zh for n in f.notes)


def test_missing_peers_drawn_from_a_prior() -> None:
    regions = ["X", "A", "B", "C", "D", "E"]
    f = rank_forecast(EXACT, city="X", regions=regions, target_year=2026, goal_rank=4, city_index=45.0, missing="prior", draws=20_000, seed=3, prior=EXACTLY)
    assert f.ranked == 6 and f.rank_probability[:2] == (0.0, 0.0)  # A and B are always ahead
    assert f.p_goal_bounds == (f.p_goal, f.p_goal) and 0.2 < f.p_goal < 0.8
    assert f.gap_mean is not None and {name for name, _ in f.at_goal_rank} == {"B", "C", "未知地区1 unknown 1", "未知地区2 unknown 2"}
    assert not any("少于" in n.zh for n in f.notes)
    with pytest.raises(MethodError, match="prior"):
        rank_forecast({"A": [(2022, 50.0)]}, city="X", regions=["X", "A", "B"], target_year=2026, goal_rank=1, city_index=45.0, missing="prior")


def test_the_real_sparse_case_one_peer_with_two_points() -> None:
    # 嘉峪关 65.61 in the evaluation published in 2023, up 13.13 points: the only real peer figures
    peers = {"嘉峪关市": [(2021, 52.48), (2022, 65.61)]}
    f = rank_forecast(peers, city="陇南市", regions=["陇南市", "嘉峪关市", "兰州市"], target_year=2026, goal_rank=2, city_index=43.26, draws=1000)
    jyg = f.peers[0]
    assert jyg.method == "two_point" and jyg.slope == pytest.approx(13.13) and jyg.mean == pytest.approx(118.13)  # 59.045 + 13.13 × 4.5
    assert jyg.projected == 100.0 and any("0–100" in n.zh for n in f.notes)  # the index is capped at 100
    assert f.rank_probability == (0.0, 1.0) and f.unranked == ("兰州市",) and f.p_goal_bounds == (0.0, 1.0)


def test_city_projected_from_its_own_history() -> None:
    f = rank_forecast(EXACT, city="X", target_year=2026, goal_rank=2, city_history=[(2021, 40.0), (2022, 42.0), (2020, 38.0)], draws=10, prior=EXACTLY)
    assert f.city_trend.method == "ols" and f.city_trend.mean == 50.0 and f.rank_probability == (0.0, 1.0, 0.0, 0.0)
    with pytest.raises(StpiError, match="没有公布值"):
        rank_forecast(EXACT, city="X", target_year=2026, goal_rank=2)


def test_bad_input_is_refused() -> None:
    with pytest.raises(StpiError, match="没有任何同级地区"):
        rank_forecast({"A": []}, city="X", target_year=2026, goal_rank=1, city_index=40.0)
    with pytest.raises(InputError, match="不在本省"):
        rank_forecast({"Z": [(2022, 1.0)]}, city="X", regions=["X", "A"], target_year=2026, goal_rank=1, city_index=40.0)
    with pytest.raises(MethodError, match="valid: known, prior"):
        rank_forecast(EXACT, city="X", target_year=2026, goal_rank=1, city_index=40.0, missing="guess")
    with pytest.raises(MethodError, match="超过地区数"):
        rank_forecast(EXACT, city="X", target_year=2026, goal_rank=5, city_index=40.0)
    with pytest.raises(MethodError, match="draws"):
        rank_forecast(EXACT, city="X", target_year=2026, goal_rank=1, city_index=40.0, draws=0)
    with pytest.raises(InputError, match="同一年"):
        rank_forecast({"A": [(2022, 1.0), (2022, 2.0)]}, city="X", target_year=2026, goal_rank=1, city_index=40.0)


def test_result_as_json_ready_dict() -> None:
    d = rank_forecast(EXACT, city="X", target_year=2026, goal_rank=2, city_index=45.0, draws=10, demo=True, prior=EXACTLY).to_dict()
    assert d["ranked"] == 4 and d["peers"][0]["sd"] == 0.0 and d["peers"][0]["projected"] == 56.0
    assert d["demo"] is True and d["notes"][0]["zh"].startswith("【演示数据】")


def test_demo_peers_are_deterministic_sparse_and_labelled() -> None:
    names = [f"P{i}" for i in range(13)]
    demo = demo_peer_results(names)
    assert demo == demo_peer_results(names) and demo != demo_peer_results(names, seed=1)
    assert demo["P0"] == [(2018, 56.71), (2019, 58.84), (2020, 56.86), (2021, 58.05), (2022, 59.28)]
    assert demo["P2"] == [(2022, 33.75)] and demo["P4"] == [] and demo["P10"] == []
    assert sorted(len(v) for v in demo.values()) == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5]
    assert "演示数据" in DEMO_LABEL


def test_few_points_get_an_honest_spread() -> None:
    """Three points on a line leave one degree of freedom: the residual sd is floored (1 point, and the pooled sd)."""
    exact = fit_trend("R", [(2020, 50.0), (2021, 51.0), (2022, 52.0)], target_year=2026, prior=TrendPrior(noise_sd=0.3))
    assert exact is not None and exact.sd_own == 0.0 and exact.sd_noise == 1.0 and exact.floored
    pooled = fit_trend("R", [(2020, 50.0), (2021, 51.0), (2022, 52.0)], target_year=2026, prior=TrendPrior(noise_sd=2.5))
    assert pooled is not None and pooled.sd_noise == 2.5  # fewer than FEW_POINTS points: at least the pooled sd
    many = [(2015 + i, 40.0 + i + (0.3 if i % 2 else -0.3)) for i in range(rf.FEW_POINTS + 1)]
    long = fit_trend("R", many, target_year=2026, prior=TrendPrior(noise_sd=2.5))
    assert long is not None and long.sd_own is not None and long.sd_noise == max(long.sd_own, 1.0)  # enough points: its own sd, floored
    two = fit_trend("R", [(2021, 50.0), (2022, 51.0)], target_year=2026, prior=TrendPrior(noise_sd=0.2))
    assert two is not None and two.sd_noise == 1.0 and two.sd_own is None
    f = rank_forecast(EXACT, city="X", target_year=2026, goal_rank=2, city_index=45.0, draws=2000)
    assert all(t.sd_noise >= 1.0 for t in f.peers) and 0 < f.p_goal < 0.5  # no longer "certainly 3rd"
    assert any("残差标准差设下限" in n.zh and "A、B、C" in n.zh for n in f.notes)


def test_scenarios_are_ranked_against_the_same_peer_draws() -> None:
    base = rank_forecast(SPARSE, city="X", target_year=2026, goal_rank=2, city_index=45.0, city_sd=2.0, draws=4000, seed=3)
    f = rank_forecast(SPARSE, city="X", target_year=2026, goal_rank=2, city_index=45.0, city_sd=2.0, draws=4000, seed=3, scenarios={"targets_met": 60.0, "low": 10.0})
    assert (f.rank_probability, f.p_goal) == (base.rank_probability, base.p_goal)  # the headline is unchanged
    met, low = f.scenarios
    assert (met.name, met.index, low.name) == ("targets_met", 60.0, "low")
    assert sum(met.rank_probability) == pytest.approx(1.0) and met.p_goal > f.p_goal > low.p_goal == 0.0
    assert low.rank_probability[-1] == 1.0 and low.gap_mean is not None and low.gap_mean > 0
    assert f.to_dict()["scenarios"][0]["name"] == "targets_met"
