#!/usr/bin/env bash
# Set up and run the service on its embedded default: SQLite in instance/, the demo menu
# live on *123*456#, and an admin account for the editor. Re-running keeps your data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ ! -f .env ]; then
    echo "==> writing .env with a new secret key, phone-hash key and webhook token"
    secret="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')"
    # keys the hashes of callers' numbers: kept when SECRET_KEY changes (docs/security.md)
    phone_key="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')"
    token="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')"
    (umask 077 && sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$secret|" \
        -e "s|^PHONE_HASH_KEY=.*|PHONE_HASH_KEY=$phone_key|" \
        -e "s|^USSD_WEBHOOK_TOKEN=.*|USSD_WEBHOOK_TOKEN=$token|" .env.sample > .env)
    chmod 600 .env
fi
.venv/bin/flask --app app init-db
.venv/bin/flask --app app users ensure-admin
port="${PORT:-8000}"
token="$(grep '^USSD_WEBHOOK_TOKEN=' .env | cut -d= -f2-)"
cat <<MSG

==> ussd-flex is starting on http://127.0.0.1:$port
    Editor:  http://127.0.0.1:$port/editor/   (the admin login is printed above)
    Dial the demo menu as Africa's Talking would:
      curl -s -X POST "http://127.0.0.1:$port/ussd/africastalking" -H "X-USSD-Token: $token" \\
           -d sessionId=try-1 -d phoneNumber=+221771234567 -d serviceCode='*123*456#' -d text=
    Stop with Ctrl-C. Configuration: .env (see .env.sample).

MSG
export PORT="$port"
exec .venv/bin/gunicorn -c gunicorn.conf.py 'app:create_app()'
