"""Personal data: phone numbers and their keyed hashes, encryption at rest, retention
purge, erasure, the audit log, and backups."""
