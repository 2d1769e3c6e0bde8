"""The role × action matrix, proven against the server: every state-changing endpoint, every role.

Each case logs in as the role (or nobody), prepares what the action needs (a draft to submit, a
submitted figure to approve, an approved year to lock), posts with a valid CSRF token, and checks the
status. A refusal must leave the store exactly as it was. A test fails when an endpoint appears that
the matrix does not cover.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store import observations as ob
from stpi.store import supervision as sv
from stpi.store.notes import progress_notes
from stpi.store import models as m
from stpi.store.accounts import add_user
from stpi.store.rules import ROLES as RULE_ROLES
from stpi.store.settings import settings
from stpi.web import create_app
from tests.web.conftest import ACCOUNTS, PASSWORD, add_accounts

ROLES = ("anonymous", "admin", "department", "county", "viewer")
USER = {"anonymous": None, "admin": "admin", "department": "keji", "county": "wudu", "viewer": "leader"}
HOME = {"anonymous": "621200", "admin": "621200", "department": "621200", "county": "621202", "viewer": "621200"}  # where each may report
LOGIN, DONE = "login", "done"  # 303 to the login page; 303 elsewhere (a form's success)
_values = itertools.count(1)
_years = itertools.count(2031)


def _value() -> str:
    """A new figure each time (an unchanged one would not be written)."""
    return f"{1.5 + next(_values) / 1000:.3f}"


def _write(store: Store, role: str, status: str, year: int = 2023) -> int:
    """A figure of the role's own scope in ``status``; returns its id."""
    region = HOME[role]
    ob.write(store, [ob.Entry(region, "I03", str(year), float(_value()))], actor=USER[role] or "admin", status="draft" if status == "draft" else "submitted")
    if status == "approved":
        ob.transition(store, "approve", actor="admin", year=year)
    return next(o.id for o in ob.observations(store, year=year, region=region, code="I03"))


def _csv(role: str) -> dict[str, Any]:
    body = f"地区,年度,指标,数值\n{HOME[role]},2023,I03,{_value()}\n".encode()
    return {"file": ("figures.csv", body, "text/csv")}


@dataclass(frozen=True)
class Case:
    """One endpoint: how to call it, what to post for a role, and the status each role gets."""

    path: str  # the route, as the app declares it
    kind: str  # json | form | upload-json | upload-form
    body: Callable[[Store, str], Any]
    expect: dict[str, int | str]
    url: str = ""  # the route with its parameters filled in, when it has any


def _entry(store: Store, role: str) -> dict[str, Any]:
    """A change of the same figure each time: it names the vintage it replaces, as the form does."""
    current = ob.observations(store, year=2023, region=HOME[role], code="I03")
    return {"region": HOME[role], "year": 2023, "code": "I03", "value": _value()} | ({"vintage": current[0].vintage} if current else {})


def _login_body(store: Store, role: str) -> dict[str, Any]:
    return {"username": USER[role] or "nobody", "password": PASSWORD if USER[role] else "wrong-password"}


def _lock(store: Store, role: str) -> dict[str, Any]:
    year = next(_years)
    _write(store, "admin", "approved", year)
    return {"year": year, "confirm": True}


READERS = {"anonymous": 401, "admin": 200, "department": 200, "county": 200, "viewer": 200}
REPORTERS = {"anonymous": 401, "admin": 200, "department": 200, "county": 200, "viewer": 403}
ADMIN = {"anonymous": 401, "admin": 200, "department": 403, "county": 403, "viewer": 403}
REPORTER_FORMS = {"anonymous": LOGIN, "admin": DONE, "department": DONE, "county": DONE, "viewer": 403}
ADMIN_FORMS = {"anonymous": LOGIN, "admin": DONE, "department": 403, "county": 403, "viewer": 403}

