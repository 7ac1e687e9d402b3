"""The addon's translation template, as Odoo exports it (``bash .ci/pot``
writes it to i18n/account_receivable_management.pot for translators; it is
generated, not kept in git). Every term the addon marks for translation, in
its code, views, reports, mail templates and data, is in the template Odoo
writes; and Odoo extracts the terms of every file of the addon (a file babel
cannot read loses all its terms without a word: an f-string inside ``_()``
did, for the whole of models/ar_return.py)."""

import io
import logging
import os

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationFileWriter, TranslationModuleReader

MODULE = "account_receivable_management"
# One term of each kind of source: code, a field, a view, a window action, a
# report, a mail template, a menu.
SAMPLES = (
    "Plan the next call for today or a later day.",
    "Last Contact",
    "To Contact",
    "Today's Worklist",
    "Settlement Agreement",
    "Dear",
    "Customer Risk",
)
# Not part of the addon: the commands' working folder, git, the web linters.
SKIPPED = {".run", ".git", "node_modules", "__pycache__"}


class _AddonReader(TranslationModuleReader):
    """Odoo's reader of a module's terms, scanning this addon's own files
    only: Odoo's walks every addons path following links, and the checkout's
    .run/addons links back into the checkout."""

    def _export_translatable_resources(self):
        # the folder Odoo loads the module from, named after it (in a
        # checkout, .run/addons' link): its parent is the addons path
        addon = get_module_path(MODULE)
        parent = os.path.dirname(addon)
        self._path_list = [(parent, True)]
        for root, dirs, files in os.walk(addon):
            dirs[:] = [d for d in dirs if d not in SKIPPED]
            for fname in (f for f in files if f.endswith(".py")):
                self._babel_extract_terms(
                    fname,
                    parent,
                    root,
                    "python",
                    extract_keywords={"_": None, "_lt": None},
                )
            if "/static/src" in root:
                for fname in (f for f in files if f.endswith(".js")):
                    self._babel_extract_terms(
                        fname, parent, root, "javascript", extract_keywords={"_t": None}
                    )
                for fname in (f for f in files if f.endswith(".xml")):
                    self._babel_extract_terms(
                        fname, parent, root, "odoo.tools.translate:babel_extract_qweb"
                    )


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestTranslationTemplate(TransactionCase):
    def test_every_term_is_in_the_template(self):
        # Odoo logs a file it cannot read, and keeps the terms read before
        # the error: listen at ERROR, whatever level the test run set
        errors = _Errors()
        logger = logging.getLogger("odoo.tools.translate")
        level = logger.level
        logger.addHandler(errors)
        logger.setLevel(logging.ERROR)
        try:
            rows = list(_AddonReader(self.env.cr, modules=[MODULE]))
        finally:
            logger.removeHandler(errors)
            logger.setLevel(level)
        self.assertEqual(errors.messages, [], "Odoo could not read these files")
        terms = {row[4] for row in rows if row[0] == MODULE and row[4]}
        self.assertGreater(len(terms), 1000)
        # the template as .ci/pot writes it, with Odoo's own writer
        buffer = io.BytesIO()
        TranslationFileWriter(buffer, fileformat="po").write_rows(rows)
        template = {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}
        self.assertEqual(
            sorted(terms - template), [], "terms missing from the template"
        )
        for sample in SAMPLES:
            self.assertTrue(
                any(sample in term for term in template), f"{sample!r} not extracted"
            )
