"""Backup and restore of a whole store as one portable, authenticated file (SQLite ↔ PostgreSQL).

The file is a ZIP: one JSON Lines entry per table (``<table>.jsonl``, a row per line as a JSON
array in the manifest's column order), ``manifest.json`` (format, schema revision, each entry's
columns, row count and SHA-256) and ``manifest.sig``, an HMAC-SHA256 of the manifest made with the
backup key (see :mod:`stpi.store.backupkey`), which lives outside the database and so outside
every backup. An edited entry breaks its SHA-256, an edited manifest breaks the HMAC, so without
the key no edit goes unnoticed.

Secrets stay home: the web session signing key is never written; a restore empties the web
session tables and gives the store a fresh signing key, so everybody logs in again.

Restore streams: it checks the signature and every entry's checksum first, then reads the entries
line by line and inserts in batches, all in one transaction, so memory stays bounded and a broken
file (reported as an :class:`InputError` naming the entry and line) changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from stpi.errors import InputError, Problem
from stpi.store.backupkey import ENV, key_path, load_key
from stpi.store.backuprows import converter, encode
from stpi.store.core import Store, now
from stpi.store.db import current_revision
from stpi.store.models import Base
from stpi.store.settings import SECRET_SETTINGS, renew_session_secret_in

__all__ = ["FORMAT", "backup", "restore"]

FORMAT = "stpi-backup/2"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
# Tables never written into a backup (live web sessions, login attempts): a restore empties them.
# The change counters (generation) are not in a backup either: a restore keeps them and bumps them all,
# so they only ever grow and no reader mistakes the restored content for what it held before.
EPHEMERAL = frozenset({"login_attempt", "generation"})
_BATCH_ROWS = 2000
_BATCH_BYTES = 8 << 20
_CHUNK = 1 << 20
_MAX_SMALL = 16 << 20  # manifest and signature
_MAX_PROBLEMS = 50
# what a damaged ZIP or entry raises while being read (UnicodeDecodeError and JSONDecodeError are ValueErrors)
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, NotImplementedError, RuntimeError)


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in EPHEMERAL]


# ----------------------------------------------------------------------------- backup


def _write_table(s: Session, z: zipfile.ZipFile, table: Table) -> dict[str, Any]:
    entry, digest, rows = f"{table.name}.jsonl", hashlib.sha256(), 0
    query = select(table).order_by(*table.primary_key.columns)
    if table.name == "setting":
        query = query.where(table.c.key.not_in(sorted(SECRET_SETTINGS)))
    result = s.connection().execute(query.execution_options(stream_results=True, max_row_buffer=_BATCH_ROWS))
    with z.open(entry, "w", force_zip64=True) as out:
        for row in result:
            line = (json.dumps([encode(v) for v in row], ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
            digest.update(line)
            out.write(line)
            rows += 1
    return {"table": table.name, "entry": entry, "columns": [c.name for c in table.columns], "rows": rows, "sha256": digest.hexdigest()}


def backup(store: Store, path: str | Path, *, key_file: str | Path | None = None) -> dict[str, int]:
    """Write every table to ``path`` (one consistent snapshot), signed with the backup key; return the row count per table."""
    key = load_key(key_file, create=True)
    assert key is not None
    target = Path(path)
    part = target.with_name(target.name + ".part")
    try:
        part.touch(mode=0o600)  # the whole store (password hashes too): readable by its owner only
        os.chmod(part, 0o600)
        with store.session() as s, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
            if store.engine.dialect.name == "postgresql":  # every table from the same snapshot
                s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            else:  # pysqlite begins no transaction for reads: without this, each table would be its own snapshot
                s.connection().exec_driver_sql("BEGIN")
            entries = [_write_table(s, z, table) for table in _tables()]
            manifest = {"format": FORMAT, "revision": current_revision(store.engine), "created": now().isoformat(), "tables": entries}
            raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            z.writestr(MANIFEST, raw)
            z.writestr(SIGNATURE, json.dumps({"alg": "HMAC-SHA256", "key_id": key.id, "hmac": key.sign(raw)}))
        with open(part, "rb+") as f:
            os.fsync(f.fileno())
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
    return {e["table"]: e["rows"] for e in entries}


# ---------------------------------------------------------------------------- reading


def _refuse(where: str, field: str | None, reason: str, value: object = None, row: int | None = None) -> InputError:
    return InputError([Problem(where, row, field, reason, None if value is None else str(value)[:200])])


@contextmanager
def _opened(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        z = zipfile.ZipFile(path)
    except _READ_ERRORS as exc:
        raise _refuse(str(path), None, "不是有效的 stpi 备份文件(无法作为 ZIP 读取) not a valid stpi backup (not a readable ZIP)", exc) from None
    with z:
        yield z


def _small(z: zipfile.ZipFile, where: str, name: str) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise _refuse(where, name, "备份中缺少此项 entry missing from the backup") from None
    if info.file_size > _MAX_SMALL:
        raise _refuse(where, name, "此项过大,不是 stpi 写的 entry too large: not written by stpi", info.file_size)
    try:
        return z.read(info)
    except _READ_ERRORS as exc:
        raise _refuse(where, name, "此项已损坏,无法读取 entry damaged, cannot be read", exc) from None


def _json(raw: bytes, where: str, name: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise _refuse(where, name, "不是有效的 UTF-8 JSON not valid UTF-8 JSON", exc) from None


def _no_key_message() -> str:
    return (f"本机没有备份密钥,无法验证备份;请把原机器的密钥文件复制到 {key_path()},或设置环境变量 {ENV},或用 --key-file 指定 "
            f"no backup key on this machine: copy the key file of the machine that made the backup to {key_path()}, set {ENV}, or pass --key-file")


def _verified_manifest(z: zipfile.ZipFile, where: str, key_file: str | Path | None) -> Any:
    names = set(z.namelist())
    if MANIFEST not in names and "meta.json" in names:
        raise _refuse(where, "meta.json", "旧格式备份(stpi-backup/1)未经认证,不能恢复;请用制作它的 stpi 版本恢复后重新备份 "
                      "old unauthenticated format stpi-backup/1 refused: restore it with the stpi version that made it, then back up again")
    raw = _small(z, where, MANIFEST)
    signature = _json(_small(z, where, SIGNATURE), where, SIGNATURE)
    key = load_key(key_file)
    if key is None:
        raise _refuse(where, SIGNATURE, _no_key_message())
    if not isinstance(signature, dict) or not isinstance(signature.get("hmac"), str) or not isinstance(signature.get("key_id"), str):
        raise _refuse(where, SIGNATURE, "签名格式不符 malformed signature")
    if signature["key_id"] != key.id:
        raise _refuse(where, SIGNATURE, f"备份由另一套安装的密钥签名(密钥 {signature['key_id']}),本机密钥({key.id},{key.origin})不符;"
                      f"请用 --key-file 或环境变量 {ENV} 提供制作备份那台机器的密钥 signed with another installation's key: "
                      f"supply the key of the machine that made it with --key-file or {ENV}", signature["key_id"])
    if not key.verify(raw, signature["hmac"]):
        raise _refuse(where, MANIFEST, "备份清单的签名不符:文件被修改过或已损坏,拒绝恢复 manifest signature mismatch: the file was edited or damaged; refused")
    return _json(raw, where, MANIFEST)


_ENTRY_KEYS: dict[str, type] = {"table": str, "entry": str, "columns": list, "rows": int, "sha256": str}


def _plan(manifest: Any, where: str, names: set[str], revision: str | None) -> list[tuple[Table, dict[str, Any]]]:
    """Each table with its manifest entry, after checking the manifest against this store's schema."""
    if not isinstance(manifest, dict):
        raise _refuse(where, MANIFEST, "清单应为 JSON 对象 the manifest must be a JSON object")
    if manifest.get("format") != FORMAT:
        raise _refuse(where, f"{MANIFEST}: format", f"备份格式不符(应为 {FORMAT}) unknown backup format", manifest.get("format"))
    if manifest.get("revision") != revision:
        raise _refuse(where, f"{MANIFEST}: revision", f"备份的数据库版本与当前不同,请先 stpi db upgrade backup schema ≠ this store's {revision}",
                      manifest.get("revision"))
    listed = manifest.get("tables")
    if not isinstance(listed, list):
        raise _refuse(where, f"{MANIFEST}: tables", "缺少表清单 the list of tables is missing")
    problems: list[Problem] = []
    by_name: dict[str, dict[str, Any]] = {}
    plan: list[tuple[Table, dict[str, Any]]] = []
    for i, item in enumerate(listed):
        bad = [k for k, kind in _ENTRY_KEYS.items() if not isinstance(item, dict) or type(item.get(k)) is not kind]
        if bad:
            problems.append(Problem(where, None, f"{MANIFEST}: tables[{i}]", "缺少键或类型不符 missing key or wrong type", ", ".join(bad)))
        else:
            by_name[item["table"]] = item
    for table in _tables():
        item = by_name.pop(table.name, None)
        if item is None:
            problems.append(Problem(where, None, f"{table.name}.jsonl", "备份中缺少此表 table missing from the backup"))
        elif set(item["columns"]) != set(table.c.keys()) or len(item["columns"]) != len(table.c):
            problems.append(Problem(where, None, item["entry"], "列与当前数据库结构不符 columns differ from this store's schema", ", ".join(map(str, item["columns"]))))
        elif item["entry"] not in names:
            problems.append(Problem(where, None, item["entry"], "备份中缺少此项 entry missing from the backup"))
        else:
            plan.append((table, item))
    problems += [Problem(where, None, f"{MANIFEST}: tables", "未知的表 unknown table", name) for name in by_name]
    if problems:
        raise InputError(problems)
    return plan


