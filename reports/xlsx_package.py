"""Many sheets of one layout, written once and repeated in the package.

A workbook of a thousand customers' sheets, each with its chart, cost
xlsxwriter about 2 ms a sheet: a worksheet object, two chart objects whose
XML it assembles element by element, a scratch file, a name check against
every sheet before it. The sheets differ only in their name, their title,
their rows and how far down their chart reaches. So xlsxwriter writes one
*prototype* sheet (formats, column widths, frozen panes, print set-up, the
header block and, over two placeholder rows, the chart), and
``clone_sheets`` repeats its parts in the package, one copy per sheet, with
those four things put in: the sheet's part gets its rows, the chart's part
its ranges, the drawing its anchor. Everything else of the package (styles,
theme, properties) is the prototype's.

What is substituted is the SpreadsheetML of the Office Open XML standard
(ECMA-376), not xlsxwriter's internals; a change in how xlsxwriter writes
the prototype fails ``tests/test_payment_history.py``, which reads every
sheet and chart back with openpyxl.
"""

import io
import re
import struct
import time
import zipfile
import zlib
from typing import NamedTuple

from xlsxwriter.utility import quote_sheetname

from .xlsx_export import xml_text

# The prototype sheet's name and its title's text, replaced in each copy.
PROTOTYPE_SHEET = "ARPROTOTYPE"
PROTOTYPE_TITLE = "ARPROTOTITLE"
# Rows the prototype's chart is drawn over, the first being the first row.
PROTOTYPE_CHART_ROWS = 2

RELS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument"
SHEET_PART = "xl/worksheets/sheet1.xml"
SHEET_RELS = "xl/worksheets/_rels/sheet1.xml.rels"
DRAWING_PART = "xl/drawings/drawing1.xml"
DRAWING_RELS = "xl/drawings/_rels/drawing1.xml.rels"
CHART_PART = "xl/charts/chart1.xml"


class Sheet(NamedTuple):
    """One copy of the prototype sheet. ``rows`` are its ``<row>`` elements
    below the prototype's own rows, ``last_row`` the last 0-based row with a
    cell (the prototype's last when there are none), ``chart_rows`` how many
    rows its chart is drawn over (0: no chart) and ``chart_at`` the 0-based
    row of the chart's top-left corner."""

    name: str
    title: str
    rows: str
    last_row: int
    chart_rows: int = 0
    chart_at: int = 0


def _attribute(text):
    return xml_text(text).replace('"', "&quot;")


def _row_anchor(xml):
    """The 0-based rows of a drawing's anchor (from, to)."""
    return [int(row) for row in re.findall(r"<xdr:row>(\d+)</xdr:row>", xml)]


