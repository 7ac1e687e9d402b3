import ast
import math
from datetime import date, timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

# How far a date a user gives may be from today, in years: an accounting date
# is at most this far back (and after the lock date) or ahead; a day planned
# (a promised payment, a first installment) at most this far back, and ahead as
# far as its field says.
DATE_WINDOW_YEARS = 1


def check_workflow_fields(records, names, workflow_fields):
    """Refuse a user (not code running as the superuser) who gives
    ``records`` any of their ``workflow_fields`` among ``names``."""
    if records.env.su:
        return
    forbidden = set(workflow_fields).intersection(names)
    if forbidden:
        raise AccessError(
            records.env._(
                "%(fields)s of a %(what)s are set by its workflow (its buttons and "
                "the scheduled jobs), never directly.",
                fields=", ".join(
                    sorted(records._fields[name].string for name in forbidden)
                ),
                what=records._description,
            )
        )


def context_defaults(records):
    """{field: value} of the context's ``default_*`` keys for the fields of
    ``records``: what Odoo gives a new record the caller leaves them out of."""
    return {
        name: value
        for key, value in records.env.context.items()
        if key.startswith("default_")
        and (name := key.removeprefix("default_")) in records._fields
    }


def as_created(records, vals_list):
    """``vals_list`` as ``create`` stores them: each with the context's
    ``default_*`` values of the fields of ``records`` it leaves out (but
    those of derived fields, which ``without_derived_defaults`` drops). A
    user's create is judged on these: over JSON-RPC the context is the
    caller's, and a ``default_ar_override_user_id`` forged a credit override
    as surely as the field given by name."""
    defaults = context_defaults(records)
    for name in derived_fields(records).intersection(defaults):
        del defaults[name]
    if not defaults:
        return vals_list
    return [{**defaults, **vals} for vals in vals_list]


def workflow_flag(records, key):
    """``key`` of the context when the workflow set it for its own writes,
    made as the superuser (``_ar_workflow_write``); None for anyone else.
    Over JSON-RPC the context is the caller's: a Controller who sent
    ``ar_activating`` changed an approved plan's terms and kept its
    approval."""
    return records.env.context.get(key) if records.env.su else None


def derived_fields(model):
    """The stored fields this addon gives ``model`` that follow from other
    fields (``related``, or computed and read-only, without an inverse): the
    customer and company of a dispute follow its invoice, a plan line's
    company its plan, who pays an order its invoice address."""
    return {
        name
        for name, field in model._fields.items()
        if field.store
        and field.compute
        and field.readonly
        and not field.inverse
        and field._module == "account_receivable_management"
    }


def check_derived_fields(records, names):
    """Refuse a user (not code running as the superuser) who gives
    ``records`` a value for a field that follows from their others: what was
    given would stand until the source changes (a dispute shown on another
    customer's portal, an order counted in another customer's exposure)."""
    if records.env.su:
        return
    given = derived_fields(records).intersection(names)
    if not given:
        return
    depends = records.pool.field_depends
    sources = {
        path.split(".")[0] for name in given for path in depends[records._fields[name]]
    } - given
    source_names = ", ".join(
        sorted(
            records._fields[name].string for name in sources if name in records._fields
        )
    )
    names = ", ".join(sorted(records._fields[name].string for name in given))
    if not source_names:
        raise AccessError(
            records.env._(
                "%(fields)s of the %(what)s: computed, never written directly.",
                fields=names,
                what=records._description,
            )
        )
    raise AccessError(
        records.env._(
            "%(fields)s: taken from the %(sources)s of the %(what)s, never written "
            "directly. Change the %(sources)s instead.",
            fields=names,
            what=records._description,
            sources=source_names,
        )
    )


def without_derived_defaults(records):
    """``records`` without context defaults for their derived fields: Odoo
    would store a ``default_partner_id`` as the dispute's customer, whatever
    its invoice's customer."""
    derived = derived_fields(records)
    context = records.env.context
    dropped = {
        key
        for key in context
        if key.startswith("default_") and key.removeprefix("default_") in derived
    }
    if not dropped:
        return records
    # the context without those keys: keyword arguments can only add to it
    return records.with_context(  # pylint: disable=context-overridden
        {key: value for key, value in context.items() if key not in dropped}
    )


