"""Editor accounts: signing in and out, one's own account, the admins' page of accounts,
and the service under them (password hashing, sign-in throttle) and its `users` CLI group."""
