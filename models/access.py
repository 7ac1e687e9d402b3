"""Who may do what: the addon's groups, who reads which of the fields it adds
to core models, and the check a Credit Manager's step makes on the server (a
hidden button is no check)."""

from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = "account_receivable_management.group_ar_manager"
COLLECTOR_GROUP = "account_receivable_management.group_ar_collector"

# Who reads which part of a customer's credit file (tests/ACCESS_MATRIX.md):
# the hold and its reasons every employee, to explain a blocked order; the
# exposure figures accounting; the assessment (policy, promises, documents,
# collector, metrics, risk) the credit team. Never a portal user.
HOLD_GROUPS = "base.group_user"
ACCOUNTING_GROUPS = "account.group_account_invoice,account.group_account_readonly"
CREDIT_GROUPS = COLLECTOR_GROUP


def require_manager(env, step):
    """Refuse ``step`` (translated words: "activate a payment plan") to any
    user but a Credit Manager, with an ``AccessError`` that says who may."""
    if not env.su and not env.user.has_group(MANAGER_GROUP):
        raise AccessError(env._("Only a Credit Manager can %(step)s.", step=step))


def require_collector(env, step):
    """Refuse ``step`` (translated words: "send reminders") to any user
    outside the credit team (Credit Controllers and Managers)."""
    if not env.su and not env.user.has_group(COLLECTOR_GROUP):
        raise AccessError(
            env._("Only the credit team (a Credit Controller) can %(step)s.", step=step)
        )


def require_company(env, company, step):
    """Refuse ``step`` (translated words: "log the call") in ``company`` to a
    user who does not work for it, with an ``AccessError`` that names it (its
    name read as the system: the user may not read that company)."""
    if not env.su and company not in env.user.company_ids:
        raise AccessError(
            env._(
                "You do not work for %(company)s: %(step)s in one of your companies.",
                company=company.sudo().name,
                step=step,
            )
        )


def is_credit_member(user, company):
    """Whether ``user`` is an active internal user of the credit team (a
    Credit Controller or Manager) who works for ``company``."""
    user = user.sudo()
    return bool(
        user
        and not user.share
        and user.active
        and user.has_group(COLLECTOR_GROUP)
        and company in user.company_ids
    )


def check_credit_member(env, user, company):
    """Refuse ``user`` to follow credit work in ``company`` (a customer's
    collector, an early warning's assignee) unless an active internal user of
    the credit team (a Credit Controller or Manager) who works for it, with a
    ``UserError`` that says so. No user at all is no one to refuse."""
    if user and not is_credit_member(user, company):
        raise UserError(
            env._(
                "%(user)s is not a Credit Controller or Credit Manager of "
                "%(company)s: choose one who is.",
                user=user.sudo().name,
                company=company.sudo().name,
            )
        )


def check_credit_owners(records):
    """Each of ``records`` (collections documents, disputes) is followed by
    someone of its company's credit team (``check_credit_member``): its
    collector or owner follows it and is notified of its messages, so a
    portal user (another customer) or a salesperson there would read them."""
    for record in records.sudo().filtered("user_id"):
        check_credit_member(records.env, record.user_id, record.company_id)


def manager_reason(record, policy, worth, limit=None):
    """Why only a Credit Manager may decide ``record`` (a settlement, a
    return, a barter, a dispute credited, a payment plan), worth ``worth`` in
    its company's currency, or None: worth more than ``policy`` lets a Credit
    Controller decide (``limit``, by default its *Manager Approval Above*; 0:
    every one)."""
    company = record.company_id or record.env.company
    if limit is None:
        limit = policy.instrument_approval_amount
    if limit and company.currency_id.compare_amounts(worth, limit) <= 0:
        return None
    return record.env._(
        "%(what)s %(name)s is worth %(amount)s, above the %(limit)s a Credit "
        "Controller may approve under policy %(policy)s: a Credit Manager must "
        "approve it.",
        what=record._description,
        name=record.name,
        amount=company.currency_id.format(worth),
        limit=company.currency_id.format(limit),
        policy=policy.display_name,
    )
