"""``stpi serve``, ``stpi user password`` and ``stpi setting``: the web app and its switches."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from stpi import console
from stpi.cli.data import user_app
from stpi.cli.root import DatabaseOpt, UserOpt, admin_store, app, open_store
from stpi.i18n import add_messages, get_lang, tr

__all__ = ["serve", "setting_app"]

add_messages({
    "serve.at": ("stpi 网页版已启动:http://{host}:{port}/ (Ctrl+C 停止)", "stpi web app running at http://{host}:{port}/ (Ctrl+C to stop)"),
    "serve.public": ("未登录即可查看总览(设置 public_overview = true)", "The overview is readable without an account (public_overview = true)"),
    "serve.no_admin_password": ("管理员 admin 尚无密码,无法登录网页:运行 stpi user password admin 设置", "The admin account has no password yet: run stpi user password admin to log in on the web"),
    "serve.demo": ("演示库(合成数据,非真实统计):{url}", "Demo store (synthetic data, not real statistics): {url}"),
    "serve.demo_made": ("已生成演示库(内置实施方案 + 合成演示数据,非真实统计):{url}", "Made the demo store (embedded plan + synthetic demo data, not real statistics): {url}"),
    "serve.demo_password": ("演示库的管理员 admin 尚无密码:运行 stpi user password admin --database {url} 设置", "The demo store's admin has no password yet: run stpi user password admin --database {url}"),
    "serve.demo_database": ("--demo 使用单独的演示库,不能与 --database 同用", "--demo serves its own store; do not combine it with --database"),
    "user.unlocked": ("已解除 {user} 的登录锁定(清除 {n} 次失败记录)", "Logins unlocked for {user} ({n} counted failures cleared)"),
    "serve.proxies": ("只信任这些代理转发的 X-Forwarded-For:{proxies}", "X-Forwarded-For trusted from these proxies only: {proxies}"),
    "password.set": ("已为 {user} 设置新密码", "New password set for {user}"),
    "setting.set": ("设置 {name} = {value}", "Setting {name} = {value}"),
    "setting.title": ("设置", "Settings"),
})

setting_app = typer.Typer(help="设置:未登录可见总览、演示数据标注、上传大小、登录限制 Settings.", no_args_is_help=True)
app.add_typer(setting_app, name="setting")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址 address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口 port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="进程数(生产环境配合 PostgreSQL)worker processes (production: with PostgreSQL)")] = 1,
    database: DatabaseOpt = None,
    https_only: Annotated[bool, typer.Option("--https-only", help="会话 Cookie 只经 HTTPS 发送(生产环境在 HTTPS 反向代理之后使用) session cookie sent over HTTPS only (production, behind an HTTPS reverse proxy)")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="用单独的演示库 demo.db(首次使用时生成合成演示数据) serve the separate demo store demo.db, made with synthetic demo data on first use")] = False,
    notify_interval: Annotated[float, typer.Option("--notify-interval", min=0, help="每隔多少秒投递一次待发的邮件和群机器人消息（0 为不投递，改用 stpi notify send） seconds between passes of the notice worker (0: none; use stpi notify send)")] = 15.0,
    trusted_proxies: Annotated[Optional[str], typer.Option("--trusted-proxies", envvar="STPI_TRUSTED_PROXIES", help="反向代理地址(逗号分隔,可用网段);只信任它们转发的 X-Forwarded-For reverse proxies (comma-separated addresses or networks) whose X-Forwarded-For is trusted")] = None,
) -> None:
    """启动网页版(总览、指标、部门、县区、情景模拟、数据填报与审核) Run the web app."""
    from stpi.store import Store
    from stpi.store.settings import settings
    import uvicorn

    from stpi.web.app import create_app

    if demo:
        if database and database != os.environ.get("STPI_DATABASE_URL"):  # --demo wins over the environment, not over an explicit --database
            raise typer.BadParameter(tr("serve.demo_database"), param_hint="--demo")
        from stpi.queries.demo import ensure_demo_store

        database, made = ensure_demo_store()
        console.err.print(tr("serve.demo_made" if made else "serve.demo", url=database), style="yellow")
    store = Store(database)
    if settings(store)["public_overview"]:
        console.err.print(tr("serve.public"))
    admin = next((u for u in store.users() if u.username == "admin"), None)
    if admin is not None and admin.active and not admin.has_password:
        console.err.print(tr("serve.demo_password", url=database) if demo else tr("serve.no_admin_password"), style="yellow")
    if trusted_proxies:
        from stpi.web.auth import parse_proxies

        try:
            parse_proxies(trusted_proxies)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--trusted-proxies") from None
        os.environ["STPI_TRUSTED_PROXIES"] = trusted_proxies  # the app (each worker too) reads the client address through it
        console.err.print(tr("serve.proxies", proxies=trusted_proxies))
    console.err.print(tr("serve.at", host=host, port=port), style="green")
    worker = None
    if notify_interval > 0:  # the outbox worker: notices are sent outside the request path, by this one process
        from stpi.notify.worker import start_worker

        worker = start_worker(store, interval=notify_interval)
    if workers > 1:  # each worker builds its own app on the same database
        if database:
            os.environ["STPI_DATABASE_URL"] = database
        if https_only:
            os.environ["STPI_HTTPS_ONLY"] = "1"
        uvicorn.run("stpi.web.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning", proxy_headers=False)
    else:  # proxy_headers off: uvicorn would trust X-Forwarded-For from any local client; the app decides (STPI_TRUSTED_PROXIES)
        uvicorn.run(create_app(store=store, https_only=https_only), host=host, port=port, log_level="warning", proxy_headers=False)
    if worker is not None:  # the server stopped: let the worker finish its pass
        worker[1].set()
        worker[0].join(30)


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="用户名 username")],
    password: Annotated[Optional[str], typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="新密码 new password (asked when not given)")] = None,
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """设置或重置账号密码 Set or reset an account's password."""
    from stpi.store.accounts import set_password
    store = admin_store(database, user, tr("action.user"))
    set_password(store, username, password or "", actor=user)
    console.out.print(tr("password.set", user=username), style="green")


