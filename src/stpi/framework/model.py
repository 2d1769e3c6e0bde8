"""The indicator framework: a tree of nodes with parameters and their provenance."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np

from stpi.engine.tree import Tree
from stpi.errors import NotFoundError

__all__ = ["Provenance", "Node", "Framework"]

ProvenanceKind = Literal["official", "assumed"]


@dataclass(frozen=True)
class Provenance:
    """Where a parameter comes from: ``official`` with its source, or ``assumed`` with the rule."""

    kind: ProvenanceKind
    note: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.note}"

    @classmethod
    def parse(cls, text: str) -> Provenance:
        """Read ``"official: source"`` or ``"assumed: rule"``; raise ValueError otherwise."""
        kind, sep, note = text.partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in ("official", "assumed") or not note.strip():
            raise ValueError(
                "应为 must be 'official: 来源 source' 或 or 'assumed: 规则 rule'"
            )
        return cls(kind, note.strip())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Node:
    """One node of the tree: the root, a group at any level, or an indicator (leaf)."""

    code: str
    parent: str | None
    name: str
    name_en: str = ""
    unit: str = ""
    weight: float = 1.0
    weight_provenance: Provenance | None = None
    standard: float | None = None
    standard_provenance: Provenance | None = None
    direction: int | None = None
    definition: str = ""
    source: str = ""
    note: str = ""
    valid_range: str = ""  # plausibility: an interval such as "[0, 100]" (stpi.framework.plausibility); "" = by unit
    change_limit: float | None = None  # plausibility: the relative year-over-year change needing a note; None = 50%
    plausibility_provenance: Provenance | None = None

    @property
    def is_leaf(self) -> bool:
        """True for an indicator (a node with a standard)."""
        return self.standard is not None

    def label(self, lang: str = "zh") -> str:
        """Name in the given language, falling back to Chinese."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True, eq=False)
class Framework:
    """A validated indicator tree. Build it with :mod:`stpi.framework.io`, which validates.

    ``nodes`` are in topological order: the root first, every parent before its children,
    siblings in the order they were given.
    """

    id: str
    title: str
    nodes: tuple[Node, ...]
    title_en: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {n.code: i for i, n in enumerate(self.nodes)}

    @property
    def root(self) -> Node:
        """The root node (the composite index)."""
        return self.nodes[0]

    def node(self, code: str) -> Node:
        """The node with this code."""
        try:
            return self.nodes[self._index[code]]
        except KeyError:
            raise NotFoundError(f"指标框架中没有代码 no node with code {code!r}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def children(self, code: str) -> tuple[Node, ...]:
        """Direct children of a node, in order."""
        return tuple(n for n in self.nodes if n.parent == code)

    @property
    def leaves(self) -> tuple[Node, ...]:
        """The indicators, in tree order."""
        return tuple(n for n in self.nodes if n.is_leaf)

    def depth(self, code: str) -> int:
        """0 for the root, 1 for its children, …"""
        return int(self.tree.depth[self._index[code]])

    def level(self, depth: int) -> tuple[Node, ...]:
        """All nodes at one depth."""
        return tuple(n for n, d in zip(self.nodes, self.tree.depth) if d == depth)

    def ancestors(self, code: str) -> tuple[Node, ...]:
        """The path from the node's parent up to the root."""
        out = []
        parent = self.node(code).parent
        while parent is not None:
            out.append(self.node(parent))
            parent = out[-1].parent
        return tuple(out)

    @cached_property
    def tree(self) -> Tree:
        """The arrays the engine computes on."""
        leaves = [i for i, n in enumerate(self.nodes) if n.is_leaf]
        return Tree(
            codes=tuple(n.code for n in self.nodes),
            parent=np.array(
                [-1 if n.parent is None else self._index[n.parent] for n in self.nodes],
                dtype=np.intp,
            ),
            weight=np.array([n.weight for n in self.nodes], dtype=float),
            leaves=np.array(leaves, dtype=np.intp),
            standard=np.array([self.nodes[i].standard for i in leaves], dtype=float),
            direction=np.array([self.nodes[i].direction or 1 for i in leaves], dtype=float),
        )

    def parameter_provenances(self) -> tuple[Provenance | None, ...]:
        """Provenance of every parameter: non-root weights and leaf standards."""
        out: list[Provenance | None] = [n.weight_provenance for n in self.nodes[1:]]
        out += [n.standard_provenance for n in self.leaves]
        return tuple(out)

    @property
    def is_illustrative(self) -> bool:
        """True when any weight or standard is not marked official."""
        return any(p is None or p.kind != "official" for p in self.parameter_provenances())

    def parameter_rules(self) -> tuple[str, ...]:
        """The distinct provenance statements of the parameters, for labels."""
        seen: dict[str, None] = {}
        for n in self.nodes:
            for p in (n.weight_provenance, n.standard_provenance):
                if p is not None:
                    seen.setdefault(str(p))
        return tuple(seen)

    def with_parameters(self, other: Framework) -> Framework:
        """This framework with weights, standards and directions taken from ``other``.

        Names, definitions and notes stay; the trees must have the same codes and parents.
        """
        nodes = []
        for n in self.nodes:
            o = other.node(n.code)
            nodes.append(
                replace(
                    n,
                    weight=o.weight,
                    weight_provenance=o.weight_provenance,
                    standard=o.standard,
                    standard_provenance=o.standard_provenance,
                    direction=o.direction,
                )
            )
        return replace(self, nodes=tuple(nodes))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (the YAML form)."""
        nodes = []
        for n in self.nodes:
            d = {k: v for k, v in asdict(n).items() if v not in (None, "")}
            for key in ("weight_provenance", "standard_provenance", "plausibility_provenance"):
                p = getattr(n, key)
                if p is not None:
                    d[key] = str(p)
            nodes.append(d)
        head: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.title_en:
            head["title_en"] = self.title_en
        if self.notes:
            head["notes"] = list(self.notes)
        return {"framework": head, "nodes": nodes}

    def fingerprint(self) -> str:
        """SHA-256 of the framework's content, to tie results to the parameters used."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()
