"""Excel workbooks of the aged receivables and of the risk report.

Written with xlsxwriter in constant-memory mode: each row goes to disk as soon
as it is written, so a report of hundreds of thousands of items never sits in
memory. The detail rows are read from the database in chunks, in order.

Every sheet has the same layout: a header block (title, company and currency,
as-of day, filters), the column titles on ``HEADER_ROW`` with frozen panes and
an autofilter below them, the rows, then a totals row whose cells are
``SUBTOTAL`` formulas over the rows (they follow the autofilter), each written
with its value so that a reader that does not compute formulas sees it too.
"""

import base64
import functools
import io
import itertools
import types
import zipfile

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from odoo.tools import SQL

HEADER_ROW = 5
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 5000
# Excel's day 0 in the 1900 date system, for dates after February 1900.
EXCEL_EPOCH = "1899-12-30"


def download_action(env, filename, content):
    """Keep ``content`` (a file's bytes: a workbook, a zip) for the current
    user and return the action that downloads it (see ``ar.export``)."""
    export = env["ar.export"].create(
        {"name": filename, "file": base64.b64encode(content)}
    )
    return export._download_action()


def money_format(currency):
    """An Excel number format showing ``currency``'s symbol and decimals."""
    decimals = currency.decimal_places
    number = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    symbol = '"{}"'.format((currency.symbol or currency.name).replace('"', ""))
    if currency.position == "before":
        return f"{symbol} {number};-{symbol} {number}"
    return f"{number} {symbol};-{number} {symbol}"


