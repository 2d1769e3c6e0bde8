"""Database tables (SQLAlchemy 2). Only the store imports this module."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RegionRow(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128), default="")
    level: Mapped[str] = mapped_column(String(16))  # province / city / county
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))


class FrameworkVersionRow(Base):
    __tablename__ = "framework_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(256))
    content: Mapped[str] = mapped_column(Text)  # the framework as YAML
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16), default="city", server_default="city")  # city / county (a county version)


class PlanRow(Base):
    """One version of the plan: an import adds a version valid from a year, the earlier ones are kept."""

    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(256))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    content: Mapped[str] = mapped_column(Text)  # the plan as YAML (targets, measures, notes)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    valid_from: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # the first year the version is in force
    created_by: Mapped[str] = mapped_column(String(64), default="system", server_default="system")
    source: Mapped[str] = mapped_column(Text, default="", server_default="")  # the file it was imported from


class CountyTargetRow(Base):
    """A county's own target for an indicator (a county plan), with its 市本级/县区-like splits; entered, then approved by the bureau.

    A change adds a row and retires the current one (``current``), so every earlier target is kept.
    """

    __tablename__ = "county_target"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    code: Mapped[str] = mapped_column(String(64))  # indicator
    baseline: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float] = mapped_column(Float)
    target_at_least: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sub_targets: Mapped[str] = mapped_column(Text, default="", server_default="")  # "name target;…" as the plan table writes them
    status: Mapped[str] = mapped_column(String(16))  # submitted / approved / returned
    current: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    source: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    __table_args__ = (Index("ix_county_target_region_code", "region_id", "code"),)


class DepartmentRow(Base):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    name_en: Mapped[str] = mapped_column(String(256), default="")


class AssignmentRow(Base):
    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    code: Mapped[str] = mapped_column(String(64))  # indicator code
    role: Mapped[str] = mapped_column(String(16))  # lead / responsible
    __table_args__ = (UniqueConstraint("plan_id", "department_id", "code", "role"),)


class UploadRow(Base):
    __tablename__ = "upload"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)


class BatchRow(Base):
    """One write: who, when, why, from which file. Each figure it adds points to it."""

    __tablename__ = "batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    created: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    # figures entered by the bureau for a reporter: the reporter, and when its figures were received (the submission time)
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ObservationRow(Base):
    """One vintage of one figure. A change adds a vintage; no row is ever deleted."""

    __tablename__ = "observation"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    code: Mapped[str] = mapped_column(String(64))  # an indicator or a raw variable
    period: Mapped[str] = mapped_column(String(16))  # 2023, 2023Q1, 2023M03
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # draft submitted returned approved locked
    comment: Mapped[str | None] = mapped_column(Text)
    vintage: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean)
    evaluated: Mapped[bool] = mapped_column(Boolean)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    # One index only, since each one slows a bulk import. The year is the period's own, so
    # this key is as unique as (period, region, code, vintage); leading with year and period,
    # it also serves the lookups by year and the per-period lookup before each write.
    __table_args__ = (UniqueConstraint("year", "period", "region_id", "code", "vintage"),)


class YearLockRow(Base):
    __tablename__ = "year_lock"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    locked_at: Mapped[datetime] = mapped_column(DateTime)
    locked_by: Mapped[str] = mapped_column(String(64))
    forced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # locked with tasks still open (--force)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class ProgressNoteRow(Base):
    __tablename__ = "progress_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    code: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    done_on: Mapped[str] = mapped_column(String(32), default="")
    done_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class PublishedResultRow(Base):
    __tablename__ = "published_result"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    year: Mapped[int] = mapped_column(Integer)
    index_value: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("region_id", "year"),)


class PublishedScoreRow(Base):
    """One node's score for a region and year as the province's feedback report (评价反馈) gives it."""

    __tablename__ = "published_score"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))  # any node: the root, an area, a group, an indicator
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("region_id", "year", "code"),)


class UserRow(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16))  # admin / department / county / viewer
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # bumped on logout, password reset, disable and enable: a session cookie names the epoch it was made in
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginAttemptRow(Base):
    """One password check, counted before it runs (pending), then failed or ok; cleared by an unlock."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))  # the client address (X-Forwarded-For only from a trusted proxy)
    outcome: Mapped[str] = mapped_column(String(8))  # pending / failed / ok / cleared
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"), Index("ix_login_attempt_source_at", "source", "at"))


class LoginGateRow(Base):
    """One row that every login attempt updates first: counting and adding an attempt is one serial step on every backend."""

    __tablename__ = "login_gate"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    turns: Mapped[int] = mapped_column(Integer, default=0)


