"""Uploads that can't hurt others, and one rule set for every door (file, form, API).

The bad-file corpus of tests/ingest/hostile_files.py goes through the web upload: every file is
refused in its worker process within the time limit, with a located Chinese-first message, and
nothing changes. The checks a file gets (the 50% note rule, note length, reportable codes) are the
ones the form and the entries API apply.
"""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store import observations as ob
from tests.ingest.hostile_files import bad_files
from tests.web.conftest import csrf_of, login

CASES_BUILT = bad_files()
SECONDS = 2.0  # one refused upload, request to answer, a child process included


def state(store: Store) -> tuple[object, ...]:
    return (ob.observations(store, history=True), ob.uploads(store))


def test_every_bad_file_is_refused_quickly_and_changes_nothing(client: TestClient, store: Store) -> None:
    token = login(client, "admin")
    client.post("/api/data/upload", files={"file": ("warm.csv", b"region,year,indicator,value\n", "text/csv")}, headers={"X-CSRF-Token": token})
    before = state(store)
    slow: list[str] = []
    for case in CASES_BUILT:
        started = time.perf_counter()
        r = client.post("/api/data/upload", files={"file": (case.filename, case.content, "application/octet-stream")}, headers={"X-CSRF-Token": token})
        elapsed = time.perf_counter() - started
        assert r.status_code == 422, (case.name, r.status_code, r.text[:300])
        problems = r.json()["problems"]
        assert any(case.says in p["reason"] for p in problems), (case.name, problems)
        assert all(p["file"].startswith(case.filename) for p in problems), (case.name, problems)  # the user's name, never a server path
        if elapsed > SECONDS:
            slow.append(f"{case.name}: {elapsed:.2f} s")
    assert not slow
    assert state(store) == before


def test_the_upload_form_shows_the_located_report(client: TestClient, store: Store) -> None:
    token = login(client, "admin")
    for case in [c for c in CASES_BUILT if c.filename in ("bomb.xlsx", "macro.xlsm", "jump.csv")]:
        r = client.post("/data/upload", data={"csrf_token": token, "year": "2023"}, files={"file": (case.filename, case.content, "application/octet-stream")})
        assert r.status_code == 422 and case.says in r.text and 'id="upload-error"' in r.text, case.name


def test_long_csv_needs_a_note_for_a_big_change_like_the_form(client: TestClient, store: Store) -> None:
    """I01 was 194.76 in 2022 (the plan's baseline): 584.28 is +200%."""
    token = login(client, "renshe")
    jump = "地区,年度,指标,数值,备注\n陇南市,2023,I01,584.28,\n".encode()
    r = client.post("/api/data/upload", files={"file": ("jump.csv", jump, "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    (problem,) = r.json()["problems"]
    assert problem["row"] == 2 and problem["field"] == "备注" and "200%" in problem["reason"]
    form = client.post("/api/data/entries", json=[{"region": "621200", "year": 2023, "code": "I01", "value": "584.28"}], headers={"X-CSRF-Token": token})
    assert form.status_code == 422 and "200%" in form.text
    noted = jump.replace(b"584.28,", "584.28,口径调整:含驻市单位".encode())
    r = client.post("/api/data/upload", files={"file": ("jump.csv", noted, "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["written"] == 1


def test_a_long_note_is_refused_on_every_door(client: TestClient, store: Store) -> None:
    token = login(client, "renshe")
    long_note = "备" * 1001
    before = state(store)
    csv = f"地区,年度,指标,数值,备注\n陇南市,2023,I01,196,{long_note}\n".encode()
    r = client.post("/api/data/upload", files={"file": ("note.csv", csv, "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and "备注不能超过 1000 个字" in r.json()["problems"][0]["reason"]
    api = client.post("/api/data/entries", json=[{"region": "621200", "year": 2023, "code": "I01", "value": "196", "note": long_note}], headers={"X-CSRF-Token": token})
    assert api.status_code == 422
    page = client.get("/data")
    form = client.post("/data/entry", data={"csrf_token": csrf_of(page.text), "region": "621200", "year": "2023", "code": "I01", "value": "196", "note": long_note})
    assert form.status_code == 422 and "备注不能超过 1000 个字" in form.text
    assert state(store) == before


def test_a_department_may_send_the_raw_statistics_of_its_template_on_every_door(client: TestClient, store: Store) -> None:
    """市人社局's template lists resident_population (behind I01): the API takes it as the upload does."""
    token = login(client, "renshe")
    api = client.post("/api/data/entries", json=[{"region": "621200", "year": 2023, "code": "resident_population", "value": "240.1"}], headers={"X-CSRF-Token": token})
    assert api.status_code == 200, api.text
    csv = "地区,年度,指标,数值\n陇南市,2023,professional_technical_personnel,48000\n".encode()
    up = client.post("/api/data/upload", files={"file": ("raw.csv", csv, "text/csv")}, headers={"X-CSRF-Token": token})
    assert up.status_code == 200, up.text
    other = client.post("/api/data/entries", json=[{"region": "621200", "year": 2023, "code": "sci_papers_foreign", "value": "1"}], headers={"X-CSRF-Token": token})
    assert other.status_code == 422  # not a code of any template