@contextmanager
def _entry(z: zipfile.ZipFile, where: str, name: str) -> Iterator[IO[bytes]]:
    """An entry opened for reading; a damaged entry raises InputError naming it."""
    try:
        with z.open(name) as stream:
            yield stream
    except _READ_ERRORS as exc:
        raise _refuse(f"{where}: {name}", None, "此项已损坏(ZIP 或压缩数据出错) entry damaged (ZIP or compressed data)", f"{type(exc).__name__}: {exc}") from None


def _check_entry(z: zipfile.ZipFile, where: str, item: dict[str, Any]) -> None:
    """First pass, nothing written yet: the entry reads to its end and matches its checksum and row count."""
    digest, lines = hashlib.sha256(), 0
    with _entry(z, where, item["entry"]) as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    if digest.hexdigest() != item["sha256"]:
        raise _refuse(f"{where}: {item['entry']}", None, "校验和不符,文件被修改过或已损坏 checksum mismatch: file edited or damaged")
    if lines != item["rows"]:
        raise _refuse(f"{where}: {item['entry']}", None, f"行数不符(清单 {item['rows']}) row count differs from the manifest", lines)


# ---------------------------------------------------------------------------- restore


def _insert(s: Session, table: Table, rows: list[dict[str, Any]], where: str, first: int, last: int) -> None:
    try:
        s.execute(insert(table), rows)
    except DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
        raise _refuse(where, None, f"第 {first}–{last} 行不能写入数据库(与其他数据冲突) rows {first}–{last} cannot be stored", reason, row=first) from None


