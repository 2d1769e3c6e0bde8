"""``stpi setting``: set, list, refuse an unknown key or a bad value, all without a traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from stpi.cli import app
from stpi.store import Store
from stpi.store.settings import get_setting
from tests.cli.clitools import plain

runner = CliRunner()


def test_setting_set_saves_and_reports_without_a_traceback(store: Store) -> None:
    result = runner.invoke(app, ["setting", "set", "upload_limit_mb", "7"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.exception is None
    assert "upload_limit_mb = 7" in plain(result.output)
    assert get_setting(store, "upload_limit_mb") == 7
    listed = runner.invoke(app, ["setting", "list"])
    assert listed.exit_code == 0 and "upload_limit_mb" in plain(listed.output)


def test_setting_set_bad_value_is_a_clean_error(store: Store) -> None:
    result = runner.invoke(app, ["setting", "set", "upload_limit_mb", "lots"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert get_setting(store, "upload_limit_mb") != "lots"
