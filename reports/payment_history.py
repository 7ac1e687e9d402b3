"""The customer payment history workbook: a collector sees a customer sliding
without reading a table.

One sheet per customer with every invoice of the metrics' lookback window
(dates, amount, size band, paid date, days to pay, days late) and, beside it,
a monthly series by month of payment (what was paid, its amount-weighted days
to pay and days late, days late over the last three months, days late of each
size band), with one native chart: the bands as columns, days late and its
three-month figure as lines.

The invoices come from one SQL query over the paid facts each invoice stores
(``paid_facts``), with the metrics' own definition of a paid invoice; the
series are computed with pandas, every figure weighted by the amount paid as
the nightly metrics weigh them. Plain functions: ``monthly_series`` takes and
returns frames, ``workbook`` takes them and returns the file's bytes.
"""

import io
import itertools
import re

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from . import xlsx_package
from .xlsx_export import money_format, xml_text

# Columns of the invoices query, in order (``invoices_sql``).
INVOICE_COLUMNS = [
    "partner_id",
    "name",
    "invoice_date",
    "due_date",
    "amount",
    "band",
    "is_paid",
    "paid_date",
    "w",
    "w_to_pay",
    "w_late",
    "residual",
]
BANDS = (1, 2, 3)
HEADER_ROW = 5
INVOICE_TITLES = (
    "Invoice",
    "Invoice Date",
    "Due Date",
    "Amount",
    "Size",
    "Paid On",
    "Days to Pay",
    "Days Late",
    "Still Open",
)
MONTH_COL = len(INVOICE_TITLES) + 1  # one empty column between the tables
MONTH_TITLES = (
    "Month Paid",
    "Paid",
    "Days to Pay",
    "Days Late",
    "Days Late, 3 Months",
    "Days Late, Small",
    "Days Late, Medium",
    "Days Late, Large",
)
# Excel forbids these in a sheet name, which is at most 31 characters.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")


