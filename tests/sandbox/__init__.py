"""Local SP-API sandbox: ``python3 -m tests.sandbox --help`` from the repository root.

Serves Login with Amazon's token endpoint and the SP-API operations the access
layer wraps, from a deterministic generated dataset, with Amazon's usage plans,
request/response validation against Amazon's models and Amazon's static
sandbox cases. See ``cli.py`` for the options and ``fixture.py`` for tests.
"""
