//! End to end on both curves: backup, recover (twice), refresh, eject; every signature
//! verified by the curve's reference verifier.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use ed25519_dalek::Verifier;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use tandem_backup::{Ed25519Key, EjectError, Secp256k1Key};
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::driver::{recover_ecdsa, refresh_ecdsa, reshare};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::reshare::{Backup, Recover, Refresh};
use tandem_protocol::{BackupKind, BackupShare, Sharing};
use tandem_protocol::{Error, KeyShare, Refusal, Role};
use tandem_testkit::message::{rng, signing_pair};
use tandem_testkit::primes::paillier_key;

fn ed25519_signs(client: &KeyShare<Ed25519>, server: &KeyShare<Ed25519>, seed: u64) {
    let msg = format!("payment {seed}");
    let (sig, server_sig) = driver::eddsa_sign(
        client,
        server,
        msg.as_bytes(),
        &mut rng(seed),
        &mut rng(seed + 1),
        &mut NoTap,
    )
    .unwrap();
    assert_eq!(sig, server_sig);
    let vk = ed25519_dalek::VerifyingKey::from_bytes(client.public_key_bytes().try_into().unwrap())
        .unwrap();
    vk.verify_strict(msg.as_bytes(), &sig).unwrap();
}

fn ecdsa_signs(client: &EcdsaKeyShare, server: &EcdsaKeyShare, seed: u64) {
    let digest = [seed as u8; 32];
    let (cp, sp) = driver::presign(
        client,
        server,
        &mut rng(seed),
        &mut rng(seed + 1),
        &mut NoTap,
    )
    .unwrap();
    let (sig, server_sig) = driver::ecdsa_sign(
        client,
        server,
        cp,
        sp,
        &digest,
        &mut rng(seed + 2),
        &mut rng(seed + 3),
        &mut NoTap,
    )
    .unwrap();
    assert_eq!(sig, server_sig);
    let k256_sig = sig.to_k256().unwrap();
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(client.core().public_key_bytes()).unwrap();
    vk.verify_prehash(&digest, &k256_sig).unwrap();
    let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(
        &digest,
        &k256_sig,
        sig.k256_recovery_id().unwrap(),
    )
    .unwrap();
    assert_eq!(recovered, vk);
}

/// The public key every pair must keep.
fn assert_same_key<C: Curve, A: Sharing<C>, B: Sharing<C>>(a: &A, b: &B) {
    assert_eq!(a.key_share().public_key(), b.key_share().public_key());
}

/// A share of one pair plus a share of the other gives a value that is not the key.
fn assert_mismatched<C: Curve>(signing: &KeyShare<C>, backup: &BackupShare<C>) {
    let sum = signing.secret() + backup.key_share().secret();
    assert_ne!(sum.public_point(), signing.public_key());
    assert_ne!(signing.sharing_id(), backup.sharing_id());
}