class AuditRow(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(256))
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class GenerationRow(Base):
    """How often each part of the store has changed: bumped in the transaction that changes it (see stpi.store.revision)."""

    __tablename__ = "generation"
    part: Mapped[str] = mapped_column(String(32), primary_key=True)
    gen: Mapped[int] = mapped_column(Integer, default=0)


class SettingRow(Base):
    """A per-store switch (public_overview, demo_data, session_secret …); see stpi.store.settings."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RoundRow(Base):
    """One reporting round (填报轮次): a year's collection, or one in-year dispatch period (2025Q3, 2025M07)."""

    __tablename__ = "reporting_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16), unique=True)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # open / closed
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    opened_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TaskRow(Base):
    """One item a reporter owes in a round (填报任务); its status is read from the figures, its submission time kept here."""

    __tablename__ = "reporting_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"))
    reporter_kind: Mapped[str] = mapped_column(String(16))  # department / county
    reporter: Mapped[str] = mapped_column(String(64))  # a department's or a county's code
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    code: Mapped[str] = mapped_column(String(64))  # the indicator
    gives: Mapped[str] = mapped_column(String(16))  # value / raw / either
    variables: Mapped[str] = mapped_column(Text, default="", server_default="")  # ';'-joined raw statistics behind it
    deadline: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # first submission (or receipt, on behalf)
    submitted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    __table_args__ = (UniqueConstraint("round_id", "reporter", "region_id", "code"),)


class SupervisionRow(Base):
    """One supervision notice (督办单): the bureau asks a department to explain and act by a deadline; version for compare-and-set."""

    __tablename__ = "supervision"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)  # of its number: 督办〔2026〕3号
    seq: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    subject: Mapped[str] = mapped_column(String(256))
    request: Mapped[str] = mapped_column(Text)  # what is asked, e.g. 说明原因并提出整改措施
    deadline: Mapped[date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(16))  # warning / indicator / task / free
    origin_ref: Mapped[str] = mapped_column(String(128), default="", server_default="")  # the indicator code, the task, the warning
    status: Mapped[str] = mapped_column(String(16))  # open / replied / returned / closed
    version: Mapped[int] = mapped_column(Integer, default=1)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(64))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # the first reply (timeliness)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (UniqueConstraint("year", "seq"),)


class SupervisionEventRow(Base):
    """One step of a supervision notice: issued, replied (measures, expected effect), sent back or closed (办结)."""

    __tablename__ = "supervision_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervision.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # issue / reply / return / close
    measures: Mapped[str] = mapped_column(Text, default="", server_default="")
    effect: Mapped[str] = mapped_column(Text, default="", server_default="")
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")


class SupervisionFileRow(Base):
    """A file attached to a reply, archived whole like an upload (size-checked against upload_limit_mb)."""

    __tablename__ = "supervision_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("supervision_event.id"), index=True)
    filename: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class MessageRow(Base):
    """One notice in one account's inbox; ``key`` names the event, so an event reaches an account once."""

    __tablename__ = "message"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64))  # a username
    kind: Mapped[str] = mapped_column(String(32))  # returned / supervision / reply / deadline / overdue / sent_back / closed
    key: Mapped[str] = mapped_column(String(160))
    subject: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    subject_en: Mapped[str] = mapped_column(String(256), default="", server_default="")
    body_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    link: Mapped[str] = mapped_column(String(256), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (UniqueConstraint("recipient", "key"), Index("ix_message_recipient_read_at", "recipient", "read_at"))


class OutboxRow(Base):
    """One delivery owed (an e-mail, a group-robot post): written with its event, sent by a worker, kept with its status."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # channel, target and event: each delivery is owed once
    channel: Mapped[str] = mapped_column(String(16))  # email / wecom / dingtalk
    target: Mapped[str] = mapped_column(String(1024))  # an address, or a webhook's URL
    label: Mapped[str] = mapped_column(String(128), default="", server_default="")  # who: a username, a webhook's name
    subject: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(256), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16))  # pending / sending / sent / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(DateTime)  # not before (retries back off)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # a worker's claim; a dead worker's lapses
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (Index("ix_outbox_status_next_at", "status", "next_at"),)


class WebhookRow(Base):
    """A group robot (企业微信 or 钉钉) that receives a party's notices: a department's, a county's, or the bureau's (no party)."""

    __tablename__ = "webhook"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # wecom / dingtalk
    url: Mapped[str] = mapped_column(String(1024))
    party: Mapped[str] = mapped_column(String(64), default="", server_default="")  # a department's or county's code; "" = the bureau
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(String(256), default="", server_default="")  # a DingTalk robot's signing secret (加签); never shown back
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class ContactRow(Base):
    """An account's e-mail address for notices."""

    __tablename__ = "contact"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(256))
