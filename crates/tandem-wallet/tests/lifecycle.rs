//! The wallet facade end to end: generate, sign, presignature pool, backup, recover, refresh,
//! eject, and every lifecycle rule, on the filesystem store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_protocol::ecdsa::PresignaturePool;
use tandem_testkit::wallet::*;
use tandem_wallet::progress::Progress;
use tandem_wallet::store::names;
use tandem_wallet::{
    BackupKey, BackupStatus, FsStore, Party, SignMethod, SigningStatus, Status, Store, Wallet,
    WalletError,
};
use zeroize::Zeroizing;

#[test]
fn generate_reports_statuses_and_refuses_a_second_wallet() {
    let dir = tempfile::tempdir().unwrap();
    let wallet =
        Wallet::with_paillier_keys(FsStore::create(dir.path()).unwrap(), FixturePrimes::new());
    let mut statuses = Vec::new();
    let info = wallet
        .generate(&mut |p| {
            if let Progress::Status(s) = p {
                statuses.push(s);
            }
        })
        .unwrap();
    assert_eq!(
        statuses,
        [
            Status::Signing(SigningStatus::StoredDatabase),
            Status::Signing(SigningStatus::StoredClient)
        ]
    );
    assert_eq!(info.signing_status, SigningStatus::StoredClient);
    assert_eq!(info.backup_status, None);
    assert_eq!(info.client_id.len(), 32);
    assert_eq!(wallet.info().unwrap(), info);
    assert!(info.addresses.ethereum.starts_with("0x"));

    let before = snapshot(dir.path());
    match wallet.generate(&mut |_| {}) {
        Err(WalletError::WalletExists { client_id }) => assert_eq!(client_id, info.client_id),
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(dir.path()), before);

    // A device that holds shares but whose server record is gone is refused too.
    std::fs::remove_file(dir.path().join("server").join(names::WALLET)).unwrap();
    assert!(matches!(
        wallet.generate(&mut |_| {}),
        Err(WalletError::WalletExists { .. })
    ));
}