fn backup_recover_refresh_ed25519(seed: u64) {
    let (c, s) = signing_pair::<Ed25519>(seed);
    let (bc, bk) = reshare::<Backup, Ed25519, _, _, _>(
        &c,
        &s,
        &mut rng(seed + 10),
        &mut rng(seed + 11),
        &mut NoTap,
    )
    .unwrap();
    assert_eq!(
        (bc.kind(), bk.kind()),
        (BackupKind::ClientBackup, BackupKind::CustodianBackup)
    );
    assert_same_key(&c, &bc);
    for own in [&c, &s] {
        for other in [&bc, &bk] {
            assert_mismatched(own, other);
        }
    }
    // Recover twice from the same backup pair: two different signing pairs of the same key.
    let (c1, s1) = reshare::<Recover, Ed25519, _, _, _>(
        &bc,
        &bk,
        &mut rng(seed + 20),
        &mut rng(seed + 21),
        &mut NoTap,
    )
    .unwrap();
    let (c2, s2) = reshare::<Recover, Ed25519, _, _, _>(
        &bc,
        &bk,
        &mut rng(seed + 22),
        &mut rng(seed + 23),
        &mut NoTap,
    )
    .unwrap();
    assert_same_key(&c, &c1);
    assert_same_key(&c, &c2);
    assert_ne!(c1.sharing_id(), c.sharing_id());
    assert_ne!(c1.sharing_id(), c2.sharing_id());
    ed25519_signs(&c1, &s1, seed + 30);
    ed25519_signs(&c2, &s2, seed + 32);
    // The old device share is useless with the new server share: refused, never a bad signature.
    let err = driver::eddsa_sign(&c, &s1, b"x", &mut rng(1), &mut rng(2), &mut NoTap).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::KeyShareMismatch
            }
        ),
        "{err:?}"
    );
    // Refresh the recovered pair and sign again.
    let (c3, s3) = reshare::<Refresh, Ed25519, _, _, _>(
        &c1,
        &s1,
        &mut rng(seed + 40),
        &mut rng(seed + 41),
        &mut NoTap,
    )
    .unwrap();
    assert_ne!(c3.sharing_id(), c1.sharing_id());
    ed25519_signs(&c3, &s3, seed + 42);
    // Eject from the backup pair and from a signing pair: the same key, signatures verify.
    let key = Ed25519Key::eject(&bc, &bk).unwrap();
    assert_eq!(key.verifying_key().as_bytes()[..], c.public_key_bytes()[..]);
    assert_eq!(
        Ed25519Key::eject(&c3, &s3).unwrap().scalar_bytes(),
        key.scalar_bytes()
    );
    let sig = key.sign(b"ejected");
    key.verifying_key().verify_strict(b"ejected", &sig).unwrap();
    key.verifying_key().verify(b"ejected", &sig).unwrap();
    // Cross-pair combinations refuse to combine.
    assert_eq!(
        Ed25519Key::eject(&c, &s1).unwrap_err(),
        EjectError::DifferentSharings
    );
    assert_eq!(
        Ed25519Key::eject(&bc, &bc).unwrap_err(),
        EjectError::SameSide(Role::Client)
    );
}

#[test]
fn ed25519_backup_recover_refresh_eject_many_seeds() {
    for seed in (0..12).map(|i| 1000 + 100 * i) {
        backup_recover_refresh_ed25519(seed);
    }
}

#[test]
fn secp256k1_shares_reshare_many_seeds() {
    // The share arithmetic and checks of secp256k1, without Paillier (fast): backup, recover,
    // refresh of the key-generation shares, eject matches the key.
    for seed in (0..12).map(|i| 5000 + 100 * i) {
        let (c, s) = signing_pair::<Secp256k1>(seed);
        let (bc, bk) = reshare::<Backup, Secp256k1, _, _, _>(
            &c,
            &s,
            &mut rng(seed + 2),
            &mut rng(seed + 3),
            &mut NoTap,
        )
        .unwrap();
        let (c1, s1) = reshare::<Recover, Secp256k1, _, _, _>(
            &bc,
            &bk,
            &mut rng(seed + 4),
            &mut rng(seed + 5),
            &mut NoTap,
        )
        .unwrap();
        let (c2, s2) = reshare::<Refresh, Secp256k1, _, _, _>(
            &c1,
            &s1,
            &mut rng(seed + 6),
            &mut rng(seed + 7),
            &mut NoTap,
        )
        .unwrap();
        // Recovery runs again from the same backup pair: another fresh signing pair.
        let (c3, s3) = reshare::<Recover, Secp256k1, _, _, _>(
            &bc,
            &bk,
            &mut rng(seed + 8),
            &mut rng(seed + 9),
            &mut NoTap,
        )
        .unwrap();
        assert_ne!(c3.sharing_id(), c1.sharing_id());
        for (a, b) in [(&c1, &s1), (&c2, &s2), (&c3, &s3)] {
            assert_same_key(&c, a);
            assert_eq!((a.secret() + b.secret()).public_point(), c.public_key());
        }
        assert_mismatched(&s, &bc);
        assert_mismatched(&c, &bk);
        let key = Secp256k1Key::eject(&bc, &bk).unwrap();
        assert_eq!(key.public_key(), c.public_key());
        assert_eq!(
            Secp256k1Key::eject(&c2, &s2).unwrap().to_bytes(),
            key.to_bytes()
        );
    }
}

