"""A corpus of hostile and awkward files, built small in the test run (no binaries in the repository).

Each case is (name, file name, bytes, what the refusal must say). The zip bombs are written with
pre-compressed members: one deflated block of repeated rows, flushed so it stands alone, repeated
— a member of hundreds of MB costs a few KB and no time to build.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from openpyxl import Workbook

__all__ = ["Case", "Member", "bad_files", "good_long_xlsx", "raw_zip"]

MB = 1024 * 1024
Member = bytes | tuple[bytes, int, int]  # plain bytes, or (deflate stream, CRC-32, size) stored as is


@dataclass(frozen=True)
class Case:
    """A bad file and a piece of the message that must name why it is refused."""

    name: str
    filename: str
    content: bytes
    says: str


def good_long_xlsx(rows: list[tuple[object, ...]] | None = None, sheets: int = 1) -> bytes:
    """A small valid long table (region, year, indicator, value) as .xlsx."""
    book = Workbook()
    ws = book.active
    ws.title = "数据"
    ws.append(["region", "year", "indicator", "value"])
    for row in rows or [("陇南市", 2023, "I01", 196.0)]:
        ws.append(list(row))
    for i in range(1, sheets):
        book.create_sheet(f"S{i}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _members(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _deflated(unit: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of head + unit × times + tail, built in O(len(unit))."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)  # after a full flush no block looks back
    last = c.compress(tail) + c.flush()
    size = len(head) + len(unit) * times + len(tail)
    crc = zlib.crc32(head)
    # CRC of unit × times by doubling: crc32 has no combine in zlib's Python API, so hash in 1 MB pieces
    piece = unit * max(1, MB // max(1, len(unit)))
    done = 0
    while done + len(piece) // len(unit) <= times:
        crc = zlib.crc32(piece, crc)
        done += len(piece) // len(unit)
    crc = zlib.crc32(unit * (times - done), crc)
    crc = zlib.crc32(tail, crc)
    return first + block * times + last, crc & 0xFFFFFFFF, size


def raw_zip(members: dict[str, Member], *, lie: dict[str, int] | None = None) -> bytes:
    """A ZIP file; a member given as (deflate stream, crc, size) is stored as is. ``lie`` declares other sizes."""
    out, central = io.BytesIO(), io.BytesIO()
    lie = lie or {}
    for name, body in members.items():
        if isinstance(body, bytes):
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            data, crc, size = c.compress(body) + c.flush(), zlib.crc32(body) & 0xFFFFFFFF, len(body)
        else:
            data, crc, size = body
        size = lie.get(name, size)
        raw = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0) + raw + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    count = len(members)
    directory = central.getvalue()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), out.tell() - len(directory), 0))
    return out.getvalue()


_SHEET = "xl/worksheets/sheet1.xml"
_ROOT = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>' + _ROOT
_TAIL = b"</sheetData></worksheet>"
_ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>2023</v></c><c t="inlineStr"><is><t>I01</t></is></c><c><v>1</v></c></row>'


def _with(members: dict[str, Member], name: str, body: Member) -> dict[str, Member]:
    return {**members, name: body}


def bad_files() -> list[Case]:
    """Every kind of hostile or broken file the readers must refuse quickly, with the reason."""
    base: dict[str, Member] = dict(_members(good_long_xlsx()))
    five_million = _deflated(_ROW * 10_000, 500, _HEAD, _TAIL)  # ~600 MB of sheet XML in well under 1 MB
    zeros = _deflated(b"\0" * 65536, 16_384)  # 1 GB of zeros
    big_declared = _HEAD.replace(b"<sheetData>", b'<dimension ref="A1:D2000000"/><sheetData>') + _ROW + _TAIL
    far_row = _HEAD + b'<row r="2000000"><c><v>1</v></c></row>' + _TAIL
    wide = _HEAD + b"<row>" + b"<c><v>1</v></c>" * 500 + b"</row>" + _TAIL
    huge_cell = _HEAD + b'<row><c t="inlineStr"><is><t>' + b"a" * 300_000 + b"</t></is></c></row>" + _TAIL
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + _ROOT + b"<row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row>" + _TAIL
    types = base["[Content_Types].xml"]
    assert isinstance(types, bytes)
    macro_types = types.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    good = good_long_xlsx()
    return [
        Case("5M-row sheet bomb", "bomb.xlsx", raw_zip(_with(base, _SHEET, five_million)), "压缩炸弹"),
        Case("deflate bomb member", "zeros.xlsx", raw_zip(_with(base, "xl/media/image1.png", zeros)), "压缩炸弹"),
        Case("5M-row bomb, sizes understated", "liar.xlsx", raw_zip(_with(base, _SHEET, five_million), lie={_SHEET: 900_000}), "损坏"),
        Case("2M rows declared", "declared.xlsx", raw_zip(_with(base, _SHEET, big_declared)), "超过 1,048,576 行"),
        Case("row number 2,000,000", "far.xlsx", raw_zip(_with(base, _SHEET, far_row)), "超过 1,048,576 行"),
        Case("500 cells in a row", "wide.xlsx", raw_zip(_with(base, _SHEET, wide)), "超过 100 列"),
        Case("300,000-character cell", "cell.xlsx", raw_zip(_with(base, _SHEET, huge_cell)), "超过 32,767 个字符"),
        Case("entity expansion (DTD)", "laughs.xlsx", raw_zip(_with(base, _SHEET, laughs)), "DTD"),
        Case("60 sheets", "sheets.xlsx", good_long_xlsx(sheets=60), "超过 50 个"),
        Case(".xlsm", "macro.xlsm", good, "宏"),
        Case("vbaProject.bin inside", "vba.xlsx", raw_zip(_with(base, "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)), "宏"),
        Case("macro content type", "mtype.xlsx", raw_zip(_with(base, "[Content_Types].xml", macro_types)), "宏"),
        Case("truncated zip", "cut.xlsx", good[: len(good) // 2], "损坏"),
        Case("not a zip", "text.xlsx", b"region,year,indicator,value\n" * 10, "损坏"),
        Case("1 MB note", "note.csv", ("region,year,indicator,value,note\n陇南市,2023,I01,196," + "备" * MB + "\n").encode(), "备注不能超过 1000 个字"),
        Case("200% jump without a note", "jump.csv", "region,year,indicator,value\n陇南市,2023,I01,584.28\n".encode(), "须在备注中说明原因"),
    ]
