"""The shipped GB/T 2260 list: every province, Gansu's 14 prefectures and Longnan's 9 counties as the embedded default has them."""

from __future__ import annotations

import pytest
import yaml
from importlib import resources

from stpi.errors import InputError, NotFoundError
from stpi.framework.divisions import division, divisions, region_set


def test_the_list_matches_the_embedded_regions() -> None:
    doc = yaml.safe_load((resources.files("stpi") / "data" / "gansu-regions.yaml").read_text(encoding="utf-8"))
    shipped = {d.code: d for d in divisions()}
    for r in doc["regions"]:
        d = shipped[r["code"]]
        assert (d.name, d.level, d.parent) == (r["name"], r["level"], r.get("parent"))
    assert sum(d.level == "province" for d in divisions()) == 34
    assert len({d.code for d in divisions()}) == len(divisions())
    assert all(d.parent in shipped for d in divisions() if d.parent)


def test_a_region_set() -> None:
    province, peers, counties = region_set("天水市")
    assert province.code == "620000" and len(peers) == 14 and "天水市" in {p.name for p in peers}
    assert [c.code for c in counties] == ["620502", "620503", "620521", "620522", "620523", "620524", "620525"]
    _, peers, counties = region_set("621202")  # a county: its peers are its city's counties
    assert len(peers) == 9 and counties == []


def test_names_must_be_unique_or_qualified() -> None:
    with pytest.raises(InputError, match="110105"):
        division("朝阳区")
    assert division("北京市朝阳区").code == "110105"
    with pytest.raises(NotFoundError):
        division("不存在市")
    with pytest.raises(InputError):
        region_set("甘肃省")
