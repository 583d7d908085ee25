#!/usr/bin/env python3
"""The same consent facts as an Assent grant, a SMART Health Card and an EU DCC: bytes, QR text
and QR version at error correction M. Signatures and keys are random bytes of the right length
(size is all that is measured). Assent's row is a real grant (wasm-core's test grant): 303 bytes
of COSE, 459 characters, version 13-M.

Run: pip install -r bench/requirements.txt && python3 bench/payload_sizes.py
"""
import base64
import json
import os
import zlib

import cbor2
import segno
from segno import consts

NOW, EXP = 1_790_000_000, 1_790_000_000 + 30 * 86_400
SCOPES = ["patient/Observation.rs?category=laboratory", "patient/Condition.rs", "patient/MedicationStatement.rs"]
PATIENT_KEY, PROVIDER_ID = os.urandom(32).hex(), os.urandom(16).hex()
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def base45(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [B45[n % 45], B45[n // 45 % 45], B45[n // 2025]]
    if len(data) % 2:
        n = data[-1]
        out += [B45[n % 45], B45[n // 45]]
    return "".join(out)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def qr_version(content) -> int:
    """Smallest QR version at ECC M; `content` is text or a list of (text, mode) segments."""
    return segno.make_qr(content, error="m", boost_error=False).version


# The facts as a minimal FHIR R4 Consent (what SMART Health Cards carry).
consent = {
    "resourceType": "Consent",
    "status": "active",
    "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
    "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
    "patient": {"identifier": {"value": PATIENT_KEY}},
    "provision": {
        "type": "permit",
        "period": {"start": "2026-09-21T14:13:20Z", "end": "2026-10-21T14:13:20Z"},
        "actor": [{"role": {"coding": [{"code": "IRCP"}]}, "reference": {"identifier": {"value": PROVIDER_ID}}}],
        "purpose": [{"code": "TREAT"}],
        "code": [{"text": s} for s in SCOPES],
    },
}

# SMART Health Card: JWS (ES256, zip DEF) over a VC; QR numeric mode "shc:/" + 2 digits a char.
header = {"zip": "DEF", "alg": "ES256", "kid": b64url(os.urandom(32))}
vc = {
    "iss": "https://assent.example/log",
    "nbf": NOW,
    "vc": {
        "type": ["https://smarthealth.cards#health-card"],
        "credentialSubject": {"fhirVersion": "4.0.1", "fhirBundle": {"resourceType": "Bundle", "type": "collection",
                              "entry": [{"fullUrl": "resource:0", "resource": consent}]}},
    },
}
jws = ".".join([b64url(json.dumps(header, separators=(",", ":")).encode()),
                b64url(raw_deflate(json.dumps(vc, separators=(",", ":")).encode())),
                b64url(os.urandom(64))])
shc = "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in jws)

# EU DCC: CWT (iss, iat, exp, hcert -260) in COSE_Sign1 (ES256, kid), zlib, Base45, "HC1:".
facts = {"pk": bytes.fromhex(PATIENT_KEY), "aud": bytes.fromhex(PROVIDER_ID), "sc": SCOPES, "pu": "TREAT",
         "nbf": NOW, "id": os.urandom(16), "lo": "assent.example/log", "s": os.urandom(16)}
cwt = cbor2.dumps({1: "AS", 6: NOW, 4: EXP, -260: {1: facts}})
protected = cbor2.dumps({1: -7, 4: os.urandom(8)})
cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, cwt, os.urandom(64)]))
dcc = "HC1:" + base45(zlib.compress(cose, 9))

rows = [
    # The version depends only on length and mode: any 459 alphanumeric characters stand in.
    ("Assent grant (COSE_Sign1, EdDSA, Base45, `AS1:`)", 303, 459,
     qr_version([("A" * 459, consts.MODE_ALPHANUMERIC)]), "alphanumeric"),
    ("SMART Health Card (JWS ES256, DEFLATE, `shc:/`)", len(jws), len(shc),
     qr_version([("shc:/", consts.MODE_BYTE), (shc[5:], consts.MODE_NUMERIC)]), "byte + numeric"),
    ("EU DCC (COSE_Sign1 ES256 CWT, zlib, Base45, `HC1:`)", len(zlib.compress(cose, 9)), len(dcc),
     qr_version([(dcc, consts.MODE_ALPHANUMERIC)]), "alphanumeric"),
]
print("| format, same facts | signed bytes | QR text | QR version (ECC M) | mode |")
print("|---|---:|---:|---:|---|")
for name, size, text, version, mode in rows:
    print(f"| {name} | {size} | {text} chars | {version} | {mode} |")
