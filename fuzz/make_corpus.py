#!/usr/bin/env python3
"""Write the seed corpora, fuzz/corpus/gateways and fuzz/corpus/engine (deterministic).

    python3 fuzz/make_corpus.py        # rewrites both folders (keeps regression-* files)

Gateway seeds are `<first byte><body>` (see fuzz_gateways.py for the first byte): the
provider samples of tests/contract/samples, then hostile variants of each: SQL and template
injection, 10,000 '*', NUL bytes, invalid UTF-8, huge numbers, deeply nested JSON, wrong
types, duplicate keys, byte-order marks. Engine seeds are bytes for the FuzzedDataProvider
of fuzz_engine.py (fixed pseudo-random, five per mode; the last byte is the mode). Runs
with plain python3: it only needs the standard library.
"""

# ruff: noqa: S101, S311 - a seed generator: asserts, fixed pseudo-random bytes
from __future__ import annotations

import json
import random
from pathlib import Path
from urllib.parse import quote, urlencode

FUZZ = Path(__file__).resolve().parent
SAMPLES = FUZZ.parent / "tests" / "contract" / "samples"
GATEWAY = {"africastalking": 0, "hubtel": 1, "nalo": 2, "arkesel": 3, "json": 4, "nope": 7}
JSON_CT, FORM_CT, TEXT_CT, MULTIPART_CT, UTF16_CT, LATIN1_FORM_CT, NO_CT, OCTET_CT = range(8)

AT_FIRST = {
    "sessionId": "ATUid_7c898d72eb11f723ed8ea05ef232f279",
    "phoneNumber": "+254739495441",
    "serviceCode": "*384*44135#",
    "networkCode": "99999",
    "text": "",
}
JSON_FIRST = {
    "hubtel": json.loads((SAMPLES / "hubtel_response.json").read_text()),
    "nalo": json.loads((SAMPLES / "nalo_continue.json").read_text()),
    "arkesel": json.loads((SAMPLES / "arkesel_continue.json").read_text()),
    "json": {**json.loads((SAMPLES / "json_first.json").read_text()), "new_session": False},
}
SESSION_FIELD = {
    "hubtel": "SessionId",
    "nalo": "SESSIONID",
    "arkesel": "sessionID",
    "json": "session_id",
}
INPUT_FIELD = {"hubtel": "Message", "nalo": "USERDATA", "arkesel": "userData", "json": "input"}
PHONE_FIELD = {"hubtel": "Mobile", "nalo": "MSISDN", "arkesel": "msisdn", "json": "phone"}
SEQ_FIELD = {"hubtel": "Sequence", "json": "seq"}

SQL = "1' OR '1'='1'; DROP TABLE ussd_sessions; --"
TEMPLATES = ["{{7*7}}", "${7*7}", "<%= 7*7 %>", "{0.__class__}", "%s%s%s%n"]


def head(mode: int, gateway: str, content_type: int) -> bytes:
    return bytes([mode << 6 | GATEWAY[gateway] << 3 | content_type])


def form(fields: dict[str, str] | list[tuple[str, str]]) -> bytes:
    return urlencode(fields, quote_via=quote, errors="surrogatepass").encode("ascii")