#[test]
fn signs_on_both_curves_and_spends_presignatures_before_use() {
    let dir = fresh_store();
    let wallet = wallet(&dir);
    let info = wallet.info().unwrap();

    let sig = wallet.sign_ed25519(b"hello solana", &mut |_| {}).unwrap();
    info.public_keys
        .ed25519
        .verify_strict(b"hello solana", &sig)
        .unwrap();

    let digest = [7u8; 32];
    let signed = wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap();
    assert_eq!(signed.method, SignMethod::FullSigning);
    check_ecdsa(&info.public_keys, &digest, &signed.signature);

    assert_eq!(wallet.presign(3, &mut |_| {}).unwrap(), 3);
    assert_eq!(wallet.info().unwrap().presignatures, 3);
    for i in 0..3u8 {
        let digest = [i; 32];
        let signed = wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap();
        assert_eq!(signed.method, SignMethod::Presignature);
        check_ecdsa(&info.public_keys, &digest, &signed.signature);
    }
    assert_eq!(wallet.info().unwrap().presignatures, 0);
    // The pool is empty: the next signature is a full signature.
    let signed = wallet.sign_secp256k1(&[9u8; 32], &mut |_| {}).unwrap();
    assert_eq!(signed.method, SignMethod::FullSigning);

    // Both stored pools record the three spent ids (they survive a restart).
    let reopened = FsStore::open(dir.path()).unwrap();
    for party in [Party::Client, Party::Server] {
        let share = tandem_protocol::ecdsa::EcdsaKeyShare::from_bytes(
            &reopened
                .read(party, names::SECP256K1_SHARE)
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        let stored = reopened.read(party, names::PRESIGNATURES).unwrap().unwrap();
        // The server's pool carries its epoch (raised by each of the three spends).
        let bytes = match party {
            Party::Server => {
                assert_eq!(&stored[..8], b"TDMPOOL2");
                assert_eq!(stored[8..16], 3u64.to_be_bytes());
                &stored[16..]
            }
            _ => &stored[..],
        };
        let pool = PresignaturePool::from_bytes(bytes, &share).unwrap();
        assert_eq!((pool.len(), pool.spent_count()), (0, 3), "{party}");
    }
}

#[test]
fn concurrent_signers_never_share_a_presignature() {
    let dir = fresh_store();
    let held = wallet(&dir).presign(3, &mut |_| {}).unwrap();
    assert_eq!(held, 3);
    let keys = wallet(&dir).info().unwrap().public_keys;
    // Five signers, each with its own store handle (as five processes would have).
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..5u8)
            .map(|i| {
                let root = dir.path().to_path_buf();
                s.spawn(move || {
                    let wallet = Wallet::new(FsStore::open(root).unwrap());
                    let digest = [i + 100; 32];
                    (digest, wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut from_pool = 0;
    let mut rs = std::collections::BTreeSet::new();
    for (digest, signed) in &results {
        check_ecdsa(&keys, digest, &signed.signature);
        from_pool += usize::from(signed.method == SignMethod::Presignature);
        // Distinct nonces: a presignature used twice would repeat r.
        assert!(rs.insert(signed.signature.r.to_bytes().to_vec()));
    }
    assert_eq!(from_pool, 3);
    // After a restart: nothing held, three ids spent.
    let wallet = wallet(&dir);
    assert_eq!(wallet.info().unwrap().presignatures, 0);
}

#[test]
fn backup_recover_and_the_lost_device() {
    let dir = fresh_store();
    let wallet = wallet(&dir);
    let info = wallet.info().unwrap();

    // Recover and eject are refused before a backup, and change nothing.
    let before = snapshot(dir.path());
    assert!(matches!(
        wallet.recover(&password(), &mut |_| {}),
        Err(WalletError::NoBackup)
    ));
    assert!(matches!(
        wallet.eject(&password(), &mut |_| {}),
        Err(WalletError::NoBackup)
    ));
    assert!(matches!(
        wallet.backup(
            &BackupKey::Password(Zeroizing::new(Vec::new())),
            &mut |_| {}
        ),
        Err(WalletError::EmptyPassword)
    ));
    assert_eq!(snapshot(dir.path()), before);

    let statuses = wallet.backup(&password(), &mut |_| {}).unwrap();
    assert_eq!(
        statuses,
        [
            Status::Backup(BackupStatus::StoredCustodianBackupShare),
            Status::Backup(BackupStatus::StoredClientBackupShare)
        ]
    );
    assert_eq!(
        wallet.info().unwrap().backup_status,
        Some(BackupStatus::StoredClientBackupShare)
    );
    wallet.presign(1, &mut |_| {}).unwrap();

    // The device is lost.
    let old_device = tempfile::tempdir().unwrap();
    copy_tree(&dir.path().join("client"), old_device.path());
    std::fs::remove_dir_all(dir.path().join("client")).unwrap();
    assert!(matches!(
        wallet.sign_ed25519(b"x", &mut |_| {}),
        Err(WalletError::NoDeviceShare)
    ));

    // Wrong password, wrong kind of key: refused, nothing changes.
    let before = snapshot(dir.path());
    let wrong = BackupKey::Password(Zeroizing::new(b"wrong".to_vec()));
    assert!(matches!(
        wallet.recover(&wrong, &mut |_| {}),
        Err(WalletError::Envelope(_))
    ));
    let random = BackupKey::RandomKey(Zeroizing::new([1u8; 32]));
    assert!(matches!(
        wallet.recover(&random, &mut |_| {}),
        Err(WalletError::WrongKeyKind { .. })
    ));
    assert_eq!(snapshot(dir.path()), before);

    let mut statuses = Vec::new();
    let recovered = wallet
        .recover(&password(), &mut |p| {
            if let Progress::Status(s) = p {
                statuses.push(s);
            }
        })
        .unwrap();
    assert_eq!(
        statuses,
        [
            Status::Signing(SigningStatus::StoredDatabase),
            Status::Signing(SigningStatus::StoredClient)
        ]
    );
    assert_eq!(recovered.public_keys, info.public_keys);
    assert_eq!(recovered.addresses, info.addresses);
    // The server's presignatures of the old pair were discarded.
    assert!(
        wallet
            .store()
            .read(Party::Server, names::PRESIGNATURES)
            .unwrap()
            .is_none()
    );
    let digest = [3u8; 32];
    check_ecdsa(
        &info.public_keys,
        &digest,
        &wallet
            .sign_secp256k1(&digest, &mut |_| {})
            .unwrap()
            .signature,
    );

    // The old device folder put back: refused on both curves, and nothing changes.
    let new_device = tempfile::tempdir().unwrap();
    copy_tree(&dir.path().join("client"), new_device.path());
    std::fs::remove_dir_all(dir.path().join("client")).unwrap();
    copy_tree(old_device.path(), &dir.path().join("client"));
    let before = snapshot(dir.path());
    assert!(matches!(
        wallet.sign_secp256k1(&digest, &mut |_| {}),
        Err(WalletError::StaleDeviceShare)
    ));
    assert!(matches!(
        wallet.sign_ed25519(b"x", &mut |_| {}),
        Err(WalletError::StaleDeviceShare)
    ));
    assert_eq!(snapshot(dir.path()), before);
    std::fs::remove_dir_all(dir.path().join("client")).unwrap();
    copy_tree(new_device.path(), &dir.path().join("client"));

    // The backup pair is not consumed: eject still works and matches the wallet's keys.
    let keys = wallet.eject(&password(), &mut |_| {}).unwrap();
    assert_eq!(
        keys.secp256k1.signing_key().unwrap().verifying_key(),
        &k256::ecdsa::VerifyingKey::from(&info.public_keys.secp256k1)
    );
    assert_eq!(keys.ed25519.verifying_key(), info.public_keys.ed25519);
}

#[test]
fn backup_under_a_random_key_and_a_second_backup_replaces_the_first() {
    let dir = backed_up_store();
    let wallet = wallet(&dir);
    let key = BackupKey::RandomKey(Zeroizing::new([42u8; 32]));
    let first_custodian = wallet
        .store()
        .read(Party::Custodian, names::BACKUP_SECP256K1)
        .unwrap()
        .unwrap();
    wallet.backup(&key, &mut |_| {}).unwrap();
    let second_custodian = wallet
        .store()
        .read(Party::Custodian, names::BACKUP_SECP256K1)
        .unwrap()
        .unwrap();
    assert_ne!(first_custodian, second_custodian, "a fresh backup pair");
    // The password no longer opens anything: the backup is sealed under the random key.
    assert!(matches!(
        wallet.eject(&password(), &mut |_| {}),
        Err(WalletError::WrongKeyKind { .. })
    ));
    assert!(matches!(
        wallet.eject(
            &BackupKey::RandomKey(Zeroizing::new([43u8; 32])),
            &mut |_| {}
        ),
        Err(WalletError::Envelope(_))
    ));
    let info = wallet.info().unwrap();
    let keys = wallet.eject(&key, &mut |_| {}).unwrap();
    assert_eq!(keys.ed25519.verifying_key(), info.public_keys.ed25519);
}

#[test]
fn refresh_replaces_the_signing_pair_and_discards_presignatures() {
    let dir = fresh_store();
    let wallet = wallet(&dir);
    let info = wallet.info().unwrap();
    wallet.presign(2, &mut |_| {}).unwrap();
    let old_device = tempfile::tempdir().unwrap();
    copy_tree(&dir.path().join("client"), old_device.path());

    let refreshed = wallet.refresh(&mut |_| {}).unwrap();
    assert_eq!(refreshed.public_keys, info.public_keys);
    assert_eq!(refreshed.presignatures, 0);
    let digest = [5u8; 32];
    let signed = wallet.sign_secp256k1(&digest, &mut |_| {}).unwrap();
    assert_eq!(signed.method, SignMethod::FullSigning);
    check_ecdsa(&info.public_keys, &digest, &signed.signature);

    std::fs::remove_dir_all(dir.path().join("client")).unwrap();
    copy_tree(old_device.path(), &dir.path().join("client"));
    assert!(matches!(
        wallet.sign_secp256k1(&digest, &mut |_| {}),
        Err(WalletError::StaleDeviceShare)
    ));
}

#[test]
fn signing_needs_stored_client() {
    // A record in STORED_DATABASE beside a backup pair (a wallet of format version 1 whose
    // recovery stopped after the server's shares) on a device without shares: the wallet
    // stays, signing and backup are refused, and recovery completes it.
    let dir = backed_up_store();
    let store = FsStore::open(dir.path()).unwrap();
    let raw = store.read(Party::Server, names::WALLET).unwrap().unwrap();
    let text = String::from_utf8(raw.to_vec()).unwrap();
    let edited = text.replace("STORED_CLIENT\"", "STORED_DATABASE\"");
    assert_ne!(text, edited);
    store
        .write(Party::Server, names::WALLET, edited.as_bytes())
        .unwrap();
    std::fs::remove_dir_all(dir.path().join("client")).unwrap();
    let wallet = wallet(&dir);
    assert!(matches!(
        wallet.sign_ed25519(b"x", &mut |_| {}),
        Err(WalletError::NotSignable(SigningStatus::StoredDatabase))
    ));
    assert!(matches!(
        wallet.backup(&password(), &mut |_| {}),
        Err(WalletError::NotSignable(SigningStatus::StoredDatabase))
    ));
    let info = wallet.recover(&password(), &mut |_| {}).unwrap();
    assert_eq!(info.signing_status, SigningStatus::StoredClient);
    wallet.sign_ed25519(b"x", &mut |_| {}).unwrap();
}

#[test]
fn an_empty_store_has_no_wallet() {
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::new(FsStore::open(dir.path()).unwrap());
    assert!(matches!(wallet.info(), Err(WalletError::NoWallet)));
    assert!(matches!(
        wallet.sign_ed25519(b"x", &mut |_| {}),
        Err(WalletError::NoWallet)
    ));
    assert!(matches!(
        FsStore::open(dir.path().join("missing")),
        Err(tandem_wallet::StoreError::Missing(_))
    ));
}

#[test]
fn eject_waits_for_the_store_lock() {
    // A backup in another process holds the lock while it replaces the backup pair; eject
    // must not read the pair's records in between (it takes the lock, like every operation
    // that reads a pair).
    let dir = backed_up_store();
    let store = FsStore::open(dir.path()).unwrap();
    let held = store.lock().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let root = dir.path().to_path_buf();
    let ejecting = std::thread::spawn(move || {
        let result = Wallet::new(FsStore::open(root).unwrap()).eject(&password(), &mut |_| {});
        done_tx.send(()).unwrap();
        result
    });
    // Without the lock, eject (Argon2id at the default cost, then two combinations) ends
    // well within this; with it, it cannot end while the lock is held.
    assert!(
        done_rx
            .recv_timeout(std::time::Duration::from_secs(3))
            .is_err(),
        "eject ran while another holder had the store lock"
    );
    drop(held);
    ejecting.join().unwrap().unwrap();
}