CASES = (
    Case("/api/login", "json", _login_body, {**READERS, "anonymous": 403}),
    Case("/login", "form", _login_body, {"anonymous": 401, "admin": DONE, "department": DONE, "county": DONE, "viewer": DONE}),
    Case("/api/logout", "json", lambda s, r: {}, {**READERS, "anonymous": 200}),
    Case("/logout", "form", lambda s, r: {}, {role: DONE for role in ROLES}),
    Case("/api/data/entries", "json", lambda s, r: [_entry(s, r)], REPORTERS),
    Case("/data/entry", "form", lambda s, r: {k: str(v) for k, v in _entry(s, r).items()}, REPORTER_FORMS),
    Case("/api/data/upload", "upload-json", lambda s, r: _csv(r), REPORTERS),
    Case("/data/upload", "upload-form", lambda s, r: _csv(r), REPORTER_FORMS),
    Case("/api/data/submit", "json", lambda s, r: (_write(s, r, "draft"), {"year": 2023})[1], REPORTERS),
    Case("/data/submit", "form", lambda s, r: (_write(s, r, "draft"), {"year": "2023"})[1], REPORTER_FORMS),
    Case("/api/data/approve", "json", lambda s, r: {"ids": [_write(s, "department", "submitted")]}, ADMIN),
    Case("/data/review/approve", "form", lambda s, r: {"ids": str(_write(s, "department", "submitted"))}, ADMIN_FORMS),
    Case("/api/data/return", "json", lambda s, r: {"ids": [_write(s, "department", "submitted")], "comment": "请核对"}, ADMIN),
    Case("/data/review/return", "form", lambda s, r: {"ids": str(_write(s, "department", "submitted")), "comment": "请核对"}, ADMIN_FORMS),
    Case("/api/data/lock", "json", _lock, ADMIN),
    Case("/data/review/lock", "form", lambda s, r: {k: str(v) for k, v in _lock(s, r).items()} | {"confirm": "1"}, ADMIN_FORMS),
    Case("/due/open", "form", lambda s, r: {"year": str(next(_years)), "deadline": "2099-03-31"}, ADMIN_FORMS),  # open a reporting round
    Case("/due/remind", "form", lambda s, r: {}, ADMIN_FORMS),  # remind every overdue reporter
    # other pages' endpoints: trying values on the what-if page changes nothing but needs an account
    Case("/api/whatif", "json", lambda s, r: {"values": {"I03": 1.7}}, READERS),
    Case("/whatif", "form", lambda s, r: {"I03": "1.7"}, {**{role: 200 for role in ROLES}, "anonymous": LOGIN}),
    # progress notes: the admin and the department's own reporters (keji is 市科技局, sci)
    Case("/api/departments/{code}/notes", "json", lambda s, r: {"code": "I03", "period": "2025Q3", "text": f"进展 {_value()}"},
         {"anonymous": 401, "admin": 201, "department": 201, "county": 403, "viewer": 403}, url="/api/departments/sci/notes"),
    Case("/departments/{code}/notes", "form", lambda s, r: {"indicator": "I03", "period": "2025Q3", "text": f"进展 {_value()}"},
         {"anonymous": LOGIN, "admin": DONE, "department": DONE, "county": 403, "viewer": 403}, url="/departments/sci/notes"),
)
_names = itertools.count(1)
SPARE = "spare"  # the account the admin endpoints act on (made in the world fixture)
CASES += (
    # accounts and settings: the admin only
    Case("/api/admin/users", "json", lambda s, r: {"username": f"new{next(_names)}", "role": "viewer", "password": "long-enough-1"},
         {**ADMIN, "admin": 201}),
    Case("/admin/users", "form", lambda s, r: {"username": f"new{next(_names)}", "role": "viewer", "password": "long-enough-1"}, ADMIN_FORMS),
    Case("/api/admin/users/{username}/active", "json", lambda s, r: {"active": False}, ADMIN, url=f"/api/admin/users/{SPARE}/active"),
    Case("/admin/users/{username}/active", "form", lambda s, r: {"active": "1"}, ADMIN_FORMS, url=f"/admin/users/{SPARE}/active"),
    Case("/api/admin/users/{username}/password", "json", lambda s, r: {"password": f"pass-{_value()}"}, ADMIN, url=f"/api/admin/users/{SPARE}/password"),
    Case("/admin/users/{username}/password", "form", lambda s, r: {"password": f"pass-{_value()}"}, ADMIN_FORMS, url=f"/admin/users/{SPARE}/password"),
    Case("/api/admin/users/{username}/unlock", "json", lambda s, r: {}, ADMIN, url=f"/api/admin/users/{SPARE}/unlock"),
    Case("/admin/users/{username}/unlock", "form", lambda s, r: {}, ADMIN_FORMS, url=f"/admin/users/{SPARE}/unlock"),
    Case("/api/admin/settings", "json", lambda s, r: {"settings": {"upload_limit_mb": str(10 + next(_names))}}, ADMIN),
    Case("/admin/settings", "form", lambda s, r: {"upload_limit_mb": str(10 + next(_names)), "login_attempts": "5", "login_lockout_minutes": "15", "public_overview": "1"},
         ADMIN_FORMS),
)


