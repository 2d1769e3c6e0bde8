"""The indicator tree as arrays: what the engine needs to know of a framework."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

__all__ = ["Tree", "Level"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class Level:
    """One aggregation step: the children of ``parents`` combined by ``matrix``.

    ``matrix`` has shape (n_children, n_parents) and holds each child's weight
    in the column of its parent; ``member`` holds 1 there whatever the weight.
    """

    parents: IntArray
    children: IntArray
    matrix: FloatArray
    member: FloatArray


@dataclass(frozen=True, eq=False)
class Tree:
    """An indicator tree in topological order (parents before children).

    Parameters
    ----------
    codes : tuple of str, length N
        Node codes; node 0 is the root.
    parent : int array, shape (N,)
        Index of each node's parent, -1 for the root.
    weight : float array, shape (N,)
        Weight of each node within its parent (1 for the root).
    leaves : int array, shape (K,)
        Node indices of the leaves, in the order of the indicator axis of data.
    standard : float array, shape (K,)
        Standard value of each leaf.
    direction : float array, shape (K,)
        +1 where higher is better, -1 where lower is better.
    """

    codes: tuple[str, ...]
    parent: IntArray
    weight: FloatArray
    leaves: IntArray
    standard: FloatArray
    direction: FloatArray

    @property
    def n_nodes(self) -> int:
        """Number of nodes N."""
        return len(self.codes)

    @property
    def leaf_codes(self) -> tuple[str, ...]:
        """Codes of the leaves, in indicator-axis order."""
        return tuple(self.codes[i] for i in self.leaves)

    @cached_property
    def depth(self) -> IntArray:
        """Depth of each node (root 0)."""
        depth = np.zeros(self.n_nodes, dtype=np.intp)
        for i in range(1, self.n_nodes):
            depth[i] = depth[self.parent[i]] + 1
        return depth

    @cached_property
    def levels(self) -> tuple[Level, ...]:
        """Aggregation steps from the deepest parents up to the root."""
        depth = self.depth
        is_parent = np.zeros(self.n_nodes, dtype=bool)
        is_parent[self.parent[self.parent >= 0]] = True
        steps = []
        for d in range(int(depth.max()) - 1, -1, -1):
            parents = np.flatnonzero(is_parent & (depth == d))
            children = np.flatnonzero(np.isin(self.parent, parents))
            column = {int(p): j for j, p in enumerate(parents)}
            matrix = np.zeros((len(children), len(parents)))
            member = np.zeros_like(matrix)
            for i, c in enumerate(children):
                matrix[i, column[int(self.parent[c])]] = self.weight[c]
                member[i, column[int(self.parent[c])]] = 1.0
            steps.append(Level(parents, children, matrix, member))
        return tuple(steps)

    @cached_property
    def effective_weight(self) -> FloatArray:
        """Product of the weights on each node's path from the root, shape (N,)."""
        eff = np.ones(self.n_nodes)
        for i in range(1, self.n_nodes):
            eff[i] = eff[self.parent[i]] * self.weight[i]
        return eff

    @cached_property
    def ancestry(self) -> FloatArray:
        """Membership matrix, shape (K, N): 1 where node n is leaf k or an ancestor of it."""
        member = np.zeros((len(self.leaves), self.n_nodes))
        for k, leaf in enumerate(self.leaves):
            node = int(leaf)
            while node >= 0:
                member[k, node] = 1.0
                node = int(self.parent[node])
        return member
