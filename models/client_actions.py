"""Client actions the addon returns from its buttons."""


def notification_action(message, kind="success", title=None, then=None):
    """The client action that shows ``message`` (a translated text) as a
    notification of ``kind`` and then runs ``then`` (by default: close the
    dialog it came from). A warning stays until the user closes it."""
    params = {
        "type": kind,
        "message": message,
        "sticky": kind == "warning",
        "next": then or {"type": "ir.actions.act_window_close"},
    }
    if title:
        params["title"] = title
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": params,
    }
