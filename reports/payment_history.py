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
import os
import re

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from .xlsx_export import (
    SqlRowsWorksheet,
    _Workbook,
    money_format,
    xml_text,
)

FAST_TMPDIR = "/dev/shm"

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
    spans = sums.reset_index().groupby("partner_id")["month"].agg(["min", "max"])
    full = pd.MultiIndex.from_tuples(
        [
            (partner, month)
            for partner, first, last in spans.itertuples()
            for month in pd.period_range(first, last, freq="M")
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


EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _xml_text(values):
    """``xlsx_export.xml_text`` of each text of ``values`` (empty for none)."""
    return np.array(
        [
            xml_text(str(text)) if text is not None and text == text else ""
            for text in values.tolist()
        ],
        dtype=object,
    )


def _render_cells(rows, columns):
    """The ``<c>`` elements of each row, one text per row: ``rows`` is an
    array of the 1-based sheet rows (text), ``columns`` [(letter, kind,
    values, format)], kind "text", "number" or "date"; an empty value has no
    element. A column at a time over object arrays (numpy adds texts in a C
    loop; pandas' own strings took three times as long)."""
    rendered = np.full(len(rows), "", dtype=object)
    for letter, kind, values, cell_format in columns:
        style = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
        head = f'<c r="{letter}' + rows + f'"{style}'
        if kind == "text":
            text = _xml_text(values)
            cell = head + ' t="inlineStr"><is><t>' + text + "</t></is></c>"
            rendered += np.where(text != "", cell, "")
            continue
        if kind == "date":
            missing = values.isna().to_numpy()
            days = (values - EXCEL_EPOCH).dt.days.fillna(0).astype(int)
            number = np.array([str(day) for day in days.tolist()], dtype=object)
        else:
            numbers = values.astype(float).to_numpy()
            missing = np.isnan(numbers)
            number = np.array([repr(value) for value in numbers.tolist()], dtype=object)
        cell = head + "><v>" + number + "</v></c>"
        rendered += np.where(missing, "", cell)
    return rendered


def _row_numbers(positions):
    """The 1-based sheet rows of these 0-based positions under the titles,
    as texts (an object array)."""
    return np.array(
        [str(pos + HEADER_ROW + 2) for pos in np.asarray(positions).tolist()],
        dtype=object,
    )


def render_rows(frame, series, formats, band_names):
    """{partner id: (``<row>`` elements, count)} of every customer's sheet:
    its invoices on the left, its months on the right, row for row."""
    invoices = frame.sort_values(["partner_id", "invoice_date", "name"]).copy()
    invoices["pos"] = invoices.groupby("partner_id").cumcount()
    invoices_rows = _row_numbers(invoices["pos"])
    paid = invoices["is_paid"].astype(bool)
    bands = pd.Series(band_names, index=BANDS)
    invoice_cells = _render_cells(
        invoices_rows,
        [
            ("A", "text", invoices["name"], None),
            ("B", "date", invoices["invoice_date"], formats["date"]),
            ("C", "date", invoices["due_date"], formats["date"]),
            ("D", "number", invoices["amount"], formats["money"]),
            ("E", "text", invoices["band"].map(bands), None),
            ("F", "date", invoices["paid_date"].where(paid), formats["date"]),
            ("G", "number", invoices["days_to_pay"], formats["days"]),
            ("H", "number", invoices["days_late"], formats["days"]),
            ("I", "number", invoices["residual"], formats["money"]),
        ],
    )
    cells = pd.DataFrame(
        {"invoice": invoice_cells},
        index=pd.MultiIndex.from_arrays([invoices["partner_id"], invoices["pos"]]),
        dtype=object,
    )
    if len(series):
        months = series.reset_index()
        months["pos"] = months.groupby("partner_id").cumcount()
        months_rows = _row_numbers(months["pos"])
        letters = [xl_col_to_name(MONTH_COL + offset) for offset in range(8)]
        month_cells = _render_cells(
            months_rows,
            [
                (
                    letters[0],
                    "date",
                    months["month"].dt.to_timestamp(),
                    formats["month"],
                ),
                (letters[1], "number", months["paid"], formats["money"]),
                *(
                    (letters[2 + index], "number", months[column], formats["days"])
                    for index, column in enumerate(series.columns[1:])
                ),
            ],
        )
        cells = cells.join(
            pd.DataFrame(
                {"month": month_cells},
                index=pd.MultiIndex.from_arrays([months["partner_id"], months["pos"]]),
                dtype=object,
            ),
            how="outer",
        )
    else:
        cells["month"] = ""
    cells = cells.fillna("").sort_index()
    xml = pd.Series(
        '<row r="'
        + _row_numbers(cells.index.get_level_values(1))
        + '">'
        + cells["invoice"].to_numpy(dtype=object)
        + cells["month"].to_numpy(dtype=object)
        + "</row>",
        index=cells.index,
        dtype=object,
    )
    grouped = xml.groupby(level=0)
    return {
        partner: (text, count)
        for (partner, text), count in zip(
            grouped.agg("".join).items(), grouped.size(), strict=True
        )
    }


def workbook(customers, frame, series, header, labels, currency):
    """The workbook's bytes. ``customers`` is [(partner_id, name)] in sheet
    order, ``frame`` the invoices (``invoices_frame``), ``series`` the monthly
    figures (``monthly_series``); ``header`` the lines above each sheet's
    tables (the customer's name comes first), ``labels`` the translated
    titles {english title: label}, ``currency`` the company's res.currency.
    The rows are rendered at once for all customers (``render_rows``); each
    sheet gets its header, its rows and its chart."""
    output = io.BytesIO()
    options = {"constant_memory": True, "remove_timezone": True}
    if os.path.isdir(FAST_TMPDIR) and os.access(FAST_TMPDIR, os.W_OK):
        # a scratch file per sheet: on tmpfs, not the disk (0.5 ms each here)
        options["tmpdir"] = FAST_TMPDIR
    book = _Workbook(output, options)
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
    rendered = render_rows(frame, series, formats, band_names)
    month_counts = (
        series.groupby(level="partner_id").size().to_dict() if len(series) else {}
    )
    widths = (16, 12, 12, 14, 9, 12, 9, 9, 14)
    # the header block, the same on every sheet but for the customer's name:
    # rendered once (written cell by cell it was a tenth of the export)
    note_style = note._get_xf_index()
    head_style = head._get_xf_index()
    header_xml = "".join(
        f'<row r="{row + 1}"><c r="A{row + 1}" s="{note_style}" t="inlineStr">'
        f"<is><t>{xml_text(text)}</t></is></c></row>"
        for row, text in enumerate(header, start=1)
    ) + (
        f'<row r="{HEADER_ROW + 1}">'
        + "".join(
            f'<c r="{xl_col_to_name(col)}{HEADER_ROW + 1}" s="{head_style}" '
            f't="inlineStr"><is><t>{xml_text(labels[text])}</t></is></c>'
            for col, text in [
                *enumerate(INVOICE_TITLES),
                *enumerate(MONTH_TITLES, start=MONTH_COL),
            ]
        )
        + "</row>"
    )
    last_col = MONTH_COL + len(MONTH_TITLES) - 1
    for (partner_id, name), sheet_name in zip(
        customers, sheet_names([name for _id, name in customers]), strict=True
    ):
        sheet = book.add_worksheet(sheet_name, worksheet_class=SqlRowsWorksheet)
        sheet.write(0, 0, name, title)
        sheet.write_xml_rows(header_xml, 1, HEADER_ROW, last_col)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.set_column(MONTH_COL, MONTH_COL, 12)
        sheet.set_column(MONTH_COL + 1, last_col, 11)
        sheet.freeze_panes(HEADER_ROW + 1, 1)
        xml, count = rendered.get(partner_id, ("", 0))
        sheet.write_xml_rows(xml, HEADER_ROW + 1, count, last_col)
        months = month_counts.get(partner_id, 0)
        if months:
            _insert_chart(book, sheet, months, band_names, labels)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(HEADER_ROW)
    book.close()
    return output.getvalue()


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
    sheet.insert_chart(max(last + 2, HEADER_ROW + 12), MONTH_COL, columns)
