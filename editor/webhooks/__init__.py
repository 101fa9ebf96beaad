"""Outgoing webhooks: the admins' endpoints, each with its delivery log."""
