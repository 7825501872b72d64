//! Encodings (hex, Base58Check, Base32, CRC16) and the checks of the CLI's outputs: the
//! wallet object with its addresses, the signatures verified with the chains' own
//! libraries, and the ejected keys checked against the public keys. Part of `support/cli.rs`.

use curve25519_dalek::{EdwardsPoint, Scalar};
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::elliptic_curve::sec1::ToSec1Point;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// `floor(n / 2)` for the secp256k1 group order `n`: a low-s signature has `s <= HALF_N`.
pub(crate) const HALF_N: &str = "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0";

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes lowercase hex (panics on anything else).
pub(crate) fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex {text:?}");
    assert!(
        text.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
        "not lowercase hex: {text:?}"
    );
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Lowercase hex of exactly `len` bytes.
pub(crate) fn assert_hex(text: &str, len: usize) -> Vec<u8> {
    let bytes = unhex(text);
    assert_eq!(bytes.len(), len, "{text}");
    bytes
}

pub(crate) fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.try_into().unwrap()
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Base58 (Bitcoin alphabet).
pub(crate) fn base58_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut number: Vec<u8> = Vec::new(); // big-endian
    for c in text.bytes() {
        let digit = ALPHABET.iter().position(|&a| a == c).unwrap();
        let mut carry = u32::try_from(digit).unwrap();
        for byte in number.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = carry.to_le_bytes()[0];
            carry >>= 8;
        }
        while carry > 0 {
            number.insert(0, carry.to_le_bytes()[0]);
            carry >>= 8;
        }
    }
    let zeros = text.bytes().take_while(|&c| c == b'1').count();
    let mut out = vec![0u8; zeros];
    out.extend(number);
    out
}

/// Base58Check: the payload, after checking the 4-byte double-SHA-256 checksum.
pub(crate) fn base58check_decode(text: &str) -> Vec<u8> {
    let bytes = base58_decode(text);
    let (payload, checksum) = bytes.split_at(bytes.len() - 4);
    assert_eq!(&sha256(&sha256(payload))[..4], checksum, "{text}");
    payload.to_vec()
}

/// RFC 4648 Base32 without padding.
pub(crate) fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes() {
        let digit = ALPHABET.iter().position(|&a| a == c).unwrap();
        buffer = (buffer << 5) | u32::try_from(digit).unwrap();
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits).to_le_bytes()[0]);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// CRC-16/XMODEM (Stellar strkeys).
pub(crate) fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 == 0 {
                crc << 1
            } else {
                (crc << 1) ^ 0x1021
            };
        }
    }
    crc
}

/// The sorted keys of a JSON object.
pub(crate) fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

pub(crate) fn field<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value}"))
}

/// `base` (an object) with `extra`'s fields added.
pub(crate) fn with(base: &Value, extra: Value) -> Value {
    let mut value = base.clone();
    let object = value.as_object_mut().unwrap();
    for (k, v) in extra.as_object().unwrap() {
        object.insert(k.clone(), v.clone());
    }
    value
}

/// BIP341's `taproot_tweak_pubkey` with no script tree (BIP86), from the BIP's formulas with
/// k256 types: the x-only output key of the internal key `key`.
pub(crate) fn bip86_output_key(key: &k256::PublicKey) -> Vec<u8> {
    use k256::elliptic_curve::PrimeField;
    use k256::elliptic_curve::point::AffineCoordinates;
    let affine = key.as_affine();
    let x: [u8; 32] = affine.x().into();
    let point = key.to_projective();
    let even = if bool::from(affine.y_is_odd()) {
        -point
    } else {
        point
    };
    let tag = sha256(b"TapTweak");
    let t: [u8; 32] = Sha256::new()
        .chain_update(tag)
        .chain_update(tag)
        .chain_update(x)
        .finalize()
        .into();
    let t = Option::<k256::Scalar>::from(k256::Scalar::from_repr(t.into())).unwrap();
    let q = (even + k256::ProjectivePoint::GENERATOR * t).to_affine();
    let qx: [u8; 32] = q.x().into();
    qx.to_vec()
}

/// A `sign --scheme bip340` output: exactly `signature` (64 bytes) and `output_key` (32), the
/// output key BIP86's for `internal`, and the signature valid for `message` under it with
/// `k256::schnorr` (and not for another message).
pub(crate) fn check_bip340(out: &Value, internal: &k256::PublicKey, message: &[u8]) {
    assert_eq!(keys(out), ["output_key", "signature"], "{out}");
    let output_key = assert_hex(field(out, "/output_key"), 32);
    assert_eq!(output_key, bip86_output_key(internal));
    let signature = assert_hex(field(out, "/signature"), 64);
    let key = k256::schnorr::VerifyingKey::from_slice(&output_key).unwrap();
    let sig = k256::schnorr::Signature::try_from(signature.as_slice()).unwrap();
    key.verify_raw(message, &sig).unwrap();
    assert!(key.verify_raw(b"another message", &sig).is_err());
}