def clone_sheets(prototype, sheets, first_row, chart_at):
    """The bytes of a workbook of ``sheets`` (``Sheet``), each a copy of the
    prototype's one sheet (``PROTOTYPE_SHEET``, its title cell reading
    ``PROTOTYPE_TITLE``, its cells reaching the last column of every copy).
    Its data rows start at ``first_row`` (0-based); when it has a chart, the
    chart is drawn over ``PROTOTYPE_CHART_ROWS`` rows from ``first_row`` and
    anchored at row ``chart_at``."""
    with zipfile.ZipFile(io.BytesIO(prototype)) as package:
        parts = {name: package.read(name).decode() for name in package.namelist()}
    sheet_xml = parts.pop(SHEET_PART)
    sheet_rels = parts.pop(SHEET_RELS, None)
    drawing = parts.pop(DRAWING_PART, None)
    drawing_rels = parts.pop(DRAWING_RELS, None)
    chart = parts.pop(CHART_PART, None)
    if len([name for name in parts if name.startswith("xl/worksheets/")]) or (
        any(sheet.chart_rows for sheet in sheets) and chart is None
    ):
        raise ValueError("The prototype must have one sheet, with its chart")

    # the sheet: its title, rows, extent; only the first is selected
    title_cell = f"<t>{PROTOTYPE_TITLE}</t>"
    head, rest = sheet_xml.split(title_cell)
    before_rows, after_rows = rest.split("</sheetData>")
    unselected = head.replace(' tabSelected="1"', "")
    dimension = re.compile(r'<dimension ref="A1:[A-Z]+\d+"/>')
    last_letter = re.search(r'<dimension ref="A1:([A-Z]+)\d+"/>', head).group(1)
    without_drawing = after_rows.replace('<drawing r:id="rId1"/>', "")
    # the chart: its ranges over the placeholder rows, its anchor
    if chart is not None:
        last_placeholder = first_row + PROTOTYPE_CHART_ROWS
        rows_range = re.compile(
            re.escape(PROTOTYPE_SHEET)
            + rf"!\$([A-Z]+)\${first_row + 1}:\$([A-Z]+)\${last_placeholder}"
        )
        anchor_from, anchor_to = _row_anchor(drawing)
        drawing_parts = re.split(r"<xdr:row>\d+</xdr:row>", drawing)
    written = {}
    overrides = []
    charts = 0
    for number, sheet in enumerate(sheets, start=1):
        last = max(sheet.last_row, first_row - 1)
        extent = f'<dimension ref="A1:{last_letter}{last + 1}"/>'
        part = f"xl/worksheets/sheet{number}.xml"
        xml = [
            dimension.sub(extent, head if number == 1 else unselected),
            f"<t>{xml_text(sheet.title.strip())}</t>",
            before_rows,
            sheet.rows,
            "</sheetData>",
            after_rows if sheet.chart_rows else without_drawing,
        ]
        written[part] = "".join(xml)
        overrides.append((part, "spreadsheetml.worksheet+xml"))
        if not sheet.chart_rows:
            continue
        charts += 1
        written[f"xl/worksheets/_rels/sheet{number}.xml.rels"] = sheet_rels.replace(
            "../drawings/drawing1.xml", f"../drawings/drawing{charts}.xml"
        )
        shift = sheet.chart_at - chart_at
        written[f"xl/drawings/drawing{charts}.xml"] = (
            f"{drawing_parts[0]}<xdr:row>{anchor_from + shift}</xdr:row>"
            f"{drawing_parts[1]}<xdr:row>{anchor_to + shift}</xdr:row>"
            f"{drawing_parts[2]}"
        )
        written[f"xl/drawings/_rels/drawing{charts}.xml.rels"] = drawing_rels.replace(
            "../charts/chart1.xml", f"../charts/chart{charts}.xml"
        )
        name = xml_text(quote_sheetname(sheet.name))
        last_chart_row = first_row + sheet.chart_rows
        written[f"xl/charts/chart{charts}.xml"] = rows_range.sub(
            lambda match, name=name, last=last_chart_row: (
                f"{name}!${match[1]}${first_row + 1}:${match[2]}${last}"
            ),
            chart,
        )
        overrides.append((f"xl/charts/chart{charts}.xml", "drawingml.chart+xml"))
        overrides.append((f"xl/drawings/drawing{charts}.xml", "drawing+xml"))

    parts["[Content_Types].xml"] = re.sub(
        r'<Override PartName="/xl/(worksheets|charts|drawings)/[^"]+"[^>]*/>',
        "",
        parts["[Content_Types].xml"],
    ).replace(
        "</Types>",
        "".join(
            f'<Override PartName="/{part}" ContentType="{CONTENT_TYPE}.{kind}"/>'
            for part, kind in overrides
        )
        + "</Types>",
    )
    parts["xl/workbook.xml"] = _workbook_xml(
        parts["xl/workbook.xml"], [sheet.name for sheet in sheets]
    )
    parts["xl/_rels/workbook.xml.rels"] = _workbook_rels(
        parts["xl/_rels/workbook.xml.rels"], len(sheets)
    )
    parts["docProps/app.xml"] = _app_xml(
        parts["docProps/app.xml"], [sheet.name for sheet in sheets]
    )
    content_types = ("[Content_Types].xml", parts.pop("[Content_Types].xml"))
    return zip_parts([content_types, *parts.items(), *written.items()])


