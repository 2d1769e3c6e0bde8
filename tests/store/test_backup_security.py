"""Backups keep secrets home and cannot be edited: no session key inside, forged cookies refused,
signed manifests, another installation's backup refused without its key, a corpus of broken files
each refused as a located InputError with nothing changed."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from starlette.testclient import TestClient

from stpi.errors import InputError
from stpi.store import Entry, Store
from stpi.store import backup as bk
from stpi.store import observations as ob
from stpi.store.accounts import set_password
from stpi.store.backupkey import BackupKey, key_path, load_key
from stpi.store.backuprows import converter, encode
from stpi.store.models import Base
from stpi.store.settings import session_secret
from stpi.web import create_app

LONGNAN = "621200"
PASSWORD = "correct-horse-42"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of this test's own: the backup key is made there."""
    monkeypatch.setenv("STPI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STPI_BACKUP_KEY", raising=False)
    return tmp_path / "home"


def _filled(store: Store) -> Store:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 1.5, note="备注"), Entry(LONGNAN, "I02", "2023", 2.5)], actor="admin",
             upload=("a.xlsx", b"\x00\x01binary"))
    set_password(store, "admin", PASSWORD, actor="system")
    return store


def content(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, the session key included: what 'nothing changed' compares."""
    with store.session() as s:
        return {t.name: [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))] for t in Base.metadata.sorted_tables}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def edited(source: Path, target: Path, edit: Callable[[dict[str, bytes], dict[str, Any]], None], *, sign_with: BackupKey | None = None,
           recompute: bool = True) -> Path:
    """A copy of a backup with ``edit`` applied to its entries and manifest; checksums recomputed, re-signed if a key is given."""
    files = parts(source)
    manifest = json.loads(files["manifest.json"])
    edit(files, manifest)
    if recompute and isinstance(manifest, dict):
        for item in manifest.get("tables", []):
            if isinstance(item, dict) and item.get("entry") in files:
                data = files[item["entry"]]
                item["sha256"], item["rows"] = hashlib.sha256(data).hexdigest(), data.count(b"\n")
    if manifest != json.loads(files["manifest.json"]):
        files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    raw = files["manifest.json"]
    if sign_with is not None:
        files["manifest.sig"] = json.dumps({"alg": "HMAC-SHA256", "key_id": sign_with.id, "hmac": sign_with.sign(raw)}).encode()
    return write_zip(target, files)


# ------------------------------------------------------------------------- session key


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)


def secrets_in(path: Path) -> set[str]:
    """Everything in a backup an attacker could try as a signing key: every string value, every long token."""
    found: set[str] = set()
    for name, data in parts(path).items():
        text = data.decode("utf-8")
        found.update(re.findall(r"[A-Za-z0-9_\-+/=.$:]{12,}", text))
        for line in text.splitlines() if name.endswith(".jsonl") else [text]:
            found.update(s for s in _strings(json.loads(line)) if 8 <= len(s) <= 512)
    return found


def _payload(cookie: str) -> dict[str, Any]:
    data = cookie.rsplit(".", 2)[0]
    return dict(json.loads(base64.b64decode(data)))


def forge(payload: dict[str, Any], secret: str) -> str:
    """An stpi_session cookie as starlette's SessionMiddleware signs it (itsdangerous TimestampSigner)."""
    return TimestampSigner(secret).sign(base64.b64encode(json.dumps(payload).encode("utf-8"))).decode("utf-8")


def admits(client: TestClient, cookie: str) -> bool:
    """Does the live app let this cookie into an admin-only page?"""
    client.cookies.clear()
    return client.get("/api/admin", headers={"Accept": "application/json", "Cookie": f"stpi_session={cookie}"}).status_code == 200


def _login(client: TestClient) -> tuple[str, dict[str, Any]]:
    """A real admin session cookie and what it holds."""
    client.cookies.clear()
    r = client.post("/api/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200, r.text
    cookie = client.cookies.get("stpi_session")
    assert cookie
    client.cookies.clear()
    return cookie, _payload(cookie)


def test_no_session_key_in_a_backup_and_no_cookie_forged_from_it(store: Store, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _filled(store)
    live = session_secret(store)
    with TestClient(create_app(store=store)) as client:
        stolen, payload = _login(client)
        assert admits(client, stolen) and admits(client, forge(payload, live))  # the forging is right: with the live key it gets in
        bk.backup(store, tmp_path / "b.zip")
        raw = (tmp_path / "b.zip").read_bytes()
        files = parts(tmp_path / "b.zip")
        assert live.encode() not in raw and all(live.encode() not in data for data in files.values())
        assert b"session_secret" not in files["setting.jsonl"]
        candidates = secrets_in(tmp_path / "b.zip")
        assert live not in candidates and len(candidates) > 100
        assert not [c for c in sorted(candidates) if admits(client, forge(payload, c))]

    # restored into another store: its key is new, so neither the backup's content nor the source's cookies get in
    target = Store(request.getfixturevalue("sqlite_url") if store.engine.dialect.name == "postgresql" else request.getfixturevalue("pg_url"))
    before = session_secret(target)
    bk.restore(target, tmp_path / "b.zip")
    after = session_secret(target)
    assert after not in (before, live)
    with TestClient(create_app(store=target)) as client:
        assert not admits(client, stolen) and not admits(client, forge(payload, live)) and not admits(client, forge(payload, before))
        assert not [c for c in sorted(candidates) if admits(client, forge(payload, c))]
        assert admits(client, forge(_login(client)[1], after))  # the restored accounts work, with the new key
    # restored into the store it came from: the key is renewed there too (everyone logs in again)
    bk.restore(store, tmp_path / "b.zip")
    assert session_secret(store) != live
    target.close()


# ------------------------------------------------------------------------- authentication


def test_backup_key_lives_outside_with_0600(store: Store, tmp_path: Path, home: Path) -> None:
    bk.backup(store, tmp_path / "b.zip")
    key = load_key()
    assert key is not None and key_path() == home / "backup.key" and key.origin == str(home / "backup.key")
    assert stat.S_IMODE(os.stat(home / "backup.key").st_mode) == 0o600
    material = (home / "backup.key").read_bytes().strip()
    assert material not in (tmp_path / "b.zip").read_bytes()
    assert all(material not in data for data in parts(tmp_path / "b.zip").values())


def test_edited_backup_with_recomputed_checksums_is_refused(store: Store, tmp_path: Path) -> None:
    _filled(store)
    bk.backup(store, tmp_path / "b.zip")
    before = content(store)

    new_admin_hash = _cell("app_user.jsonl", 0, "password_hash", "$argon2id$v=19$m=65536,t=3,p=4$forged$forged")  # the admin's, replaced

    with pytest.raises(InputError, match="签名不符") as caught:  # checksums recomputed, signature kept
        bk.restore(store, edited(tmp_path / "b.zip", tmp_path / "e1.zip", new_admin_hash))
    assert "manifest.json" in str(caught.value)
    with pytest.raises(InputError, match="校验和不符") as caught:  # entry edited, manifest untouched
        bk.restore(store, edited(tmp_path / "b.zip", tmp_path / "e2.zip", new_admin_hash, recompute=False))
    assert "app_user.jsonl" in str(caught.value)
    guessed = BackupKey(os.urandom(32).hex().encode(), "attacker")  # re-signed with a key of the attacker's own
    with pytest.raises(InputError, match="另一套安装"):
        bk.restore(store, edited(tmp_path / "b.zip", tmp_path / "e3.zip", new_admin_hash, sign_with=guessed))
    assert content(store) == before


def test_backup_from_another_installation_needs_its_key(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    _filled(store)
    bk.backup(store, tmp_path / "b.zip")
    old_key = home / "backup.key"
    monkeypatch.setenv("STPI_HOME", str(tmp_path / "elsewhere"))  # a new machine without the key
    with pytest.raises(InputError, match="本机没有备份密钥") as caught:
        bk.restore(store, tmp_path / "b.zip")
    assert "STPI_BACKUP_KEY" in str(caught.value) and "--key-file" in str(caught.value)
    bk.backup(store, tmp_path / "own.zip")  # the new machine gets a key of its own
    with pytest.raises(InputError, match="另一套安装") as caught:
        bk.restore(store, tmp_path / "b.zip")
    assert "STPI_BACKUP_KEY" in str(caught.value) and "--key-file" in str(caught.value)
    bk.restore(store, tmp_path / "b.zip", key_file=old_key)  # moved with --key-file
    monkeypatch.setenv("STPI_BACKUP_KEY", old_key.read_text())  # or with the environment
    bk.restore(store, tmp_path / "b.zip")
    assert [o.value for o in ob.observations(store)] == [1.5, 2.5]


def test_old_unauthenticated_format_is_refused(store: Store, tmp_path: Path) -> None:
    meta = {"format": "stpi-backup/1", "revision": "0004", "counts": {}, "sha256": {}}
    with pytest.raises(InputError, match="stpi-backup/1"):
        bk.restore(store, write_zip(tmp_path / "old.zip", {"meta.json": json.dumps(meta).encode(), "region.json": b"{}"}))


# ----------------------------------------------------------------------------- corpus


def _line_edit(entry: str, index: int, change: Callable[[list[Any]], Any]) -> Callable[[dict[str, bytes], dict[str, Any]], None]:
    def edit(files: dict[str, bytes], _manifest: dict[str, Any]) -> None:
        lines = files[entry].decode().splitlines()
        lines[index] = json.dumps(change(json.loads(lines[index])), ensure_ascii=False)
        files[entry] = ("\n".join(lines) + "\n").encode()

    return edit


def _cell(entry: str, index: int, column: str, value: Any) -> Callable[[dict[str, bytes], dict[str, Any]], None]:
    """Line ``index`` of ``entry`` with ``column`` (found in the manifest) set to ``value``."""
    def edit(files: dict[str, bytes], manifest: dict[str, Any]) -> None:
        columns = next(t["columns"] for t in manifest["tables"] if t["entry"] == entry)

        def change(row: list[Any]) -> Any:
            row[columns.index(column)] = value
            return row

        _line_edit(entry, index, change)(files, manifest)

    return edit


def _raw_line(entry: str, data: bytes) -> Callable[[dict[str, bytes], dict[str, Any]], None]:
    def edit(files: dict[str, bytes], _manifest: dict[str, Any]) -> None:
        files[entry] = files[entry] + data + b"\n"

    return edit


def _manifest_edit(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, bytes], dict[str, Any]], None]:
    return lambda _files, manifest: change(manifest)


def _drop_table(name: str) -> Callable[[dict[str, bytes], dict[str, Any]], None]:
    def edit(files: dict[str, bytes], manifest: dict[str, Any]) -> None:
        manifest["tables"] = [t for t in manifest["tables"] if t["table"] != name]
        files.pop(f"{name}.jsonl")

    return edit


def _table_key(name: str, key: str, value: Any = None, *, drop: bool = False) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        item = next(t for t in manifest["tables"] if t["table"] == name)
        if drop:
            del item[key]
        else:
            item[key] = value

    return change


def _flip_compressed(source: Path, target: Path, entry: str, seed: int) -> Path:
    """The ZIP with bytes of one entry's deflate stream overwritten: a bad zlib stream or CRC."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as z:
        info = z.getinfo(entry)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    rng = random.Random(seed)
    for _ in range(8):
        data[start + rng.randrange(max(1, info.compress_size))] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def corpus(good: Path, folder: Path, key: BackupKey) -> list[Path]:
    """Broken backups of every kind; those past the signature are re-signed with the right key."""
    raw = good.read_bytes()
    files: list[Path] = []

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        files.append(folder / name)

    put("empty.zip", b"")
    for cut in (1, 22, 100, len(raw) // 10, len(raw) // 2, len(raw) * 9 // 10, len(raw) - 1, len(raw) - 22):
        put(f"truncated-{cut}.zip", raw[:cut])
    for seed in range(5):
        put(f"random-{seed}.zip", random.Random(seed).randbytes(len(raw)))
        put(f"bitflip-{seed}.zip", bytes(b ^ 0xFF if random.Random(seed + i).random() < 0.001 else b for i, b in enumerate(raw)))
    for seed, entry in enumerate(("observation.jsonl", "app_user.jsonl", "framework_version.jsonl", "manifest.json", "manifest.sig")):
        files.append(_flip_compressed(good, folder / f"zlib-{entry}.zip", entry, seed))
    signed: dict[str, Callable[[dict[str, bytes], dict[str, Any]], None]] = {
        "non-utf8-line": _raw_line("region.jsonl", b'[999,"\xff\xfe","x","x","city",null]'),
        "not-json-line": _raw_line("region.jsonl", b"[999, 'code'"),
        "object-line": _raw_line("region.jsonl", b'{"id": 999}'),
        "null-line": _raw_line("region.jsonl", b"null"),
        "empty-line": _raw_line("region.jsonl", b""),
        "short-row": _line_edit("region.jsonl", 0, lambda row: row[:-2]),
        "long-row": _line_edit("region.jsonl", 0, lambda row: row + [1]),
        "string-as-integer": _cell("region.jsonl", 1, "id", "2"),
        "bool-as-integer": _cell("observation.jsonl", 0, "id", True),
        "text-as-number": _cell("observation.jsonl", 0, "value", "1.5"),
        "number-as-text": _cell("region.jsonl", 1, "code", 621201),
        "null-in-not-null": _cell("region.jsonl", 1, "name", None),
        "text-too-long": _cell("region.jsonl", 1, "code", "x" * 65),
        "bad-date": _cell("audit.jsonl", 0, "at", "2023-02-30T25:00:00"),
        "date-as-number": _cell("audit.jsonl", 0, "at", 20230101),
        "bad-base64": _cell("upload.jsonl", 0, "content", "not base64!!"),
        "bool-as-text": _cell("observation.jsonl", 0, "current", "true"),
        "duplicate-key": _cell("region.jsonl", 1, "id", 1),
        "dangling-reference": _cell("observation.jsonl", 0, "region_id", 9999),
        "missing-table": _drop_table("observation"),
        "missing-entry": lambda f, _m: f.pop("plan.jsonl"),
        "missing-sha256": _manifest_edit(_table_key("region", "sha256", drop=True)),
        "missing-columns": _manifest_edit(_table_key("region", "columns", drop=True)),
        "rows-as-text": _manifest_edit(_table_key("region", "rows", "24")),
        "other-columns": _manifest_edit(_table_key("region", "columns", ["id", "code", "name", "name_en", "level", "parent"])),
        "unknown-table": _manifest_edit(lambda m: m["tables"].append(dict(m["tables"][0], table="evil"))),
        "no-tables": _manifest_edit(lambda m: m.pop("tables")),
        "tables-not-list": _manifest_edit(lambda m: m.update(tables={"a": 1})),
        "wrong-format": _manifest_edit(lambda m: m.update(format="stpi-backup/9")),
        "wrong-revision": _manifest_edit(lambda m: m.update(revision="0001")),
        "missing-revision": _manifest_edit(lambda m: m.pop("revision")),
    }
    as_is = {"missing-sha256", "rows-as-text"}  # the manifest edit itself is the damage: no checksum recomputed
    for name, edit in signed.items():
        files.append(edited(good, folder / f"{name}.zip", edit, sign_with=key, recompute=name not in as_is))
    files.append(edited(good, folder / "row-count.zip", _manifest_edit(_table_key("region", "rows", 23)), sign_with=key, recompute=False))
    base = parts(good)
    put("no-manifest.zip", write_zip(folder / "x.zip", {k: v for k, v in base.items() if k != "manifest.json"}).read_bytes())
    put("no-signature.zip", write_zip(folder / "x.zip", {k: v for k, v in base.items() if k != "manifest.sig"}).read_bytes())
    put("signature-not-json.zip", write_zip(folder / "x.zip", {**base, "manifest.sig": b"\xff{"}).read_bytes())
    put("signature-list.zip", write_zip(folder / "x.zip", {**base, "manifest.sig": b"[1, 2]"}).read_bytes())
    manifest_list = b"[1, 2, 3]"
    put("manifest-list.zip", write_zip(folder / "x.zip", {**base, "manifest.json": manifest_list, "manifest.sig": json.dumps(
        {"key_id": key.id, "hmac": key.sign(manifest_list)}).encode()}).read_bytes())
    not_utf8 = b'{"format": "\xff"}'
    put("manifest-not-utf8.zip", write_zip(folder / "x.zip", {**base, "manifest.json": not_utf8, "manifest.sig": json.dumps(
        {"key_id": key.id, "hmac": key.sign(not_utf8)}).encode()}).read_bytes())
    put("a-directory.zip", b"")
    (folder / "a-directory.zip").unlink()
    (folder / "a-directory.zip").mkdir()
    return files


def test_corrupt_backups_are_located_input_errors_and_change_nothing(store: Store, tmp_path: Path) -> None:
    _filled(store)
    bk.backup(store, tmp_path / "good.zip")
    key = load_key()
    assert key is not None
    (tmp_path / "bad").mkdir()
    files = corpus(tmp_path / "good.zip", tmp_path / "bad", key)
    before = content(store)
    refused: list[str] = []
    for path in files:
        try:
            bk.restore(store, path)
        except InputError as exc:
            problem = exc.problems[0]
            assert str(path) in problem.file, (path.name, problem)  # located: the file, then entry and line where known
            assert re.match(r"[\u4e00-\u9fff]", problem.reason), (path.name, problem)  # Chinese first
            refused.append(path.name)
        assert content(store) == before, path.name
    assert sorted(refused) == sorted(p.name for p in files)
    assert len(files) >= 60
    print(f"corrupt backups tried {len(files)}, refused cleanly {len(refused)}")


def test_type_errors_name_entry_line_and_column(store: Store, tmp_path: Path) -> None:
    _filled(store)
    bk.backup(store, tmp_path / "good.zip")
    key = load_key()
    assert key is not None
    with pytest.raises(InputError) as caught:
        bk.restore(store, edited(tmp_path / "good.zip", tmp_path / "bad.zip", _cell("audit.jsonl", 1, "at", "yesterday"), sign_with=key))
    problem = caught.value.problems[0]
    assert problem.file.endswith("audit.jsonl") and problem.row == 2 and problem.field == "at" and "日期" in problem.reason


def test_every_column_type_of_the_schema_round_trips() -> None:
    from datetime import date, datetime

    from sqlalchemy import Column, Date, DateTime

    for table in bk._tables():  # a new column type must get a converter, or backups would fail
        for column in table.columns:
            converter(column)
    assert converter(Column("d", Date, nullable=False))(encode(date(2026, 2, 28))) == date(2026, 2, 28)
    stamp = datetime(2026, 12, 4, 19, 30, 1, 250)
    assert converter(Column("t", DateTime, nullable=True))(encode(stamp)) == stamp
    with pytest.raises(ValueError, match="日期"):
        converter(Column("d", Date, nullable=False))("2026-02-30")


def test_a_restore_ends_the_sessions_of_a_server_still_running_with_the_old_key(store: Store, tmp_path: Path) -> None:
    """The running app keeps the signing key it started with; the restored accounts' session epochs still end every old cookie."""
    _filled(store)
    with TestClient(create_app(store=store)) as client:
        stolen, _ = _login(client)
        assert admits(client, stolen)
        bk.backup(store, tmp_path / "b.zip")
        assert stat.S_IMODE(os.stat(tmp_path / "b.zip").st_mode) == 0o600  # the whole store: its owner's only
        bk.restore(store, tmp_path / "b.zip")
        assert not admits(client, stolen)
