"""Choosing a method by name: one registry per construction step."""

from __future__ import annotations

from typing import TypeVar

from stpi.errors import MethodError

__all__ = ["pick"]

T = TypeVar("T")


def pick(registry: dict[str, T], name: str, step: str) -> T:
    """Return the method called ``name`` or fail listing the valid names."""
    try:
        return registry[name]
    except KeyError:
        valid = ", ".join(sorted(registry))
        raise MethodError(
            f"未知的{step}方法 unknown {step} method {name!r}; 可选 valid: {valid}"
        ) from None