def invoices_frame(rows):
    """The rows of the invoices query as a frame, dates as datetime64."""
    frame = pd.DataFrame.from_records(rows, columns=INVOICE_COLUMNS)
    for column in ("invoice_date", "due_date", "paid_date"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("amount", "w", "w_to_pay", "w_late", "residual"):
        frame[column] = frame[column].astype(float)
    paid = frame["is_paid"].astype(bool)
    weight = frame["w"].where(paid)
    frame["days_to_pay"] = frame["w_to_pay"].where(paid) / weight
    frame["days_late"] = frame["w_late"].where(paid) / weight
    return frame


def monthly_series(frame):
    """By customer and month of payment (every month from the first payment
    to the last, none skipped): amount paid, and amount-weighted days to pay,
    days late, days late over that month and the two before (weighted over
    the three months, not a mean of means) and days late of each size band.
    Months without a payment have their paid amount at 0 and no days."""
    paid = frame[frame["is_paid"].astype(bool)].copy()
    columns = [
        "paid",
        "days_to_pay",
        "days_late",
        "days_late_3m",
        *(f"days_late_{band}" for band in BANDS),
    ]
    if paid.empty:
        return pd.DataFrame(
            columns=columns,
            index=pd.MultiIndex.from_arrays([[], []], names=["partner_id", "month"]),
        )
    paid["month"] = paid["paid_date"].dt.to_period("M")
    for band in BANDS:
        in_band = paid["band"] == band
        paid[f"w_{band}"] = paid["w"].where(in_band, 0.0)
        paid[f"w_late_{band}"] = paid["w_late"].where(in_band, 0.0)
    sums = paid.groupby(["partner_id", "month"])[
        [
            "w",
            "w_to_pay",
            "w_late",
            *(f"w_{b}" for b in BANDS),
            *(f"w_late_{b}" for b in BANDS),
        ]
    ].sum()
    # every month from each customer's first payment to its last
    ordinals = sums.index.get_level_values("month").asi8
    spans = pd.Series(ordinals).groupby(sums.index.get_level_values("partner_id"))
    first, last = spans.min(), spans.max()
    lengths = (last - first + 1).to_numpy()
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    months = np.repeat(first.to_numpy(), lengths) + np.arange(lengths.sum()) - starts
    full = pd.MultiIndex.from_arrays(
        [
            np.repeat(first.index.to_numpy(), lengths),
            pd.PeriodIndex.from_ordinals(months, freq="M"),
        ],
        names=["partner_id", "month"],
    )
    sums = sums.reindex(full, fill_value=0.0)
    # over each month and the two before: running sums less those of three
    # months back, within each customer (its months are consecutive)
    running = sums[["w", "w_late"]].groupby(level="partner_id").cumsum()
    rolled = running - running.groupby(level="partner_id").shift(3).fillna(0.0)
    series = pd.DataFrame(index=sums.index)
    weight = sums["w"].replace(0.0, np.nan)
    series["paid"] = sums["w"]
    series["days_to_pay"] = sums["w_to_pay"] / weight
    series["days_late"] = sums["w_late"] / weight
    series["days_late_3m"] = rolled["w_late"] / rolled["w"].replace(0.0, np.nan)
    for band in BANDS:
        series[f"days_late_{band}"] = sums[f"w_late_{band}"] / sums[
            f"w_{band}"
        ].replace(0.0, np.nan)
    return series[columns]


def sheet_names(names):
    """Unique Excel sheet names for these customer names, in order."""
    taken = set()
    result = []
    for name in names:
        base = SHEET_NAME_FORBIDDEN.sub(" ", name or "-").strip()[:31] or "-"
        candidate, number = base, 1
        while candidate.lower() in taken:
            number += 1
            suffix = f" ({number})"
            candidate = base[: 31 - len(suffix)] + suffix
        taken.add(candidate.lower())
        result.append(candidate)
    return result


EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
# Days are written to a hundred-millionth (a millisecond): enough for any
# check against the metrics, and without the noise of a division
# (23.999999999999996) that made the file larger and slower to write.
DAYS_DIGITS = 8
# XML 1.0 text that needs escaping (``xlsx_export.xml_text``).
NEEDS_ESCAPING = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")


def _texts(values):
    """The XML text of each of ``values`` ("" for none), escaped where it
    needs to be: invoice numbers seldom do, so they are first looked at all
    at once, in one pass in C."""
    texts = ["" if text is None or text != text else str(text) for text in values]
    if NEEDS_ESCAPING.search("".join(texts)):
        texts = [xml_text(text) for text in texts]
    return texts


def _values(kind, values):
    """The texts of a column's values as they go in their cells, and which
    are empty (None when none is): ``kind`` "text", "number", "date" or a
    dict {value: text} (the texts of a few choices). Numbers as Python
    writes them back exactly (``repr``, of the whole list at once), dates as
    Excel's day numbers."""
    if isinstance(kind, dict) or kind == "text":
        if isinstance(kind, dict):
            choices = {key: xml_text(text) for key, text in kind.items()}
            texts = [choices.get(value, "") for value in values.tolist()]
        else:
            texts = _texts(values.tolist())
        missing = [not text for text in texts]
    elif kind == "date":
        days = values.to_numpy(dtype="datetime64[D]")
        missing = np.isnat(days).tolist()
        texts = [str(day) for day in (days - EXCEL_EPOCH).astype(np.int64).tolist()]
    else:
        numbers = values.to_numpy(dtype=float)
        missing = np.isnan(numbers).tolist()
        texts = repr(numbers.tolist())[1:-1].split(", ") if len(numbers) else []
    return texts, (missing if any(missing) else None)


def _table(frame, partner_ids, columns):
    """{partner id: [cells of each row, in order]} of one table: ``frame``
    is sorted by customer, ``columns`` [(letter, kind, values, format)].
    A row's cells come from one template (``%`` of its row number and
    texts); a column with empty values is rendered cell by cell first."""
    positions = frame.groupby(partner_ids, sort=False).cumcount()
    rows = [str(pos + HEADER_ROW + 2) for pos in positions.tolist()]
    template, arguments = [], []
    for letter, kind, values, cell_format in columns:
        style = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
        if isinstance(kind, dict) or kind == "text":
            cell = '<c r="%s%%s"%s t="inlineStr"><is><t>%%s</t></is></c>'
        else:
            cell = '<c r="%s%%s"%s><v>%%s</v></c>'
        cell %= (letter, style)
        texts, missing = _values(kind, values)
        if missing is None:
            template.append(cell)
            arguments += [rows, texts]
            continue
        template.append("%s")
        arguments.append(
            [
                "" if empty else cell % (row, text)
                for row, text, empty in zip(rows, texts, missing, strict=True)
            ]
        )
    template = "".join(template)
    cells = [template % values for values in zip(*arguments, strict=True)]
    partners = partner_ids.to_numpy()
    if not len(partners):
        return {}
    starts = np.flatnonzero(np.r_[True, partners[1:] != partners[:-1]]).tolist()
    ends = [*starts[1:], len(partners)]
    return {
        int(partners[start]): cells[start:end]
        for start, end in zip(starts, ends, strict=True)
    }


def render_rows(frame, series, formats, band_names, money_digits):
    """{partner id: (``<row>`` elements, rows, months)} of every customer's
    sheet: its invoices on the left, its months on the right, row for row.
    Amounts are rounded to ``money_digits`` (the currency's: a sum of paid
    amounts in floating point may be off by a fraction of a cent), days to
    ``DAYS_DIGITS``."""
    # in the query's order within each customer (invoice date, number)
    invoices = frame.sort_values("partner_id", kind="stable")
    paid = invoices["is_paid"].astype(bool)
    invoice_rows = _table(
        invoices,
        invoices["partner_id"],
        [
            ("A", "text", invoices["name"], None),
            ("B", "date", invoices["invoice_date"], formats["date"]),
            ("C", "date", invoices["due_date"], formats["date"]),
            ("D", "number", invoices["amount"].round(money_digits), formats["money"]),
            ("E", dict(zip(BANDS, band_names, strict=True)), invoices["band"], None),
            ("F", "date", invoices["paid_date"].where(paid), formats["date"]),
            (
                "G",
                "number",
                invoices["days_to_pay"].round(DAYS_DIGITS),
                formats["days"],
            ),
            ("H", "number", invoices["days_late"].round(DAYS_DIGITS), formats["days"]),
            ("I", "number", invoices["residual"].round(money_digits), formats["money"]),
        ],
    )
    month_rows = {}
    if len(series):
        months = series.reset_index()
        letters = [xl_col_to_name(MONTH_COL + offset) for offset in range(8)]
        month_rows = _table(
            months,
            months["partner_id"],
            [
                (
                    letters[0],
                    "date",
                    months["month"].dt.to_timestamp(),
                    formats["month"],
                ),
                (
                    letters[1],
                    "number",
                    months["paid"].round(money_digits),
                    formats["money"],
                ),
                *(
                    (
                        letters[2 + index],
                        "number",
                        months[column].round(DAYS_DIGITS),
                        formats["days"],
                    )
                    for index, column in enumerate(series.columns[1:])
                ),
            ],
        )
    rendered = {}
    for partner in invoice_rows.keys() | month_rows.keys():
        left = invoice_rows.get(partner, ())
        right = month_rows.get(partner, ())
        rendered[partner] = (
            "".join(
                f'<row r="{number}">{cells}{more}</row>'
                for number, (cells, more) in enumerate(
                    itertools.zip_longest(left, right, fillvalue=""),
                    start=HEADER_ROW + 2,
                )
            ),
            max(len(left), len(right)),
            len(right),
        )
    return rendered


def _chart_row(months):
    """The 0-based row of the chart's top-left corner: below the monthly
    table, and not above the twelfth row under the titles."""
    return max(HEADER_ROW + months + 2, HEADER_ROW + 12)


def workbook(customers, frame, series, header, labels, currency):
    """The workbook's bytes. ``customers`` is [(partner_id, name)] in sheet
    order, ``frame`` the invoices (``invoices_frame``), ``series`` the monthly
    figures (``monthly_series``); ``header`` the lines above each sheet's
    tables (the customer's name comes first), ``labels`` the translated
    titles {english title: label}, ``currency`` the company's res.currency.
    xlsxwriter writes one prototype sheet (``xlsx_package``); the rows are
    rendered at once for all customers (``render_rows``) and each customer
    gets a copy of the prototype with its name, rows and chart."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"constant_memory": True})
    title = book.add_format({"bold": True, "font_size": 14})
    note = book.add_format({"italic": True, "font_color": "#555555"})
    head = book.add_format(
        {
            "bold": True,
            "bg_color": "#E9ECEF",
            "bottom": 1,
            "text_wrap": True,
            "valign": "top",
        }
    )
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "month": book.add_format({"num_format": "mmm yyyy"}),
        "money": book.add_format({"num_format": money_format(currency)}),
        "days": book.add_format({"num_format": "0.0"}),
    }
    band_names = [labels["Small"], labels["Medium"], labels["Large"]]
    rendered = render_rows(frame, series, formats, band_names, currency.decimal_places)

    sheet = book.add_worksheet(xlsx_package.PROTOTYPE_SHEET)
    sheet.write(0, 0, xlsx_package.PROTOTYPE_TITLE, title)
    for row, text in enumerate(header, start=1):
        sheet.write(row, 0, text, note)
    titles = [
        *enumerate(INVOICE_TITLES),
        *enumerate(MONTH_TITLES, start=MONTH_COL),
    ]
    for col, text in titles:
        sheet.write(HEADER_ROW, col, labels[text], head)
    for col, width in enumerate((16, 12, 12, 14, 9, 12, 9, 9, 14)):
        sheet.set_column(col, col, width)
    last_col = MONTH_COL + len(MONTH_TITLES) - 1
    sheet.set_column(MONTH_COL, MONTH_COL, 12)
    sheet.set_column(MONTH_COL + 1, last_col, 11)
    sheet.freeze_panes(HEADER_ROW + 1, 1)
    _insert_chart(book, sheet, xlsx_package.PROTOTYPE_CHART_ROWS, band_names, labels)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    book.close()

    sheets = []
    for (partner_id, name), sheet_name in zip(
        customers, sheet_names([name for _id, name in customers]), strict=True
    ):
        rows, count, months = rendered.get(partner_id, ("", 0, 0))
        sheets.append(
            xlsx_package.Sheet(
                name=sheet_name,
                title=name or "",
                rows=rows,
                last_row=HEADER_ROW + count,
                chart_rows=months,
                chart_at=_chart_row(months),
            )
        )
    return xlsx_package.clone_sheets(
        output.getvalue(),
        sheets,
        HEADER_ROW + 1,
        _chart_row(xlsx_package.PROTOTYPE_CHART_ROWS),
    )


def _insert_chart(book, sheet, count, band_names, labels):
    """Days late by size band as columns, days late and its three-month
    figure as lines, by month of payment, below the monthly table."""
    first, last = HEADER_ROW + 1, HEADER_ROW + count
    name = sheet.name
    categories = [name, first, MONTH_COL, last, MONTH_COL]
    columns = book.add_chart({"type": "column"})
    for offset, band_name in enumerate(band_names):
        col = MONTH_COL + 5 + offset
        columns.add_series(
            {
                "name": band_name,
                "categories": categories,
                "values": [name, first, col, last, col],
                "gap": 80,
            }
        )
    lines = book.add_chart({"type": "line"})
    for col, label in (
        (MONTH_COL + 3, labels["Days Late"]),
        (MONTH_COL + 4, labels["Days Late, 3 Months"]),
    ):
        lines.add_series(
            {
                "name": label,
                "categories": categories,
                "values": [name, first, col, last, col],
                "marker": {"type": "circle", "size": 4},
            }
        )
    columns.combine(lines)
    columns.set_title({"name": labels["Days late by month of payment"]})
    columns.set_y_axis({"name": labels["Days late"]})
    columns.set_legend({"position": "bottom"})
    columns.set_size({"width": 720, "height": 320})
    sheet.insert_chart(_chart_row(count), MONTH_COL, columns)
