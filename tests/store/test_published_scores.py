"""The province's feedback report in the store: migration 0006, import all or nothing, every problem located."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import inspect

from stpi.errors import InputError
from stpi.store import Store, notes
from stpi.store.db import current_revision, database_url, make_engine
from tests.store.test_migrations import migrate

HEADER = "region,year,code,score,rank\n"


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0006_adds_and_removes_the_published_score_table(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(database_url(url))
    migrate(engine, "0005")
    assert "published_score" not in inspect(engine).get_table_names()
    migrate(engine, "0006")
    assert current_revision(engine) == "0006"
    found = inspect(engine)
    assert {c["name"] for c in found.get_columns("published_score")} == {"id", "region_id", "year", "code", "score", "rank", "source", "created_at", "created_by"}
    assert [u["column_names"] for u in found.get_unique_constraints("published_score")] == [["region_id", "year", "code"]]
    store = Store(url)  # the store works on the migrated schema
    notes.import_published_scores(store, write_csv(tmp_path / "p.csv", HEADER + "陇南市,2023,INDEX,40.12,10\n"), source="评价反馈", actor="admin")
    assert [s.score for s in notes.published_scores(store)] == [40.12]
    store.close()
    migrate(engine, "0005", down=True)
    assert "published_score" not in inspect(engine).get_table_names()
    engine.dispose()


@pytest.fixture
def store(sqlite_url: str) -> Store:
    return Store(sqlite_url)


def test_import_of_every_node_gb18030(store: Store, tmp_path: Path) -> None:
    text = "地区,年份,指标代码,得分,排名\n陇南市,2023,INDEX,40.12,10\n陇南市,2023,科技进步环境,33.5,\n621200,2023,G01,50%,\n嘉峪关市,2023,I01,100,\n"
    done = notes.import_published_scores(store, write_csv(tmp_path / "p.csv", text, "gb18030"), source="2024年评价反馈", actor="admin")
    assert (done.created, done.changed, done.regions, done.years) == (4, 0, ("620200", "621200"), (2023,))
    got = {(s.region, s.code): (s.score, s.rank, s.source) for s in notes.published_scores(store)}
    assert got == {("621200", "INDEX"): (40.12, 10, "2024年评价反馈"), ("621200", "A1"): (33.5, None, "2024年评价反馈"),
                   ("621200", "G01"): (50.0, None, "2024年评价反馈"), ("620200", "I01"): (100.0, None, "2024年评价反馈")}
    # the root's row is the published index too: rank forecast and overview see it
    assert [(r.region, r.index_value, r.rank) for r in notes.published_results(store)] == [("621200", 40.12, 10)]
    again = notes.import_published_scores(store, write_csv(tmp_path / "p.csv", HEADER + "陇南市,2023,INDEX,41,9\n陇南市,2023,A1,33.5,\n"), source="2024年评价反馈", actor="admin")
    assert (again.created, again.changed, again.unchanged) == (0, 1, 1)
    assert [(r.index_value, r.rank) for r in notes.published_results(store)] == [(41.0, 9)]
    assert any(e.entity == "published_score" and e.action == "update" and e.key == "621200/2023/INDEX" for e in store.audit())
    notes.add_published_result(store, region="陇南市", year=2023, index_value=41.5, rank=8, source="更正 correction", actor="admin")
    root = [(s.score, s.rank, s.source) for s in notes.published_scores(store) if s.code == "INDEX"]
    assert root == [(41.5, 8, "更正 correction")]  # one index, whichever door it came in by


def test_xlsx_and_the_index_recorded_by_add(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    for row in (["region", "year", "code", "score"], ["陇南市", 2024, "A2", 41.25], ["陇南市", 2024.0, "I05", 12], ["陇南市", 2024, "INDEX", 0.4012]):
        ws.append(row)
    ws["D4"].number_format = "0.00%"  # typed as 40.12% in Excel, stored as 0.4012
    book.save(tmp_path / "p.xlsx")
    notes.add_published_result(store, region="嘉峪关市", year=2022, index_value=65.61, rank=1, source="公开报道", actor="admin")
    notes.import_published_scores(store, tmp_path / "p.xlsx", source="反馈", actor="admin")
    got = sorted((s.region, s.year, s.code, s.score) for s in notes.published_scores(store))
    assert got == [("620200", 2022, "INDEX", 65.61), ("621200", 2024, "A2", 41.25), ("621200", 2024, "I05", 12.0), ("621200", 2024, "INDEX", 40.12)]
    assert [s.code for s in notes.published_scores(store, year=2024, region="陇南市")] == ["A2", "I05", "INDEX"]


def test_every_problem_is_located_and_nothing_is_written(store: Store, tmp_path: Path) -> None:
    text = HEADER + "陇南市,2023,INDEX,40.12,10\n陇南市,2023,I01,120,\n某市,2023,XX,abc,0\n陇南市,20x3,A1,33,\n陇南市,2023,INDEX,40.12,10\n陇南市,2023,A2,,\n"
    with pytest.raises(InputError) as exc:
        notes.import_published_scores(store, write_csv(tmp_path / "bad.csv", text), source="反馈", actor="admin")
    found = [(p.row, p.field, p.code, p.name) for p in exc.value.problems]
    assert (3, "score(D)", "I01", "万人专业技术人员数") in found  # out of 0-100, with code and name
    assert (4, "region(A)", "XX", None) in found and (6, "code(C)", "INDEX", "综合科技进步水平指数") in found
    rows = {p.row: [] for p in exc.value.problems}
    for p in exc.value.problems:
        rows[p.row].append(p.field)
    assert rows == {3: ["score(D)"], 4: ["code(C)", "region(A)", "score(D)", "rank(E)"], 5: ["year(B)"], 6: ["code(C)"], 7: ["score(D)"]}
    assert all(p.file.endswith("bad.csv") for p in exc.value.problems)
    assert "重复" in next(p.reason for p in exc.value.problems if p.row == 6)
    assert notes.published_scores(store) == [] and notes.published_results(store) == []


def test_missing_columns_and_source(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        notes.import_published_scores(store, write_csv(tmp_path / "p.csv", "region,year,value\n陇南市,2023,1\n"), source="反馈", actor="admin")
    assert [p.field for p in exc.value.problems] == ["code"]
    with pytest.raises(InputError):
        notes.import_published_scores(store, write_csv(tmp_path / "p.csv", HEADER + "陇南市,2023,INDEX,40,\n"), source=" ", actor="admin")


def test_published_scores_survive_a_backup_and_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stpi.store import backup as bk

    monkeypatch.setenv("STPI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STPI_BACKUP_KEY", raising=False)
    one = Store(f"sqlite:///{tmp_path / 'one.db'}")
    notes.import_published_scores(one, write_csv(tmp_path / "p.csv", HEADER + "陇南市,2023,INDEX,40.12,10\n陇南市,2023,I01,55.5,\n"), source="反馈", actor="admin")
    bk.backup(one, tmp_path / "b.zip")
    two = Store(f"sqlite:///{tmp_path / 'two.db'}")
    bk.restore(two, tmp_path / "b.zip")
    assert notes.published_scores(two) == notes.published_scores(one) and len(notes.published_scores(two)) == 2
    one.close()
    two.close()
