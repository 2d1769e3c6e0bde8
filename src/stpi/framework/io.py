"""Loading, validating and exporting frameworks as YAML, CSV or XLSX.

Validation reports every problem at once (file, row, field, reason).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from stpi.errors import InputError, Problem
from stpi.i18n import get_lang
from stpi.framework.model import Framework, Node, Provenance
from stpi.tables import read_table, write_table, load_yaml

__all__ = ["load_framework", "framework_from_records", "export_framework", "COLUMNS", "WEIGHT_TOLERANCE"]

WEIGHT_TOLERANCE = 1e-6
REQUIRED = ("code", "parent", "name", "unit", "weight", "standard", "direction")
COLUMNS = REQUIRED + (
    "name_en",
    "weight_provenance",
    "standard_provenance",
    "definition",
    "source",
    "note",
    "valid_range",
    "change_limit",
    "plausibility_provenance",
)


def load_framework(path: str | Path, *, default_provenance: Provenance | None = None) -> Framework:
    """Load and validate a framework from a YAML, CSV or XLSX file.

    Parameters without a stated provenance get ``default_provenance``, or
    ``assumed: not stated in FILE`` when none is given.
    """
    path = Path(path)
    if default_provenance is None:
        default_provenance = Provenance("assumed", f"文件未注明来源 not stated in {path.name}")
    if path.suffix.lower() in (".yaml", ".yml"):
        head, records = _yaml_records(path)
    else:
        table = read_table(path)
        missing = [c for c in REQUIRED if c not in table.columns]
        if missing:
            raise InputError(
                [Problem(str(path), 1, c, "缺少必需的列 missing required column") for c in missing]
            )
        head, records = {"id": path.stem, "title": path.stem}, list(table.rows)
    return framework_from_records(records, file=str(path), head=head, default_provenance=default_provenance)


def _yaml_records(path: Path) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), None, None, f"YAML 格式错误 invalid YAML: {exc}")]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        raise InputError([Problem(str(path), None, "nodes", "应有 nodes 列表 expected a 'nodes' list")])
    head = doc.get("framework") or {}
    head.setdefault("id", path.stem)
    head.setdefault("title", head["id"])
    records = []
    for i, item in enumerate(doc["nodes"], start=1):
        if not isinstance(item, dict):
            raise InputError([Problem(str(path), i, None, "节点应为映射 node must be a mapping")])
        records.append((i, {k: "" if v is None else v for k, v in item.items()}))
    return head, records


def _number(value: Any, row: int, field: str, file: str, problems: list[Problem]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        problems.append(Problem(file, row, field, "不是数字 not a number", str(value)))
        return None
    if not math.isfinite(number):
        problems.append(Problem(file, row, field, "不是有限数 not a finite number", str(value)))
        return None
    return number


def _provenance(value: Any, row: int, field: str, file: str, problems: list[Problem]) -> Provenance | None:
    if value is None or not str(value).strip():
        return None
    try:
        return Provenance.parse(str(value))
    except ValueError as exc:
        problems.append(Problem(file, row, field, str(exc), str(value)))
        return None


def _node(row: int, rec: dict[str, Any], file: str, problems: list[Problem], default: Provenance) -> Node:
    """One node from one record; problems in its cells are appended."""
    text = {k: str(v).strip() for k, v in rec.items()}
    code, parent = text.get("code", ""), text.get("parent", "") or None
    if not code:
        problems.append(Problem(file, row, "code", "代码为空 empty code"))
    weight = _number(rec.get("weight"), row, "weight", file, problems)
    standard = _number(rec.get("standard"), row, "standard", file, problems)
    direction = _number(rec.get("direction"), row, "direction", file, problems)
    if direction is not None and direction not in (1.0, -1.0):
        problems.append(Problem(file, row, "direction", "方向应为 1 或 -1 direction must be 1 or -1", text["direction"]))
    if weight is not None and weight < 0:
        problems.append(Problem(file, row, "weight", "权重不能为负 weight must not be negative", text["weight"]))
    wp = _provenance(rec.get("weight_provenance"), row, "weight_provenance", file, problems)
    sp = _provenance(rec.get("standard_provenance"), row, "standard_provenance", file, problems)
    valid_range, limit, pp = _plausibility(rec, text, row, file, problems)
    return Node(
        code=code,
        parent=parent,
        name=text.get("name", ""),
        name_en=text.get("name_en", ""),
        unit=text.get("unit", ""),
        weight=1.0 if weight is None else weight,
        weight_provenance=(wp or default) if parent is not None else None,
        standard=standard,
        standard_provenance=(sp or default) if standard is not None else None,
        direction=None if direction is None else int(direction),
        definition=text.get("definition", ""),
        source=text.get("source", ""),
        note=text.get("note", ""),
        valid_range=valid_range,
        change_limit=limit,
        plausibility_provenance=pp,
    )


def _plausibility(rec: dict[str, Any], text: dict[str, str], row: int, file: str, problems: list[Problem]) -> tuple[str, float | None, Provenance | None]:
    """The optional plausibility columns; a rule an export wrote by default (by unit) reads back as not given."""
    from stpi.framework.plausibility import is_default, parse_range

    valid_range = text.get("valid_range", "")
    if valid_range:
        try:
            parse_range(valid_range)
        except ValueError as exc:
            problems.append(Problem(file, row, "valid_range", str(exc), valid_range))
    limit = _number(rec.get("change_limit"), row, "change_limit", file, problems)
    if limit is not None and not 0 < limit < math.inf:
        problems.append(Problem(file, row, "change_limit", "变化限度须为正数(0.5 即 50%) change_limit must be a positive number (0.5 = 50%)", text["change_limit"]))
    pp = _provenance(rec.get("plausibility_provenance"), row, "plausibility_provenance", file, problems)
    if is_default(pp):
        return "", None, None
    return valid_range, limit, pp


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def framework_from_records(
    records: list[tuple[int, dict[str, Any]]],
    *,
    file: str,
    head: dict[str, Any],
    default_provenance: Provenance,
) -> Framework:
    """Build a framework from (row number, cells) records, validating everything."""
    problems: list[Problem] = []
    nodes: list[tuple[int, Node]] = []
    for row, rec in records:
        if rec.get("parent") not in (None, "") and _blank(rec.get("weight")):
            problems.append(Problem(file, row, "weight", "缺少权重 missing weight"))
        nodes.append((row, _node(row, rec, file, problems, default_provenance)))
    ordered = _check_tree(nodes, file, problems)
    if problems:
        raise InputError(_named(problems, nodes))
    notes = head.get("notes") or []
    return Framework(
        id=str(head["id"]),
        title=str(head["title"]),
        title_en=str(head.get("title_en", "")),
        nodes=tuple(ordered),
        notes=tuple(str(n) for n in notes),
    )


def _named(problems: list[Problem], nodes: list[tuple[int, Node]]) -> list[Problem]:
    """Each problem of a row names the node of that row (code and name), so a reader needn't count rows."""
    lang = get_lang()
    by_row = {row: n for row, n in nodes if n.code}
    return [p if p.code or p.row not in by_row else replace(p, code=by_row[p.row].code, name=by_row[p.row].label(lang) or None) for p in problems]


