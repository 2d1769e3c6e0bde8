"""What a file may hold, checked before anything is expanded: a zip bomb is refused in well under a second.

An ``.xlsx`` is a ZIP of XML parts. Its directory is checked first (compressed size, the sum of the
members' declared sizes, each member's compression ratio, macros); then every worksheet's XML is
streamed once, in 1 MB pieces, counting rows, cells per row and the longest text — openpyxl only
opens a workbook that passed, in read-only mode, for exactly the rows found. The same limits hold
for the web upload and ``stpi import`` (:func:`stpi.ingest.read_submission` applies them).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from stpi.errors import Problem

__all__ = ["DEFAULT_LIMITS", "MACRO_REASON", "Limits", "SheetScan", "screen_csv", "screen_workbook"]

MB = 1024 * 1024
_CHUNK = MB
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_MACRO = re.compile(rb"macroEnabled|vbaProject|ms-office\.vbaProject", re.IGNORECASE)
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PREFIX = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="[A-Z]*[0-9]*(?::[A-Z]*([0-9]+))?"')
_ROW_REF = re.compile(rb'[^>]*?\br="([0-9]{1,9})"')
_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\s+ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')
_MERGED_KEPT = 1000  # merged ranges remembered per sheet (each one becomes a problem; more are noise)


@dataclass(frozen=True)
class Limits:
    """What one file may hold. ``max_bytes`` is the upload limit (``None``: no limit on the file's size).

    Every count is checked before openpyxl (or pandas) expands the file.
    """

    max_bytes: int | None = None
    max_unpacked: int = 160 * MB  # sum of the ZIP members' uncompressed sizes
    max_ratio: float = 100.0  # uncompressed / compressed, for a member above 1 MB (XML of a sheet: 5–30)
    max_part: int = 16 * MB  # a member other than a worksheet or the shared strings (styles, workbook …)
    max_members: int = 1000
    max_sheets: int = 50
    max_rows: int = 1_048_576  # Excel's own limit; a CSV may not have more either
    max_columns: int = 100  # a long table has 6 columns, a template 11
    max_cell_chars: int = 32_767  # Excel's own limit for one cell


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SheetScan:
    """What streaming a worksheet found: its last row and its merged ranges (read-only openpyxl has neither)."""

    name: str
    rows: int
    merged: tuple[str, ...]


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} B"


def screen_csv(path: Path, limits: Limits) -> list[Problem]:
    """Size, rows and columns of a CSV file, checked on its bytes before it is parsed."""
    file = str(path)
    size = path.stat().st_size
    if limits.max_bytes is not None and size > limits.max_bytes:
        return [Problem(file, None, None, f"文件 {path.name} 大小 {_size(size)},超过上限 {_size(limits.max_bytes)} the file is larger than the limit")]
    problems = []
    with path.open("rb") as stream:
        lines, head = 0, b""
        while chunk := stream.read(_CHUNK):
            if not head:
                head = chunk[: chunk.find(b"\n")] if b"\n" in chunk else chunk[:65536]
            lines += chunk.count(b"\n")
    if lines > limits.max_rows + 1:
        problems.append(Problem(file, None, None, f"文件 {path.name} 超过 {limits.max_rows:,} 行(约 {lines:,} 行) the file has more than {limits.max_rows:,} rows"))
    columns = head.count(b",") + 1
    if columns > limits.max_columns:
        problems.append(Problem(file, 1, None, f"文件 {path.name} 超过 {limits.max_columns} 列({columns} 列) the file has more than {limits.max_columns} columns"))
    return problems


def screen_workbook(path: Path, limits: Limits) -> tuple[dict[str, SheetScan], list[Problem]]:
    """Every worksheet's scan by title, or the problems that make the workbook unsafe or unreadable."""
    file = str(path)
    if path.suffix.lower() == ".xlsm":
        return {}, [Problem(file, None, None, MACRO_REASON)]
    size = path.stat().st_size
    if limits.max_bytes is not None and size > limits.max_bytes:
        return {}, [Problem(file, None, None, f"文件 {path.name} 大小 {_size(size)},超过上限 {_size(limits.max_bytes)} the file is larger than the limit")]
    if not zipfile.is_zipfile(path):
        return {}, [Problem(file, None, None, _CORRUPT)]
    try:
        with zipfile.ZipFile(path) as zf:
            return _screen_zip(zf, path, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, ElementTree.ParseError) as exc:
        # a damaged member (bad CRC, truncated deflate stream) or an encrypted or unknown compression
        return {}, [Problem(file, None, None, f"{_CORRUPT} ({type(exc).__name__})")]


_CORRUPT = "文件已损坏、不完整或不是有效的 XLSX 文件 the file is truncated, corrupt or not a valid XLSX file"
MACRO_REASON = "不接受含宏(VBA)的工作簿,请另存为不含宏的 .xlsx 后上传 macro-enabled workbooks (VBA) are refused; save as a plain .xlsx"


def _screen_zip(zf: zipfile.ZipFile, path: Path, limits: Limits) -> tuple[dict[str, SheetScan], list[Problem]]:
    file, name = str(path), path.name
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        return {}, [Problem(file, None, None, f"文件 {name} 含 {len(infos)} 个部件,超过 {limits.max_members} the workbook has too many parts")]
    names = {i.filename for i in infos}
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_unpacked:
        reason = f"文件 {name} 解压后 {_size(unpacked)},超过上限 {_size(limits.max_unpacked)}(疑为压缩炸弹) the workbook expands beyond the limit (a zip bomb?)"
        return {}, [Problem(file, None, None, reason)]
    for i in infos:
        if i.file_size > MB and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            reason = f"文件 {name} 的部件 {i.filename} 压缩比 {ratio:.0f}:1,超过 {limits.max_ratio:.0f}:1(疑为压缩炸弹) compression ratio too high (a zip bomb?)"
            return {}, [Problem(file, None, None, reason)]
        if i.filename.lower().rsplit("/", 1)[-1] == "vbaproject.bin":
            return {}, [Problem(file, None, None, MACRO_REASON)]
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return {}, [Problem(file, None, None, _CORRUPT)]
    types = _read_part(zf, "[Content_Types].xml", limits)
    if _MACRO.search(types):
        return {}, [Problem(file, None, None, MACRO_REASON)]
    sheets = _sheets(zf, limits)
    listed = {target for _, target in sheets}
    # a worksheet part the workbook does not list (another namespace, a crafted file) is scanned all the same
    sheets += [(n, n) for n in sorted(names) if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in listed]
    if len(sheets) > limits.max_sheets:
        return {}, [Problem(file, None, None, f"文件 {name} 有 {len(sheets)} 个工作表,超过 {limits.max_sheets} 个 the workbook has more than {limits.max_sheets} sheets")]
    heavy = {target for _, target in sheets} | {"xl/sharedStrings.xml"}
    for i in infos:
        if i.filename not in heavy and i.file_size > limits.max_part:
            return {}, [Problem(file, None, None, f"文件 {name} 的部件 {i.filename} 为 {_size(i.file_size)},超过 {_size(limits.max_part)} a part of the workbook is too large")]
        if i.filename.endswith((".xml", ".rels")) and i.filename not in heavy and _DTD.search(_head(zf, i.filename)):
            return {}, [Problem(file, None, None, f"文件 {name} 的部件 {i.filename} 含 DTD 声明,不接受 a part declares a DTD")]
    problems: list[Problem] = []
    if "xl/sharedStrings.xml" in names:
        problems += _scan_strings(zf, file, limits)
    scans = {}
    for title, target in sheets:
        if target in names:
            scan, found = _scan_sheet(zf, target, title, file, limits)
            scans[title] = scan
            problems += found
    return scans, problems


def _head(zf: zipfile.ZipFile, member: str) -> bytes:
    with zf.open(member) as stream:
        return stream.read(4096)


def _read_part(zf: zipfile.ZipFile, member: str, limits: Limits) -> bytes:
    data = zf.read(member)  # each member's size was checked against max_part or max_unpacked already
    if _DTD.search(data[:4096]):
        raise ValueError("DTD")
    return data


def _sheets(zf: zipfile.ZipFile, limits: Limits) -> list[tuple[str, str]]:
    """(title, ZIP member) of every sheet the workbook lists; chart sheets have no rows to scan."""
    book = ElementTree.fromstring(_read_part(zf, "xl/workbook.xml", limits))
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in zf.namelist():
        for rel in ElementTree.fromstring(_read_part(zf, rels_name, limits)).iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id", "")] = member
    out = []
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        out.append((sheet.get("name", ""), targets.get(sheet.get(f"{{{_REL_NS}}}id", ""), "")))
    return out


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The member in pieces that end at a ``<`` (a short tag never straddles two pieces)."""
    carry = b""
    while data := stream.read(_CHUNK):
        data = carry + data
        cut = data.rfind(b"<")
        if cut <= 0 or len(data) - cut > 64:
            cut = len(data)
        carry = data[cut:]
        yield data[:cut]
    if carry:
        yield carry


class _Runs:
    """The longest run of text between two tags, over pieces of a stream."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit, self.run, self.longest = limit_bytes, 0, 0

    def feed(self, piece: bytes) -> bool:
        """False once a run is longer than the limit."""
        first = piece.find(b"<")
        if first < 0:
            self.run += len(piece)
        else:
            self.longest = max(self.longest, self.run + first, max(map(len, piece.split(b"<"))))
            self.run = len(piece) - piece.rfind(b"<") - 1
        self.longest = max(self.longest, self.run)
        return self.longest <= self.limit


def _too_long(file: str, part: str, limits: Limits) -> Problem:
    n = limits.max_cell_chars
    return Problem(f"{file}:{part}", None, None, f"文件 {Path(file).name} {part}有单元格内容超过 {n:,} 个字符 a cell holds more than {n:,} characters")


def _scan_strings(zf: zipfile.ZipFile, file: str, limits: Limits) -> list[Problem]:
    """The shared strings: how many, and none longer than a cell may be."""
    runs, count = _Runs(4 * limits.max_cell_chars), 0  # 4 bytes per character at most in UTF-8
    cap = limits.max_rows * 8  # strings beyond what any sheet could show are a memory bomb
    with zf.open("xl/sharedStrings.xml") as stream:
        for piece in _chunks(stream):
            if count == 0 and _DTD.search(piece[:8192]):
                return [Problem(f"{file}:sharedStrings", None, None, "共享字符串含 DTD 声明,不接受 the shared strings declare a DTD")]
            count += piece.count(b"<si>") + piece.count(b"<si ") + piece.count(b":si>") + piece.count(b":si ")
            if not runs.feed(piece):
                return [_too_long(file, "共享字符串", limits)]
            if count > cap:
                return [Problem(file, None, None, f"共享字符串超过 {cap:,} 个 more than {cap:,} shared strings")]
    return []


def _scan_sheet(zf: zipfile.ZipFile, member: str, title: str, file: str, limits: Limits) -> tuple[SheetScan, list[Problem]]:
    """Stream one worksheet's XML: rows (count and last number), cells per row, longest text, merged ranges."""
    where = f"{file}:{title}"
    rows_over = f"文件 {Path(file).name} 工作表“{title}”超过 {limits.max_rows:,} 行 the sheet has more than {limits.max_rows:,} rows"
    runs = _Runs(4 * limits.max_cell_chars)
    rows = last = cells = widest = 0
    merged: list[str] = []
    row_split: re.Pattern[bytes] | None = None
    cell_tags: tuple[bytes, ...] = ()
    with zf.open(member) as stream:
        for piece in _chunks(stream):
            if row_split is None:
                if _DTD.search(piece[:8192]):  # entity expansion ("billion laughs") needs a DTD; OOXML has none
                    return SheetScan(title, 0, ()), [Problem(where, None, None, "工作表含 DTD 声明,不接受 the sheet declares a DTD")]
                found = _PREFIX.search(piece)
                prefix = (found.group(1) + b":") if found and found.group(1) else b""
                row_split = re.compile(rb"<" + re.escape(prefix) + rb"row(?=[\s>/])")
                cell_tags = tuple(b"<" + prefix + b"c" + end for end in (b" ", b">", b"/"))
                declared = _DIMENSION.search(piece[:8192])
                if declared and declared.group(1) and int(declared.group(1)) > limits.max_rows:
                    reason = f"{rows_over}(声明 {int(declared.group(1)):,} 行) (declares {int(declared.group(1)):,})"
                    return SheetScan(title, 0, ()), [Problem(where, None, None, reason)]
            if not runs.feed(piece):
                return SheetScan(title, 0, ()), [_too_long(file, f"工作表“{title}”", limits)]
            parts = row_split.split(piece)
            cells += sum(parts[0].count(t) for t in cell_tags)
            for part in parts[1:]:
                widest, cells, rows = max(widest, cells), sum(part.count(t) for t in cell_tags), rows + 1
                ref = _ROW_REF.match(part)
                last = max(last, rows, int(ref.group(1)) if ref else rows)
            widest = max(widest, cells)
            if last > limits.max_rows:
                return SheetScan(title, 0, ()), [Problem(where, None, None, rows_over)]
            if widest > limits.max_columns:
                reason = f"文件 {Path(file).name} 工作表“{title}”有的行超过 {limits.max_columns} 列 a row has more than {limits.max_columns} cells"
                return SheetScan(title, 0, ()), [Problem(where, None, None, reason)]
            if len(merged) < _MERGED_KEPT and b"mergeCell" in piece:
                merged += [m.decode() for m in _MERGE.findall(piece)][: _MERGED_KEPT - len(merged)]
    return SheetScan(title, last, tuple(merged)), []
