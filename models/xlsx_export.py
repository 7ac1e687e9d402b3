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

import io

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

HEADER_ROW = 5
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 5000


def download_action(env, filename, content, record=None):
    """Store ``content`` (a workbook's bytes) as an attachment, of ``record``
    when given, and return the action that downloads it."""
    attachment = env["ir.attachment"].create(
        {
            "name": filename,
            "raw": content,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
            "mimetype": XLSX_MIMETYPE,
        }
    )
    return {
        "type": "ir.actions.act_url",
        "url": f"/web/content/{attachment.id}?download=true",
        "target": "download",
    }


def money_format(currency):
    """An Excel number format showing ``currency``'s symbol and decimals."""
    decimals = currency.decimal_places
    number = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    symbol = '"{}"'.format((currency.symbol or currency.name).replace('"', ""))
    if currency.position == "before":
        return f"{symbol} {number};-{symbol} {number}"
    return f"{number} {symbol};-{number} {symbol}"


class _Book:
    """A workbook with the house formats."""

    def __init__(self):
        self.output = io.BytesIO()
        self.book = xlsxwriter.Workbook(
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
        self._money = {}

    def money(self, currency, total=False):
        key = (currency.id, total)
        if key not in self._money:
            spec = {"num_format": money_format(currency)}
            if total:
                spec.update(bold=True, top=1)
            self._money[key] = self.book.add_format(spec)
        return self._money[key]

    def sheet(self, name, header_lines, columns):
        """A sheet with its header block and column titles; ``columns`` is
        [(title, width)]."""
        sheet = self.book.add_worksheet(name)
        sheet.write(0, 0, header_lines[0], self.title)
        for row, text in enumerate(header_lines[1:], start=1):
            sheet.write(row, 0, text, self.note)
        for col, (title, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write(HEADER_ROW, col, title, self.head)
        sheet.freeze_panes(HEADER_ROW + 1, 1)
        return sheet

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


def aging_workbook(env, company, day, filters, labels, summary, detail):
    """The aged receivables workbook.

    ``summary`` is [(partner id, name, amount per bucket..., total)] in company
    currency; ``detail`` is an SQL query of (customer, entry, invoice date, due
    date, days, bucket index, currency name, open in currency, open)."""
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

    # Summary: one row per customer, a total per row and per column.
    columns = [(env._("Customer"), 36)] + [(label, 14) for label in labels]
    columns.append((env._("Total"), 16))
    sheet = book.sheet(env._("Summary"), header, columns)
    first = HEADER_ROW + 1
    totals = [0.0] * (buckets + 1)
    row = first - 1
    for row, (_partner_id, name, *amounts) in enumerate(summary, start=first):
        sheet.write_string(row, 0, name or env._("(no customer)"))
        for col, amount in enumerate(amounts[:buckets], start=1):
            sheet.write_number(row, col, float(amount), money)
            totals[col - 1] += float(amount)
        line_total = float(amounts[buckets])
        totals[buckets] += line_total
        sheet.write_formula(
            row,
            buckets + 1,
            f"=SUM({xl_rowcol_to_cell(row, 1)}:{xl_rowcol_to_cell(row, buckets)})",
            money,
            line_total,
        )
    last = row
    total_row = last + 1
    sheet.write_string(total_row, 0, env._("Total"), book.total_label)
    for col in range(1, buckets + 2):
        _subtotal(sheet, total_row, col, first, last, totals[col - 1], money_total)
    book.finish(sheet, last, buckets + 1)

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
    sheet = book.sheet(env._("Detail"), header, columns)
    open_col = 8
    totals = [0.0] * (buckets + 1)
    row = first - 1
    cr = env.cr
    cr.execute(detail)
    while chunk := cr.fetchmany(CHUNK):
        for name, entry, inv_date, due, days, bucket, cur, amount_cur, amount in chunk:
            row += 1
            sheet.write_string(row, 0, name or env._("(no customer)"))
            sheet.write_string(row, 1, entry or "")
            sheet.write_datetime(row, 2, inv_date, book.date)
            sheet.write_datetime(row, 3, due, book.date)
            sheet.write_number(row, 4, days, book.integer)
            sheet.write_string(row, 5, labels[bucket])
            sheet.write_string(row, 6, cur)
            sheet.write_number(row, 7, float(amount_cur))
            sheet.write_number(row, open_col, float(amount), money)
            sheet.write_number(row, open_col + 1 + bucket, float(amount), money)
            totals[0] += float(amount)
            totals[1 + bucket] += float(amount)
    last = row
    total_row = last + 1
    sheet.write_string(total_row, 0, env._("Total"), book.total_label)
    for index, col in enumerate(range(open_col, open_col + buckets + 1)):
        _subtotal(sheet, total_row, col, first, last, totals[index], money_total)
    book.finish(sheet, last, open_col + buckets)
    return book.close()


def risk_workbook(env, rows, header_lines):
    """The risk report: ``rows`` are dicts with the keys of ``RISK_COLUMNS``
    plus ``currency`` (a res.currency, for the amounts)."""
    book = _Book()
    columns = [(title(env), width) for _key, title, width, _kind in RISK_COLUMNS]
    sheet = book.sheet(env._("Risk"), header_lines, columns)
    first = HEADER_ROW + 1
    row = first - 1
    for row, values in enumerate(rows, start=first):
        for col, (key, _title, _width, kind) in enumerate(RISK_COLUMNS):
            value = values.get(key)
            if kind == "money":
                sheet.write_number(
                    row, col, float(value or 0.0), book.money(values["currency"])
                )
            elif kind in ("integer", "decimal", "percent"):
                sheet.write_number(row, col, float(value or 0.0), getattr(book, kind))
            elif kind == "date":
                if value:
                    sheet.write_datetime(row, col, value, book.date)
            elif kind == "wrap":
                sheet.write_string(row, col, value or "", book.wrap)
            else:
                sheet.write_string(row, col, value or "")
    book.finish(sheet, row, len(RISK_COLUMNS) - 1)
    return book.close()


RISK_COLUMNS = [
    ("customer", lambda env: env._("Customer"), 32, "text"),
    ("company", lambda env: env._("Company"), 20, "text"),
    ("collector", lambda env: env._("Collector"), 18, "text"),
    ("grade", lambda env: env._("Grade"), 7, "text"),
    ("score", lambda env: env._("Risk Score"), 10, "decimal"),
    ("credit_limit", lambda env: env._("Credit Limit"), 15, "money"),
    ("exposure", lambda env: env._("Exposure"), 15, "money"),
    ("on_hold", lambda env: env._("On Hold"), 8, "text"),
    ("open", lambda env: env._("Open"), 15, "money"),
    ("overdue", lambda env: env._("Overdue"), 15, "money"),
    ("oldest_overdue_days", lambda env: env._("Oldest Overdue (days)"), 10, "integer"),
    ("avg_days_to_pay", lambda env: env._("Avg Days to Pay"), 10, "decimal"),
    ("avg_days_late", lambda env: env._("Avg Days Late"), 10, "decimal"),
    ("on_time_share", lambda env: env._("Paid on Time"), 10, "percent"),
    ("trend_days", lambda env: env._("Trend (days)"), 10, "decimal"),
    ("dso", lambda env: env._("DSO"), 8, "decimal"),
    ("explanation", lambda env: env._("Why This Score"), 48, "wrap"),
]
