"""Fields only the connector's services write (docs/data-protection.md #9).

What Amazon says about an order (its id, account, channel, status) and what
the connector told Amazon (confirmation, tracking share, label) decide what is
sent to Amazon and whose buyer data a person may reveal. A user who could
write them over RPC could stop a shipment confirmation (an order marked
shipped), attach an order to another seller's account, or fake a label.
The services write them as superuser (a cron, ``amazon.work._run``, or an
explicit ``sudo()`` after their own access checks); no context key opens
them, since an RPC caller chooses its context.
"""

from odoo.exceptions import AccessError


def refuse_user_changes(records, protected, vals_list, creating=False):
    """AccessError when a user (not superuser) sets one of ``protected``.

    On create only values that set something count: a client sending
    ``False`` for an empty field changes nothing.
    """
    if records.env.su:
        return
    touched = set()
    for vals in vals_list:
        touched.update(
            name for name in protected & vals.keys() if not creating or vals[name]
        )
    if touched:
        raise AccessError(
            records.env._(
                "%(model)s fields %(fields)s are written by the Amazon connector only.",
                model=records._description,
                fields=", ".join(sorted(touched)),
            )
        )
