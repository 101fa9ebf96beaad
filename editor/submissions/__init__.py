"""Submissions: the hand-offs callers made (who asked for what), their CSV export, retries,
and the period and filters the analytics page shares."""
