"""The one exception family of stpi.

Every error a user can cause is a :class:`StpiError`. Input errors carry every
problem found (file, row, field, reason), not only the first one.
"""

from __future__ import annotations

from dataclasses import dataclass

from stpi.i18n import add_messages

__all__ = ["MAX_PROBLEMS", "MoreProblems", "BusyError", "ConflictError", "ForbiddenError", "InputError", "MethodError", "NotFoundError", "Problem", "StoreError", "StpiError"]


class StpiError(Exception):
    """Base class of every error stpi raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file."""

    file: str
    row: int | None
    field: str | None
    reason: str
    value: str | None = None
    code: str | None = None  # the indicator, raw statistic or node the problem is about
    name: str | None = None  # its name, in the user's language

    @property
    def subject(self) -> str:
        """``CODE 名称``: what the problem is about ('' when it is about no one node)."""
        return " ".join(part for part in (self.code, self.name) if part)

    def line(self) -> str:
        """One full line for logs and pipes: ``FILE:ROW:COLUMN: CODE 名称: reason (值 value: …)``."""
        where = ":".join([self.file, *([str(self.row)] if self.row is not None else []), *([self.field] if self.field else [])])
        subject = f" {self.subject}:" if self.subject else ""
        value = f" (值 value: {self.value!r})" if self.value is not None else ""
        return f"{where}:{subject} {self.reason}{value}"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", 第{self.row}行 row {self.row}"
        if self.field:
            where += f", 列 column '{self.field}'"
        if self.subject:
            where += f", {self.subject}"
        value = f" (值 value: {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.reason}{value}"


MAX_PROBLEMS = 1000  # listed per error: a file of a million bad rows must not become a million-line report held in memory


@dataclass(frozen=True)
class MoreProblems(Problem):
    """Stands for ``count`` problems found but not listed (the last item of a long list)."""

    count: int = 0


class InputError(StpiError):
    """Malformed input: the problems found, at most :data:`MAX_PROBLEMS` listed, and how many there were in all (``total``).

    A longer list keeps its first problems and ends with a :class:`MoreProblems` that counts the rest,
    so the count survives when the problems are gathered into another error.
    """

    def __init__(self, problems: list[Problem]) -> None:
        found = list(problems)
        self.total = sum(p.count if isinstance(p, MoreProblems) else 1 for p in found)
        if len(found) > MAX_PROBLEMS:
            kept = [p for p in found if not isinstance(p, MoreProblems)][:MAX_PROBLEMS - 1]
            rest = self.total - len(kept)
            found = kept + [MoreProblems(kept[-1].file if kept else "", None, None, f"……另有 {rest} 个问题未列出,请先改正以上问题后重新检查 {rest} more problems not listed", None, None, None, rest)]
        self.problems = found
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.total} 个问题 problem(s):\n{lines}")


class MethodError(StpiError):
    """An unknown method name or invalid method parameters."""


class NotFoundError(StpiError):
    """A code, department or region that does not exist."""


class ConflictError(StpiError):
    """A figure changed since it was read, or a locked figure was changed without a revision."""


class ForbiddenError(StpiError):
    """The acting user may not do this."""


class StoreError(StpiError):
    """The database failed (the driver's text is logged on the server, never shown to a client)."""


class BusyError(StoreError):
    """The database is busy (a lock wait ran out, a serialization failure): try again shortly (HTTP 503)."""

    retry_after = 5  # seconds


add_messages({
    "error.busy": ("数据库正忙,请稍后重试", "The database is busy; please try again in a moment"),
    "error.store": ("数据库出错,操作未完成;详情已记入服务器日志", "A database error stopped this; the details are in the server log"),
    "error.conflict": ("数据已被他人同时修改,请刷新后重试", "Someone else changed this at the same time; reload and try again"),
})
