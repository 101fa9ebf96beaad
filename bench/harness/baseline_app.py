"""The benchmark's baseline: a bare Flask app that answers every hop with a constant screen.

    gunicorn -c gunicorn.conf.py 'bench.harness.baseline_app:create_app()'   (from the root)

bench/run.py serves it with the project's gunicorn.conf.py, exactly like the real app, and
plays the same load against it: the ratio of the two throughputs is what a hop costs on
top of Flask and gunicorn themselves. It reads nothing, checks nothing and stores nothing.
"""

from __future__ import annotations

from flask import Flask, Response

SCREEN = "CON Welcome / Bienvenue\n1. English\n2. Français"


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/ussd/africastalking")
    def hop() -> Response:
        return Response(SCREEN, mimetype="text/plain")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain")

    return app
