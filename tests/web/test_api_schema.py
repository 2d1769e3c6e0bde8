"""The JSON API against its own OpenAPI document: schemathesis, in process over ASGI, finds no server error.

Every operation is called with generated valid and invalid input as the admin (the role
that may do everything), with the session's X-CSRF-Token, on a store holding the demo
data (演示数据), so the pages compute real numbers. Checks: no 5xx, and every response
matches the schema the document declares for its status. Examples are limited so the
run stays under about a minute; the slow document downloads get fewer.

The operations are walked inside one test per generation mode, not through
``schema.parametrize()``: its lazy form does not run on pytest 9 (schemathesis 4.32
reads ``node._nodeid``), and its eager form would build a store at import time.
Every failing operation is reported, not only the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.testclient import TestClient

from stpi.queries.demo import load_demo
from stpi.store import Store
from stpi.web import create_app
from tests.web.conftest import PASSWORD, add_accounts

CHECKS = [not_a_server_error, response_schema_conformance]
SLOW = re.compile(r"^/(downloads/|data/template|api/goalseek|api/data/upload)")  # documents and searches: a second or more each
EXAMPLES, SLOW_EXAMPLES = 10, 2


@dataclass(frozen=True)
class Api:
    """The app's schema, and the admin's session cookie and CSRF token."""

    schema: schemathesis.BaseSchema
    cookies: dict[str, str]
    token: str


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The app on a store with the demo data, and an admin logged in."""
    folder: Path = tmp_path_factory.mktemp("api")
    store = Store(f"sqlite:///{folder / 'api.db'}")
    add_accounts(store)
    app = create_app(store=store)
    load_demo(store, years=(2024, 2025))
    with TestClient(app) as client:
        r = client.post("/api/login", json={"username": "admin", "password": PASSWORD})
        assert r.status_code == 200, r.text
        cookies = {"stpi_session": str(client.cookies["stpi_session"])}
        token = str(r.json()["csrf_token"])
    yield Api(schemathesis.openapi.from_asgi("/api/openapi.json", app), cookies, token)
    store.close()


# Path values that exist, so the pages behind {code} are reached too (generated codes mostly get a 404)
KNOWN: dict[str, list[dict[str, str]]] = {
    "/api/indicators/{code}": [{"code": "I01"}, {"code": "13"}, {"code": "I28"}],
    "/api/departments/{code}": [{"code": "sci"}, {"code": "hrss"}],
    "/api/departments/{code}/notes": [{"code": "sci"}],
    "/downloads/{kind}.{fmt}": [{"kind": "plan", "fmt": "csv"}, {"kind": "bulletin", "fmt": "html"}],
}


def failures_of(api: Api, mode: GenerationMode, *, known: bool = False) -> list[str]:
    """Run every operation's generated cases; the failures, each with its operation and reproduction.

    ``known``: only the operations of :data:`KNOWN`, with each of its path values.
    """
    found = []
    for result in api.schema.get_all_operations():
        operation = result.ok()
        for values in KNOWN.get(operation.path, []) if known else [None]:
            found += _failures(api, operation, mode, values)
    return found


def _failures(api: Api, operation: schemathesis.APIOperation, mode: GenerationMode, values: dict[str, str] | None) -> list[str]:
    """One operation's generated cases (with fixed path values if given): its failure, if any."""
    examples = SLOW_EXAMPLES if SLOW.match(operation.path) else EXAMPLES

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=values))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        # the session cookie stays valid after a generated logout: sessions live in the signed cookie
        case.call_and_validate(headers={"X-CSRF-Token": api.token}, cookies=api.cookies, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE, operation.label  # nothing to get wrong: no parameters, no body
    except (Exception, FailureGroup) as exc:  # noqa: BLE001  (collect every operation's failure, then report them all)
        return [f"{operation.label} {values or ''}: {exc}"]
    return []


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_server_error_and_responses_match_the_document(api: Api, mode: GenerationMode) -> None:
    failures = failures_of(api, mode)
    assert not failures, "\n\n".join(failures)


def test_pages_behind_known_codes(api: Api) -> None:
    failures = failures_of(api, GenerationMode.POSITIVE, known=True)
    assert not failures, "\n\n".join(failures)


def test_the_document_lists_the_page_twins(api: Api) -> None:
    operations = [r.ok() for r in api.schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {"/api/overview", "/api/indicators", "/api/indicators/{code}", "/api/me", "/api/login"} <= paths
    assert len(operations) >= 20 and all(p.startswith(("/api/", "/data/", "/downloads/")) for p in paths)
