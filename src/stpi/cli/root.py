"""The root of the ``stpi`` command: the app, shared options, and the error handling."""

from __future__ import annotations

import sys
from contextvars import ContextVar
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from stpi import console
from stpi.errors import InputError, StpiError
from stpi.i18n import set_lang, tr

if TYPE_CHECKING:
    from stpi.readmodel import Snapshot
    from stpi.store.core import Store

app = typer.Typer(
    help="科技进步水平指数监测评估系统 stpi — S&T progress index monitoring and evaluation.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
framework_app = typer.Typer(help="指标框架:查看、导出、校验、导入官方参数 Indicator framework.", no_args_is_help=True)
plan_app = typer.Typer(help="实施方案:指标、目标、责任单位 The plan.", no_args_is_help=True)
app.add_typer(framework_app, name="framework")
app.add_typer(plan_app, name="plan")


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Missing(str, Enum):
    propagate = "propagate"
    zero = "zero"
    reweight = "reweight"


class TableFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    yaml = "yaml"


class PlanFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    yaml = "yaml"


DatabaseOpt = Annotated[Optional[str], typer.Option("--database", envvar="STPI_DATABASE_URL", help="数据库 URL database URL (默认 default: SQLite in the data folder)")]
UserOpt = Annotated[str, typer.Option("--user", envvar="STPI_USER", help="操作账号 acting account")]
FrameworkOpt = Annotated[Optional[str], typer.Option("--framework", "-f", help="指标框架文件 framework file (YAML/CSV/XLSX); 默认为内置 default: the one in force")]
OutputOpt = Annotated[Optional[str], typer.Option("--output", "-o", help="输出文件 output file; 默认标准输出 default: standard output")]


# the stores this command opened, by URL: one per database for the whole command, closed when it ends
_STORES: ContextVar[dict[str | None, Store] | None] = ContextVar("stpi_cli_stores", default=None)


@app.callback()
def _root(ctx: typer.Context, lang: Annotated[Optional[Lang], typer.Option("--lang", help="界面语言 output language (zh/en); 或 or STPI_LANG")] = None) -> None:
    set_lang(lang.value if lang else None)
    opened: dict[str | None, Store] = {}
    token = _STORES.set(opened)

    def close() -> None:
        for store in opened.values():
            store.close()
        opened.clear()
        _STORES.reset(token)

    ctx.call_on_close(close)


def open_store(database: str | None) -> Store:
    """The store at ``database`` (the embedded SQLite file when not given), opened once for this command and closed when it ends.

    Outside a running command (a script calling a command function) a new store is opened each time.
    """
    from stpi.store.core import Store

    opened = _STORES.get()
    if opened is None:
        return Store(database)
    if database not in opened:
        opened[database] = Store(database)
    return opened[database]


def reader(database: str | None) -> Snapshot:
    """The snapshot every read of this command works on (see :mod:`stpi.readmodel`)."""
    from stpi.readmodel import snapshot

    return snapshot(open_store(database))


def admin_store(database: str | None, user: str, action: str) -> Store:
    """The store, once the acting account is known to be the admin (``action`` names what is refused otherwise)."""
    from stpi.store.rules import acting_user, check_admin

    store = open_store(database)
    check_admin(acting_user(store, user), action)
    return store


def emit(data: bytes, output: str | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(output).write_bytes(data)
        console.err.print(tr("wrote", path=output))


def main() -> None:
    """Entry point: run the app, turning stpi errors into a clean message and exit code."""
    try:
        # standalone mode, so that usage errors get Typer's usage message and exit code 2,
        # not a traceback; our own errors are not caught by it and reach the handlers below
        app()
    except InputError as exc:
        console.print_problems(exc.problems)
        raise SystemExit(2) from None
    except StpiError as exc:
        console.err.print(f"错误 error: {exc}", style="red")
        raise SystemExit(1) from None