def check_field_domains(records, names):
    """Refuse a value of ``names`` outside the domain the form offers for it
    (a sales journal as a barter's netting journal, the receivable account on
    a barter line, a sales journal for a return's freight): a field's domain
    only filters the form's dropdown. Domains that name other fields, and
    the fields a model judges itself with its own words
    (``_ar_judged_fields``: a dispute's invoice), are checked there."""
    for name in set(names) - set(getattr(records, "_ar_judged_fields", ())):
        field = records._fields.get(name)
        if not (field and field.type == "many2one" and field.domain):
            continue
        domain = field.domain
        if isinstance(domain, str):
            try:
                domain = ast.literal_eval(domain)
            except (ValueError, SyntaxError):  # it names another field
                continue
        if not isinstance(domain, list):
            continue
        values = records.sudo()[name].with_context(active_test=False)
        refused = values - values.filtered_domain(domain)
        if refused:
            raise ValidationError(
                records.env._(
                    "%(value)s cannot be the %(field)s of a %(what)s: choose one "
                    "the form offers.",
                    value=refused[0].display_name,
                    field=field.string,
                    what=records._description,
                )
            )


def check_finite(records, vals):
    """Refuse a number that is none: JSON-RPC carries ``NaN`` and
    ``Infinity`` (Python's JSON reader takes them), and every comparison
    with NaN is false, so a NaN weight, limit or amount would pass each
    check made of it and spoil every figure computed from it."""
    for name, value in vals.items():
        field = records._fields.get(name)
        if (
            field
            and field.type in ("float", "monetary", "integer")
            and isinstance(value, float)
            and not math.isfinite(value)
        ):
            raise ValidationError(
                records.env._(
                    "%(field)s of a %(what)s must be a number; %(value)s is none.",
                    field=field.string,
                    what=records._description,
                    value=value,
                )
            )


def check_company_kept(records, vals):
    """Refuse a user who moves ``records`` to another company: by giving
    another ``company_id``, or, where the company follows a document (a
    reminder step its policy's, a line its document's, a dispute its
    invoice's), another document of another company. Odoo checks a company's
    record rules when a record is created in it, not when one is written into
    it, so a Credit Manager of one company could hand its default policy, or
    a step of its reminders, to a company they do not work in (and lose it)."""
    field = records._fields.get("company_id")
    if records.env.su or not field:
        return
    if not field.related:
        if "company_id" not in vals:
            return
        company = records.env["res.company"].browse(vals["company_id"])
    else:
        document, _dot, path = field.related.partition(".")
        if not vals.get(document):
            return
        company = records[document].browse(vals[document]).sudo().mapped(path)
    moved = records.filtered(lambda r: r.company_id != company)
    if moved:
        raise UserError(
            records.env._(
                "%(what)s %(name)s stays in %(company)s: create a new one in the "
                "other company instead.",
                what=records._description,
                name=moved[0].display_name,
                company=moved[0].company_id.name,
            )
        )


def named_records(records, values):
    """{model: ids} of the records ``values`` names (``values`` as a form
    sends them: ids, and x2many commands, the lines' own values included)."""
    named = {}

    def walk(model, vals):
        for name, value in vals.items():
            field = model._fields.get(name)
            if not (field and field.relational and value):
                continue
            ids = named.setdefault(field.comodel_name, set())
            if field.type == "many2one":
                ids.add(value.get("id") if isinstance(value, dict) else value)
                continue
            for command in value if isinstance(value, list) else ():
                if not isinstance(command, (list, tuple)) or not command:
                    continue
                if command[0] == Command.SET:
                    ids.update(command[2])
                elif command[0] in (Command.UPDATE, Command.LINK):
                    ids.add(command[1])
                if command[0] in (Command.CREATE, Command.UPDATE) and isinstance(
                    command[-1], dict
                ):
                    walk(model.env[field.comodel_name], command[-1])

    walk(records, values)
    return {
        model: sorted(i for i in ids if isinstance(i, int))
        for model, ids in named.items()
    }


