"""The backup key: authenticates backups, kept outside the database and so outside every backup.

Where it is, first found wins: a file named by the caller (``--key-file``), the environment
variable ``STPI_BACKUP_KEY``, else ``backup.key`` in the data folder (beside the default SQLite
file; ``STPI_HOME`` moves it), made on the first backup with permissions 0600. To restore a
backup on another machine, copy that file there (or set ``STPI_BACKUP_KEY`` to its content).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from stpi.errors import StpiError
from stpi.framework.embedded import data_dir

__all__ = ["ENV", "BackupKey", "key_path", "load_key"]

ENV = "STPI_BACKUP_KEY"
FILE = "backup.key"
_MIN_LENGTH = 16


class BackupKey:
    """Key material and where it came from (for messages, never the key itself)."""

    def __init__(self, material: bytes, origin: str) -> None:
        self._material = material
        self.origin = origin
        self.id = hmac.new(material, b"stpi-backup key id", hashlib.sha256).hexdigest()[:16]

    def sign(self, data: bytes) -> str:
        """HMAC-SHA256 of ``data``, hex."""
        return hmac.new(self._material, data, hashlib.sha256).hexdigest()

    def verify(self, data: bytes, signature: str) -> bool:
        """Is ``signature`` this key's HMAC of ``data``? (constant time)"""
        return hmac.compare_digest(self.sign(data), signature)

    def __repr__(self) -> str:
        return f"BackupKey(id={self.id}, origin={self.origin!r})"


def key_path() -> Path:
    """The default key file: ``backup.key`` in the data folder."""
    return data_dir() / FILE


def _material(text: str, origin: str) -> BackupKey:
    text = text.strip()
    if len(text) < _MIN_LENGTH:
        raise StpiError(f"备份密钥太短(至少 {_MIN_LENGTH} 个字符) backup key too short (at least {_MIN_LENGTH} characters): {origin}")
    return BackupKey(text.encode("utf-8"), origin)


def _read(path: Path) -> BackupKey:
    try:
        return _material(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise StpiError(f"无法读取备份密钥文件 cannot read the backup key file {path}: {exc}") from None


def _create(path: Path) -> BackupKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another backup made it first
        return _read(path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return _read(path)


def load_key(key_file: str | Path | None = None, *, create: bool = False) -> BackupKey | None:
    """The backup key: ``key_file``, else $STPI_BACKUP_KEY, else the data folder's file (made if ``create``)."""
    if key_file is not None:
        return _read(Path(key_file))
    if os.environ.get(ENV):
        return _material(os.environ[ENV], f"${ENV}")
    path = key_path()
    if path.exists():
        return _read(path)
    return _create(path) if create else None
