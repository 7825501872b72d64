//! Child keys through the `tandem` binary in the local mode (against a real `tandem server`
//! process: `server_lifecycle.rs`, `lifecycle_with_child_keys_over_http`): `addresses` gives the wallet's `xpub` (read back with Base58Check by
//! hand, not with Tandem's parser) and, with `--path`, the child's keys and addresses (the
//! same as BIP32 public derivation from the `xpub`); `sign --path` signs with the child
//! (checked with k256 and ed25519-dalek under the child's key, and not under the wallet's);
//! bad paths are refused with one line; `eject` gives the `xprv` and the Ed25519 chain code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/cli.rs"]
mod support;

use support::*;

#[test]
fn local_mode_derives_and_signs_with_child_keys() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    let out = case.json(&["addresses"]);
    assert_eq!(keys(&out), ["addresses", "xpub"], "{out}");
    assert_eq!(out["addresses"], wallet["addresses"]);
    check_xpub(wallet, field(&out, "/xpub"));

    // m is the wallet itself.
    let root = case.json(&["addresses", "--path", "m"]);
    assert_eq!(root["child"]["addresses"], wallet["addresses"]);

    let path = "m/0/1";
    let child = check_child(wallet, &case.json(&["addresses", "--path", path]), path);
    // The human form names the path and the child xpub.
    let human = text(&case.run(&["addresses", "--path", path]).stdout);
    assert!(human.contains("xpub") && human.contains(path), "{human}");
    sign_with_child(&|args| case.json(args), wallet, &child, path);

    // From the pool as well: a presignature made for the wallet signs for the child.
    case.json(&["presign", "--count", "1"]);
    sign_with_child(&|args| case.json(args), wallet, &child, path);

    // Paths no key has, or not paths at all: refused in one line, nothing signed.
    let before = case.state();
    for (bad, why) in [
        ("m/0'", "hardened"),
        ("m/2147483648", "hardened"),
        ("0/1", "malformed"),
        ("m/01", "malformed"),
        ("m/1/", "malformed"),
    ] {
        let message = case.refused(&[
            "sign",
            "--curve",
            "ed25519",
            "--message",
            "00",
            "--path",
            bad,
        ]);
        assert_contains(&message, why);
        let message = case.refused(&["addresses", "--path", bad]);
        assert_contains(&message, why);
    }
    let deep = format!("m{}", "/1".repeat(256));
    let message = case.refused(&["addresses", "--path", &deep]);
    assert_contains(&message, "levels deep");
    assert_eq!(case.state(), before);
}

/// `sign --scheme bip340`: a BIP340 signature under the BIP86 output key of the wallet's key
/// (the `bitcoin_taproot` address's program) and of a child's, checked with `k256::schnorr`
/// against output keys computed here from BIP341's formulas.
#[test]
fn local_mode_signs_taproot_key_path_spends() {
    let wallet = &generated().output;
    let case = Case::copy_of(generated());
    let sighash = hex(&sha256(b"a BIP341 signature hash"));
    // No presignature is used and no share changes: the stores stay as they are.
    let before = case.state();
    let out = case.json(&[
        "sign",
        "--curve",
        "secp256k1",
        "--scheme",
        "bip340",
        "--message",
        &sighash,
    ]);
    check_bip340(&out, &secp_key(wallet).into(), &unhex(&sighash));
    // The output key is the witness program of the wallet's bc1p address.
    let (_, _, program) =
        bech32::segwit::decode(field(wallet, "/addresses/bitcoin_taproot")).unwrap();
    assert_eq!(hex(&program), field(&out, "/output_key"));

    let path = "m/0/1";
    let child = case.json(&["addresses", "--path", path]);
    let child_key =
        k256::PublicKey::from_sec1_bytes(&unhex(field(&child, "/child/secp256k1/public_key")))
            .unwrap();
    let out = case.json(&[
        "sign",
        "--curve",
        "secp256k1",
        "--scheme",
        "bip340",
        "--message",
        &sighash,
        "--path",
        path,
    ]);
    assert_eq!(field(&out, "/path"), path);
    assert_eq!(
        field(&out, "/public_key"),
        field(&child, "/child/secp256k1/public_key")
    );
    let mut bare = out.clone();
    for extra in ["path", "public_key"] {
        bare.as_object_mut().unwrap().remove(extra);
    }
    check_bip340(&bare, &child_key, &unhex(&sighash));
    let (_, _, program) =
        bech32::segwit::decode(field(&child, "/child/addresses/bitcoin_taproot")).unwrap();
    assert_eq!(hex(&program), field(&out, "/output_key"));
    assert_eq!(case.state(), before);
}

#[test]
fn eject_gives_the_xprv_and_the_ed25519_chain_code() {
    let wallet = &generated().output;
    let case = Case::copy_of(backed_up());
    let xpub = case.json(&["addresses"])["xpub"]
        .as_str()
        .unwrap()
        .to_owned();
    let password = case.file("password", PASSWORD);
    let out = case.json(&["eject", "--password-file", &password]);
    check_ejected(wallet, &out);
    let xprv = extended_key_bytes(field(&out, "/secp256k1/xprv"));
    let public = extended_key_bytes(&xpub);
    assert_eq!(&xprv[..4], &[0x04, 0x88, 0xAD, 0xE4]);
    // Depth, fingerprint, child number and chain code are the xpub's; the key is the
    // private key after a zero byte.
    assert_eq!(xprv[4..45], public[4..45]);
    assert_eq!(xprv[45], 0);
    assert_eq!(hex(&xprv[46..]), field(&out, "/secp256k1/private_key"));
    assert_hex(field(&out, "/ed25519/chain_code"), 32);
}
