"""Operations behind the commands: each takes plain arguments and returns data or bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from stpi.analysis import IndexResult, compute_index, read_values, values_from_frame
from stpi.engine import Aggregate, Normalise, Recipe
from stpi.errors import InputError, MethodError, NotFoundError, Problem
from stpi.framework import Framework, Plan, Provenance, load_framework
from stpi.readmodel import Snapshot
from stpi.store import Store
from stpi.tables import safe_cell
from stpi.store.rules import acting_user, check_admin
from stpi.tables import write_table

__all__ = [
    "PLAN_COLUMNS",
    "compute_file",
    "compute_store",
    "import_framework",
    "make_recipe",
    "parse_method",
    "plan_export",
    "plan_rows",
    "resolve_framework",
    "result_csv",
    "write_result",
]


def resolve_framework(path: str | None, snap: Snapshot | None = None) -> Framework:
    """The framework in the given file, or the one in force in the snapshot's store."""
    if path:
        return load_framework(path)
    if snap is None:
        raise NotFoundError("未指定指标框架 no framework given")
    return snap.framework()


def parse_method(text: str) -> tuple[str, dict[str, float]]:
    """``name`` or ``name:a,b`` → (name, params); used for --normalise overrides."""
    name, _, rest = text.partition(":")
    if not rest:
        return name.strip(), {}
    try:
        numbers = [float(x) for x in rest.split(",")]
    except ValueError:
        raise MethodError(f"方法参数应为数字 method parameters must be numbers: {text!r}") from None
    keys = {"minmax": ("low", "high"), "zscore": ("mean", "sd"), "goalposts": ("lower", "upper", "scale", "trunc"), "dist2targ": ("cap",)}.get(name.strip(), tuple(f"p{i}" for i in range(len(numbers))))
    return name.strip(), dict(zip(keys, numbers))


def make_recipe(missing: str, normalise: str, aggregate: str) -> Recipe:
    """A recipe from command-line choices; unknown names fail listing the valid ones."""
    method, params = parse_method(normalise)
    recipe = Recipe(Normalise(method, params), Aggregate(aggregate, missing))
    recipe.normalise.check()
    recipe.aggregate.check()
    return recipe


def compute_file(framework_path: str | None, data_path: str, recipe: Recipe, snap: Snapshot | None = None) -> IndexResult:
    """Compute the index of every node for every region-year in a long data file."""
    fw = resolve_framework(framework_path, snap)
    return compute_index(fw, read_values(data_path, fw), recipe)


def compute_store(snap: Snapshot, recipe: Recipe, *, basis: str = "latest", framework: str | None = None) -> tuple[list[IndexResult], pd.DataFrame]:
    """Compute from the store's approved figures, each year under the framework valid in it.

    Returns one result per framework version used, and the indicator values that were
    derived from raw statistics. Ranks are among regions of the same level and parent
    (the province's cities among themselves, a city's counties among themselves). ``framework`` (a file) overrides the versions, to
    recompute past years under other parameters. Computed once per snapshot, recipe and basis.
    """
    if framework is not None:
        return _compute(snap, recipe, basis, load_framework(framework))
    key = ("compute_store", json.dumps(recipe.to_dict(), sort_keys=True, default=str), basis, snap.approved_key())
    return snap.shared.get(key, lambda: _compute(snap, recipe, basis, None))


def _compute(snap: Snapshot, recipe: Recipe, basis: str, forced: Framework | None) -> tuple[list[IndexResult], pd.DataFrame]:
    figures = snap.figures(basis)
    if figures.empty:
        raise NotFoundError("数据库中还没有审核通过的数据 no approved figures in the store yet")
    peers = snap.peers()
    by_version: dict[str, tuple[Framework, list[int]]] = {}
    for year in sorted(figures["year"].unique()):
        fw = forced or snap.framework(int(year))
        by_version.setdefault(fw.fingerprint(), (fw, []))[1].append(int(year))
    results = []
    for fw, years in by_version.values():
        part = figures[figures["year"].isin(years) & figures["indicator"].isin([n.code for n in fw.leaves])]
        results.append(compute_index(fw, values_from_frame(part, fw, peers=peers), recipe))
    return results, figures[figures["origin"] == "derived"]


def result_csv(result: IndexResult | list[IndexResult]) -> bytes:
    """The long result table region,year,code,value,rank as CSV bytes."""
    parts = result if isinstance(result, list) else [result]
    frame = pd.concat([r.long() for r in parts], ignore_index=True)
    frame = frame.apply(lambda column: column.map(safe_cell) if column.dtype == object else column)  # region names are text
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")  # shortest round-trip floats