pub(crate) fn secp_key(wallet: &Value) -> k256::ecdsa::VerifyingKey {
    k256::ecdsa::VerifyingKey::from_sec1_bytes(&unhex(field(wallet, "/secp256k1/public_key")))
        .unwrap()
}

pub(crate) fn ed_key(wallet: &Value) -> ed25519_dalek::VerifyingKey {
    ed25519_dalek::VerifyingKey::from_bytes(&array(&unhex(field(wallet, "/ed25519/public_key"))))
        .unwrap()
}

/// The wallet object of `generate` (and of `status`, `recover`, `refresh` in part): exact
/// fields, key encodings, and each address checked against the key it encodes.
pub(crate) fn check_wallet_object(wallet: &Value) {
    assert_eq!(
        keys(wallet),
        ["addresses", "client_id", "ed25519", "secp256k1"],
        "{wallet}"
    );
    assert_hex(field(wallet, "/client_id"), 16);

    assert_eq!(keys(&wallet["secp256k1"]), ["public_key"]);
    let secp_bytes = assert_hex(field(wallet, "/secp256k1/public_key"), 33);
    assert!(matches!(secp_bytes[0], 2 | 3), "compressed SEC1");
    let secp = k256::PublicKey::from_sec1_bytes(&secp_bytes).unwrap();
    assert_eq!(secp.to_sec1_point(true).as_bytes(), secp_bytes.as_slice());

    assert_eq!(keys(&wallet["ed25519"]), ["public_key"]);
    let ed_bytes = assert_hex(field(wallet, "/ed25519/public_key"), 32);
    let ed = ed25519_dalek::VerifyingKey::from_bytes(&array(&ed_bytes)).unwrap();

    let addresses = &wallet["addresses"];
    assert_eq!(
        keys(addresses),
        [
            "bitcoin",
            "bitcoin_taproot",
            "ethereum",
            "solana",
            "stellar",
            "tron"
        ]
    );
    let ethereum = field(addresses, "/ethereum");
    assert!(ethereum.starts_with("0x"), "{ethereum}");
    assert_eq!(ethereum.len(), 42, "{ethereum}");
    let account = unhex(&ethereum[2..].to_ascii_lowercase());

    let bitcoin = field(addresses, "/bitcoin");
    assert!(bitcoin.starts_with("bc1q"), "{bitcoin}");
    assert_eq!(bitcoin.len(), 42, "P2WPKH: {bitcoin}");
    assert!(
        bitcoin[3..]
            .bytes()
            .all(|c| b"qpzry9x8gf2tvdw0s3jn54khce6mua7l".contains(&c)),
        "{bitcoin}"
    );

    // Taproot: Bech32m (BIP350) of witness version 1 and the BIP86 output key of the wallet's
    // key, checked with k256 from BIP341's formulas below.
    let taproot = field(addresses, "/bitcoin_taproot");
    assert!(taproot.starts_with("bc1p"), "{taproot}");
    assert_eq!(taproot.len(), 62, "P2TR: {taproot}");
    let (hrp, version, program) = bech32::segwit::decode(taproot).unwrap();
    assert_eq!((hrp.as_str(), version.to_u8()), ("bc", 1), "{taproot}");
    assert_eq!(program, bip86_output_key(&secp), "{taproot}");

    // Tron: Base58Check of 0x41 and the same 20 bytes as the Ethereum address.
    let tron = field(addresses, "/tron");
    assert!(tron.starts_with('T'), "{tron}");
    assert_eq!(tron.len(), 34, "{tron}");
    let payload = base58check_decode(tron);
    assert_eq!(payload[0], 0x41);
    assert_eq!(
        &payload[1..],
        account.as_slice(),
        "tron and ethereum accounts"
    );

    // Solana: the Ed25519 key in Base58.
    let solana = field(addresses, "/solana");
    assert_eq!(base58_decode(solana), ed_bytes, "{solana}");

    // Stellar: G strkey: version byte 6 << 3, the key, CRC16-XModem little-endian.
    let stellar = field(addresses, "/stellar");
    assert!(stellar.starts_with('G'), "{stellar}");
    assert_eq!(stellar.len(), 56, "{stellar}");
    let strkey = base32_decode(stellar);
    assert_eq!(strkey.len(), 35);
    assert_eq!(strkey[0], 6 << 3);
    assert_eq!(&strkey[1..33], ed_bytes.as_slice());
    assert_eq!(strkey[33..], crc16_xmodem(&strkey[..33]).to_le_bytes());

    // Everything, EIP-55 and Bech32 included, as the wallet library derives it.
    let expected = tandem_wallet::address::Addresses::new(&secp, &ed);
    assert_eq!(
        *addresses,
        json!({
            "ethereum": expected.ethereum,
            "bitcoin": expected.bitcoin,
            "bitcoin_taproot": expected.bitcoin_taproot,
            "tron": expected.tron,
            "solana": expected.solana,
            "stellar": expected.stellar,
        })
    );
}

