"""The menu domain, pure: the document, the engine, lint, screen budgets and system texts.

Nothing here imports Flask, SQLAlchemy or another `ussd` package, so it is tested with plain data.
"""
