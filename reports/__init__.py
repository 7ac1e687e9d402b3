"""The workbooks: plain Python over xlsxwriter, called by the models and
wizards that export (the QWeb PDFs are beside them, as data)."""

from . import xlsx_export
