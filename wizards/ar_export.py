from urllib.parse import urlencode

from odoo import fields, models


class ArExport(models.TransientModel):
    """A workbook made for one user, downloaded by that user only.

    Kept in the row itself, not as an attachment: Odoo serves an attachment
    of a record to any internal user who asks for its id, whatever the
    record's rules; a binary field of this model is served through this
    model's own access rules (its owner), like any other field."""

    _name = "ar.export"
    _inherit = ["ar.form.guard"]
    _description = "Excel Export"

    name = fields.Char(string="File Name", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    file = fields.Binary(attachment=False, required=True)

    def _download_action(self):
        """The action that makes the browser download the file."""
        self.ensure_one()
        query = urlencode(
            {
                "model": self._name,
                "id": self.id,
                "field": "file",
                "filename_field": "name",
                "download": "true",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/?{query}",
            "target": "download",
        }
