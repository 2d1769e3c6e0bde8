"""The snapshot: an immutable picture of everything pages, documents and commands read, at one set of generations."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from stpi.errors import NotFoundError

if TYPE_CHECKING:
    import pandas as pd

    from stpi.framework.model import Framework
    from stpi.framework.plan import Plan
    from stpi.store import Store
    from stpi.store.county_targets import CountyTarget
    from stpi.store.notes import PublishedScore
    from stpi.store.records import Observation, ProgressNote, PublishedResult, Region
    from stpi.store.rounds import Round

__all__ = ["FrameworkVersion", "Memo", "PlanVersion", "Snapshot", "YearFigures"]

T = TypeVar("T")
_MISSING = object()
SCOPES = ("city", "county")


class Memo:
    """Values computed once from immutable inputs, shared by the threads that ask (one builds, the others wait).

    ``limit``: the most values kept (the oldest go first); unbounded by default.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._limit = limit
        self._values: dict[Hashable, Any] = {}
        self._guard = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        found = self._values.get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[no-any-return]
        with self._guard:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            found = self._values.get(key, _MISSING)
            if found is _MISSING:
                found = build()
                with self._guard:
                    self._values[key] = found
                    while self._limit is not None and len(self._values) > self._limit:
                        self._values.pop(next(iter(self._values)))
        with self._guard:
            self._building.pop(key, None)
        return found  # type: ignore[no-any-return]


@dataclass(frozen=True, eq=False)
class YearFigures:
    """One year's figures at one generation of that year: raw approved frames per basis and the current vintages of every status.

    Shared between snapshots while the year does not change, so what is derived from it (its
    derived indicators, its part of the index) is computed once per change of the year.
    """

    year: int
    gen: int
    latest: pd.DataFrame  # region (name), year, indicator, value: the newest approved or locked vintage
    evaluated: pd.DataFrame  # the vintage frozen when the year was locked
    current: tuple[Observation, ...]  # the current vintage of every figure, any status
    history: tuple[Observation, ...]  # every vintage, current or not
    approved_serial: int = 0  # changes exactly when the approved frames change (a draft leaves it, and the memo, as they were)
    memo: Memo = field(default_factory=Memo, repr=False)

    def raw(self, basis: str) -> pd.DataFrame:
        return self.latest if basis == "latest" else self.evaluated


@dataclass(frozen=True)
class FrameworkVersion:
    """One stored framework version."""

    id: int
    scope: str
    valid_from: int
    title: str
    fingerprint: str
    created_by: str
    framework: Framework