def _notice(store: Store, replied: bool = False) -> dict[str, Any]:
    """A new supervision notice to 市科技局 (keji's department), replied to if asked: its id and version."""
    x = sv.issue(store, department_code="sci", subject=f"督办 {_value()}", request="说明原因并提出整改措施", deadline=date.today() + timedelta(days=9), actor="admin")
    if replied:
        x = sv.reply(store, x.id, version=x.version, actor="keji", as_department="sci", measures="已整改", effect="达标")
    return {"id": x.id, "version": x.version}


def _issue(store: Store, role: str) -> dict[str, Any]:
    return {"department": "sci", "subject": f"督办 {_value()}", "request": "说明原因", "deadline": (date.today() + timedelta(days=9)).isoformat(), "origin": "free"}


def _robot_body() -> dict[str, str]:
    return {"name": f"群{next(_values)}", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=t", "party": "sci", "secret": "SECabcdef123456"}


def _robot(store: Store) -> str:
    """A new active robot, for a case that disables one: its name."""
    from stpi.store import outbox

    body = _robot_body()
    outbox.webhook_add(store, name=body["name"], kind="wecom", url=body["url"], party="", actor="admin")
    return body["name"]


def _form(body: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in body.items()}


DEPARTMENT_ONLY = {"anonymous": 401, "admin": 403, "department": 200, "county": 403, "viewer": 403}
CASES += (
    # supervision notices: the admin issues, sends back and closes; only the department's own reporters reply
    Case("/api/supervision", "json", _issue, {**ADMIN, "admin": 201}),
    Case("/supervision", "form", lambda s, r: _form(_issue(s, r)), ADMIN_FORMS),
    Case("/api/supervision/reply", "json", lambda s, r: {**_notice(s), "measures": "已整改", "effect": "达标"}, DEPARTMENT_ONLY),
    Case("/supervision/reply", "form", lambda s, r: _form({**_notice(s), "measures": "已整改", "effect": "达标"}),
         {"anonymous": LOGIN, "admin": 403, "department": DONE, "county": 403, "viewer": 403}),
    Case("/api/supervision/return", "json", lambda s, r: {**_notice(s, True), "comment": "措施不具体"}, ADMIN),
    Case("/supervision/return", "form", lambda s, r: _form({**_notice(s, True), "comment": "措施不具体"}), ADMIN_FORMS),
    Case("/api/supervision/close", "json", lambda s, r: _notice(s), ADMIN),
    Case("/supervision/close", "form", lambda s, r: _form(_notice(s)), ADMIN_FORMS),
    # the inbox: every account its own; the outbox's retry: the admin
    Case("/api/inbox/read", "json", lambda s, r: {"ids": None}, READERS),
    Case("/inbox/read", "form", lambda s, r: {}, {**{role: DONE for role in ROLES}, "anonymous": LOGIN}),
    Case("/api/admin/outbox/retry", "json", lambda s, r: {"ids": None}, ADMIN),
    Case("/admin/outbox/retry", "form", lambda s, r: {}, ADMIN_FORMS),
    # notification settings (group robots, e-mail addresses): the admin only
    Case("/api/admin/webhooks", "json", lambda s, r: _robot_body(), {**ADMIN, "admin": 201}),
    Case("/admin/outbox/webhooks", "form", lambda s, r: _robot_body(), ADMIN_FORMS),
    Case("/api/admin/webhooks/disable", "json", lambda s, r: {"name": _robot(s)}, ADMIN),
    Case("/admin/outbox/webhooks/disable", "form", lambda s, r: {"name": _robot(s)}, ADMIN_FORMS),
    Case("/api/admin/contacts", "json", lambda s, r: {"username": SPARE, "email": f"spare{next(_values)}@example.cn"}, ADMIN),
    Case("/admin/outbox/contacts", "form", lambda s, r: {"username": SPARE, "email": f"spare{next(_values)}@example.cn"}, ADMIN_FORMS),
)


def _county_target(store: Store, role: str) -> dict[str, Any]:
    """A new target of 武都区's I13 (wudu's own county), naming the version it replaces."""
    from stpi.store.county_targets import county_targets

    current = next((x for x in county_targets(store, region="621202") if x.code == "I13"), None)
    return {"region": "621202", "code": "I13", "target": float(_value()), "expected_version": None if current is None else current.version}


def _submitted_target(store: Store) -> tuple[str, str, int]:
    """武都区's I13 target, submitted by its county reporter (what the bureau approves or returns)."""
    from stpi.store.county_targets import TargetEntry, county_targets, set_county_targets
    from stpi.store.rules import acting_user

    current = next((x for x in county_targets(store, region="621202") if x.code == "I13"), None)
    set_county_targets(store, [TargetEntry("621202", "I13", float(_value()), expected_version=None if current is None else current.version)], user=acting_user(store, "wudu"))
    found = next(x for x in county_targets(store, region="621202") if x.code == "I13")
    return ("621202", "I13", found.version)


def _plan_file(store: Store, role: str) -> dict[str, Any]:
    """The plan in force, exported as YAML: an upload of it makes a new plan version."""
    from stpi import service

    plan = store.plan()
    body = service.plan_export(plan, store.framework(), "yaml", None)
    return {"file": ("plan.yaml", body, "application/x-yaml")}


COUNTY_REPORTERS = {"anonymous": 401, "admin": 200, "department": 403, "county": 200, "viewer": 403}
CASES += (
    # county plans: the admin and the county's own reporter set targets, the bureau approves; plans: the admin uploads
    Case("/api/counties/targets", "json", lambda s, r: [_county_target(s, r)], COUNTY_REPORTERS),
    Case("/counties/targets", "form", lambda s, r: (lambda t: {f"t|621202|I13|{t['expected_version'] or ''}": str(t["target"])})(_county_target(s, r)),
         {"anonymous": LOGIN, "admin": DONE, "department": 403, "county": DONE, "viewer": 403}),
    Case("/api/counties/targets/decide", "json", lambda s, r: {"keys": [list(_submitted_target(s))], "approve": True}, ADMIN),
    Case("/counties/targets/decide", "form", lambda s, r: {"key": "|".join(map(str, _submitted_target(s))), "action": "approve"}, ADMIN_FORMS),
    Case("/admin/plan", "upload-form", _plan_file, ADMIN_FORMS),
)
BY_PATH = {c.path: c for c in CASES}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, FastAPI]]:
    """One store and app for the whole matrix (each case prepares its own figures)."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('roles') / 'stpi.db'}")
    add_accounts(store)
    add_user(store, SPARE, role="viewer", actor="admin", password=PASSWORD)
    yield store, create_app(store=store)
    store.close()


def state(store: Store) -> tuple[object, ...]:
    """Everything these endpoints may change: every vintage of every figure, the locks, the archived uploads, progress notes,
    the accounts (with their password hashes) and the settings."""
    from stpi.store.county_targets import county_targets
    from stpi.store.plans import plan_versions

    from stpi.store.notices import emails
    from stpi.store.outbox import webhook_list

    return (ob.observations(store, history=True), ob.locked_years(store), ob.uploads(store), progress_notes(store), _accounts(store), settings(store), _notices(store),
            county_targets(store), plan_versions(store), webhook_list(store), emails(store))


def _notices(store: Store) -> list[tuple[object, ...]]:
    """Supervision notices and their steps, inbox messages (read or not) and the outbox."""
    with store.session() as s:
        return ([(x.id, x.status, x.version) for x in s.query(m.SupervisionRow).order_by(m.SupervisionRow.id)] + [(e.id, e.kind) for e in s.query(m.SupervisionEventRow)]
                + [(x.id, x.read_at) for x in s.query(m.MessageRow).order_by(m.MessageRow.id)] + [(x.id, x.status, x.attempts) for x in s.query(m.OutboxRow).order_by(m.OutboxRow.id)])


def _accounts(store: Store) -> list[tuple[object, ...]]:
    with store.session() as s:
        return [(u.username, u.role, u.active, u.password_hash) for u in s.query(m.UserRow).order_by(m.UserRow.username)]


def session(app: FastAPI, role: str) -> tuple[TestClient, str]:
    """A fresh browser session logged in as the role (or nobody), and its CSRF token."""
    client = TestClient(app)
    if USER[role]:
        r = client.post("/api/login", json={"username": USER[role], "password": PASSWORD})
        assert r.status_code == 200, r.text
    return client, str(client.get("/api/me").json()["csrf_token"])


def call(client: TestClient, case: Case, body: Any, token: str | None) -> Any:
    """Post the case's body the way its page or API client would."""
    headers = {"X-CSRF-Token": token} if token else {}
    url = case.url or case.path
    if case.kind == "json":
        return client.post(url, json=body, headers=headers)
    if case.kind == "upload-json":
        return client.post(url, files=body, headers=headers)
    form = {**body, "csrf_token": token} if token else body
    if case.kind == "upload-form":
        return client.post(url, data={k: v for k, v in form.items() if k != "file"}, files=body, follow_redirects=False)
    return client.post(url, data=form, follow_redirects=False)