class _Workbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook that deflates its parts at zlib level 1.

    At the default level 6, compressing was a third of a large export; level
    1 takes a quarter of that for a file a fifth larger (bench/README.md).
    xlsxwriter has no option for it, so its own packaging
    method is run here with a ZipFile that compresses faster: the method's
    code, unchanged, with that one name bound differently, for this class
    only (nothing of xlsxwriter's module is patched)."""

    _store_workbook = types.FunctionType(
        xlsxwriter.Workbook._store_workbook.__code__,
        {
            **vars(xlsxwriter.workbook),
            "ZipFile": functools.partial(zipfile.ZipFile, compresslevel=1),
        },
        "_store_workbook",
    )


class SqlRowsWorksheet(Worksheet):
    """An xlsxwriter worksheet that also takes rows already rendered as
    SpreadsheetML ``<row>`` elements by PostgreSQL (``row_xml_sql``,
    ``write_sql_rows``).

    Writing cell by cell costs xlsxwriter some microseconds a cell, most of a
    200,000-item export; rendered in bulk, the rows cost a fraction of that
    and Python only copies text. This relies on how xlsxwriter streams rows
    in constant-memory mode (the row in progress is flushed to ``fh`` when a
    later row is written, and the dimensions are kept by
    ``_check_dimensions``); the Excel tests read every rendered cell back
    with openpyxl, so a change there fails them (and
    tests/test_xlsx_internals.py names what changed)."""

    def write_sql_rows(self, cr, query, first_row, last_col):
        """Append the rows ``query`` renders (one text column, the ``<row>``
        elements numbered from ``first_row``, in order), read through a
        server-side cursor in chunks; return the last row index written, or
        ``first_row - 1`` when there is none."""
        self._start_rows(first_row)
        cr.execute(SQL("DECLARE ar_xlsx_rows NO SCROLL CURSOR FOR %s", query))
        count = 0
        try:
            while True:
                cr.execute("FETCH FORWARD %s FROM ar_xlsx_rows", [CHUNK])
                rows = cr.fetchall()
                if not rows:
                    break
                count += len(rows)
                self.fh.write("".join(itertools.chain.from_iterable(rows)))
        finally:
            cr.execute("CLOSE ar_xlsx_rows")
        return self._end_rows(first_row, count, last_col)

    def _start_rows(self, first_row):
        if not self.constant_memory:
            raise ValueError("Rendered rows need constant-memory mode")
        self._write_single_row(first_row)  # flush the row in progress

    def _end_rows(self, first_row, count, last_col):
        last_row = first_row + count - 1
        if count:
            self._check_dimensions(first_row, 0)
            self._check_dimensions(last_row, last_col)
            self.previous_row = last_row
        return last_row


# XML 1.0 has no place for these; Excel's own files escape them, we drop them.
CONTROL_CHARACTERS = "".join(
    chr(code) for code in [*range(1, 9), 11, 12, *range(14, 32)]
)


def _xml_text_sql(expression):
    """SQL: ``expression`` as XML text, control characters dropped."""
    return SQL(
        "replace(replace(replace(regexp_replace(%s, %s, '', 'g'),"
        " '&', '&amp;'), '<', '&lt;'), '>', '&gt;')",
        expression,
        f"[{CONTROL_CHARACTERS}]",  # translate() is ten times slower
    )


def xml_text(text):
    """``text`` as XML text, as ``_xml_text_sql`` renders it."""
    text = text.translate(dict.fromkeys(map(ord, CONTROL_CHARACTERS)))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def row_xml_sql(row, cells):
    """SQL expression of one SpreadsheetML ``<row>`` element as xlsxwriter
    writes it in constant-memory mode. ``row`` is the SQL of its 0-based row
    index; ``cells`` is [(column, kind, expression, format)] in column order:
    ``column`` is an index or an SQL expression of the column letters, ``kind``
    is "text" (written as an inline string, skipped when empty), "xml" (the
    same, escaped beforehand with ``xml_text``, never empty), "number"
    (its text is the value as stored, exact for numeric), "date", or "formula"
    (``expression`` is then the SQL of the formula's text and of its value);
    ``format`` an xlsxwriter format or None."""
    number = SQL("(%s + 1)", row)
    parts = [SQL("'<row r=\"' || %s || '\">'", number)]
    for column, kind, expression, cell_format in cells:
        letters = (
            column if isinstance(column, SQL) else SQL("%s", xl_col_to_name(column))
        )
        style = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
        # <c r="B7" s="4" (the element is closed by the kind's own part)
        head = SQL("'<c r=\"' || %s || %s || %s", letters, number, '"' + style)
        if kind == "text":
            # xml:space="preserve" keeps spaces at either end, as xlsxwriter
            parts.append(
                SQL(
                    "CASE WHEN COALESCE(%(value)s, '') = '' THEN '' ELSE"
                    " %(head)s || ' t=\"inlineStr\"><is><t'"
                    " || CASE WHEN %(value)s <> btrim(%(value)s, %(spaces)s)"
                    " THEN ' xml:space=\"preserve\"' ELSE '' END"
                    " || '>' || %(text)s || '</t></is></c>' END",
                    value=expression,
                    head=head,
                    spaces=" \t\n\r",
                    text=_xml_text_sql(expression),
                )
            )
            continue
        if kind == "xml":  # text already escaped by ``xml_text``, not empty
            parts.append(
                SQL(
                    "%s || ' t=\"inlineStr\"><is><t>' || %s || '</t></is></c>'",
                    head,
                    expression,
                )
            )
            continue
        if kind == "formula":  # expression is (formula, its value)
            formula, value = expression
            parts.append(
                SQL(
                    "%s || '><f>' || %s || '</f><v>' || %s || '</v></c>'",
                    head,
                    formula,
                    value,
                )
            )
            continue
        if kind == "date":
            expression = SQL("(%s - DATE %s)", expression, EXCEL_EPOCH)
        parts.append(
            SQL(
                "CASE WHEN %(value)s IS NULL THEN '' ELSE"
                " %(head)s || '><v>' || %(value)s || '</v></c>' END",
                value=expression,
                head=head,
            )
        )
    parts.append(SQL("'</row>'"))
    return SQL(" || ").join(parts)


class _Book:
    """A workbook with the house formats."""

    def __init__(self):
        self.output = io.BytesIO()
        self.book = _Workbook(
            self.output, {"constant_memory": True, "remove_timezone": True}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.note = self.book.add_format({"italic": True, "font_color": "#555555"})
        self.head = self.book.add_format(
            {
                "bold": True,
                "bg_color": "#E9ECEF",
                "bottom": 1,
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.integer = self.book.add_format({"num_format": "0"})
        self.decimal = self.book.add_format({"num_format": "0.0"})
        self.percent = self.book.add_format({"num_format": "0%"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.total_label = self.book.add_format({"bold": True, "top": 1})
        self.band = self.book.add_format(
            {
                "bold": True,
                "italic": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "text_wrap": True,
            }
        )
        self._money = {}

    def money(self, currency, total=False):
        key = (currency.id, total)
        if key not in self._money:
            spec = {"num_format": money_format(currency)}
            if total:
                spec.update(bold=True, top=1)
            self._money[key] = self.book.add_format(spec)
        return self._money[key]

    def sheet(self, name, header_lines, columns, worksheet_class=None, band=()):
        """A sheet with its header block and column titles; ``columns`` is
        [(title, width)]; ``band`` [(first column, last column, text,
        format)] goes on the row above the titles. It prints landscape on A4,
        one page wide, the titles (and band) on every page."""
        sheet = self.book.add_worksheet(name, worksheet_class=worksheet_class)
        sheet.write(0, 0, header_lines[0], self.title)
        for row, text in enumerate(header_lines[1:], start=1):
            sheet.write(row, 0, text, self.note)
        for first, last, text, cell_format in band:
            if first == last:
                sheet.write(HEADER_ROW - 1, first, text, cell_format)
            else:
                sheet.merge_range(
                    HEADER_ROW - 1, first, HEADER_ROW - 1, last, text, cell_format
                )
        for col, (title, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write(HEADER_ROW, col, title, self.head)
        sheet.freeze_panes(HEADER_ROW + 1, 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages long as needed
        sheet.repeat_rows(HEADER_ROW - 1 if band else HEADER_ROW, HEADER_ROW)
        return sheet

    def sql_rows_and_totals(self, env, sheet, query, last_col, totals, total_format):
        """Stream the rows ``query`` renders into ``sheet`` below its column
        titles, then a totals row: a SUBTOTAL for each {column: value} of
        ``totals``; then the autofilter."""
        first = HEADER_ROW + 1
        last = sheet.write_sql_rows(env.cr, query, first, last_col)
        total_row = last + 1
        sheet.write_string(total_row, 0, env._("Total"), self.total_label)
        for col, value in totals.items():
            _subtotal(sheet, total_row, col, first, last, value, total_format)
        self.finish(sheet, last, last_col)

    def finish(self, sheet, last_row, last_col):
        """Autofilter over the column titles and the rows."""
        sheet.autofilter(HEADER_ROW, 0, max(last_row, HEADER_ROW), last_col)

    def close(self):
        self.book.close()
        return self.output.getvalue()


def _subtotal(sheet, row, col, first, last, value, fmt):
    """A SUBTOTAL(9) of the column's rows first..last, with its value."""
    if last < first:
        sheet.write_number(row, col, 0, fmt)
        return
    cells = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
    sheet.write_formula(row, col, f"=SUBTOTAL(9,{cells})", fmt, value)


def aging_workbook(env, company, day, filters, labels, summary, detail, totals):
    """The aged receivables workbook.

    ``summary`` is an SQL query of the customers with the columns
    partner_name, b0, b1, ... (their open amount in each bucket of
    ``labels``), total and ordinal (0, 1, ... in the order of the sheet);
    ``detail`` an SQL query of the open items with the columns partner_name,
    move_name, invoice_date, date_maturity, days, bucket (an index into
    ``labels``), currency_name, amount_currency, amount and ordinal; amounts
    in company currency. ``totals`` is [amount in each bucket..., total] over
    all items, the value written with each total's formula. The rows of both
    sheets are rendered by the database (``SqlRowsWorksheet``)."""
    book = _Book()
    money = book.money(company.currency_id)
    money_total = book.money(company.currency_id, total=True)
    header = [
        env._("Aged Receivables"),
        env._(
            "%(company)s, amounts in %(currency)s",
            company=company.name,
            currency=company.currency_id.name,
        ),
        env._("As of %(day)s", day=day.isoformat()),
        env._("Options: %(filters)s", filters=filters),
    ]
    buckets = len(labels)
    totals = [float(total) for total in totals]
    no_customer = env._("(no customer)")
    first = HEADER_ROW + 1

    # Summary: one row per customer, a total per row and per column.
    columns = [(env._("Customer"), 36)] + [(label, 14) for label in labels]
    columns.append((env._("Total"), 16))
    sheet = book.sheet(env._("Summary"), header, columns, SqlRowsWorksheet)
    row = SQL("(%s + s.ordinal)", first)
    first_letter, last_letter = xl_col_to_name(1), xl_col_to_name(buckets)
    rows_xml = row_xml_sql(
        row,
        [(0, "text", SQL("COALESCE(s.partner_name, %s)", no_customer), None)]
        + [
            (1 + index, "number", SQL("s.%s", SQL.identifier(f"b{index}")), money)
            for index in range(buckets)
        ]
        + [
            (
                buckets + 1,
                "formula",
                (
                    SQL(
                        "'SUM(' || %s || (%s + 1) || ':' || %s || (%s + 1) || ')'",
                        first_letter,
                        row,
                        last_letter,
                        row,
                    ),
                    SQL("s.total"),
                ),
                money,
            )
        ],
    )
    book.sql_rows_and_totals(
        env,
        sheet,
        SQL("SELECT %s FROM (%s) s ORDER BY s.ordinal", rows_xml, summary),
        buckets + 1,
        dict(zip(range(1, buckets + 2), totals, strict=True)),
        money_total,
    )

    # Detail: one row per open item, its amount also in its bucket's column.
    columns = [
        (env._("Customer"), 30),
        (env._("Entry"), 18),
        (env._("Invoice Date"), 12),
        (env._("Due Date"), 12),
        (env._("Days"), 7),
        (env._("Bucket"), 10),
        (env._("Currency"), 9),
        (env._("Open in Currency"), 16),
        (env._("Open"), 16),
    ] + [(label, 14) for label in labels]
    sheet = book.sheet(env._("Detail"), header, columns, SqlRowsWorksheet)
    open_col = 8
    bucket_letters = [xl_col_to_name(open_col + 1 + i) for i in range(buckets)]
    rows_xml = row_xml_sql(
        SQL("(%s + d.ordinal)", first),
        [
            (0, "text", SQL("COALESCE(d.partner_name, %s)", no_customer), None),
            (1, "text", SQL("d.move_name"), None),
            (2, "date", SQL("d.invoice_date"), book.date),
            (3, "date", SQL("d.date_maturity"), book.date),
            (4, "number", SQL("d.days"), book.integer),
            (
                5,
                "xml",
                SQL("(%s::varchar[])[d.bucket + 1]", [xml_text(x) for x in labels]),
                None,
            ),
            (6, "text", SQL("d.currency_name"), None),
            (7, "number", SQL("d.amount_currency"), None),
            (open_col, "number", SQL("d.amount"), money),
            (
                SQL("(%s::varchar[])[d.bucket + 1]", bucket_letters),
                "number",
                SQL("d.amount"),
                money,
            ),
        ],
    )
    book.sql_rows_and_totals(
        env,
        sheet,
        SQL("SELECT %s FROM (%s) d ORDER BY d.ordinal", rows_xml, detail),
        open_col + buckets,
        dict(
            zip(
                range(open_col, open_col + buckets + 1),
                [totals[buckets], *totals[:buckets]],
                strict=True,
            )
        ),
        money_total,
    )
    return book.close()


def risk_workbook(env, rows, header_lines):
    """The risk report: ``rows`` are dicts with the keys of ``RISK_COLUMNS``
    plus ``currency`` (a res.currency, for the amounts). A band above the
    column titles says where each column comes from: the ledger now, or the
    nightly run (``RISK_SOURCES``)."""
    book = _Book()
    columns = [(title(env), width) for _key, title, width, _kind in RISK_COLUMNS]
    sheet = book.sheet(env._("Risk"), header_lines, columns, band=_risk_band(env, book))
    first = HEADER_ROW + 1
    row = first - 1
    no_limit = env._("no limit")
    for row, values in enumerate(rows, start=first):
        sheet.set_row(row, _row_height(values))
        for col, (key, _title, _width, kind) in enumerate(RISK_COLUMNS):
            value = values.get(key)
            if kind == "money":
                if value is None and key == "credit_limit":
                    sheet.write_string(row, col, no_limit, book.wrap)
                    continue
                sheet.write_number(
                    row, col, float(value or 0.0), book.money(values["currency"])
                )
            elif kind in ("integer", "decimal", "percent"):
                sheet.write_number(row, col, float(value or 0.0), getattr(book, kind))
            elif kind == "date":
                if value:
                    sheet.write_datetime(row, col, value, book.date)
            else:
                sheet.write_string(row, col, value or "", book.wrap)
    book.finish(sheet, row, len(RISK_COLUMNS) - 1)
    return book.close()


def _risk_band(env, book):
    """[(first column, last column, text, format)] of the band over the risk
    report's column titles: which columns are read from the ledger at export
    and which come from the nightly run."""
    keys = [key for key, _title, _width, _kind in RISK_COLUMNS]
    band = []
    for source, label in (
        ("live", env._("From the ledger, at export")),
        ("nightly", env._("From the nightly run (see Computed On)")),
    ):
        columns = [keys.index(key) for key in RISK_SOURCES[source]]
        band.append((min(columns), max(columns), label, book.band))
    return band


def _row_height(values):
    """Points for a risk row tall enough for its wrapped text: 15 a line, the
    longest cell's lines at its column's width (about 1.1 characters a unit
    of width)."""
    lines = 1
    for key, _title, width, kind in RISK_COLUMNS:
        text = values.get(key)
        if kind == "text" and text:
            per_line = max(int(width * 1.1), 1)
            count = sum(
                max(1, -(-len(part) // per_line)) for part in str(text).split("\n")
            )
            lines = max(lines, count)
    return 15 * lines


RISK_COLUMNS = [
    ("customer", lambda env: env._("Customer"), 32, "text"),
    ("company", lambda env: env._("Company"), 20, "text"),
    ("collector", lambda env: env._("Collector"), 18, "text"),
    ("credit_limit", lambda env: env._("Credit Limit"), 15, "money"),
    ("exposure", lambda env: env._("Exposure"), 15, "money"),
    ("on_hold", lambda env: env._("On Hold"), 8, "text"),
    ("open", lambda env: env._("Open"), 15, "money"),
    ("overdue", lambda env: env._("Overdue"), 15, "money"),
    ("oldest_overdue_days", lambda env: env._("Oldest Overdue (days)"), 10, "integer"),
    ("date_computed", lambda env: env._("Computed On"), 11, "date"),
    ("grade", lambda env: env._("Grade"), 7, "text"),
    ("score", lambda env: env._("Risk Score"), 10, "decimal"),
    ("avg_days_to_pay", lambda env: env._("Avg Days to Pay"), 10, "decimal"),
    ("avg_days_late", lambda env: env._("Avg Days Late"), 10, "decimal"),
    ("on_time_share", lambda env: env._("Paid on Time"), 10, "percent"),
    ("trend_days", lambda env: env._("Trend (days)"), 10, "decimal"),
    ("dso", lambda env: env._("DSO"), 8, "decimal"),
    ("explanation", lambda env: env._("Why This Score"), 48, "text"),
]
# Where each column of the risk report comes from (the band above its titles).
RISK_SOURCES = {
    "live": (
        "credit_limit",
        "exposure",
        "on_hold",
        "open",
        "overdue",
        "oldest_overdue_days",
    ),
    "nightly": (
        "date_computed",
        "grade",
        "score",
        "avg_days_to_pay",
        "avg_days_late",
        "on_time_share",
        "trend_days",
        "dso",
        "explanation",
    ),
}