#[test]
fn secp256k1_backup_recover_refresh_sign_eject() {
    let (c, s) = signing_pair::<Secp256k1>(77);
    let (client, server) = driver::aux_info(
        c,
        s,
        paillier_key(0).unwrap(),
        paillier_key(1).unwrap(),
        &mut rng(78),
        &mut rng(79),
        &mut NoTap,
    )
    .unwrap();
    ecdsa_signs(&client, &server, 1);

    let (bc, bk) = reshare::<Backup, Secp256k1, _, _, _>(
        client.core(),
        server.core(),
        &mut rng(80),
        &mut rng(81),
        &mut NoTap,
    )
    .unwrap();
    // The backup pair did not change the signing pair: it still signs.
    ecdsa_signs(&client, &server, 2);

    // Recovery with fresh Paillier material (fixture keys 2 and 3 stand in for fresh primes).
    let (client1, server1) = recover_ecdsa(
        &bc,
        &bk,
        paillier_key(2).unwrap(),
        paillier_key(3).unwrap(),
        &mut rng(82),
        &mut rng(83),
        &mut NoTap,
    )
    .unwrap();
    assert_eq!(client1.core().public_key(), client.core().public_key());
    assert_ne!(client1.sharing_id(), client.sharing_id());
    ecdsa_signs(&client1, &server1, 3);

    // The lost device's share with the new server share: refused at presigning, with a
    // clear error naming the stale party; never a signature.
    let err = driver::presign(&client, &server1, &mut rng(1), &mut rng(2), &mut NoTap).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::KeyShareMismatch
            }
        ),
        "{err:?}"
    );
    let err = driver::ecdsa_full_sign(
        &client,
        &server1,
        &[1; 32],
        &mut rng(1),
        &mut rng(2),
        &mut NoTap,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Refused {
                sender: Role::Client,
                reason: Refusal::KeyShareMismatch
            }
        ),
        "{err:?}"
    );
    // A presignature of the old pair does not fit the new shares either.
    let (old_cp, _old_sp) =
        driver::presign(&client, &server, &mut rng(5), &mut rng(6), &mut NoTap).unwrap();
    let (_, new_sp) =
        driver::presign(&client1, &server1, &mut rng(7), &mut rng(8), &mut NoTap).unwrap();
    assert!(
        driver::ecdsa_sign(
            &client1,
            &server1,
            old_cp,
            new_sp,
            &[2; 32],
            &mut rng(9),
            &mut rng(10),
            &mut NoTap
        )
        .is_err()
    );

    // Refresh (fresh Paillier again) and sign; eject from the backup pair matches the key.
    let (client2, server2) = refresh_ecdsa(
        &client1,
        &server1,
        paillier_key(0).unwrap(),
        paillier_key(1).unwrap(),
        &mut rng(84),
        &mut rng(85),
        &mut NoTap,
    )
    .unwrap();
    ecdsa_signs(&client2, &server2, 4);
    let key = Secp256k1Key::eject(&bc, &bk).unwrap();
    let signing_key = key.signing_key().unwrap();
    assert_eq!(
        signing_key.verifying_key().to_sec1_bytes()[..],
        client.core().public_key_bytes()[..]
    );
    // WIF: base58check of 0x80 || key || 0x01.
    let wif = key.to_wif();
    let decoded = bs58::decode(wif.as_str())
        .with_check(None)
        .into_vec()
        .unwrap();
    assert_eq!(decoded.len(), 34);
    assert_eq!((decoded[0], decoded[33]), (0x80, 0x01));
    assert_eq!(decoded[1..33], key.to_bytes()[..]);
    assert!(wif.starts_with('K') || wif.starts_with('L'));
    // Testnet: 0xef || key || 0x01, strings starting with 'c'.
    let testnet = key.to_wif_for(tandem_backup::WifNetwork::Testnet);
    let decoded = bs58::decode(testnet.as_str())
        .with_check(None)
        .into_vec()
        .unwrap();
    assert_eq!((decoded.len(), decoded[0], decoded[33]), (34, 0xef, 0x01));
    assert_eq!(decoded[1..33], key.to_bytes()[..]);
    assert!(testnet.starts_with('c'));
}