def check_named_readable(records, values):
    """Refuse ``values`` that name a record the user may not read. A company
    is left to the checks that name it ("You do not work for ..."): the
    company's record rules when a document is created, ``require_company``
    when a wizard acts."""
    for model, ids in named_records(records, values).items():
        if model != "res.company":
            records.env[model].browse(ids).check_access("read")


def _lock_date(company):
    """The last day of ``company``'s books closed to the current user, for
    what a sales document posts (None when nothing is locked)."""
    company = company.sudo()
    lock = max(
        company.user_fiscalyear_lock_date or date.min,
        company.user_hard_lock_date or date.min,
        company.user_sale_lock_date or date.min,
    )
    return None if lock == date.min else lock


class ArFormGuard(models.AbstractModel):
    """What a user gives a record of the addon (a document, a setting, a
    wizard): numbers that are numbers (``check_finite``), records they may
    read, and a form that computes its live figures only for a user who may
    make or edit the record. Odoo checks none of these: it computes stored
    and related figures as the superuser, and runs ``onchange`` without
    checking the model's rights. A salesperson learned any invoice's open
    amount from a settlement form they may not open, and a Credit Manager of
    one company another company's order total and credit block from a
    credit override wizard made for that order."""

    _name = "ar.form.guard"
    _description = "What a User Gives the Addon's Records"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in as_created(self, vals_list):
            check_finite(self, vals)
            if not self.env.su:
                check_named_readable(self, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_finite(self, vals)
        if not self.env.su:
            check_named_readable(self, vals)
        return super().write(vals)

    def onchange(self, values, field_names, fields_spec):
        if not self.env.su:
            self.check_access("write" if self else "create")
            # a new record's form starts from the context's defaults too
            given = values if self else {**context_defaults(self), **values}
            check_named_readable(self, given)
        return super().onchange(values, field_names, fields_spec)


class ArWorkflowGuard(models.AbstractModel):
    """A document moved by its workflow.

    Some of its fields only the workflow sets: its state, who approved,
    activated or judged it and when, the figures it posted and the entries it
    links to (``_ar_workflow_fields``). Users never give those to ``create``,
    ``write`` or ``copy``, nor as ``default_*`` in the context: only the
    workflow writes them, through ``_ar_workflow_write``, after checking that
    the user may take the step. ``readonly`` in a view is no such check.

    Its terms (``_ar_terms_fields``: what sets its worth, its amounts, its
    invoices) change only while it is in one of ``_ar_editable_states``; its
    lines (a model naming its document in ``_ar_document_field``) likewise.
    """

    _name = "ar.workflow.guard"
    _inherit = ["ar.form.guard"]
    _description = "Document Moved by Its Workflow"

    _ar_workflow_fields = ()
    _ar_terms_fields = ()
    _ar_editable_states = ("draft",)
    _ar_document_field = None  # on a line: the field of its document
    # Dates a user gives: field -> "accounting" (what is posted is dated so)
    # or the years ahead a planned day may be.
    _ar_date_fields = {}

    @api.model_create_multi
    def create(self, vals_list):
        given = as_created(self, vals_list)
        check_derived_fields(self, set().union(*given))
        self._ar_check_workflow_fields(set().union(*given))
        for vals in given:
            self._ar_check_input(vals)
        if self._ar_document_field:
            field = self._ar_document_field
            self[field].browse(
                {vals[field] for vals in given if vals.get(field)}
            )._ar_check_terms_unlocked({"line_ids"})
        records = super(ArWorkflowGuard, without_derived_defaults(self)).create(
            vals_list
        )
        check_field_domains(records, set().union(*given))
        return records

    def write(self, vals):
        check_derived_fields(self, vals)
        self._ar_check_workflow_fields(vals)
        check_company_kept(self, vals)
        self._ar_check_input(vals)
        if self._ar_document_field:
            field = self._ar_document_field
            if vals.keys() - set(self._ar_workflow_fields):
                self[field]._ar_check_terms_unlocked({"line_ids"})
            if vals.get(field):
                # moved to another document: that one's lines change too (a
                # line moved into an active plan changed its binding schedule)
                self[field].browse(vals[field])._ar_check_terms_unlocked({"line_ids"})
        else:
            self._ar_check_terms_unlocked(vals)
        res = super().write(vals)
        check_field_domains(self, vals)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked_document(self):
        if self._ar_document_field:
            self[self._ar_document_field]._ar_check_terms_unlocked({"line_ids"})

    def _ar_check_workflow_fields(self, names):
        check_workflow_fields(self, names, self._ar_workflow_fields)

    def _ar_check_input(self, vals):
        """Before anything is written: no record 0, and dates within reach
        (a year 1 or 9999 broke the chatter, the deadline arithmetic and the
        books further down)."""
        for name, value in vals.items():
            field = self._fields.get(name)
            if (
                field
                and field.type == "many2one"
                and value is not False
                and (value == 0 or value == "0")
            ):
                raise ValidationError(
                    self.env._(
                        "%(field)s: there is no record 0. Leave it empty or choose "
                        "one.",
                        field=field.string,
                    )
                )
        for name, kind in self._ar_date_fields.items():
            if vals.get(name):
                self._ar_check_date(name, kind, vals)

    def _ar_check_date(self, name, kind, vals):
        field = self._fields[name]
        try:
            day = fields.Date.to_date(vals[name])
        except (TypeError, ValueError):
            raise ValidationError(
                self.env._(
                    "%(field)s: %(value)s is not a date; send it as YYYY-MM-DD.",
                    field=field.string,
                    value=vals[name],
                )
            ) from None
        today = fields.Date.context_today(self)
        back = today - timedelta(days=365 * DATE_WINDOW_YEARS)
        if kind == "accounting":
            ahead = DATE_WINDOW_YEARS
            companies = (
                self.env["res.company"].browse(vals["company_id"])
                if vals.get("company_id")
                else self.company_id or self.env.company
            )
            for company in companies:
                lock = _lock_date(company)
                if lock and lock + timedelta(days=1) > back:
                    back = lock + timedelta(days=1)
        else:
            ahead = kind
        latest = today + timedelta(days=365 * ahead)
        if not back <= day <= latest:
            raise ValidationError(
                self.env._(
                    "%(field)s of a %(what)s must be from %(earliest)s to %(latest)s "
                    "(after the books' lock date, and not years away): %(day)s is "
                    "not.",
                    field=field.string,
                    what=self._description,
                    earliest=back,
                    latest=latest,
                    day=day,
                )
            )

    def _ar_check_terms_unlocked(self, names):
        """Refuse to change the terms of records no longer editable."""
        changed = set(self._ar_terms_fields).intersection(names)
        if not changed:
            return
        locked = self.filtered(lambda r: r.state not in self._ar_editable_states)
        if locked:
            raise UserError(
                self.env._(
                    "%(what)s %(name)s is %(state)s: its %(fields)s can no longer "
                    "change. %(hint)s",
                    what=self._description,
                    name=locked[0].display_name,
                    state=locked[0]._ar_state_label(),
                    fields=", ".join(
                        sorted(self._fields[name].string.lower() for name in changed)
                    ),
                    hint=self._ar_terms_locked_hint(),
                )
            )

    def _ar_terms_locked_hint(self):
        """What to do instead of changing locked terms."""
        return ""

    def _ar_state_label(self):
        self.ensure_one()
        labels = dict(self._fields["state"]._description_selection(self.env))
        return labels[self.state].lower()

    def _ar_workflow_write(self, vals):
        """The one way the workflow sets its fields: after the caller checked
        that the user may take the step."""
        return self.sudo().write(vals)
