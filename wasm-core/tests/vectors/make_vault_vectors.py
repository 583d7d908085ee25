#!/usr/bin/env python3
"""Writes vault-vectors.json: known answers for wasm_core::vault, computed independently of the
Rust code.

- BIP39: Trezor's reference implementation (PyPI `mnemonic`, version 0.21), English, 256-bit
  entropy; the first four entropies are the BIP's own test vectors.
- Key derivation: HKDF-SHA-256 (RFC 5869) written here with hmac/hashlib:
  salt "assent/v1/vault/key-derivation", IKM = seed, info "root-key" or
  "pairwise-key\\x00" || provider id, or "provider-key"; the output is the Ed25519 secret key.

Run: pip install mnemonic==0.21 && python3 make_vault_vectors.py > vault-vectors.json
"""
import hashlib
import hmac
import json

from mnemonic import Mnemonic

SALT = b"assent/v1/vault/key-derivation"


def hkdf_sha256(salt: bytes, ikm: bytes, info: bytes, length: int = 32) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


entropies = ["00" * 32, "7f" * 32, "80" * 32, "ff" * 32] + [
    hashlib.sha256(f"assent vault vector {i}".encode()).hexdigest() for i in range(4)
]
english = Mnemonic("english")
phrases = [{"entropy": e, "phrase": english.to_mnemonic(bytes.fromhex(e))} for e in entropies]

derivations = []
for e in entropies[4:6]:
    seed = bytes.fromhex(e)
    derivations.append({"seed": e, "label": "root", "secret": hkdf_sha256(SALT, seed, b"root-key").hex()})
    derivations.append({"seed": e, "label": "provider", "secret": hkdf_sha256(SALT, seed, b"provider-key").hex()})
    for provider in ["provider-a", "provider-b"]:
        info = b"pairwise-key\x00" + provider.encode()
        derivations.append(
            {"seed": e, "label": "pairwise", "provider": provider, "secret": hkdf_sha256(SALT, seed, info).hex()}
        )

print(json.dumps({"source": "wasm-core/tests/vectors/make_vault_vectors.py", "phrases": phrases, "derivations": derivations}, indent=2))
