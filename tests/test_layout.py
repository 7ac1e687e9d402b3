"""Odoo's own runner (``--test-enable``) runs only the test modules that
``tests/__init__.py`` imports; pytest-odoo finds every file. A module left out
is silently skipped by the former: this fails instead."""

import importlib.machinery
import importlib.util
import pathlib
import re

from lxml import etree

from odoo.tests import BaseCase, TransactionCase, tagged

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


@tagged("post_install", "-at_install")
class TestViewTotals(TransactionCase):
    def test_every_amount_column_has_its_currency(self):
        """A list's total of an amount shows "—" when the list lacks the
        amount's currency field: every list of the addon's views, and every
        list inside its forms, carries it."""
        views = self.env["ir.ui.view"].search(
            [
                ("model_data_id.module", "=", "account_receivable_management"),
                ("type", "in", ("list", "form")),
                ("inherit_id", "=", False),
            ]
        )
        self.assertTrue(views)
        missing = []
        for view in views:
            model = self.env[view.model]
            arch = etree.fromstring(model.get_view(view.id, view.type)["arch"])
            lists = arch.iter("list") if view.type == "form" else [arch]
            for listing in lists:
                parent = listing.getparent()
                comodel = model
                if parent is not None and parent.tag == "field":
                    if parent.get("name") not in model._fields:
                        continue  # a list inside a list: checked with its own
                    comodel = self.env[model._fields[parent.get("name")].comodel_name]
                names = {node.get("name") for node in listing.iter("field")}
                for node in listing.iter("field"):
                    field = comodel._fields.get(node.get("name"))
                    if field is None or field.type != "monetary":
                        continue
                    currency = field.get_currency_field(comodel)
                    if currency not in names:
                        missing.append(f"{view.xml_id}: {field.name} ({currency})")
        self.assertEqual(missing, [])

    def test_every_form_amount_shows_its_currency_to_every_user(self):
        """A form's amount shows its currency symbol only when the form holds
        the currency field for that user: a currency field shown to
        multi-currency users alone (``groups=``) left the barter's amounts
        bare for the others. Each form carries it without groups."""
        views = self.env["ir.ui.view"].search(
            [
                ("model_data_id.module", "=", "account_receivable_management"),
                ("type", "=", "form"),
                ("inherit_id", "=", False),
            ]
        )
        missing = []
        for view in views:
            model = self.env[view.model]
            arch = etree.fromstring(view.get_combined_arch())

            def in_list_or_grouped(node, arch=arch):
                while node is not None and node is not arch:
                    if node.tag == "list" or node.get("groups"):
                        return True
                    node = node.getparent()
                return False

            shown = {
                node.get("name")
                for node in arch.iter("field")
                if not in_list_or_grouped(node)
            }
            for name in shown:
                field = model._fields.get(name)
                if field is None or field.type != "monetary":
                    continue
                options = arch.xpath(f"//field[@name='{name}']/@options")
                if any("currency_field" in option for option in options):
                    continue
                currency = field.get_currency_field(model)
                if currency not in shown:
                    missing.append(f"{view.xml_id}: {name} ({currency})")
        self.assertEqual(missing, [])


@tagged("post_install", "-at_install")
class TestMenusAndGroups(TransactionCase):
    def test_menus_are_named_as_their_screens(self):
        """A menu opens a screen of the same name ("Settlements" opened
        "Negotiated Settlements")."""
        menus = self.env["ir.ui.menu"].browse(
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "account_receivable_management"),
                    ("model", "=", "ir.ui.menu"),
                ]
            )
            .mapped("res_id")
        )
        self.assertGreater(len(menus), 10)
        mismatched = [
            (menu.name, menu.action.name)
            for menu in menus
            if menu.action
            and menu.action._name == "ir.actions.act_window"
            and menu.action.name != menu.name
        ]
        self.assertEqual(mismatched, [])

    def test_groups_are_shown_with_accounting_on_the_user_form(self):
        """The Receivables groups are a selection under Accounting on the user
        form, not check boxes under "Other"."""
        apps = self.env["res.groups"].get_groups_by_application()
        [entry] = [
            entry
            for entry in apps
            if entry[0]
            == self.env.ref("account_receivable_management.module_category_receivables")
        ]
        app, kind, groups, (_sequence, section) = entry
        self.assertEqual(kind, "selection")
        self.assertEqual(groups.mapped("name"), ["Credit Controller", "Credit Manager"])
        self.assertEqual(section, app.parent_id.name)
        self.assertEqual(app.parent_id, self.env.ref("base.module_category_accounting"))

    def test_every_screen_says_what_it_shows_when_empty(self):
        """A screen with nothing to show says what would be there and how it
        gets there: every window action of the addon that opens a screen
        (not a dialog) has its help."""
        actions = self.env["ir.actions.act_window"].browse(
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "account_receivable_management"),
                    ("model", "=", "ir.actions.act_window"),
                ]
            )
            .mapped("res_id")
        )
        self.assertGreater(len(actions), 10)
        bare = [
            action.name
            for action in actions
            if action.target != "new" and not (action.help or "").strip()
        ]
        self.assertEqual(bare, [])

    def test_forecast_window_follows_the_day(self):
        """The forecast's thirteen weeks run from the day it is opened: its
        domain is evaluated by the client, not frozen at install."""
        action = self.env.ref("account_receivable_management.ar_cash_forecast_action")
        self.assertIn("context_today()", action.domain)