def _check_tree(nodes: list[tuple[int, Node]], file: str, problems: list[Problem]) -> list[Node]:
    """Structural checks; returns the nodes in topological order."""
    rows: dict[str, int] = {}
    by_code: dict[str, Node] = {}
    for row, n in nodes:
        if not n.code:
            continue
        if n.code in by_code:
            problems.append(Problem(file, row, "code", f"代码重复(首次出现于第{rows[n.code]}行) duplicate code", n.code))
            continue
        rows[n.code], by_code[n.code] = row, n
    roots = [n for n in by_code.values() if n.parent is None]
    if len(roots) != 1:
        where = ", ".join(n.code for n in roots) or "无 none"
        reason = f"应有且仅有一个根节点(parent 为空) expected exactly one root, found: {where}"
        # point at every root's row so the user can find them; with no root there is no row
        for n in roots:
            problems.append(Problem(file, rows[n.code], "parent", reason, n.code))
        if not roots:
            problems.append(Problem(file, None, "parent", reason))
    children: dict[str, list[Node]] = {}
    for n in by_code.values():
        if n.parent is not None:
            if n.parent not in by_code:
                problems.append(Problem(file, rows[n.code], "parent", "上级代码不存在 unknown parent", n.parent))
            children.setdefault(n.parent, []).append(n)
    ordered: list[Node] = []
    queue = list(roots[:1])
    while queue:
        node = queue.pop(0)
        ordered.append(node)
        queue.extend(children.get(node.code, []))
    reached = {n.code for n in ordered}
    for n in by_code.values():
        if n.code not in reached and n.parent in by_code:
            problems.append(Problem(file, rows[n.code], "parent", "存在循环引用,无法到达根节点 cycle: node does not reach the root", n.parent))
    for n in by_code.values():
        _check_node(n, bool(children.get(n.code)), rows[n.code], file, problems)
    bad_weight = {p.row for p in problems if p.field == "weight"}
    for parent, kids in children.items():
        if any(rows[k.code] in bad_weight for k in kids):
            continue  # a child's weight is already reported; its sum would only repeat that
        total = sum(k.weight for k in kids)
        if parent in by_code and abs(total - 1.0) > WEIGHT_TOLERANCE:
            problems.append(
                Problem(file, rows[parent], "weight", f"下级权重之和为 {total:.10g},应为 1 children's weights sum to {total:.10g}, not 1", parent)
            )
    return ordered


