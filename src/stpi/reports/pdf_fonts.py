"""Freely licensed CJK fonts for the PDF documents: Noto Serif / Sans CJK SC (SIL Open Font License).

The fonts come from the system (Debian's ``fonts-noto-cjk``, which ``scripts/test.sh`` and
``scripts/run.sh`` install), found with ``fc-match`` or at their known paths; Source Han Serif /
Sans, the same design under its Adobe name, serve as well. No other font is used: a document
set in a commercial font (SimHei …) could not be passed on freely.

reportlab embeds TrueType outlines only, and the Noto CJK fonts are OpenType collections with
CFF outlines (.ttc, one face per language: the SC face is picked by name, not by index). So each
document gets its own subset: the characters it prints, cut out with fontTools and converted to
TrueType (quadratic) outlines, about half a second per face; reportlab then embeds that.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from stpi.errors import StpiError

__all__ = ["FACES", "OFL_FAMILIES", "Face", "find_face", "register_faces", "truetype_subset"]

# the roles of GB/T 9704 and the OFL families that stand in for them: 小标宋 and 仿宋 by the serif, 黑体 by the sans
FACES = {"title": ("serif", True), "body": ("serif", False), "heading": ("sans", True)}
OFL_FAMILIES = {"serif": ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN"), "sans": ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN")}
KNOWN_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"), Path("/usr/share/fonts/google-noto-cjk"), Path("/usr/local/share/fonts"),
              Path.home() / ".local/share/fonts", Path("/Library/Fonts"), Path("C:/Windows/Fonts"))
KNOWN_FILES = {("serif", False): "NotoSerifCJK-Regular.ttc", ("serif", True): "NotoSerifCJK-Bold.ttc",
               ("sans", False): "NotoSansCJK-Regular.ttc", ("sans", True): "NotoSansCJK-Bold.ttc"}
INSTALL = "apt-get install fonts-noto-cjk"


@dataclass(frozen=True)
class Face:
    """A font face in a file: the path, and the face's place in a collection (.ttc)."""

    path: Path
    index: int
    family: str


def _faces_in(path: Path) -> list[tuple[int, str, str]]:
    """(index, family, style) of every face in a font file or collection."""
    from fontTools.ttLib import TTCollection, TTFont

    collection = path.suffix.lower() in (".ttc", ".otc")
    with TTCollection(str(path), lazy=True) if collection else TTFont(str(path), lazy=True) as opened:
        fonts = opened.fonts if isinstance(opened, TTCollection) else [opened]
        return [(i, str(f["name"].getDebugName(1)), str(f["name"].getDebugName(2))) for i, f in enumerate(fonts)]


def _fc_match(family: str, bold: bool) -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    try:
        found = subprocess.run(["fc-match", "-f", "%{family}\t%{file}", pattern], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, file = found.partition("\t")
    return Path(file) if family in families.split(",") and file else None  # fc-match answers with a fallback for any name: only the family asked for counts


def _pick(path: Path, families: tuple[str, ...], bold: bool) -> Face | None:
    """The face of one of ``families`` in the file, in the weight asked for (a file holding only the other weight does not count)."""
    from fontTools.ttLib import TTLibError

    try:
        faces = _faces_in(path)
    except (OSError, KeyError, TTLibError):  # an unreadable or foreign file is simply not a candidate
        return None
    for family in families:
        for index, fam, style in faces:
            if fam == family and ("Bold" in style) == bold:
                return Face(path, index, fam)
    return None


@lru_cache(maxsize=None)
def find_face(kind: str, bold: bool) -> Face:
    """The OFL serif or sans CJK face (regular or bold), or a clear error naming what to install."""
    families = OFL_FAMILIES[kind]
    candidates = [p for p in (_fc_match(f, bold) for f in families) if p is not None]
    candidates += [d / KNOWN_FILES[(kind, bold)] for d in KNOWN_DIRS if (d / KNOWN_FILES[(kind, bold)]).is_file()]
    for path in candidates:
        face = _pick(path, families, bold)
        if face is not None:
            return face
    weight = "Bold" if bold else "Regular"
    raise StpiError(f"PDF 需要开源中文字体（SIL OFL）{families[0]} {weight}，未找到；请安装：{INSTALL}"
                    f" / the PDF needs the freely licensed (SIL OFL) font {families[0]} {weight}, not found: {INSTALL}")


def truetype_subset(face: Face, text: str) -> bytes:
    """The face cut down to the characters of ``text`` (and .notdef), with TrueType outlines; the bytes of a .ttf."""
    from fontTools.ttLib import TTFont

    with TTFont(str(face.path), fontNumber=face.index, lazy=False) as font:
        return _subset(font, text)


def _subset(font: Any, text: str) -> bytes:
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    options = subset.Options()
    options.layout_features, options.name_IDs, options.notdef_outline, options.hinting, options.desubroutinize = [], ["*"], True, False, True
    cutter = subset.Subsetter(options)
    cutter.populate(text="".join(sorted(set(text))))
    cutter.subset(font)
    if "glyf" not in font:  # CFF outlines: cubic → quadratic (fontTools' otf2ttf recipe)
        order, glyph_set = font.getGlyphOrder(), font.getGlyphSet()
        glyphs = {}
        for name in order:
            pen = TTGlyphPen(glyph_set)
            glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            glyphs[name] = pen.glyph()
        font["loca"], font["glyf"] = newTable("loca"), newTable("glyf")
        glyf = font["glyf"]
        glyf.glyphOrder, glyf.glyphs = order, glyphs
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        glyf.compile(font)
        for name, glyph in glyphs.items():
            if hasattr(glyph, "xMin"):
                font["hmtx"][name] = (font["hmtx"][name][0], glyph.xMin)
        maxp = font["maxp"] = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
            setattr(maxp, attr, 1 if attr == "maxZones" else 0)
        post = font["post"]
        post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
        font["head"].glyphDataFormat = 0
        font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def register_faces(text: str) -> dict[str, str]:
    """Register, with reportlab, each role's face subset to ``text``; the reportlab font name of each role."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    digest = hashlib.sha1("".join(sorted(set(text))).encode("utf-8")).hexdigest()[:12]
    names: dict[str, str] = {}
    for role, (kind, bold) in FACES.items():
        face = find_face(kind, bold)
        name = f"{face.family.replace(' ', '')}{'-Bold' if bold else ''}-{digest}"
        if name not in pdfmetrics.getRegisteredFontNames():
            font = TTFont(name, io.BytesIO(truetype_subset(face, text)))
            # reportlab hands back the first font registered under a PostScript name: every subset shares the face's name, so
            # without this a second document in the same process would draw with the first one's glyphs (missing characters)
            pdfmetrics._dynFaceNames.pop(font.face.name, None)
            pdfmetrics.registerFont(font)
        names[role] = name
    return names
