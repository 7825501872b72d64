//! The filesystem store (encryption at rest, names, atomic writes), all-or-nothing
//! operations under store failures, and corrupted records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_testkit::wallet::*;
use tandem_wallet::store::names;
use tandem_wallet::{FsStore, Party, Store, StoreError, Wallet, WalletError};
use zeroize::Zeroizing;

#[test]
fn server_and_custodian_records_are_encrypted_at_rest() {
    let dir = backed_up_store();
    let store = FsStore::open(dir.path()).unwrap();
    let info = Wallet::new(store.clone()).info().unwrap();
    let public_hex = base16ct::lower::encode_string(info.public_keys.ed25519.as_bytes());
    for (party, name) in [
        (Party::Server, names::WALLET),
        (Party::Server, names::ED25519_SHARE),
        (Party::Custodian, names::BACKUP_ED25519),
    ] {
        let raw = std::fs::read(store.party_dir(party).join(name)).unwrap();
        let plain = store.read(party, name).unwrap().unwrap();
        assert_ne!(raw, *plain);
        assert_eq!(raw[0], 1, "at-rest format version");
        assert!(!String::from_utf8_lossy(&raw).contains(&public_hex));
        assert!(
            !raw.windows(32)
                .any(|w| w == info.public_keys.ed25519.as_bytes())
        );
    }
    // The client's records are the device's (its keychain): stored as they are.
    let raw = std::fs::read(store.party_dir(Party::Client).join(names::ED25519_SHARE)).unwrap();
    assert_eq!(
        raw,
        *store
            .read(Party::Client, names::ED25519_SHARE)
            .unwrap()
            .unwrap()
    );
}

#[test]
fn at_rest_records_are_bound_to_their_name_party_and_key() {
    let dir = backed_up_store();
    let store = FsStore::open(dir.path()).unwrap();
    let server = store.party_dir(Party::Server);
    let custodian = store.party_dir(Party::Custodian);
    // Moved to another name.
    std::fs::copy(
        server.join(names::ED25519_SHARE),
        server.join(names::SECP256K1_SHARE),
    )
    .unwrap();
    assert!(matches!(
        store.read(Party::Server, names::SECP256K1_SHARE),
        Err(StoreError::Corrupted {
            party: Party::Server,
            ..
        })
    ));
    // Moved to another party (the custodian's key differs, and so does the party).
    std::fs::copy(
        custodian.join(names::BACKUP_ED25519),
        server.join(names::BACKUP_ED25519),
    )
    .unwrap();
    assert!(store.read(Party::Server, names::BACKUP_ED25519).is_err());
    // One flipped bit, a truncation, an unknown version.
    let path = server.join(names::WALLET);
    let good = std::fs::read(&path).unwrap();
    for bad in [
        {
            let mut b = good.clone();
            b[20] ^= 1;
            b
        },
        good[..good.len() - 1].to_vec(),
        {
            let mut b = good.clone();
            b[0] = 2;
            b
        },
        Vec::new(),
    ] {
        std::fs::write(&path, &bad).unwrap();
        assert!(matches!(
            store.read(Party::Server, names::WALLET),
            Err(StoreError::Corrupted { .. })
        ));
        assert!(matches!(
            Wallet::new(store.clone()).info(),
            Err(WalletError::Store(StoreError::Corrupted { .. }))
        ));
    }
    // A missing KMS key.
    std::fs::write(&path, &good).unwrap();
    std::fs::remove_file(dir.path().join("kms").join("server.key")).unwrap();
    assert!(matches!(
        store.read(Party::Server, names::WALLET),
        Err(StoreError::AtRestKey(Party::Server))
    ));
}

#[test]
fn unknown_record_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    for name in ["../escape", "wallet.json/..", "", "other"] {
        assert!(matches!(
            store.write(Party::Client, name, b"x"),
            Err(StoreError::UnknownRecord(_))
        ));
        assert!(store.read(Party::Client, name).is_err());
    }
}