def gateway_seeds() -> dict[str, bytes]:
    seeds: dict[str, bytes] = {}

    def add(name: str, data: bytes) -> None:
        assert name not in seeds, name
        seeds[name] = data

    # the providers' own samples, each to its gateway
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix == ".md":
            continue
        body = path.read_bytes().strip()
        provider = path.stem.split("_")[0]
        if path.stem == "africastalking_event":
            add(f"sample-{path.stem}", head(3, "africastalking", FORM_CT) + body)
        elif provider == "africastalking":
            add(f"sample-{path.stem}", head(0, "africastalking", FORM_CT) + body)
        else:
            add(f"sample-{path.stem}", head(0, provider, JSON_CT) + body)

    # Africa's Talking: hostile form posts
    at = "africastalking"
    variants = {
        "sql": {**AT_FIRST, "text": SQL, "sessionId": SQL},
        "template": {**AT_FIRST, "text": "*".join(TEMPLATES)},
        "stars-8000": {**AT_FIRST, "text": "*" * 8000},
        "stars-10000": {**AT_FIRST, "text": "*" * 10000},
        "nul": {**AT_FIRST, "text": "1\x002", "sessionId": "a\x00b"},
        "superscript": {**AT_FIRST, "text": "²"},
        "unicode": {**AT_FIRST, "text": "1*Fatou 🙂 Ndiaye*\u202eRTL*ç"},
        "phone-letters": {**AT_FIRST, "phoneNumber": "+22177abc"},
        "huge-number": {**AT_FIRST, "text": "9" * 400},
        "dialled-extra": {**AT_FIRST, "text": "1*2*3*4*5*6*7*8*9*0*00*98"},
    }
    for name, fields in variants.items():
        add(f"at-{name}", head(0, at, FORM_CT) + form(fields))
    add("at-duplicate-key", head(0, at, FORM_CT) + form(AT_FIRST) + b"&text=1")
    add("at-invalid-utf8", head(0, at, FORM_CT) + form(AT_FIRST) + b"&x=%FF%FE%C3")
    add("at-raw-utf8", head(0, at, FORM_CT) + "sessionId=é&phoneNumber=1".encode())
    add("at-as-json", head(0, at, JSON_CT) + json.dumps(AT_FIRST).encode())
    add("at-empty", head(0, at, FORM_CT))

    # the JSON gateways: hostile bodies
    for gw, sample in JSON_FIRST.items():
        sid, inp, phone = SESSION_FIELD[gw], INPUT_FIELD[gw], PHONE_FIELD[gw]
        bodies: dict[str, bytes] = {
            "sql": json.dumps({**sample, sid: SQL, inp: SQL}).encode(),
            "template": json.dumps({**sample, inp: TEMPLATES[0], sid: TEMPLATES[1]}).encode(),
            "stars": json.dumps({**sample, inp: "*" * 7000}).encode(),
            "nul": json.dumps({**sample, sid: "a\x00b", inp: "\x00"}).encode(),
            "lone-surrogate": json.dumps({**sample, inp: "\ud800"}).encode(),
            "invalid-utf8": json.dumps(sample).encode()[:-1] + b'\xff\xfe"}',
            "huge-numbers": json.dumps({**sample, phone: 10**30, sid: 10**40}).encode(),
            "float-overflow": json.dumps(sample)[:-1].encode() + b', "seq": 1e400}',
            "nan": json.dumps({**sample, phone: float("nan"), sid: float("inf")}).encode(),
            "wrong-types": json.dumps({**sample, sid: [1, 2], phone: {"a": 1}, inp: True}).encode(),
            "nulls": json.dumps({k: None for k in sample}).encode(),
            "nested-50": json.dumps({**sample, inp: json.loads("[" * 50 + "]" * 50)}).encode(),
            "nested-1000": b"[" * 1000 + b"]" * 1000,
            "duplicate-keys": json.dumps(sample)[:-1].encode() + f', "{sid}": "other"}}'.encode(),
            "bom": b"\xef\xbb\xbf" + json.dumps(sample).encode(),
            "top-array": json.dumps([sample]).encode(),
            "empty-object": b"{}",
            "unicode": json.dumps(
                {**sample, inp: "Fatou 🙂 \u202e ç ²"}, ensure_ascii=False
            ).encode(),
        }
        if gw in SEQ_FIELD:
            bodies["seq-negative"] = json.dumps({**sample, SEQ_FIELD[gw]: -1}).encode()
            bodies["seq-superscript"] = json.dumps({**sample, SEQ_FIELD[gw]: "²"}).encode()
        for name, body in bodies.items():
            add(f"{gw}-{name}", head(0, gw, JSON_CT) + body)
        add(f"{gw}-as-form", head(0, gw, FORM_CT) + form({k: str(v) for k, v in sample.items()}))
        add(f"{gw}-utf16", head(0, gw, UTF16_CT) + json.dumps(sample).encode("utf-16"))

    # wrong method, path, token, size (mode 1: the body's first byte picks auth and method)
    at_body = form(AT_FIRST)
    auths = ["header", "query", "basic", "wrong", "garbage-basic", "fuzzed-query", "none"]
    for auth, label in enumerate(auths):
        add(f"auth-{label}", head(1, at, FORM_CT) + bytes([auth]) + at_body)
    add("method-get", head(1, at, FORM_CT) + bytes([1 << 3]) + at_body)
    json_body = json.dumps(JSON_FIRST["json"]).encode()
    add("method-put", head(1, "json", JSON_CT) + bytes([2 << 3]) + json_body)
    add("oversize-announced", head(1, at, FORM_CT) + bytes([2 << 6]) + at_body)
    add("unknown-gateway", head(0, "nope", JSON_CT) + json.dumps(JSON_FIRST["json"]).encode())
    add("fuzzed-path", head(1, at, FORM_CT) + bytes([3 << 6]) + b"../admin?x=1")

    # structured sessions (mode 2): pseudo-random bytes drive the FuzzedDataProvider
    rng = random.Random(456)
    for gw in ("africastalking", "hubtel", "nalo", "arkesel", "json"):
        for i in range(3):
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(24, 160)))
            add(f"session-{gw}-{i}", head(2, gw, JSON_CT) + body)

    # Africa's Talking end-of-session notifications (mode 3)
    event = dict(
        sessionId="ATUid_7c898d72eb11f723ed8ea05ef232f279",
        status="Incomplete",
        durationInMillis="12345",
    )
    for name, fields in {
        "event-huge-duration": {**event, "durationInMillis": "9" * 150},
        "event-superscript-duration": {**event, "durationInMillis": "²"},
        "event-bad-status": {**event, "status": "Maybe"},
        "event-sql": {**event, "sessionId": SQL},
    }.items():
        add(name, head(3, at, FORM_CT) + form(fields))
    return seeds


def engine_seeds() -> dict[str, bytes]:
    rng = random.Random(123)
    seeds = {}
    for mode in range(8):
        for i in range(5):
            # atheris' provider takes integers from the end: the last byte is the mode
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(16, 400)))
            seeds[f"mode{mode}-{i}"] = body + bytes([mode])
    seeds["long-walk"] = bytes(rng.randrange(256) for _ in range(2000)) + bytes([0])
    return seeds


def write(folder: Path, seeds: dict[str, bytes]) -> None:
    """Replace the generated seeds; keep `regression-*` files (inputs found while fuzzing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if not old.name.startswith("regression-"):
            old.unlink()
    for name, data in seeds.items():
        (folder / name).write_bytes(data)


def main() -> None:
    gateways, engine = gateway_seeds(), engine_seeds()
    write(FUZZ / "corpus" / "gateways", gateways)
    write(FUZZ / "corpus" / "engine", engine)
    total = sum(len(d) for d in gateways.values()) + sum(len(d) for d in engine.values())
    print(f"{len(gateways)} gateway seeds, {len(engine)} engine seeds, {total} bytes")


if __name__ == "__main__":
    main()
