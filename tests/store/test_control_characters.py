"""Control characters (NUL …) in a figure's code, source or note are a located input error on both backends, never a database error."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from stpi.errors import InputError
from stpi.store import Store
from stpi.store import observations as ob
from stpi.web import create_app


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_nul_in_a_note_is_refused_with_its_row(backend: str, request: pytest.FixtureRequest) -> None:
    store = Store(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    try:
        with pytest.raises(InputError) as info:
            ob.write(store, [ob.Entry("621200", "I03", "2031", 1.5, note="a\x00b"), ob.Entry("621200", "I05", "2031", 2.5, source="统计\x07局")], actor="admin")
        located = {(p.row, p.field) for p in info.value.problems}
        assert located == {(1, "note"), (2, "source")} and "控制字符" in info.value.problems[0].reason
        assert ob.observations(store, year=2031) == []
        ob.write(store, [ob.Entry("621200", "I03", "2031", 1.5, note="第一行\n第二行\t制表")], actor="admin")  # line breaks and tabs are text
        assert len(ob.observations(store, year=2031)) == 1
    finally:
        store.close()


def test_a_nul_in_a_login_name_is_a_failed_login_not_a_server_error(pg_url: str) -> None:
    store = Store(pg_url)
    try:
        with TestClient(create_app(store=store)) as client:
            r = client.post("/api/login", json={"username": "a\u0000b", "password": "x"})
            assert r.status_code == 403 and "Traceback" not in r.text
    finally:
        store.close()
