"""Defaults that commands show in their help: kept apart from the modules that use them, so `stpi --help` imports nothing heavy."""

from __future__ import annotations

__all__ = [
    "DEMO_LABEL",
    "DEMO_PEER_YEARS",
    "DEMO_SEED",
    "DEMO_STORE_YEARS",
    "ISSUER",
    "MILESTONE_PATHS",
    "RANK_FORECAST_SEED",
    "UNCERTAINTY_SEED",
]

DEMO_LABEL = "演示数据(合成,非真实统计) demo data (synthetic, not real statistics)"
DEMO_SEED = 20240103
DEMO_PEER_YEARS = (2018, 2019, 2020, 2021, 2022)  # synthetic published peer results
DEMO_STORE_YEARS = (2023, 2024, 2025)  # synthetic figures `stpi demo load` writes
MILESTONE_PATHS = ("linear", "compound")
RANK_FORECAST_SEED = 2026
UNCERTAINTY_SEED = 20240103  # the plan's date: fixed, so that a rerun gives the same intervals
ISSUER = "陇南市科技领导小组办公室"  # the bulletin's default issuing body