@dataclass(frozen=True)
class PlanVersion:
    """One stored plan version."""

    id: int
    valid_from: int
    plan: Plan


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything readers read, at one set of store generations; never changed once built.

    Get one with :func:`stpi.readmodel.snapshot`; the query functions in :mod:`stpi.queries` are pure
    functions of a snapshot and their parameters. ``memo`` holds what they compute from it, so the
    pages of one revision share one index computation, one tracking table, one assessment.

    ``store`` is the store it was read from, for the few reads outside the read model (the audit
    trail behind timeliness, accounts, the supervision ledger). Every change to those bumps a
    generation too, so what is computed from them may still be kept in ``memo``.
    """

    generations: Mapping[str, int]
    plans: tuple[PlanVersion, ...]
    frameworks: tuple[FrameworkVersion, ...]
    regions_: tuple[Region, ...]
    settings: Mapping[str, object]
    published: tuple[PublishedResult, ...]
    scores: tuple[PublishedScore, ...]
    locks: Mapping[int, str]  # locked year → the reason given when forced ("" otherwise)
    years: Mapping[int, YearFigures]
    round_list: tuple[Round, ...]
    county_target_list: tuple[CountyTarget, ...]
    notes: tuple[ProgressNote, ...]
    store: Store | None = field(default=None, repr=False)
    embedded: bool = False
    memo: Memo = field(default_factory=Memo, repr=False)
    shared: Memo = field(default_factory=lambda: Memo(limit=256), repr=False)  # across the snapshots of one store, keyed by content

    # ------------------------------------------------------------ identity

    @property
    def source(self) -> Store:
        """The store this snapshot was read from (see the class notes)."""
        if self.store is None:
            raise NotFoundError("该快照没有关联的数据库 this snapshot has no store")
        return self.store

    def approved_key(self, *parts: str) -> tuple[Hashable, ...]:
        """What a value computed from the approved figures (and the named parts) depends on: equal keys, equal values.

        A draft or a submission changes the snapshot but not this key, so what was computed from the
        approved figures is kept (``shared``) until a figure is approved, a year is locked, or a named
        part changes.
        """
        return (tuple((y, f.approved_serial) for y, f in sorted(self.years.items()) if f.approved_serial), tuple(sorted(self.locks.items())),
                tuple(self.generations.get(p, 0) for p in ("plan", "regions", *parts)))

    @property
    def revision(self) -> int:
        """One number that grows with every change of anything a reader shows."""
        return sum(v for k, v in self.generations.items() if "/" not in k and k != "people")

    # ---------------------------------------------------------------- plan

    def plan(self, year: int | None = None) -> Plan:
        """The plan in force in ``year`` (the newest without a year; the first for a year before every version)."""
        if not self.plans:
            raise NotFoundError("数据库中没有实施方案 no plan in the database")
        ordered = sorted(self.plans, key=lambda p: (p.valid_from, p.id))
        if year is None:
            return ordered[-1].plan
        valid = [p for p in ordered if p.valid_from <= year]
        return (valid[-1] if valid else ordered[0]).plan

    def framework(self, year: int | None = None, *, scope: str = "city") -> Framework:
        """The framework version valid in ``year`` (the newest without one); a county scope falls back to the city's."""
        if scope not in SCOPES:
            raise NotFoundError(f"未知范围 unknown scope {scope!r}; 可选 valid: city, county")
        for wanted in dict.fromkeys((scope, "city")):
            found = [v for v in self.frameworks if v.scope == wanted and (year is None or v.valid_from <= year)]
            if found:
                return max(found, key=lambda v: (v.valid_from, v.id)).framework
        raise NotFoundError(f"{year} 年没有有效的指标框架 no framework valid in {year}")

    def framework_versions(self, scope: str = "city") -> list[tuple[int, str, str, str]]:
        """(valid_from, title, fingerprint, created_by) of every version of the scope, oldest first."""
        rows = sorted((v for v in self.frameworks if v.scope == scope), key=lambda v: (v.valid_from, v.id))
        return [(v.valid_from, v.title, v.fingerprint, v.created_by) for v in rows]

    # ------------------------------------------------------------- regions

    def regions(self, level: str | None = None) -> list[Region]:
        return [r for r in self.regions_ if level is None or r.level == level]

    def region(self, code_or_name: str) -> Region:
        for r in self.regions_:
            if code_or_name in (r.code, r.name):
                return r
        raise NotFoundError(f"没有该地区 no region {code_or_name!r}")

    # ------------------------------------------------------------ settings

    def setting(self, key: str) -> object:
        return self.settings[key]

    @property
    def demo(self) -> bool:
        """Does the store hold synthetic demo data? Every page and file made from it then says so."""
        return bool(self.settings.get("demo_data"))

    # ------------------------------------------------------------- figures

    def locked_years(self) -> list[int]:
        return sorted(self.locks)

    def lock_reasons(self) -> dict[int, str]:
        """The reason given for each year locked by force, by year."""
        return {y: r for y, r in self.locks.items() if r}

    def figure_years(self) -> list[int]:
        """Years with any figure in the store, in any status."""
        return sorted(y for y, f in self.years.items() if f.current)

    def observations(self, *, year: int | None = None, region: str | None = None, code: str | None = None, history: bool = False) -> list[Observation]:
        """The current vintage of every figure matching the filter (region by code or name), or every vintage with ``history``.

        Observations name their region by code, as :func:`stpi.store.observations.observations` does.
        """
        wanted = None if region is None else self.region(region).code
        chosen = [self.years[year]] if year is not None and year in self.years else ([] if year is not None else [self.years[y] for y in sorted(self.years)])
        return [o for f in chosen for o in (f.history if history else f.current) if (wanted is None or o.region == wanted) and (code is None or o.code == code)]

    def frame(self, *, basis: str = "latest", years: Sequence[int] | None = None) -> pd.DataFrame:
        """Approved annual figures as stored (no derived indicators): region (name), year, indicator, value."""
        import pandas as pd

        _check_basis(basis)
        chosen = sorted(self.years) if years is None else [y for y in sorted(set(years)) if y in self.years]
        parts = [self.years[y].raw(basis) for y in chosen]
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame(columns=["region", "year", "indicator", "value"])
        return pd.concat(parts, ignore_index=True)

    def figures(self, basis: str = "latest") -> pd.DataFrame:
        """Approved annual indicator values with the derived ones computed: region (name), year, indicator, value, origin."""
        import pandas as pd

        from stpi.analysis.derived import derive_indicators
        from stpi.framework.embedded import embedded_variables

        _check_basis(basis)

        def build() -> pd.DataFrame:
            _, formulas = embedded_variables()
            parts = [f.memo.get(("derived", basis), lambda f=f: derive_indicators(f.raw(basis), formulas)) for f in (self.years[y] for y in sorted(self.years))]
            parts = [p for p in parts if len(p)]
            if not parts:
                return derive_indicators(self.frame(basis=basis), formulas)
            return pd.concat(parts, ignore_index=True)

        return self.shared.get(("figures", basis, self.approved_key()), build)

    def peers(self) -> dict[str, str]:
        """Each region's peer group by name: regions are ranked among those of the same level and parent."""
        from stpi.analysis.values import peer_label

        return {r.name: peer_label(r.level, r.parent) for r in self.regions_}

    # ----------------------------------------------------------- published

    def published_results(self, *, year: int | None = None) -> list[PublishedResult]:
        return [p for p in self.published if year is None or p.year == year]

    def published_scores(self, *, year: int | None = None, region: str | None = None) -> list[PublishedScore]:
        wanted = None if region is None else self.region(region).code
        return [r for r in self.scores if (year is None or r.year == year) and (wanted is None or r.region == wanted)]

    # -------------------------------------------------------------- others

    def rounds(self, *, year: int | None = None) -> list[Round]:
        return [r for r in self.round_list if year is None or r.year == year]

    def county_targets(self) -> dict[tuple[str, str], CountyTarget]:
        """(county name, indicator code) → the county's approved target."""
        names = {r.code: r.name for r in self.regions_}
        return {(names[t.region], t.code): t for t in self.county_target_list if t.status == "approved" and t.region in names}

    def progress_notes(self, *, department: str | None = None, code: str | None = None) -> list[ProgressNote]:
        """Progress notes, oldest first, optionally of one department (code or name) or indicator."""
        dep = None if department is None else self.plan().department(department).code
        return [n for n in self.notes if (dep is None or n.department == dep) and (code is None or n.code == code)]


def _check_basis(basis: str) -> None:
    if basis not in ("latest", "evaluated"):
        raise NotFoundError(f"未知口径 unknown basis {basis!r}; 可选 valid: latest, evaluated")
