"""Choosing a method by name: one registry per construction step."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from stpi.errors import MethodError

__all__ = ["pick"]

F = TypeVar("F", bound=Callable[..., object])


def pick(registry: dict[str, F], name: str, step: str) -> F:
    """Return the method called ``name`` or fail listing the valid names."""
    try:
        return registry[name]
    except KeyError:
        valid = ", ".join(sorted(registry))
        raise MethodError(
            f"未知的{step}方法 unknown {step} method {name!r}; 可选 valid: {valid}"
        ) from None