def zip_parts(parts):
    """A ZIP archive of ``parts`` [(name, text)], each deflated at zlib
    level 1 (a quarter of the default level's time for a file a fifth
    larger). Python's ``zipfile`` spent as long again as the compression on
    its bookkeeping of a package's five thousand small parts; the format is
    simple enough to write here (APPNOTE.TXT: a local header and the data
    for each part, then the central directory; no ZIP64, so at most 65,535
    parts of under 4 GB)."""
    if len(parts) > 0xFFFF:
        raise ValueError("Too many parts for a ZIP archive without ZIP64")
    year, month, day, hour, minute, second = time.localtime()[:6]
    stamp = (
        (second // 2) | (minute << 5) | (hour << 11),
        day | (month << 5) | ((year - 1980) << 9),
    )
    output = io.BytesIO()
    directory = []
    for name, text in parts:
        data = text.encode() if isinstance(text, str) else text
        packed = zlib.compress(data, 1, wbits=-15)
        name = name.encode()
        if max(len(data), len(packed), output.tell()) > 0xFFFFFFFF:
            raise ValueError("A part too large for a ZIP archive without ZIP64")
        fields = (20, 0, 8, *stamp, zlib.crc32(data), len(packed), len(data))
        directory.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                *fields,
                len(name),
                0,
                0,
                0,
                0,
                0,
                output.tell(),
            )
            + name
        )
        output.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, len(name), 0))
        output.write(name)
        output.write(packed)
    start = output.tell()
    output.write(b"".join(directory))
    output.write(
        struct.pack(
            "<IHHHHIIH",
            0x06054B50,
            0,
            0,
            len(directory),
            len(directory),
            output.tell() - start,
            start,
            0,
        )
    )
    return output.getvalue()


def _workbook_xml(xml, names):
    """The workbook part with a sheet, and its print titles, for each name."""
    sheet = re.search(r"<sheet [^>]*/>", xml).group(0)
    titles = re.search(r'<definedName name="_xlnm.Print_Titles"[^>]*>([^<]*)<', xml)
    sheets = "".join(
        sheet.replace(f'name="{PROTOTYPE_SHEET}"', f'name="{_attribute(name)}"')
        .replace('sheetId="1"', f'sheetId="{number}"')
        .replace('r:id="rId1"', f'r:id="rId{number}"')
        for number, name in enumerate(names, start=1)
    )
    xml = re.sub(r"<sheets>.*</sheets>", lambda _m: f"<sheets>{sheets}</sheets>", xml)
    if titles:
        rows = titles.group(1).split("!", 1)[1]
        defined = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
            f"{xml_text(quote_sheetname(name))}!{rows}</definedName>"
            for index, name in enumerate(names)
        )
        xml = re.sub(
            r"<definedNames>.*</definedNames>",
            lambda _m: f"<definedNames>{defined}</definedNames>",
            xml,
        )
    return xml


def _workbook_rels(xml, count):
    """The workbook's relationships: the sheets first (rId1 to rId<count>),
    then the prototype's others (theme, styles), numbered after them."""
    others = [
        relation
        for relation in re.findall(r"<Relationship [^>]*/>", xml)
        if f'Type="{RELS_TYPE}/worksheet"' not in relation
    ]
    sheets = [
        f'<Relationship Id="rId{number}" Type="{RELS_TYPE}/worksheet" '
        f'Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, count + 1)
    ]
    renumbered = [
        re.sub(r'Id="rId\d+"', f'Id="rId{count + index}"', relation)
        for index, relation in enumerate(others, start=1)
    ]
    start = xml.index("<Relationship ")
    return xml[:start] + "".join(sheets + renumbered) + "</Relationships>"


def _app_xml(xml, names):
    """The document properties' list of parts: the sheets, then their print
    titles."""
    count = len(names)
    pairs = (
        '<HeadingPairs><vt:vector size="4" baseType="variant">'
        "<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>"
        f"<vt:variant><vt:i4>{count}</vt:i4></vt:variant>"
        "<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant>"
        f"<vt:variant><vt:i4>{count}</vt:i4></vt:variant>"
        "</vt:vector></HeadingPairs>"
    )
    titles = "".join(
        [f"<vt:lpstr>{xml_text(name)}</vt:lpstr>" for name in names]
        + [
            f"<vt:lpstr>{xml_text(quote_sheetname(name))}!Print_Titles</vt:lpstr>"
            for name in names
        ]
    )
    parts = (
        f"{pairs}<TitlesOfParts>"
        f'<vt:vector size="{2 * count}" baseType="lpstr">{titles}</vt:vector>'
        "</TitlesOfParts>"
    )
    return re.sub(
        r"<HeadingPairs>.*</TitlesOfParts>", lambda _m: parts, xml, flags=re.S
    )