def _check_node(n: Node, has_children: bool, row: int, file: str, problems: list[Problem]) -> None:
    if has_children:
        if n.standard is not None:
            problems.append(Problem(file, row, "standard", "非末级节点不应有标准值 inner node must not have a standard", str(n.standard)))
        if n.direction is not None:
            problems.append(Problem(file, row, "direction", "非末级节点不应有方向 inner node must not have a direction", str(n.direction)))
        return
    if n.standard is None or n.standard <= 0:
        problems.append(Problem(file, row, "standard", "末级指标须有正的标准值 leaf needs a positive standard", None if n.standard is None else str(n.standard)))
    if n.direction is None:
        problems.append(Problem(file, row, "direction", "末级指标须有方向 1 或 -1 leaf needs a direction of 1 or -1"))


def framework_rows(fw: Framework) -> list[dict[str, Any]]:
    """One flat row per node, in the columns of :data:`COLUMNS`."""
    rows = []
    for n in fw.nodes:
        rows.append(
            {
                "code": n.code,
                "parent": n.parent or "",
                "name": n.name,
                "unit": n.unit,
                "weight": n.weight if n.parent is not None else "",
                "standard": "" if n.standard is None else n.standard,
                "direction": "" if n.direction is None else n.direction,
                "name_en": n.name_en,
                "weight_provenance": "" if n.weight_provenance is None else str(n.weight_provenance),
                "standard_provenance": "" if n.standard_provenance is None else str(n.standard_provenance),
                "definition": n.definition,
                "source": n.source,
                "note": n.note,
                **_rule_cells(n),
            }
        )
    return rows


def _rule_cells(n: Node) -> dict[str, Any]:
    """The plausibility columns of a leaf: its own rule, or the default by unit (with that provenance)."""
    if not n.is_leaf:
        return {"valid_range": "", "change_limit": "", "plausibility_provenance": ""}
    from stpi.framework.plausibility import node_rule

    rule = node_rule(n)
    return {"valid_range": str(rule.range), "change_limit": rule.change_limit, "plausibility_provenance": str(rule.provenance)}


def export_framework(fw: Framework, fmt: str, path: str | Path | None = None) -> bytes:
    """Serialise to ``yaml``, ``csv`` or ``xlsx``; write to ``path`` if given; return the bytes."""
    if fmt == "yaml":
        doc = fw.to_dict()
        for node, item in zip(fw.nodes, doc["nodes"]):
            item.update({k: v for k, v in _rule_cells(node).items() if v != ""})
        data = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100).encode("utf-8")
        if path is not None:
            Path(path).write_bytes(data)
        return data
    return write_table(framework_rows(fw), list(COLUMNS), path, fmt=fmt, sheet="framework")
