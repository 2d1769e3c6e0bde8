"""stpi plan import (a new version, the previous kept; every problem located, nothing stored) and stpi init for another region."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from stpi.framework.planfile import plan_document
from stpi.store import Store
from stpi.store.plans import plan_versions
from tests.cli.clitools import run_main

PLAN = resources.files("stpi") / "data" / "longnan-plan-2024.yaml"


def test_import_adds_a_version_and_keeps_the_previous(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.xlsx"
    assert run_main(monkeypatch, capsys, "plan", "export", "--format", "xlsx", "--output", str(out))[0] == 0
    before = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    original = plan_document(before.plan())
    code, text = run_main(monkeypatch, capsys, "plan", "import", str(out), "--valid-from", "2025")
    assert code == 0 and "自2025年起适用" in text
    versions = plan_versions(before)
    assert [(v.valid_from, v.created_by, v.source) for v in versions] == [(2022, "system", "embedded"), (2025, "admin", "plan.xlsx")]
    assert plan_document(before.plan()) == original  # the export imported back unchanged
    assert plan_document(before.plan(2023)) == original
    code, text = run_main(monkeypatch, capsys, "plan", "versions")
    assert code == 0 and any(line.split()[:2] == ["2025", "longnan-2024"] and line.endswith("plan.xlsx") for line in text.splitlines())
    before.close()


def test_a_bad_file_lists_every_problem_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.csv"
    run_main(monkeypatch, capsys, "plan", "export", "--output", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("197.02", "一百")
    lines[2] = lines[2].replace("市教育局,", "市外事办,", 1)
    out.write_text("\n".join(lines + [lines[3]]) + "\n", encoding="utf-8")
    code, text = run_main(monkeypatch, capsys, "plan", "import", str(out))
    assert code == 2
    assert "plan.csv:2:target_2026" in text.replace(" ", "") or "target_2026" in text
    assert "市外事办" in text and "重复" in text
    st = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    assert len(plan_versions(st)) == 1
    st.close()
    code, text = run_main(monkeypatch, capsys, "plan", "import", str(out), "--user", "nobody")
    assert code != 0


def test_init_sets_up_another_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    doc["plan"].update(id="tianshui-2025", title="天水市提升综合科技进步水平指数实施方案", region="天水市", region_en="Tianshui")
    plan = tmp_path / "tianshui.yaml"
    plan.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'tianshui.db'}"
    code, text = run_main(monkeypatch, capsys, "init", "--region", "天水市", "--plan", str(plan), "--database", url)
    assert code == 0, text
    assert "22个地区" in text and "7个县区" in text
    st = Store(url)
    try:
        assert st.plan().region == "天水市" and st.region("天水市").code == "620500"
        assert sorted(r.name for r in st.regions(level="county"))[:2] == ["张家川回族自治县", "武山县"]
        assert len(st.regions(level="city")) == 14 and "陇南市" in {r.name for r in st.regions(level="city")}
    finally:
        st.close()
    code, text = run_main(monkeypatch, capsys, "init", "--region", "天水市", "--plan", str(plan), "--database", url)
    assert code == 2 and "已建库" in text  # nothing changed
    code, text = run_main(monkeypatch, capsys, "init", "--region", "平凉市", "--plan", str(plan), "--database", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 2 and "平凉市" in text


def test_county_plan_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from stpi.store.county_targets import county_targets

    bad = tmp_path / "县区方案.csv"
    bad.write_text("region,code,target,sub_targets\n武都区,I13,1.6,县本级 2.0;乡镇 1.2\n成县,I99,1,\n文县,13,多,\n武都区,I13,1.7,\n兰州市,I01,5,\n", encoding="utf-8")
    code, text = run_main(monkeypatch, capsys, "plan", "county-import", str(bad))
    assert code == 2
    for where in ("I99", "多", "重复", "兰州市"):
        assert where in text
    st = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    assert county_targets(st) == []
    good = tmp_path / "ok.csv"
    good.write_text("region,code,target,sub_targets\n武都区,I13,1.6,县本级 2.0;乡镇 1.2\n621221,17,0.3,\n", encoding="utf-8")
    code, text = run_main(monkeypatch, capsys, "plan", "county-import", str(good))
    assert code == 0 and "2项" in text
    found = {(t.region, t.code): (t.target, t.status, t.sub_targets, t.source) for t in county_targets(st)}
    assert found == {("621202", "I13"): (1.6, "approved", "县本级 2.0;乡镇 1.2", "ok.csv"), ("621221", "I17"): (0.3, "approved", "", "ok.csv")}
    st.close()
