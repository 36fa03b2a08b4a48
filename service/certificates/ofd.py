"""The OFD certificate (GB/T 33190-2016), written with lxml: OFD.xml → Doc_0/Document.xml →
PublicRes.xml with the embedded per-document font → one A4-landscape page whose text objects carry
the font's real advance widths (DeltaX), so readers place every character where we measured it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import segno
from lxml import etree

from ..types import china_today
from .content import TITLE, Facts, chinese_date
from .fonts import FAMILY, FULL_FAMILY, GlyphSource

NS = "http://www.ofdspec.org/2016"
PAGE_W, PAGE_H = 297.0, 210.0
FONT_ID = 2


def _el(parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.Element(f"{{{NS}}}{tag}", nsmap={"ofd": NS}) if parent is None else \
        etree.SubElement(parent, f"{{{NS}}}{tag}")
    for key, value in attrs.items():
        el.set(key, value)
    if text is not None:
        el.text = text
    return el


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


@dataclass
class _Line:
    text: str
    x: float
    baseline: float
    size: float
    color: str = "0 0 0"


@dataclass
class _Layout:
    lines: list[_Line] = field(default_factory=list)

    def add(self, text: str, x: float, baseline: float, size: float, color: str = "0 0 0") -> None:
        if text:
            self.lines.append(_Line(text, x, baseline, size, color))


def _wrap(text: str, width: float, size: float, advances: dict[str, float]) -> list[str]:
    lines, current, used = [], "", 0.0
    for char in text:
        step = advances.get(char, 1.0) * size
        if current and used + step > width:
            lines.append(current)
            current, used = "", 0.0
        current += char
        used += step
    return [*lines, current] if current else lines


def _layout(facts: Facts, advances: dict[str, float]) -> _Layout:
    """Positions in mm on the page, mirroring the PDF template."""
    def width(text: str, size: float) -> float:
        return sum(advances.get(c, 1.0) for c in text) * size

    layout = _Layout()
    title_size = 9.2
    layout.add(TITLE, (PAGE_W - width(TITLE, title_size)) / 2, 36, title_size, "139 26 26")
    number = f"证书编号：{facts.number}"
    layout.add(number, (PAGE_W - width(number, 4.6)) / 2, 46, 4.6)
    y, size = 58.0, 4.0
    for label, value in facts.fields():
        layout.add(label, 30, y, size, "85 85 85")
        for i, part in enumerate(_wrap(value, 150, size, advances)):
            layout.add(part, 68, y + i * 5.2, size)
            if i:
                y += 5.2
        y += 8.4
    issuer = f"发证机关：{facts.bureau}"
    layout.add(issuer, PAGE_W - 30 - width(issuer, 4.2), 178, 4.2)
    date = chinese_date(facts.issue_date)
    layout.add(date, PAGE_W - 30 - width(date, 4.2), 186, 4.2)
    layout.add("扫码核验证书真伪与状态", 232, 108, 3.0, "85 85 85")
    layout.add(f"电子证照标识：{facts.license_code}", 30, 198, 2.8, "119 119 119")
    if facts.ended_mark:  # an ended certificate says so across its face, in red
        layout.add(facts.ended_mark, (PAGE_W - width(facts.ended_mark, 21)) / 2, 120, 21, "204 0 0")
    return layout


def _all_text(facts: Facts) -> str:
    parts = [TITLE, f"证书编号：{facts.number}", f"发证机关：{facts.bureau}", chinese_date(facts.issue_date),
             "扫码核验证书真伪与状态", f"电子证照标识：{facts.license_code}", facts.ended_mark]
    for label, value in facts.fields():
        parts += [label, value]
    return "".join(parts)


def _qr_path(url: str, x: float, y: float, size: float) -> str:
    """The QR code as one vector path of its dark modules (no image needed, sharp at any zoom)."""
    matrix = segno.make(url, error="m").matrix
    module = size / len(matrix)
    parts = []
    for row, cells in enumerate(matrix):
        col = 0
        while col < len(cells):
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < len(cells) and cells[col]:
                col += 1
            # one rectangle per run of dark modules in a row: a third of the path a module each would make
            left, right, top = x + start * module, x + col * module, y + row * module
            parts.append(f"M {_num(left)} {_num(top)} L {_num(right)} {_num(top)} "
                         f"L {_num(right)} {_num(top + module)} L {_num(left)} {_num(top + module)} C")
    return " ".join(parts)


def render_ofd(facts: Facts, verify_url: str, source: GlyphSource, doc_id: str) -> bytes:
    font = source.embed(_all_text(facts))
    layout = _layout(facts, font.advances)
    ids = iter(range(FONT_ID + 1, 100_000))

    root = _el(None, "OFD", Version="1.0", DocType="OFD")
    body = _el(root, "DocBody")
    info = _el(body, "DocInfo")
    _el(info, "DocID", doc_id)
    _el(info, "Title", f"{TITLE} {facts.number}")
    _el(info, "Author", facts.bureau)
    _el(info, "CreationDate", china_today().isoformat())
    _el(info, "Creator", "建筑起重机械电子证照管理服务平台")
    _el(body, "DocRoot", "Doc_0/Document.xml")

    res = _el(None, "Res", BaseLoc="Res")
    fonts = _el(res, "Fonts")
    font_el = _el(fonts, "Font", ID=str(FONT_ID), FontName=FAMILY, FamilyName=FULL_FAMILY)
    _el(font_el, "FontFile", "font_2.ttf")

    page = _el(None, "Page")
    content = _el(page, "Content")
    layer = _el(content, "Layer", ID=str(next(ids)))
    border = _el(layer, "PathObject", ID=str(next(ids)), Boundary=f"0 0 {_num(PAGE_W)} {_num(PAGE_H)}",
                 LineWidth="0.6", Stroke="true", Fill="false")
    _el(border, "StrokeColor", Value="139 26 26")
    _el(border, "AbbreviatedData", "M 12 12 L 285 12 L 285 198 L 12 198 C M 14 14 L 283 14 L 283 196 L 14 196 C")
    qr = _el(layer, "PathObject", ID=str(next(ids)), Boundary=f"0 0 {_num(PAGE_W)} {_num(PAGE_H)}",
             Stroke="false", Fill="true")
    _el(qr, "FillColor", Value="0 0 0")
    _el(qr, "AbbreviatedData", _qr_path(verify_url, 235, 58, 40))
    for line in layout.lines:
        deltas = [font.advances.get(c, 1.0) * line.size for c in line.text]
        width = sum(deltas)
        text = _el(layer, "TextObject", ID=str(next(ids)), Font=str(FONT_ID), Size=_num(line.size),
                   Boundary=f"{_num(line.x)} {_num(line.baseline - line.size)} {_num(width + 1)} "
                            f"{_num(line.size * 1.4)}")
        _el(text, "FillColor", Value=line.color)
        _el(text, "TextCode", line.text, X="0", Y=_num(line.size),
            DeltaX=" ".join(_num(d) for d in deltas[:-1]))

    document = _el(None, "Document")
    common = _el(document, "CommonData")
    _el(common, "MaxUnitID", str(next(ids)))
    area = _el(common, "PageArea")
    _el(area, "PhysicalBox", f"0 0 {_num(PAGE_W)} {_num(PAGE_H)}")
    _el(common, "PublicRes", "PublicRes.xml")
    pages = _el(document, "Pages")
    _el(pages, "Page", ID="1", BaseLoc="Pages/Page_0/Content.xml")

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, tree in (("OFD.xml", root), ("Doc_0/Document.xml", document), ("Doc_0/PublicRes.xml", res),
                           ("Doc_0/Pages/Page_0/Content.xml", page)):
            package.writestr(name, etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
        package.writestr("Doc_0/Res/font_2.ttf", font.data)
    return out.getvalue()
