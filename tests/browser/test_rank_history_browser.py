"""The overview's rank history in a real browser, on a demo store: drawn, with its goal line and table, at laptop and phone width in both languages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stpi.store import Store
from tests.browser.conftest import charts_drawn
from tests.web.conftest import add_accounts


@pytest.fixture(scope="module")
def live_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The embedded default with three demo years (demo published ranks)."""
    from stpi.queries.demo import load_demo
    from stpi.store.settings import set_setting

    home = tmp_path_factory.mktemp("ranks")
    url = f"sqlite:///{home / 'stpi.db'}"
    store = Store(url)
    set_setting(store, "public_overview", "true", actor="admin")
    add_accounts(store)
    load_demo(Store(url), years=(2023, 2024, 2025))
    yield store
    store.close()


@pytest.mark.parametrize(("width", "lang"), [(1366, "zh"), (390, "zh"), (1366, "en"), (390, "en")])
def test_rank_history_chart(page: object, width: int, lang: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"/?lang={lang}")  # type: ignore[attr-defined]
    charts_drawn(page)
    chart = page.locator("[data-chart=rank_history]")  # type: ignore[attr-defined]
    assert chart.locator(".main-svg").count() > 0
    legend = chart.locator(".legend").text_content()
    assert ("排名目标：第9位" if lang == "zh" else "Rank goal: 9") in legend
    assert page.locator("#rank-history-table tbody tr").count() == 14  # type: ignore[attr-defined]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # type: ignore[attr-defined]
    assert overflow <= 1
    page.locator("#rank-history").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    page.locator("#rank-history").screenshot(path=str(shoot_path(f"rank-history-{lang}-{width}")))  # type: ignore[attr-defined]


def shoot_path(name: str) -> object:
    from tests.browser.conftest import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"
