"""Connections, for admins: the services an http node of a menu may call (ussd/connections),
with their address, method, secret header and time budget."""
