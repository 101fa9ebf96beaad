"""Privacy, for admins: erasing what is stored about a phone number, the audit log, and
purging what the retention periods let go."""
