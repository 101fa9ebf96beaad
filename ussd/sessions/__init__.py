"""A hop: the /ussd webhooks, the service that tells what a hop does, and the repository
that owns every statement of the hot path."""
