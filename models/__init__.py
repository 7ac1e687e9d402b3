from . import (
    account_move,
    account_partial_reconcile,
    ar_credit_policy,
    ar_hold,
    credit_rules,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
)
