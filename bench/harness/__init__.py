"""The benchmark's harness: a throw-away instance, gunicorn, the load, /proc measurements,
fake Twilio, the checks afterwards and the report; the scripts in bench/ only combine them.

It imports nothing here, so the processes that load only a part of it (the baseline app
under gunicorn, the asyncio load generator) stay as small as they were.
"""
