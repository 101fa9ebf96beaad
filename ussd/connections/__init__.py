"""Connections: the services an http node of a menu may call, defined by an admin.

A menu names a connection and a path, never a URL (no server-side request forgery through
a menu): `addresses` holds the rules of where a request may go, `client` makes one request
within its time budget, `registry` reads connections from the database.
"""
