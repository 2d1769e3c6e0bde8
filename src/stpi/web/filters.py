"""The templates' filters: numbers for people, times in the display zone, codes as words of the page's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from stpi.i18n import MESSAGES, add_messages, tr
from stpi.localtime import DEFAULT_ZONE, local_time, zone_name
from stpi.numbers import number, percent

__all__ = ["register", "word"]

# the codes the audit log records, as words (stpi.store writes them; web.views.audit lists the usual ones)
_ACTIONS = {
    "login": ("登录", "login"), "login_failed": ("登录失败", "failed login"), "create": ("新建", "create"), "update": ("修改", "update"),
    "write": ("写入", "write"), "upload": ("上传", "upload"), "submit": ("报送", "submit"), "approve": ("审核通过", "approve"),
    "return": ("退回", "return"), "revise": ("修订", "revise"), "lock": ("锁定", "lock"), "import": ("导入", "import"),
    "setting": ("设置", "setting"), "password": ("修改密码", "password"), "enable": ("启用", "enable"), "disable": ("停用", "disable"),
    "download": ("下载", "download"), "restore": ("恢复备份", "restore"), "seed": ("初始化", "seed"), "unlock": ("解除锁定", "unlock"),
    "remind": ("催报", "remind"), "open": ("开启", "open"), "deadline": ("调整截止日期", "deadline"), "issue": ("下发", "issue"),
    "reply": ("反馈", "reply"), "close": ("办结", "close"), "retry": ("重试", "retry"),
}
_ENTITIES = {
    "observation": ("数据", "figure"), "batch": ("批次", "batch"), "upload": ("上传文件", "upload"), "year": ("年度", "year"),
    "framework": ("指标框架", "framework"), "plan": ("实施方案", "plan"), "user": ("账号", "account"), "account": ("账号", "account"),
    "setting": ("设置", "setting"), "contact": ("联系方式", "contact"), "document": ("文件", "document"), "region": ("地区", "region"),
    "progress_note": ("工作进展", "progress note"), "published_result": ("公布结果", "published result"),
    "published_score": ("公布得分", "published score"), "store": ("数据库", "store"), "round": ("填报轮次", "reporting round"),
    "supervision": ("督办单", "supervision notice"), "outbox": ("待发通知", "outbox"), "webhook": ("群机器人", "group robot"),
    "county_target": ("县区目标", "county target"),
}
_OUTBOX = {"pending": ("待发送", "pending"), "sending": ("发送中", "sending"), "sent": ("已发送", "sent"), "failed": ("投递失败", "failed")}
_CHANNELS = {"email": ("邮件", "e-mail"), "webhook": ("群机器人", "group robot")}
# old and new values the log records as codes (a figure's or a notice's status, a switch)
_VALUES = {
    "draft": ("草稿", "draft"), "submitted": ("已报送", "submitted"), "returned": ("已退回", "returned"), "approved": ("已通过", "approved"),
    "locked": ("已锁定", "locked"), "open": ("待反馈", "open"), "replied": ("已反馈", "replied"), "closed": ("已办结", "closed"),
    "active": ("启用", "active"), "inactive": ("停用", "inactive"), "true": ("开", "on"), "false": ("关", "off"),
}
add_messages({f"audit.act.{k}": v for k, v in _ACTIONS.items()} | {f"audit.ent.{k}": v for k, v in _ENTITIES.items()}
             | {f"outbox.status.{k}": v for k, v in _OUTBOX.items()} | {f"outbox.channel.{k}": v for k, v in _CHANNELS.items()}
             | {f"audit.val.{k}": v for k, v in _VALUES.items()} | {
    "time.at": ("时间（{zone}）", "When ({zone})"),
    "time.label": ("{label}（{zone}）", "{label} ({zone})"),
    "audit.intro_zone": ("所有数据、账号、设置的变更与登录、下载均记录在此，按时间倒序，每页 {n} 条；时间为{zone}。",
                         "Every change to figures, accounts and settings, every login and download, newest first, {n} per page; times in {zone}."),
    "audit.source_hidden": ("（来源地址仅管理员可见）", "(where from: shown to the admin only)"),
})


def word(code: object, group: str) -> str:
    """The word for ``code`` among ``group``'s messages (``audit.act`` …); an unknown code is shown as it is."""
    key = f"{group}.{code}"
    return tr(key) if key in MESSAGES else str(code)


def register(env: Environment, *, zone_of: Callable[[Any], str]) -> None:
    """Give ``env`` the filters ``number``, ``percent``, ``local_time`` and ``word`` and the global ``zone_label``.

    ``zone_of(request)``: the store's display time zone, for the request a template renders.
    """

    @pass_context
    def _local_time(context: Context, value: object, seconds: bool = False) -> str:
        return local_time(value, _zone(context), seconds=seconds)

    @pass_context
    def _zone_label(context: Context) -> str:
        return zone_name(_zone(context))

    def _zone(context: Context) -> str:
        request = context.get("request")
        return DEFAULT_ZONE if request is None else zone_of(request)

    env.filters.update({"number": number, "percent": percent, "local_time": _local_time, "word": word})
    env.globals["zone_label"] = _zone_label
