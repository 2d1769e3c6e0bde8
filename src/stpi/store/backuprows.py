"""Rows of a backup: each column value to JSON and back, checked against the column's type."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer, LargeBinary, String

from stpi.errors import StpiError

__all__ = ["converter", "encode"]


def encode(value: Any) -> Any:
    """A column value as JSON: dates ISO 8601, bytes base64."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _exact(kind: type, label: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise ValueError(f"应为{label}")
        return value

    return check


def _number(value: Any) -> Any:
    if type(value) not in (int, float):
        raise ValueError("应为数值 expected a number")
    return value


def _text(length: int | None) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not str:
            raise ValueError("应为文本 expected text")
        if length is not None and len(value) > length:
            raise ValueError(f"文本过长(最多 {length} 字符) text longer than {length} characters")
        return value

    return check


def _datetime(value: Any) -> Any:
    if type(value) is not str:
        raise ValueError("应为日期时间 expected a date-time")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("日期时间无效 invalid date-time") from None


def _date(value: Any) -> Any:
    if type(value) is not str:
        raise ValueError("应为日期 expected a date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("日期无效 invalid date") from None


def _binary(value: Any) -> Any:
    if type(value) is not str:
        raise ValueError("应为 base64 文本 expected base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("不是有效的 base64 invalid base64") from None


def converter(column: Column[Any]) -> Callable[[Any], Any]:
    """The check of one column's JSON value: it returns the value to insert or raises ValueError (a Chinese-first reason)."""
    kind = column.type
    convert: Callable[[Any], Any]
    if isinstance(kind, DateTime):
        convert = _datetime
    elif isinstance(kind, Date):
        convert = _date
    elif isinstance(kind, LargeBinary):
        convert = _binary
    elif isinstance(kind, Boolean):
        convert = _exact(bool, "真假值 expected true/false")
    elif isinstance(kind, Integer):
        convert = _exact(int, "整数 expected an integer")
    elif isinstance(kind, Float):
        convert = _number
    elif isinstance(kind, String):
        convert = _text(kind.length)
    else:
        raise StpiError(f"备份不支持此列类型 column type not supported by backups: {column}")
    nullable = bool(column.nullable)

    def check(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise ValueError("不能为空 must not be empty")
        return convert(value)

    return check