def recipe_record(results: list[IndexResult], data_path: str | None, basis: str = "latest") -> dict[str, Any]:
    """What is saved beside a result so it can be rebuilt: recipe, frameworks, data checksum."""
    if data_path is None:
        digest = hashlib.sha256(b"".join(r.values.data.tobytes() for r in results)).hexdigest()
        data = {"store": "stpi", "basis": basis, "sha256": digest}
    else:
        data = {"file": Path(data_path).name, "sha256": hashlib.sha256(Path(data_path).read_bytes()).hexdigest()}
    return {
        "recipe": results[0].recipe.to_dict(),
        "framework": [{"id": r.framework.id, "sha256": r.framework.fingerprint(), "years": list(r.values.years)} for r in results],
        "data": data,
        "illustrative_parameters": any(r.framework.is_illustrative for r in results),
    }


def write_result(result: IndexResult | list[IndexResult], data_path: str | None, output: str) -> None:
    """Write the result and its recipe beside it (``OUT.recipe.json``)."""
    results = result if isinstance(result, list) else [result]
    payload = result_csv(results)
    recipe = json.dumps(recipe_record(results, data_path), ensure_ascii=False, indent=2)
    Path(output).write_bytes(payload)
    Path(output).with_suffix(".recipe.json").write_text(recipe, encoding="utf-8")


def import_framework(path: str, source: str | None, *, store: Store, actor: str, valid_from: int | None = None, scope: str = "city") -> tuple[Framework, int]:
    """Validate an official parameter table and make it the framework in force from a year on.

    The table must have the same indicators as the plan; a county version (``scope="county"``,
    used for the counties' indices) may keep a subset of them with its own weights and standards.
    Parameters without a
    stated provenance are marked official from ``source``; without ``source``
    they must state their provenance in the file. Earlier versions are kept, so
    a past year can still be recomputed under the framework it was evaluated with.
    """
    unstated = Provenance("assumed", f"文件未注明来源 not stated in {Path(path).name}")
    fw = load_framework(path, default_provenance=Provenance("official", source) if source else unstated)
    if source is None and unstated in fw.parameter_provenances():
        raise InputError([Problem(path, None, "weight_provenance", "未注明参数来源:请在表中填写 weight_provenance/standard_provenance,或用 --source 指明官方来源 parameters state no provenance: fill the provenance columns or give --source")])
    check_admin(acting_user(store, actor), "导入指标框架 import a framework")
    plan = store.plan()
    if scope == "county":
        known = {n.code for n in store.framework().leaves}
        unknown = sorted(n.code for n in fw.leaves if n.code not in known)
        if unknown:
            raise InputError([Problem(path, None, "code", f"县区版框架的指标须为全市框架中的指标 a county version may only use the city framework's indicators: {', '.join(unknown)}")])
    else:
        plan.check_against(fw)
    year = plan.baseline_year if valid_from is None else valid_from
    store.add_framework_version(fw, valid_from=year, actor=actor, scope=scope)
    return fw, year


PLAN_COLUMNS = ["no", "code", "group", "name", "unit", "baseline_{b}", "target_{t}", "target_at_least", "lead", "responsible", "rank_goal", "name_en", "sub_targets", "measures", "note", "source",
                "unit_en", "decimals", "note_en"]


def plan_rows(plan: Plan, fw: Framework) -> tuple[list[str], list[dict[str, Any]]]:
    """The plan as flat rows (departments joined by ';', empty where the plan has no value)."""
    cols = [c.format(b=plan.baseline_year, t=plan.target_year) for c in PLAN_COLUMNS]
    rows = []
    for i in plan.indicators:
        rows.append(
            dict(
                zip(
                    cols,
                    [
                        i.no, i.code, fw.node(i.group).name if i.group in fw else i.group, i.name, i.unit,
                        "" if i.baseline is None else i.baseline, i.target, int(i.target_at_least),
                        ";".join(plan.department(d).name for d in i.lead),
                        ";".join(plan.department(d).name for d in i.responsible),
                        i.rank_goal, i.name_en,
                        ";".join(f"{s.name} {s.target!r}" for s in i.sub_targets),
                        i.measures, i.note, i.source, i.unit_en, i.decimals, i.note_en,
                    ],
                )
            )
        )
    return cols, rows


def plan_export(plan: Plan, fw: Framework, fmt: str, output: str | None) -> bytes:
    """The plan as CSV (the plan table), XLSX (the table, its departments and head) or YAML bytes (written to ``output`` if given).

    Each imports back unchanged (``stpi plan import``; a CSV on top of the plan in force).
    """
    from stpi.framework.planfile import plan_workbook, plan_yaml

    if fmt == "csv":
        cols, rows = plan_rows(plan, fw)
        return write_table(rows, cols, output, fmt=fmt, sheet="plan")
    data = plan_yaml(plan).encode("utf-8") if fmt == "yaml" else plan_workbook(plan, fw)
    if output is not None:
        Path(output).write_bytes(data)
    return data

