"""The one exception family of stpi.

Every error a user can cause is a :class:`StpiError`. Input errors carry every
problem found (file, row, field, reason), not only the first one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConflictError", "ForbiddenError", "InputError", "MethodError", "NotFoundError", "Problem", "StpiError"]


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

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", 第{self.row}行 row {self.row}"
        if self.field:
            where += f", 列 column '{self.field}'"
        value = f" (值 value: {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.reason}{value}"


class InputError(StpiError):
    """Malformed input: carries the full list of problems found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} 个问题 problem(s):\n{lines}")


class MethodError(StpiError):
    """An unknown method name or invalid method parameters."""


class NotFoundError(StpiError):
    """A code, department or region that does not exist."""


class ConflictError(StpiError):
    """A figure changed since it was read, or a locked figure was changed without a revision."""


class ForbiddenError(StpiError):
    """The acting user may not do this."""