def outcome(r: Any) -> int | str:
    """The status, with a form's redirect told apart: to the login page, or onwards."""
    if r.status_code == 303:
        return LOGIN if r.headers["location"].startswith("/login") else DONE
    return int(r.status_code)


def post_routes(routes: list[Any]) -> set[str]:
    """Every POST route, also inside included routers (the views use no path prefixes)."""
    found: set[str] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found |= post_routes(inner.routes)
        elif "POST" in (getattr(route, "methods", None) or set()):
            found.add(str(route.path))
    return found


def test_the_matrix_covers_every_state_changing_endpoint(world: tuple[Store, FastAPI]) -> None:
    assert post_routes(world[1].routes) == set(BY_PATH)
    assert {ACCOUNTS[u][0] for u in USER.values() if u} == set(RULE_ROLES)  # every role of the rules has its column


@pytest.mark.parametrize("path", list(BY_PATH))
def test_role_matrix(world: tuple[Store, FastAPI], path: str) -> None:
    store, app = world
    case = BY_PATH[path]
    for role in ROLES:
        client, token = session(app, role)
        with client:
            body = case.body(store, role)
            before = state(store)
            got = outcome(call(client, case, body, token))
            assert got == case.expect[role], f"{path} as {role}: {got}, expected {case.expect[role]}"
            if got not in (200, 201, DONE):
                assert state(store) == before, f"{path} as {role} was refused but changed the store"


