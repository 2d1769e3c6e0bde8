"""Per-store settings: one declarative list, read and changed through the store, every change audited."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stpi.errors import InputError, Problem
from stpi.localtime import DEFAULT_ZONE, check_zone
from stpi.store import models as m
from stpi.store.core import Store

__all__ = ["DEMO_NOTE", "SETTINGS", "Setting", "check_setting", "check_value", "get_setting", "is_demo", "set_setting", "settings", "session_secret",
           "SECRET_SETTINGS", "renew_session_secret_in"]


@dataclass(frozen=True)
class Setting:
    """One switch: its name, type, default and what it does (zh, en)."""

    key: str
    kind: type
    default: object
    zh: str
    en: str
    check: Callable[[str], None] | None = None  # raises ValueError for a value of the right type that still means nothing


SETTINGS = (
    Setting("public_overview", bool, False, "未登录也可查看总览页(内置默认库为开,新建的生产库为关)",
            "The overview can be read without an account (on for the embedded default store, off for a new production store)"),
    Setting("demo_data", bool, False, "库中含合成演示数据:每个页面与导出标注“演示数据”",
            "The store holds synthetic demo data: every page and export is labelled 演示数据 (demo data)"),
    Setting("upload_limit_mb", int, 10, "上传文件大小上限(MB)", "Largest upload accepted (MB)"),
    Setting("login_attempts", int, 5, "连续登录失败多少次后暂时锁定", "Failed logins before an account is held"),
    Setting("login_lockout_minutes", int, 15, "登录失败锁定时长(分钟)", "How long a held account waits (minutes)"),
    Setting("session_idle_minutes", int, 30, "会话闲置多久后需重新登录(分钟)", "Minutes without a request after which a session ends"),
    Setting("session_max_hours", int, 8, "会话最长有效期(小时),到期须重新登录", "Hours after login after which a session ends, however busy"),
    Setting("maps", bool, True, "总览、县区页与通报显示行政区划地图(关:改为排名条形图)", "Show maps of the cities and counties on the overview, the counties page and in the bulletin (off: a ranked bar chart instead)"),
    Setting("map_review_number", str, "", "地图审图号:公开发布行政区划地图须经审核,取得后填写,印在每幅地图下方",
            "The maps' review number (审图号): a published map of administrative boundaries in China needs one; printed under every map"),
    Setting("yearly_deadline", str, "03-31", "年度填报轮次的默认截止日期：次年的月-日（如 03-31 即次年3月31日）",
            "Default deadline of a yearly round: month-day of the next year (03-31: 31 March of the next year)"),
    Setting("period_deadline_days", int, 15, "季度、月度调度轮次的默认截止日期：期末后多少天", "Default deadline of a quarterly or monthly dispatch round: days after the period ends"),
    Setting("notify_deadline_days", int, 7, "截止日期前多少天提醒填报员（站内消息、邮件、群机器人）", "Days before a deadline at which reporters are reminded (inbox, e-mail, group robot)"),
    Setting("site_url", str, "", "本系统的网址（如 https://stpi.example.cn），邮件和群机器人消息中的链接以它开头", "This system's address (e.g. https://stpi.example.cn): links in e-mails and robot posts start with it"),
    Setting("smtp_host", str, "", "发信服务器（SMTP）地址；留空则不发邮件", "The SMTP server's host; empty: no e-mail is sent"),
    Setting("smtp_port", int, 465, "发信服务器端口（SSL 常用 465，STARTTLS 常用 587）", "The SMTP server's port (465 for SSL, 587 for STARTTLS)"),
    Setting("smtp_tls", str, "ssl", "发信加密方式：ssl、starttls 或 none（仅限本机或内网）", "How mail is encrypted: ssl, starttls or none (local or internal networks only)"),
    Setting("smtp_user", str, "", "发信账号（登录 SMTP 的用户名；密码用 stpi notify smtp-password 设置，不写入备份）",
            "The SMTP account (its password is set with stpi notify smtp-password and never written into a backup)"),
    Setting("smtp_from", str, "", "发件人地址（留空则用发信账号）", "The sender's address (empty: the SMTP account)"),
    Setting("display_timezone", str, DEFAULT_ZONE, "页面与文件显示时间所用的时区（IANA 时区名，默认 Asia/Shanghai 即北京时间；库中一律存 UTC）",
            "The time zone in which pages and files show times (an IANA name; default Asia/Shanghai, Beijing time; the store keeps UTC)", check_zone),
    Setting("bulletin_copy_to", str, "省科技厅、市委办公室、市人大常委会办公室、市政府办公室、市政协办公室", "进展通报版记的抄送机关（以顿号分隔）",
            "The bulletin's copy-to list (抄送机关 of its 版记), separated by 、 or commas"),
    Setting("notify_max_attempts", int, 8, "一条通知最多投递几次，之后标为投递失败，由管理员查看并重试", "Delivery attempts of one notice before it is marked failed for the admin to see and retry"),
)
_BY_KEY = {s.key: s for s in SETTINGS}
_SECRET = "session_secret"  # not user-editable: the key that signs web sessions, shared by every worker
SMTP_PASSWORD = "smtp_password"  # not listed or shown: set with stpi notify smtp-password, audited without its value
SECRET_SETTINGS = frozenset({_SECRET, SMTP_PASSWORD})  # never written into a backup; a restore makes the session key anew, the SMTP password is set again


def _parse(setting: Setting, text: str) -> object:
    if setting.kind is bool:
        low = text.strip().lower()
        if low in ("1", "true", "yes", "on", "是", "开"):
            return True
        if low in ("0", "false", "no", "off", "否", "关"):
            return False
        raise ValueError("应为 true/false expected true or false")
    if setting.kind is str:
        text = text.strip()
        if len(text) > 64 or any(ord(ch) < 32 for ch in text):
            raise ValueError("应为一行不超过 64 个字的文字 expected one line of at most 64 characters")
        return text
    value = int(text)
    if value <= 0:
        raise ValueError("应为正整数 expected a positive integer")
    return value


def _setting(key: str) -> Setting:
    if key not in _BY_KEY:
        raise InputError([Problem("setting", None, "key", f"未知设置;可选 unknown setting; valid: {', '.join(_BY_KEY)}", key)])
    return _BY_KEY[key]


def check_value(key: str, value: str) -> object:
    """The parsed value of a setting, or InputError naming the setting."""
    setting = _setting(key)
    try:
        parsed = _parse(setting, str(value))
        if setting.check is not None:  # when set, not when read: a stored value never stops a page
            setting.check(str(parsed))
        return parsed
    except ValueError as exc:
        raise InputError([Problem("setting", None, key, str(exc), str(value))]) from None


def check_setting(key: str, value: str) -> list[Problem]:
    """Every problem with setting ``key`` to ``value`` (none: it may be set)."""
    try:
        check_value(key, value)
    except InputError as exc:
        return list(exc.problems)
    return []


def get_setting(store: Store, key: str) -> object:
    """The setting's value, or its default when never set."""
    setting = _setting(key)
    with store.session() as s:
        row = s.get(m.SettingRow, key)
    return setting.default if row is None else _parse(setting, row.value)


