#!/usr/bin/env python3
"""Tandem's Ed25519 non-hardened derivation, version 1, written again from its description
(crates/tandem-protocol/src/hd.rs) with nothing shared with the Rust code: Edwards arithmetic
from RFC 8032 section 5.1, HMAC-SHA512 from Python's standard library. Prints ed25519.json,
the frozen vectors that `hd::tests` reads back.

    python3 test-vectors/v1/hd/ed25519_vectors.py > test-vectors/v1/hd/ed25519.json
"""
import hashlib
import hmac
import json

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P


def recover_x(y, sign):
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * pow(2, (P - 1) // 4, P) % P
    assert (x * x - x2) % P == 0
    if x & 1 != sign:
        x = P - x
    return x


BY = 4 * pow(5, P - 2, P) % P
B = (recover_x(BY, 0), BY)
IDENTITY = (0, 1)


def add(p, q):
    (x1, y1), (x2, y2) = p, q
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return (x3, y3)


def mul(k, p):
    r = IDENTITY
    while k:
        if k & 1:
            r = add(r, p)
        p = add(p, p)
        k >>= 1
    return r


def encode(p):
    x, y = p
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def child(public, chain, index):
    a = encode(public)
    i = index.to_bytes(4, "big")
    z = hmac.new(chain, b"\x02" + a + i, hashlib.sha512).digest()
    t = int.from_bytes(z, "little") % L
    c = hmac.new(chain, b"\x03" + a + i, hashlib.sha512).digest()[32:]
    key = add(public, mul(t, B))
    assert key != IDENTITY
    return key, c, t


def main():
    secret = int.from_bytes(hashlib.sha512(b"tandem/hd/ed25519/vectors/root").digest(), "little") % L
    root = mul(secret, B)
    chain = hashlib.sha256(b"tandem/hd/ed25519/vectors/chain-code").digest()
    paths = [[0], [1], [0, 1], [44, 501, 0, 0], [2**31 - 1], [7] * 8]
    children = []
    for path in paths:
        key, c, total = root, chain, 0
        for index in path:
            key, c, t = child(key, c, index)
            total = (total + t) % L
        assert key == add(root, mul(total, B))
        children.append({
            "path": "m" + "".join(f"/{i}" for i in path),
            "public_key": encode(key).hex(),
            "chain_code": c.hex(),
            "tweak": total.to_bytes(32, "little").hex(),
        })
    print(json.dumps({
        "comment": "Tandem Ed25519 non-hardened derivation v1; made by ed25519_vectors.py",
        "public_key": encode(root).hex(),
        "chain_code": chain.hex(),
        "children": children,
    }, indent=2))


main()