@pytest.mark.parametrize("path", [p for p in BY_PATH if p != "/api/login"])
def test_every_state_change_needs_the_csrf_token(world: tuple[Store, FastAPI], path: str) -> None:
    store, app = world
    case = BY_PATH[path]
    client, _ = session(app, "admin")
    with client:
        body = case.body(store, "admin")
        before = state(store)
        assert outcome(call(client, case, body, None)) == 403
        assert state(store) == before


def refused(app: FastAPI, store: Store, username_role: str, as_user: str, case_path: str, body: Any) -> None:
    """Post as ``as_user`` and check the server refuses (403) and the store stays as it was."""
    client = TestClient(app)
    with client:
        assert client.post("/api/login", json={"username": as_user, "password": PASSWORD}).status_code == 200
        token = str(client.get("/api/me").json()["csrf_token"])
        before = state(store)
        r = call(client, BY_PATH[case_path], body, token)
        assert r.status_code == 403, (username_role, case_path, r.text)
        assert state(store) == before


def test_reporters_stay_in_their_lane(world: tuple[Store, FastAPI]) -> None:
    store, app = world
    sci_only = {"region": "621200", "year": 2023, "code": "I05", "value": "1.2"}  # 市科技局 leads I05; 市人社局 has no part in it
    refused(app, store, "department writes another department's indicator", "renshe", "/api/data/entries", [sci_only])
    refused(app, store, "… through the form", "renshe", "/data/entry", {k: str(v) for k, v in sci_only.items()})
    refused(app, store, "… through an upload", "renshe", "/api/data/upload", {"file": ("x.csv", "地区,年度,指标,数值\n陇南市,2023,I05,1.2\n".encode(), "text/csv")})
    refused(app, store, "department writes a county's figure", "keji", "/api/data/entries", [{**sci_only, "region": "621202"}])
    refused(app, store, "county writes another county", "wudu", "/api/data/entries", [{**sci_only, "region": "621221"}])
    refused(app, store, "county writes the city's figure", "wudu", "/data/entry", {k: str(v) for k, v in {**sci_only, "region": "621200"}.items()})
    refused(app, store, "county uploads another county", "wudu", "/data/upload", {"file": ("x.csv", "地区,年度,指标,数值\n成县,2023,I05,1.2\n".encode(), "text/csv")})
    refused(app, store, "viewer writes", "leader", "/api/data/entries", [sci_only])
    refused(app, store, "department writes another department's progress notes", "renshe", "/api/departments/{code}/notes", {"code": "I03", "period": "2025Q3", "text": "x"})
    figure = _write(store, "department", "submitted")
    for path, body in (("/api/data/approve", {"ids": [figure]}), ("/api/data/return", {"ids": [figure], "comment": "x"}), ("/api/data/lock", {"year": 2023, "confirm": True})):
        for user in ("keji", "wudu", "leader"):
            refused(app, store, "only the admin approves, returns and locks", user, path, body)