def _parsed(raw: bytes, names: list[str], checks: list[Callable[[Any], Any]], problems: list[Problem], located: str, lineno: int) -> dict[str, Any] | None:
    """One line as a row of checked values, or None with its problems added."""
    try:
        values = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        problems.append(Problem(located, lineno, None, "不是有效的 UTF-8 JSON not valid UTF-8 JSON", str(exc)[:200]))
        return None
    if not isinstance(values, list) or len(values) != len(names):
        problems.append(Problem(located, lineno, None, f"应为 {len(names)} 个值的数组 expected an array of {len(names)} values", raw[:200].decode("utf-8", "replace")))
        return None
    row: dict[str, Any] = {}
    for name, check, value in zip(names, checks, values):
        try:
            row[name] = check(value)
        except ValueError as exc:
            problems.append(Problem(located, lineno, name, str(exc), repr(value)[:200]))
    return row


def _load_table(s: Session, z: zipfile.ZipFile, where: str, table: Table, item: dict[str, Any]) -> None:
    """Second pass: parse, check and insert the entry's rows in batches (nothing more is inserted after a problem)."""
    names: list[str] = item["columns"]
    checks = [converter(table.c[name]) for name in names]
    located = f"{where}: {item['entry']}"
    problems: list[Problem] = []
    batch: list[dict[str, Any]] = []
    size, first, lineno = 0, 1, 0
    digest = hashlib.sha256()
    with _entry(z, where, item["entry"]) as stream:
        for lineno, raw in enumerate(stream, 1):
            digest.update(raw)
            row = _parsed(raw, names, checks, problems, located, lineno)
            if len(problems) >= _MAX_PROBLEMS:
                break
            if problems or row is None or (table.name == "setting" and row.get("key") in SECRET_SETTINGS):
                continue
            batch.append(row)
            size += len(raw)
            if len(batch) >= _BATCH_ROWS or size >= _BATCH_BYTES:
                _insert(s, table, batch, located, first, lineno)
                batch, size, first = [], 0, lineno + 1
    if problems:
        raise InputError(problems)
    if digest.hexdigest() != item["sha256"]:  # the file changed since the first pass
        raise _refuse(located, None, "校验和不符,文件被修改过或已损坏 checksum mismatch: file edited or damaged")
    if batch:
        _insert(s, table, batch, located, first, lineno)


