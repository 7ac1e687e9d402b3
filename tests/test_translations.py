"""i18n/account_receivable_management.pot is the addon's translation template,
exported by Odoo (``bash .ci/pot``). Every term the addon marks for
translation, in its code, views, reports, mail templates and data, is in it;
and Odoo extracts the terms of every file of the addon (a file babel cannot
read loses all its terms without a word: an f-string inside ``_()`` did)."""

import logging
import os
import pathlib

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

MODULE = "account_receivable_management"
POT = pathlib.Path(__file__).resolve().parent.parent / "i18n" / f"{MODULE}.pot"
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
        self.assertTrue(POT.exists(), "no i18n template: run bash .ci/pot")
        errors = _Errors()
        logger = logging.getLogger("odoo.tools.translate")
        logger.addHandler(errors)
        try:
            reader = _AddonReader(self.env.cr, modules=[MODULE])
            terms = {row[4] for row in reader if row[0] == MODULE and row[4]}
        finally:
            logger.removeHandler(errors)
        self.assertEqual(errors.messages, [], "Odoo could not read these files")
        self.assertGreater(len(terms), 500)
        template = {entry.msgid for entry in polib.pofile(str(POT))}
        missing = sorted(terms - template)
        self.assertEqual(
            missing,
            [],
            f"{len(missing)} terms are not in i18n/{MODULE}.pot: run bash .ci/pot",
        )