def settings(store: Store) -> dict[str, object]:
    """Every declared setting with its current value."""
    with store.session() as s:
        stored = {r.key: r.value for r in s.scalars(select(m.SettingRow))}
    return {st.key: _parse(st, stored[st.key]) if st.key in stored else st.default for st in SETTINGS}


def set_setting(store: Store, key: str, value: str, *, actor: str) -> object:
    """Change a setting (validated, audited) and return the parsed value."""
    setting = _setting(key)
    parsed = check_value(key, value)
    text = str(parsed).lower() if setting.kind is bool else str(parsed)
    with store.session() as s:
        row = s.get(m.SettingRow, key)
        old = "" if row is None else row.value
        if row is None:
            s.add(m.SettingRow(key=key, value=text))
        else:
            row.value = text
        Store.audit_in(s, actor, "setting", "setting", key, old, text)
    return parsed


DEMO_NOTE = "【演示数据】本文件所用数据为合成演示数据,并非真实统计 [DEMO DATA] synthetic figures, not real statistics"


def is_demo(store: Store) -> bool:
    """Does the store hold synthetic demo data (every page and file then says so)?"""
    return bool(get_setting(store, "demo_data"))


def session_secret(store: Store) -> str:
    """The key that signs web sessions: made once per store, so all workers on one database agree."""
    with store.session() as s:
        row = s.get(m.SettingRow, _SECRET)
        if row is None:
            row = m.SettingRow(key=_SECRET, value=secrets.token_urlsafe(48))
            s.add(row)
        return row.value


def renew_session_secret_in(s: Session) -> None:
    """Give the store a fresh session key inside the caller's transaction: every cookie signed before is void."""
    s.execute(delete(m.SettingRow).where(m.SettingRow.key == _SECRET))
    s.add(m.SettingRow(key=_SECRET, value=secrets.token_urlsafe(48)))