def _exclusive(s: Session) -> None:
    """No other writer until the restore commits (readers go on with the old content)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text(f"LOCK TABLE {', '.join(t.name for t in Base.metadata.sorted_tables)} IN EXCLUSIVE MODE"))
    else:
        s.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _move_sequences(s: Session) -> None:
    """Explicit ids were inserted: PostgreSQL's sequences move past them."""
    for table in Base.metadata.sorted_tables:
        if "id" in table.c:
            s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def restore(store: Store, path: str | Path, *, key_file: str | Path | None = None) -> dict[str, int]:
    """Replace the store's content with the backup's, all or nothing; the session key is renewed (everyone logs in again)."""
    where = str(path)
    with _opened(Path(path)) as z:
        manifest = _verified_manifest(z, where, key_file)
        plan = _plan(manifest, where, set(z.namelist()), current_revision(store.engine))
        for _table, item in plan:
            _check_entry(z, where, item)
        counts = {table.name: int(item["rows"]) for table, item in plan}
        with store.session() as s:
            _exclusive(s)
            # every session epoch the restored accounts get lies above any the live store handed out: a cookie from
            # before the restore ends at once, even in a server that keeps the old signing key until it restarts
            above = int(s.execute(text("SELECT COALESCE(MAX(session_epoch), 0) FROM app_user")).scalar_one()) + 1
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "generation":
                    s.execute(delete(table))
            for table, item in plan:
                _load_table(s, z, where, table, item)
            renew_session_secret_in(s)
            s.execute(text("UPDATE app_user SET session_epoch = session_epoch + :above"), {"above": above})
            if store.engine.dialect.name == "postgresql":
                _move_sequences(s)
            Store.audit_in(s, "system", "restore", "store", Path(path).name, "", json.dumps(counts))
    return counts