/// A secp256k1 `sign` output: exact fields, verification with k256, low s, the recovery id.
pub(crate) fn check_secp256k1_signature(wallet: &Value, digest: &[u8; 32], out: &Value) {
    assert_eq!(keys(out), ["r", "recovery_id", "s", "signature"], "{out}");
    let signature_hex = field(out, "/signature");
    let (r, s) = (field(out, "/r"), field(out, "/s"));
    assert_hex(signature_hex, 64);
    assert_hex(r, 32);
    let s_bytes = assert_hex(s, 32);
    assert_eq!(signature_hex, format!("{r}{s}"), "signature is r || s");

    let key = secp_key(wallet);
    let signature = k256::ecdsa::Signature::from_slice(&unhex(signature_hex)).unwrap();
    key.verify_prehash(digest, &signature)
        .unwrap_or_else(|e| panic!("signature does not verify: {e} ({out})"));
    let mut other = *digest;
    other[31] ^= 1;
    assert!(key.verify_prehash(&other, &signature).is_err());

    // Low s: normalising changes nothing, and s <= n/2.
    assert_eq!(signature.normalize_s(), signature, "high s: {out}");
    assert!(
        s_bytes.as_slice() <= unhex(HALF_N).as_slice(),
        "high s: {s}"
    );

    // The recovery id recovers the key (and the other one does not).
    let v = out["recovery_id"].as_u64().unwrap();
    assert!(v <= 1, "recovery id {v}");
    let v = u8::try_from(v).unwrap();
    let id = k256::ecdsa::RecoveryId::from_byte(v).unwrap();
    let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(digest, &signature, id);
    assert_eq!(recovered.unwrap(), key, "ecrecover with v = {v}");
    let id = k256::ecdsa::RecoveryId::from_byte(v ^ 1).unwrap();
    let wrong = k256::ecdsa::VerifyingKey::recover_from_prehash(digest, &signature, id);
    assert_ne!(wrong.ok(), Some(key));
}

/// An Ed25519 `sign` output: exact fields, `verify_strict` with ed25519-dalek.
pub(crate) fn check_ed25519_signature(wallet: &Value, message: &[u8], out: &Value) {
    assert_eq!(keys(out), ["signature"], "{out}");
    let bytes = assert_hex(field(out, "/signature"), 64);
    let signature = ed25519_dalek::Signature::from_bytes(&array(&bytes));
    let key = ed_key(wallet);
    key.verify_strict(message, &signature)
        .unwrap_or_else(|e| panic!("signature does not verify: {e} ({out})"));
    let mut other = message.to_vec();
    other.push(0);
    assert!(key.verify_strict(&other, &signature).is_err());
}

/// An `eject` output: exact fields (the keys, the `xprv` and the Ed25519 chain code, read
/// by `cli_hd.rs`); the secp256k1 key's public key and the Ed25519 scalar times the base
/// point are the wallet's public keys.
pub(crate) fn check_ejected(wallet: &Value, out: &Value) {
    assert_eq!(keys(out), ["ed25519", "secp256k1"], "{out}");
    assert_eq!(keys(&out["secp256k1"]), ["private_key", "xprv"]);
    assert_eq!(keys(&out["ed25519"]), ["chain_code", "private_scalar"]);

    let secret = assert_hex(field(out, "/secp256k1/private_key"), 32);
    let secret = k256::SecretKey::from_slice(&secret).unwrap();
    assert_eq!(
        hex(secret.public_key().to_sec1_point(true).as_bytes()),
        field(wallet, "/secp256k1/public_key")
    );

    let scalar = assert_hex(field(out, "/ed25519/private_scalar"), 32);
    let scalar = Option::<Scalar>::from(Scalar::from_canonical_bytes(array(&scalar)))
        .expect("a canonical little-endian scalar");
    assert_eq!(
        hex(EdwardsPoint::mul_base(&scalar).compress().as_bytes()),
        field(wallet, "/ed25519/public_key")
    );
}

pub(crate) fn digest_of(text: &str) -> [u8; 32] {
    sha256(text.as_bytes())
}

/// The `status` object of a wallet.
pub(crate) fn status_of(wallet: &Value, backup: Option<&str>, presignatures: usize) -> Value {
    with(
        wallet,
        json!({
            "signing_status": "STORED_CLIENT",
            "backup_status": backup,
            "presignatures": presignatures,
        }),
    )
}

