//! The wallet's key tree through the wallet facade: the `xpub` derives what the tree derives
//! (BIP32 public derivation from the serialized key alone), child keys sign on both curves
//! from the same presignature pool and with full signing, the tree survives backup, recovery
//! and refresh, and the ejected keys derive the same children (the `xprv` too).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use k256::ecdsa::VerifyingKey;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use tandem_testkit::wallet::FixturePrimes;
use tandem_wallet::xpub::Xpub;
use tandem_wallet::{BackupKey, DerivationPath, FsStore, SignMethod, Wallet};
use zeroize::Zeroizing;

fn path(text: &str) -> DerivationPath {
    text.parse().unwrap()
}

#[test]
fn child_keys_sign_survive_the_lifecycle_and_eject_with_their_tree() {
    let dir = tempfile::tempdir().unwrap();
    let wallet =
        Wallet::with_paillier_keys(FsStore::create(dir.path()).unwrap(), FixturePrimes::new());
    let info = wallet.generate(&mut |_| {}).unwrap();
    let tree = wallet.tree().unwrap();

    // m is the wallet itself.
    let root = tree.derive(&DerivationPath::master()).unwrap();
    assert_eq!(root.public_keys, info.public_keys);
    assert_eq!(root.addresses, info.addresses);
    assert_eq!(root.xpub, tree.xpub());
    // The xpub, printed and parsed back, derives every child the tree derives.
    let xpub: Xpub = tree.xpub().to_string().parse().unwrap();
    for text in ["m/0", "m/0/1", "m/44/60/0/0/3"] {
        let child = tree.derive(&path(text)).unwrap();
        assert_eq!(xpub.derive(&path(text)).unwrap(), child.xpub, "{text}");
        assert_ne!(child.addresses.ethereum, info.addresses.ethereum);
        assert_ne!(child.addresses.solana, info.addresses.solana);
    }

    // A child signs on both curves: from the pool, then with full signing.
    let account = path("m/0/1");
    let child = tree.derive(&account).unwrap();
    let secp = VerifyingKey::from(&child.public_keys.secp256k1);
    wallet.presign(1, &mut |_| {}).unwrap();
    for method in [SignMethod::Presignature, SignMethod::FullSigning] {
        let digest = [u8::from(method == SignMethod::Presignature) + 1; 32];
        let signed = wallet
            .sign_secp256k1_at(&account, &digest, &mut |_| {})
            .unwrap();
        assert_eq!(signed.method, method);
        let sig = signed.signature.to_k256().unwrap();
        secp.verify_prehash(&digest, &sig).unwrap();
        let wallet_key = VerifyingKey::from(&info.public_keys.secp256k1);
        assert!(wallet_key.verify_prehash(&digest, &sig).is_err());
    }
    let sig = wallet
        .sign_ed25519_at(&account, b"pay", &mut |_| {})
        .unwrap();
    child
        .public_keys
        .ed25519
        .verify_strict(b"pay", &sig)
        .unwrap();

    // Backup, recovery and refresh keep the tree; the recovered shares sign for the child.
    let key = BackupKey::Password(Zeroizing::new(b"tree test".to_vec()));
    wallet.backup(&key, &mut |_| {}).unwrap();
    wallet.recover(&key, &mut |_| {}).unwrap();
    wallet.refresh(&mut |_| {}).unwrap();
    assert_eq!(wallet.tree().unwrap(), tree);
    let sig = wallet
        .sign_ed25519_at(&account, b"again", &mut |_| {})
        .unwrap();
    child
        .public_keys
        .ed25519
        .verify_strict(b"again", &sig)
        .unwrap();

    // The ejected keys derive the same child; the xprv is the wallet's (depth 0, its chain
    // code) and its public part is the xpub.
    let keys = wallet.eject(&key, &mut |_| {}).unwrap();
    let secp_child = keys.secp256k1.child(&account).unwrap();
    assert_eq!(
        secp_child.signing_key().unwrap().verifying_key(),
        &VerifyingKey::from(&child.public_keys.secp256k1)
    );
    let ed_child = keys.ed25519.child(&account).unwrap();
    assert_eq!(ed_child.verifying_key(), child.public_keys.ed25519);
    let ed_sig = ed_child.sign(b"ejected child");
    child
        .public_keys
        .ed25519
        .verify_strict(b"ejected child", &ed_sig)
        .unwrap();
    let xprv = keys.secp256k1.to_xprv();
    let raw = bs58::decode(xprv.as_str())
        .with_check(None)
        .into_vec()
        .unwrap();
    let public = bs58::decode(tree.xpub().to_string())
        .with_check(None)
        .into_vec()
        .unwrap();
    // Same depth, fingerprint, child number and chain code; version and key differ.
    assert_eq!(raw[4..45], public[4..45]);
    assert_eq!(&raw[..4], &[0x04, 0x88, 0xAD, 0xE4]);
}
