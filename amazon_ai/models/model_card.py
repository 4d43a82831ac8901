"""A model card (risk, fulfilment) as a page a seller can read: the rows
every card shares (purpose, data, fields, dates, personal data, method),
the card's own rows, then its known limits. One renderer for every card, so
that the cards read alike and a fix reaches them all."""

from markupsafe import Markup, escape


def card_html(env, card, own_rows, css_class, after_data=()):
    """``card`` (the dict of ``amazon.risk._card`` or
    ``amazon.fulfilment._card``) as HTML: the shared rows, ``after_data``
    (rows that belong with the data, before personal data), then
    ``own_rows`` ([(label, value)]), in a table of ``css_class``."""
    _ = env._
    data = card.get("data_used") or {}
    dates = data.get("date_range") or [None, None]
    rows = [
        (_("Purpose"), card.get("purpose")),
        (_("Data used"), data.get("source")),
        (_("Fields"), ", ".join(data.get("fields") or ())),
        (
            _("Date range"),
            _("%(start)s to %(end)s", start=dates[0], end=dates[1])
            if dates[0]
            else _("no history yet"),
        ),
        *after_data,
        (_("Personal data"), data.get("personal_data")),
        (_("Method"), card.get("method")),
        *own_rows,
    ]
    return table_card_html(env, rows, card.get("known_limits"), css_class)


def table_card_html(env, rows, known_limits, css_class):
    """``rows`` ([(label, value)]) as a table of ``css_class``, then the
    card's known limits as a list."""
    body = Markup("").join(
        Markup("<tr><th>%s</th><td>%s</td></tr>")
        % (label, value if value is not None else "-")
        for label, value in rows
    )
    limits = Markup("").join(
        Markup("<li>%s</li>") % limit for limit in known_limits or ()
    )
    return Markup('<table class="table table-sm %s">%s</table>') % (
        css_class,
        body,
    ) + Markup("<p><strong>%s</strong></p><ul>%s</ul>") % (
        escape(env._("Known limits")),
        limits,
    )
