"""Backup and restore of a whole store as one portable file (SQLite ↔ PostgreSQL).

The file is a ZIP with ``meta.json`` (schema revision, row counts, checksums)
and one JSON file per table. Restoring replaces the store's content in one
transaction: a broken file changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, DateTime, delete, insert, select, text

from stpi.errors import InputError, Problem
from stpi.store.core import Store
from stpi.store.db import current_revision
from stpi.store.models import Base

__all__ = ["backup", "restore"]

FORMAT = "stpi-backup/1"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def backup(store: Store, path: str | Path) -> dict[str, int]:
    """Write every table to ``path``; return the row count per table."""
    counts: dict[str, int] = {}
    checksums: dict[str, str] = {}
    buffer = io.BytesIO()
    with store.session() as s, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for table in Base.metadata.sorted_tables:
            rows = [[_encode(v) for v in row] for row in s.execute(select(table).order_by(*table.primary_key.columns))]
            data = json.dumps({"columns": [c.name for c in table.columns], "rows": rows}, ensure_ascii=False).encode("utf-8")
            z.writestr(f"{table.name}.json", data)
            counts[table.name] = len(rows)
            checksums[table.name] = hashlib.sha256(data).hexdigest()
        meta = {"format": FORMAT, "revision": current_revision(store.engine), "counts": counts, "sha256": checksums}
        z.writestr("meta.json", json.dumps(meta, indent=2))
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)
    return counts


def _decode(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def _read(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    problems = []
    try:
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("meta.json"))
            tables = {}
            for table in Base.metadata.sorted_tables:
                data = z.read(f"{table.name}.json")
                if hashlib.sha256(data).hexdigest() != meta["sha256"].get(table.name):
                    problems.append(Problem(str(path), None, table.name, "校验和不符,文件已损坏 checksum mismatch: file corrupted"))
                tables[table.name] = json.loads(data)
    except (OSError, zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise InputError([Problem(str(path), None, None, f"不是有效的 stpi 备份文件 not a valid stpi backup: {exc}")]) from exc
    if meta.get("format") != FORMAT:
        problems.append(Problem(str(path), None, "format", "备份格式不符 unknown backup format", str(meta.get("format"))))
    if problems:
        raise InputError(problems)
    return meta, tables


def restore(store: Store, path: str | Path) -> dict[str, int]:
    """Replace the store's content with the backup's, all or nothing."""
    meta, tables = _read(Path(path))
    if meta["revision"] != current_revision(store.engine):
        raise InputError([Problem(str(path), None, "revision", f"备份的数据库版本与当前不同,请先 stpi db upgrade backup schema {meta['revision']} ≠ {current_revision(store.engine)}")])
    with store.session() as s:
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(delete(table))
        for table in Base.metadata.sorted_tables:
            content = tables[table.name]
            columns = [table.c[name] for name in content["columns"]]
            rows = [{c.name: _decode(c, v) for c, v in zip(columns, row)} for row in content["rows"]]
            if rows:
                s.execute(insert(table), rows)
        if store.engine.dialect.name == "postgresql":  # explicit ids were inserted: move the sequences on
            for table in Base.metadata.sorted_tables:
                if "id" in table.c:
                    s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
        Store.audit_in(s, "system", "restore", "store", Path(path).name, "", json.dumps(meta["counts"]))
    return dict(meta["counts"])
