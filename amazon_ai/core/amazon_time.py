"""Amazon's date-times for amazon_ai's core.

The one helper is amazon_connector's ``core.amazon_time``; a core imports no
other addon, so the Odoo layer (``amazon_ai/__init__.py``) and the pure tests'
conftest hand it over with :func:`use` at load. Call ``amazon_time.parse`` and
``amazon_time.format`` as with the helper itself.
"""

_helper = None


def use(helper):
    """Take ``parse`` and ``format`` from amazon_connector's helper module."""
    global _helper
    _helper = helper


def parse(value):
    return _helper.parse(value)


def format(moment):
    return _helper.format(moment)