@user_app.command("unlock")
def user_unlock(username: Annotated[str, typer.Argument(help="用户名 username")], database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """解除账号的登录锁定(清除各来源的失败记录,记入审计) Clear an account's login failures from every source (audited)."""
    from stpi.store import Store
    from stpi.store.rules import acting_user, check_admin
    from stpi.store.logins import unlock

    store = Store(database)
    try:
        check_admin(acting_user(store, user), tr("action.user"))
        console.out.print(tr("user.unlocked", user=username, n=unlock(store, username, actor=user)), style="green")
    finally:
        store.close()


@setting_app.command("list")
def setting_list(database: DatabaseOpt = None) -> None:
    """列出设置及其当前值 List the settings."""
    from stpi.store import Store
    from stpi.store.settings import SETTINGS, settings
    values = settings(open_store(database))
    rows = [[s.key, str(values[s.key]).lower() if s.kind is bool else str(values[s.key]), str(s.default).lower() if s.kind is bool else str(s.default), s.en if get_lang() == "en" else s.zh] for s in SETTINGS]
    console.out.print(console.table(tr("setting.title"), ["key", tr("value"), "default", ""], rows))


@setting_app.command("set")
def setting_set(
    key: Annotated[str, typer.Argument(help="设置名 setting")],
    value: Annotated[str, typer.Argument(help="新值 new value")],
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """修改设置(记入审计日志) Change a setting (audited)."""
    from stpi.store.settings import set_setting
    store = admin_store(database, user, tr("action.user"))
    parsed = set_setting(store, key, value, actor=user)
    console.out.print(tr("setting.set", name=key, value=parsed), style="green")