pub(crate) const BACKUP_DONE: &str = "STORED_CLIENT_BACKUP_SHARE";

pub(crate) fn backup_output() -> Value {
    json!({
        "statuses": ["STORED_CUSTODIAN_BACKUP_SHARE", "STORED_CLIENT_BACKUP_SHARE"],
        "status": "STORED_CLIENT_BACKUP_SHARE",
    })
}

pub(crate) fn recover_output(wallet: &Value) -> Value {
    with(
        wallet,
        json!({ "statuses": ["STORED_DATABASE", "STORED_CLIENT"], "status": "STORED_CLIENT" }),
    )
}

// ---------------------------------------------------------------------------------------
// Child keys (`cli_hd.rs`, `server_lifecycle.rs`)
// ---------------------------------------------------------------------------------------

/// The 78 bytes of a Base58Check extended key.
pub(crate) fn extended_key_bytes(text: &str) -> Vec<u8> {
    let bytes = base58check_decode(text);
    assert_eq!(bytes.len(), 78, "{text}");
    bytes
}

/// Checks an `addresses --path` output against `wallet` (the `generate` output), and returns
/// the child object.
pub(crate) fn check_child(wallet: &Value, out: &Value, path: &str) -> Value {
    assert_eq!(keys(out), ["addresses", "child", "xpub"], "{out}");
    assert_eq!(out["addresses"], wallet["addresses"]);
    let child = out["child"].clone();
    assert_eq!(
        keys(&child),
        ["addresses", "ed25519", "path", "secp256k1", "xpub"],
        "{child}"
    );
    assert_eq!(child["path"], path);
    // BIP32 public derivation from the wallet's xpub gives the child's xpub and key.
    let xpub: tandem_wallet::xpub::Xpub = field(out, "/xpub").parse().unwrap();
    let derived = xpub.derive(&path.parse().unwrap()).unwrap();
    assert_eq!(derived.to_string(), field(&child, "/xpub"));
    let child_xpub = extended_key_bytes(field(&child, "/xpub"));
    assert_eq!(
        hex(&child_xpub[45..]),
        field(&child, "/secp256k1/public_key")
    );
    // Another key, other addresses, on both curves.
    for curve in ["secp256k1", "ed25519"] {
        assert_ne!(child[curve]["public_key"], wallet[curve]["public_key"]);
    }
    for chain in [
        "ethereum",
        "bitcoin",
        "bitcoin_taproot",
        "tron",
        "solana",
        "stellar",
    ] {
        assert_ne!(child["addresses"][chain], wallet["addresses"][chain]);
    }
    child
}

/// The wallet's `xpub`: mainnet public version, depth 0, no parent, the wallet's key.
pub(crate) fn check_xpub(wallet: &Value, xpub: &str) {
    let bytes = extended_key_bytes(xpub);
    assert_eq!(&bytes[..4], &[0x04, 0x88, 0xB2, 0x1E]);
    assert_eq!(&bytes[4..13], &[0; 9], "depth 0, no fingerprint, child 0");
    assert_eq!(hex(&bytes[45..]), field(wallet, "/secp256k1/public_key"));
}

/// Signs on both curves with `path` through `run` (the binary, `--json`) and checks each
/// signature under the child's key and not under the wallet's.
pub(crate) fn sign_with_child(
    run: &dyn Fn(&[&str]) -> Value,
    wallet: &Value,
    child: &Value,
    path: &str,
) {
    let digest = digest_of(&format!("tandem cli test: secp256k1 at {path}"));
    let out = run(&[
        "sign",
        "--curve",
        "secp256k1",
        "--digest",
        &hex(&digest),
        "--path",
        path,
    ]);
    assert_eq!(
        keys(&out),
        ["path", "public_key", "r", "recovery_id", "s", "signature"],
        "{out}"
    );
    assert_eq!(out["path"], path);
    assert_eq!(out["public_key"], child["secp256k1"]["public_key"]);
    let sig = k256::ecdsa::Signature::from_slice(&unhex(field(&out, "/signature"))).unwrap();
    secp_key(child)
        .verify_prehash(&digest, &sig)
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(secp_key(wallet).verify_prehash(&digest, &sig).is_err());

    let message = b"tandem cli test: ed25519 child";
    let out = run(&[
        "sign",
        "--curve",
        "ed25519",
        "--message",
        &hex(message),
        "--path",
        path,
    ]);
    assert_eq!(keys(&out), ["path", "public_key", "signature"], "{out}");
    assert_eq!(out["public_key"], child["ed25519"]["public_key"]);
    let sig = ed25519_dalek::Signature::from_slice(&unhex(field(&out, "/signature"))).unwrap();
    ed_key(child).verify_strict(message, &sig).unwrap();
    assert!(ed_key(wallet).verify_strict(message, &sig).is_err());
}
