"""The certificate font. Noto Serif CJK SC (Debian's fonts-noto-cjk, installed by the scripts) is subset
ahead of time to GB 2312 and converted to TrueType outlines: WeasyPrint embeds that in well under
100 ms (the full font takes seconds), and an OFD gets a per-document subset of it built in a few ms.
Characters outside GB 2312 (rare surnames, place names) come from the full font: WeasyPrint falls back
to it by family name, the OFD writer converts those glyphs on demand.
"""

from __future__ import annotations

import fcntl
import io
import threading
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

FULL_FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
FULL_FAMILY = "Noto Serif CJK SC"
FAMILY = "CraneSerif"
SUBSET_NAME = "crane-serif-gb2312.ttf"
#: printable ASCII, the full-width forms and the punctuation certificates use, on top of GB 2312
EXTRA = "".join(chr(c) for c in range(0x20, 0x7F)) + "（）：；，。、“”《》—·０１２３４５６７８９"


def gb2312_characters() -> str:
    chars = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def _full_font() -> TTFont:
    for index, font in enumerate(TTCollection(FULL_FONT, lazy=True).fonts):
        if font["name"].getDebugName(1) == FULL_FAMILY:
            return TTFont(FULL_FONT, fontNumber=index, lazy=True)
    raise FileNotFoundError(f"{FULL_FONT} 中没有 {FULL_FAMILY}")


def ensure_subset(font_dir: Path) -> Path:
    """Build the GB 2312 TrueType subset once (about 15 s); later calls return its path at once."""
    path = font_dir / SUBSET_NAME
    if path.exists():
        return path
    font_dir.mkdir(parents=True, exist_ok=True)
    with open(font_dir / ".build.lock", "w") as lock:  # two processes starting at once build it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            font = _full_font()
            options = subset.Options()
            options.layout_features, options.hinting, options.notdef_outline = [], False, True
            options.drop_tables += ["GSUB", "GPOS", "VORG", "vhea", "vmtx", "DSIG"]
            subsetter = subset.Subsetter(options)
            subsetter.populate(text=gb2312_characters() + EXTRA)
            subsetter.subset(font)
            _to_truetype(font)
            tmp = path.with_suffix(".tmp")
            font.save(tmp)
            tmp.replace(path)
    return path


def _to_truetype(font: TTFont) -> None:
    """CFF outlines → quadratic TrueType ``glyf`` (what OFD readers and fast subsetting want)."""
    glyph_set, order = font.getGlyphSet(), font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat, font["head"].indexToLocFormat = 0, 1
    font["post"].formatType = 3.0  # no glyph names: smaller, and nothing reads them
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"


@dataclass(frozen=True)
class EmbeddedFont:
    data: bytes                   # a TrueType font holding exactly the document's characters
    advances: dict[str, float]    # character → advance width in em


class GlyphSource:
    """The subset font, loaded once per process; per-document fonts are assembled from its glyphs."""

    def __init__(self, subset_path: Path):
        font = TTFont(subset_path)
        self.units = font["head"].unitsPerEm
        self.cmap = font.getBestCmap()
        self.glyf, self.hmtx = font["glyf"], font["hmtx"].metrics
        self.hhea, self.os2 = font["hhea"], font["OS/2"]
        self._fallback: tuple[dict, object] | None = None
        self._converted: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _glyph(self, char: str) -> tuple:
        """(glyph, advance, lsb) of ``char``, from the subset or, for a rare character, the full font."""
        name = self.cmap.get(ord(char))
        if name is not None:
            return self.glyf[name], *self.hmtx[name]
        with self._lock:
            if char not in self._converted:
                self._converted[char] = self._from_full_font(char)
        return self._converted[char]

    def _from_full_font(self, char: str) -> tuple:
        if self._fallback is None:
            font = _full_font()
            self._fallback = (font.getBestCmap(), font)
        cmap, font = self._fallback
        name = cmap.get(ord(char)) or ".notdef"
        glyph_set = font.getGlyphSet()
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        return pen.glyph(), *font["hmtx"].metrics[name]

    def embed(self, text: str) -> EmbeddedFont:
        chars = sorted(set(text) - {"\n"})
        names = [".notdef", *(f"c{ord(c):x}" for c in chars)]
        glyphs = {".notdef": (self.glyf[".notdef"], *self.hmtx[".notdef"])}
        glyphs.update({f"c{ord(c):x}": self._glyph(c) for c in chars})
        builder = FontBuilder(self.units, isTTF=True)
        builder.setupGlyphOrder(names)
        builder.setupCharacterMap({ord(c): f"c{ord(c):x}" for c in chars})
        builder.setupGlyf({name: glyphs[name][0] for name in names})
        builder.setupHorizontalMetrics({name: (glyphs[name][1], glyphs[name][2]) for name in names})
        builder.setupHorizontalHeader(ascent=self.hhea.ascent, descent=self.hhea.descent)
        builder.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
        builder.setupOS2(sTypoAscender=self.os2.sTypoAscender, sTypoDescender=self.os2.sTypoDescender,
                         usWinAscent=self.os2.usWinAscent, usWinDescent=self.os2.usWinDescent)
        builder.setupPost()
        out = io.BytesIO()
        builder.save(out)
        return EmbeddedFont(out.getvalue(), {c: glyphs[f"c{ord(c):x}"][1] / self.units for c in chars})


_SOURCES: dict[Path, GlyphSource] = {}


def glyph_source(font_dir: Path) -> GlyphSource:
    path = ensure_subset(font_dir)
    if path not in _SOURCES:
        _SOURCES[path] = GlyphSource(path)
    return _SOURCES[path]
