"""Odoo's own runner (``--test-enable``) runs only the test modules that
``tests/__init__.py`` imports; pytest-odoo finds every file. A module left out
is silently skipped by the former: this fails instead."""

import importlib.machinery
import importlib.util
import pathlib
import re

from odoo.tests import BaseCase, tagged

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parent


@tagged("post_install", "-at_install")
class TestLayout(BaseCase):
    def test_every_test_module_is_imported(self):
        imported = set(
            re.findall(
                r"^from \. import (\w+)$", (TESTS / "__init__.py").read_text(), re.M
            )
        )
        on_disk = {path.stem for path in TESTS.glob("test_*.py")}
        self.assertEqual(on_disk - imported, set(), "not in tests/__init__.py")
        self.assertEqual(imported - on_disk, set(), "imported but not on disk")

    def test_apps_page_is_made_from_the_readme(self):
        """static/description/index.html is what .ci/description writes from
        the readme/ fragments: run it after changing them."""
        loader = importlib.machinery.SourceFileLoader(
            "ar_description", str(ROOT / ".ci" / "description")
        )
        spec = importlib.util.spec_from_loader(loader.name, loader)
        description = importlib.util.module_from_spec(spec)
        loader.exec_module(description)
        page = (ROOT / "static" / "description" / "index.html").read_text()
        self.assertEqual(page, description.render(), "run python3 .ci/description")
