"""Mapped gateways, for admins: gateways described without code (/ussd/mapped/<name>),
written in a form or imported as JSON, exported, deleted."""
