"""``reports/xlsx_export.py`` relies on a few private parts of xlsxwriter
(``_Workbook`` runs xlsxwriter's own packaging method with a faster zip,
``SqlRowsWorksheet`` appends rows rendered by PostgreSQL to a sheet written in
constant-memory mode, ``row_xml_sql`` names the cells' formats by their
index). The version range is pinned in requirements.txt and the manifest; a
release that renames or reshapes one of those parts fails here, with what
to look at, instead of producing broken workbooks."""

import io
import pathlib
import re

import xlsxwriter
import xlsxwriter.workbook
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from odoo.tests import BaseCase, tagged

ROOT = pathlib.Path(__file__).resolve().parent.parent
HINT = (
    "xlsxwriter %s changed %s, which reports/xlsx_export.py relies on: check "
    "that module against the new release, then widen the pin in "
    "requirements.txt and the manifest."
)


def pinned_range():
    """The version range of xlsxwriter in requirements.txt."""
    text = (ROOT / "requirements.txt").read_text()
    match = re.search(r"^xlsxwriter\s*([<>=!~][^\s#]*)", text, re.M | re.I)
    return SpecifierSet(match.group(1))


@tagged("post_install", "-at_install")
class TestXlsxwriterInternals(BaseCase):
    def test_installed_version_is_the_tested_range(self):
        version = Version(xlsxwriter.__version__)
        self.assertIn(
            version,
            pinned_range(),
            f"xlsxwriter {version} is outside the tested range {pinned_range()}",
        )

    def test_packaging_method_takes_its_zipfile_from_the_module(self):
        store = getattr(xlsxwriter.Workbook, "_store_workbook", None)
        self.assertTrue(
            callable(store), HINT % (xlsxwriter.__version__, "_store_workbook")
        )
        self.assertIn(
            "ZipFile",
            store.__code__.co_names,
            HINT % (xlsxwriter.__version__, "how _store_workbook zips the parts"),
        )
        self.assertIn(
            "ZipFile",
            vars(xlsxwriter.workbook),
            HINT % (xlsxwriter.__version__, "xlsxwriter.workbook's ZipFile import"),
        )

    def test_constant_memory_sheets_stream_rows_as_expected(self):
        book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write(0, 0, "x")
        for name in ("_write_single_row", "_check_dimensions"):
            self.assertTrue(
                callable(getattr(Worksheet, name, None)),
                HINT % (xlsxwriter.__version__, f"Worksheet.{name}"),
            )
        for attribute in ("fh", "previous_row", "constant_memory"):
            self.assertTrue(
                hasattr(sheet, attribute),
                HINT % (xlsxwriter.__version__, f"the worksheet's {attribute}"),
            )
        self.assertTrue(sheet.constant_memory)
        self.assertTrue(
            callable(getattr(Format, "_get_xf_index", None)),
            HINT % (xlsxwriter.__version__, "Format._get_xf_index"),
        )
        book.close()
