"""18.0.1.4.0 keeps no log columns on reminder lines (a run inserts one per
customer, and each foreign key costs a lookup per row): the columns and their
foreign keys go."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    for column in ("create_uid", "create_date", "write_uid", "write_date"):
        cr.execute(
            SQL(
                "ALTER TABLE ar_reminder_line DROP COLUMN IF EXISTS %s",
                SQL.identifier(column),
            )
        )
