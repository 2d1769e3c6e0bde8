"""User-facing words in Chinese (default) and English."""

from __future__ import annotations

import os
from contextvars import ContextVar

__all__ = ["LANGS", "add_messages", "get_lang", "request_lang", "set_lang", "tr"]

LANGS = ("zh", "en")
_state = {"lang": ""}
# a web request's own language: overrides the process-wide choice inside that request only
request_lang: ContextVar[str] = ContextVar("stpi_request_lang", default="")

MESSAGES: dict[str, tuple[str, str]] = {
    "index": ("综合科技进步水平指数", "Composite S&T progress index"),
    "illustrative": (
        "【示意参数】权重与标准值并非甘肃省官方数值,指数仅供演示与测算参考",
        "[ILLUSTRATIVE PARAMETERS] weights and standards are not the official Gansu values",
    ),
    "official": ("参数来源:官方", "Parameters: official"),
    "baseline": ("基期", "Baseline"),
    "target": ("目标", "Target"),
    "goal": ("规划目标", "Plan goal"),
    "at_least": ("以上", "or more"),
    "about": ("左右", "about"),
    "rank_goal": ("全省排名目标", "Rank goal"),
    "of": ("共", "of"),
    "incomplete": (
        "{year}年指数不完整:缺少 {codes} 的数值;此处按缺失值处理方式“{policy}”计算,完整口径下无法得出",
        "The {year} index is incomplete: {codes} missing; shown under the missing-value policy '{policy}', undefined without it",
    ),
    "policy.propagate": ("propagate(缺失即无结果)", "propagate (missing stays missing)"),
    "policy.zero": ("zero(缺失记0分)", "zero (missing scores 0)"),
    "policy.reweight": ("reweight(同级已有指标权重重新归一)", "reweight (present siblings re-normalised)"),
    "areas_groups": ("一级、二级指标得分", "Areas and groups"),
    "code": ("代码", "Code"),
    "name": ("名称", "Name"),
    "weight": ("权重", "Weight"),
    "headroom": ("提升空间(点)", "Headroom (pts)"),
    "contribution": ("贡献(点)", "Contribution (pts)"),
    "gain": ("达标增量(点)", "Gain at target (pts)"),
    "score": ("得分", "Score"),
    "unit": ("单位", "Unit"),
    "no": ("序号", "No."),
    "lead": ("牵头单位", "Lead"),
    "responsible": ("责任单位", "Responsible"),
    "rank": ("排名目标", "Rank goal"),
    "top_contrib": ("基期贡献最大的指标", "Largest contributions at baseline"),
    "top_headroom": ("提升空间最大的指标(距满分)", "Most headroom (to the cap)"),
    "top_gain": ("实现目标后拉动最大的指标", "Largest gains if targets are met"),
    "notes": ("数据质量说明", "Data-quality notes"),
    "plan_table": ("实施方案指标表", "Plan indicators"),
    "errors": ("输入有误,未写出任何文件", "Invalid input; nothing was written"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
    "field": ("列", "Column"),
    "reason": ("原因", "Reason"),
    "value": ("值", "Value"),
    "problem_subject": ("指标", "Indicator"),
    "valid": ("校验通过:{n} 个节点,{k} 个末级指标", "Valid: {n} nodes, {k} indicators"),
    "imported": (
        "已导入指标框架 {title}:{k} 个指标;自 {year} 年起所有计算使用该参数(原有版本保留)",
        "Imported framework {title}: {k} indicators; all computations from {year} on use it (earlier versions are kept)",
    ),
    "still_illustrative": (
        "注意:导入的参数表中仍有未标为 official 的参数,指数继续标注为示意",
        "Note: some imported parameters are not marked official; the index stays labelled illustrative",
    ),
    "computing": ("正在读取并计算 {path} …", "Reading and computing {path} …"),
    "writing": ("正在写出 {n:,} 个结果 …", "Writing {n:,} results …"),
    "db_at": ("数据库 {url} 已是最新结构(版本 {rev})", "Database {url} is at the newest schema ({rev})"),
    "db_url": ("数据库", "Database"),
    "db_revision": ("结构版本", "Schema revision"),
    "db_regions": ("地区数", "Regions"),
    "db_frameworks": ("指标框架版本(起始年)", "Framework versions (from year)"),
    "db_figures": ("当前数据条数", "Current figures"),
    "db_locked": ("已锁定年份", "Locked years"),
    "backed_up": ("已备份到 {path}({n} 行);备份以密钥 {keyfile} 签名,在另一台机器恢复时需要它", "Backed up to {path} ({n} rows), signed with the key in {keyfile}: a restore on another machine needs it"),
    "restored": ("已从 {path} 恢复({n} 行);会话密钥已更换,所有用户须重新登录(请重启 stpi serve)",
                 "Restored from {path} ({n} rows); the session key was renewed: everyone logs in again (restart stpi serve)"),
    "db_copy": ("升级前已把数据库文件复制到 {path}", "Before upgrading, the database file was copied to {path}"),
    "confirm_restore": ("恢复将用备份替换当前全部数据,确定吗?", "Restoring replaces all current data. Continue?"),
    "transitioned": ("{action}:{n} 条数据", "{action}: {n} figures"),
    "action.submit": ("报送", "submit"),
    "action.approve": ("审核通过", "approve"),
    "action.return": ("退回", "return"),
    "action.lock": ("锁定年度评价", "lock a year"),
    "action.round": ("开启填报轮次", "open a reporting round"),
    "action.user": ("管理账号", "manage accounts"),
    "locked": ("{year}年评价已锁定:{n} 条数据", "Year {year} locked: {n} figures"),
    "audit.title": ("审计日志({n} 条)", "Audit log ({n} entries)"),
    "audit.at": ("时间(UTC)", "When (UTC)"),
    "audit.actor": ("账号", "Account"),
    "audit.action": ("操作", "Action"),
    "audit.entity": ("对象", "Entity"),
    "audit.key": ("键", "Key"),
    "audit.old": ("原值", "Old"),
    "audit.new": ("新值", "New"),
    "audit.reason": ("原因", "Reason"),
    "values.title": ("已填报数据({n} 条)", "Reported figures ({n})"),
    "region": ("地区", "Region"),
    "period": ("期间", "Period"),
    "status": ("状态", "Status"),
    "vintage": ("版本", "Vintage"),
    "current": ("当前", "Current"),
    "source": ("来源", "Source"),
    "note": ("备注", "Note"),
    "status.draft": ("草稿", "draft"),
    "status.submitted": ("已报送", "submitted"),
    "status.returned": ("已退回", "returned"),
    "status.approved": ("已通过", "approved"),
    "status.locked": ("已锁定", "locked"),
    "users": ("账号", "Accounts"),
    "role": ("角色", "Role"),
    "department": ("部门", "Department"),
    "active": ("启用", "Active"),
    "user_added": ("已添加账号 {user}(角色 {role})", "Added account {user} (role {role})"),
    "user_disabled": ("已停用账号 {user}", "Disabled account {user}"),
    "derived": ("{n} 个指标值由原始变量按公式计算:{codes}", "{n} indicator values derived from raw statistics: {codes}"),
    "template_written": ("已生成填报模板 {path}({who},{n} 行)", "Wrote the reporting workbook {path} ({who}, {n} rows)"),
    "importing": ("正在校验并导入 {path} …", "Checking and importing {path} …"),
    "imported_figures": ("已导入 {n} 条数据({same} 条与原值相同未改动;原文件已存档 #{upload})", "Imported {n} figures ({same} unchanged; file archived as #{upload})"),
    "progress_added": ("已记录 {dep} 对 {code} 的 {period} 工作进展", "Recorded {dep}'s progress on {code} for {period}"),
    "progress_title": ("工作进展({n} 条)", "Progress notes ({n})"),
    "progress_text": ("进展", "Progress"),
    "progress_on": ("完成时间", "Done on"),
    "progress_by": ("完成人", "Done by"),
    "published_added": ("已录入 {region} {year} 年公布结果", "Recorded the published result of {region} for {year}"),
    "published_title": ("公布结果({n} 条)", "Published results ({n})"),
    "rank_published": ("排名", "Rank"),
    "year": ("年度", "Year"),
    "action.published": ("录入公布结果", "record published results"),
    "kind": ("类型", "Kind"),
    "kind.indicator": ("指标", "indicator"),
    "kind.variable": ("原始数据", "raw statistic"),
    "wrote": ("已写出 {path}", "Wrote {path}"),
    "missing_inputs": ("缺失的输入(按“{policy}”处理):", "Missing inputs (policy '{policy}'):"),
    "not_official_method": (
        "注意:使用了非官方方法 {recipe},结果不可与官方指数直接比较",
        "Note: non-official method {recipe}; results are not comparable with the official index",
    ),
    "change": ("变化", "Change"),
    "part": ("自身得分变动的拉动", "Own score effect"),
    "reweight": ("权重重新分配", "Re-weighting"),
    "gain_reweight": ("另有 {points} 点来自权重重新分配(基期缺失的指标出现后同级权重重新归一),不属于任何指标自身的得分变动", "A further {points} points come from re-weighting (indicators missing at the baseline appear and weights are re-normalised), not from any indicator's own score"),
    "decomp_sum": ("各指标自身得分变动合计 {part} + 权重重新分配(指标出现或缺失) {reweight} = 总指数变化 {change}", "Own score effects {part} + re-weighting (indicators appearing or disappearing) {reweight} = index change {change}"),
    "decomp_note": (
        "自身得分变动的拉动 = 两年平均有效权重 × 得分变化(得分上升的指标不会为负);指标出现或缺失引起的权重重新分配单列;两项合计等于总指数的变化",
        "Own score effect = mean effective weight of the two years × score change (never negative for an indicator that improved); re-weighting from indicators appearing or disappearing is a separate term; together they sum to the index change",
    ),
    "effective_weight": ("有效权重", "Effective weight"),
    "raw": ("原始值", "Value"),
    "start": ("起始", "Start"),
    "end": ("结束", "End"),
    "contrib_title": ("{region} {year}年 各指标贡献与提升空间", "{region} {year}: contributions and headroom"),
    "decomp_title": ("{region} {start}→{end}年 指数变化分解(各部分之和等于总变化)", "{region} {start}→{end}: change decomposed (parts sum to the change)"),
}


def add_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Register a module's own (Chinese, English) messages; a key may be defined once only."""
    clash = sorted(set(messages) & set(MESSAGES))
    if clash:
        raise ValueError(f"message keys defined twice: {clash}")
    MESSAGES.update(messages)


def get_lang() -> str:
    """The language in force: set explicitly, else STPI_LANG, else Chinese."""
    lang = request_lang.get() or _state["lang"] or os.environ.get("STPI_LANG", "zh")
    return lang if lang in LANGS else "zh"


def set_lang(lang: str | None) -> None:
    """Choose the language for this process."""
    _state["lang"] = lang or ""


def tr(key: str, **kwargs: object) -> str:
    """The message ``key`` in the language in force."""
    zh, en = MESSAGES[key]
    text = en if get_lang() == "en" else zh
    return text.format(**kwargs) if kwargs else text