fn flip_byte(path: &std::path::Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = at.min(bytes.len() - 1);
    bytes[i] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn corrupted_shares_are_refused_and_nothing_changes() {
    type Damage = fn(&std::path::Path);
    let cases: [(&str, Damage); 5] = [
        ("flipped client secp256k1 share", |root| {
            flip_byte(&root.join("client").join(names::SECP256K1_SHARE), 100)
        }),
        ("truncated client ed25519 share", |root| {
            let p = root.join("client").join(names::ED25519_SHARE);
            let b = std::fs::read(&p).unwrap();
            std::fs::write(&p, &b[..b.len() / 2]).unwrap();
        }),
        ("server share in the client's place", |root| {
            let store = FsStore::open(root).unwrap();
            let server = store
                .read(Party::Server, names::ED25519_SHARE)
                .unwrap()
                .unwrap();
            store
                .write(Party::Client, names::ED25519_SHARE, &server)
                .unwrap();
        }),
        ("flipped custodian backup", |root| {
            flip_byte(&root.join("custodian").join(names::BACKUP_SECP256K1), 40)
        }),
        ("flipped sealed client backup", |root| {
            flip_byte(&root.join("server").join(names::SEALED_ED25519), 60)
        }),
    ];
    for (what, damage) in cases {
        let dir = backed_up_store();
        damage(dir.path());
        let wallet = wallet(&dir);
        let before = snapshot(dir.path());
        let sign = wallet.sign_ed25519(b"x", &mut |_| {}).map(|_| ());
        let sign_secp = wallet.sign_secp256k1(&[1; 32], &mut |_| {}).map(|_| ());
        let eject = wallet.eject(&password(), &mut |_| {}).map(|_| ());
        let results = [sign, sign_secp, eject];
        assert!(
            results.iter().any(Result::is_err),
            "{what}: every operation succeeded"
        );
        for r in &results {
            if let Err(e) = r {
                let text = e.to_string();
                assert!(!text.contains('\n'), "{what}: {text}");
                assert!(
                    matches!(
                        e,
                        WalletError::Corrupted { .. }
                            | WalletError::Store(_)
                            | WalletError::Envelope(_)
                    ),
                    "{what}: {e:?}"
                );
            }
        }
        assert_eq!(snapshot(dir.path()), before, "{what}");
    }
}

/// Every record's plaintext (the at-rest ciphertexts change when a record is put back).
fn contents(store: &FsStore) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::new();
    for party in Party::ALL {
        for name in names::ALL {
            out.push(store.read(party, name).unwrap().map(|b| b.to_vec()));
        }
    }
    out
}

#[test]
fn a_store_failure_before_the_commit_changes_nothing_and_after_it_completes() {
    // Backup writes 6 records up to its commit (two pending custodian shares, the record,
    // two pending sealed shares, the record again), then promotes the pending records (8
    // writes and removals). A failure before or at the commit undoes everything and reports
    // the error; a failure after it reports success, and the next operation finishes.
    let key = tandem_wallet::BackupKey::RandomKey(Zeroizing::new([9u8; 32]));
    for fail_at in 1..=14 {
        let dir = backed_up_store();
        let store = FsStore::open(dir.path()).unwrap();
        let before = contents(&store);
        let wallet = Wallet::new(failing_at(store.clone(), fail_at));
        let result = wallet.backup(&key, &mut |_| {});
        if fail_at <= 6 {
            assert!(
                matches!(result, Err(WalletError::Store(_))),
                "fail at {fail_at}: {result:?}"
            );
            assert_eq!(contents(&store), before, "fail at {fail_at}");
            // The old backup still opens with the old password.
            Wallet::new(store).eject(&password(), &mut |_| {}).unwrap();
        } else {
            result.unwrap_or_else(|e| panic!("fail at {fail_at}: {e}"));
            // The new backup opens with the new key (eject settles the promotion first), and
            // no pending record is left.
            let wallet = Wallet::new(store.clone());
            wallet.eject(&key, &mut |_| {}).unwrap();
            for party in Party::ALL {
                for name in names::ALL.iter().filter(|n| n.ends_with(".pending")) {
                    assert!(store.read(party, name).unwrap().is_none(), "{party}/{name}");
                }
            }
        }
    }
    // Presigning writes 2 pools.
    for fail_at in 1..=2 {
        let dir = fresh_store();
        let store = FsStore::open(dir.path()).unwrap();
        let before = contents(&store);
        let wallet = Wallet::new(failing_at(store.clone(), fail_at));
        assert!(wallet.presign(1, &mut |_| {}).is_err());
        assert_eq!(contents(&store), before, "presign, fail at {fail_at}");
    }
}

#[test]
fn oversized_files_are_refused_before_they_are_read() {
    let dir = fresh_store();
    let store = FsStore::open(dir.path()).unwrap();
    for party in [Party::Client, Party::Server] {
        let path = store.party_dir(party).join(names::PRESIGNATURES);
        // A sparse file: the size is checked before any byte is loaded.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(tandem_wallet::store::MAX_RECORD_FILE_LEN + 1)
            .unwrap();
        assert!(matches!(
            store.read(party, names::PRESIGNATURES),
            Err(StoreError::TooLarge { .. })
        ));
    }
    // An oversized KMS key file is a malformed key.
    let key = dir.path().join("kms").join("server.key");
    std::fs::File::create(&key)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    assert!(matches!(
        store.read(Party::Server, names::WALLET),
        Err(StoreError::AtRestKey(Party::Server))
    ));
}

#[test]
fn temporary_files_of_interrupted_writes_are_removed_under_the_lock() {
    // A write killed before its rename leaves `.tmp-*` (in `client/`, a plaintext share).
    let dir = fresh_store();
    let stale = [
        dir.path().join("client").join(".tmp-killed"),
        dir.path().join("server").join(".tmp-killed"),
        dir.path().join("kms").join(".tmp-killed"),
    ];
    for path in &stale {
        std::fs::write(path, b"a share that never got its name").unwrap();
    }
    let keep = dir.path().join("client").join("not-a-temporary");
    std::fs::write(&keep, b"x").unwrap();
    drop(FsStore::open(dir.path()).unwrap().lock().unwrap());
    for path in &stale {
        assert!(!path.exists(), "{}", path.display());
    }
    assert!(keep.exists());
}
