//! Each check the wallet makes on its records, provoked one at a time through a properly
//! encrypted store (so the at-rest layer accepts the bytes and the wallet's own check is the
//! one that fires): the wallet record's fields, shares of another wallet or an outdated
//! pair, missing records, corrupted pools, backup shares, key files, pool limits.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use tandem_testkit::wallet::*;
use tandem_wallet::store::names;
use tandem_wallet::{FsStore, Party, Store, StoreError, Wallet, WalletError};

fn fixture_store() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/v1/wallet-store/store")
}

fn read_record(store: &FsStore) -> Value {
    serde_json::from_slice(&store.read(Party::Server, names::WALLET).unwrap().unwrap()).unwrap()
}

fn write_record(store: &FsStore, value: &Value) {
    store
        .write(
            Party::Server,
            names::WALLET,
            serde_json::to_string(value).unwrap().as_bytes(),
        )
        .unwrap();
}

#[test]
fn every_wallet_record_field_is_validated() {
    let dir = backed_up_store();
    let store = FsStore::open(dir.path()).unwrap();
    let good = read_record(&store);
    type Edit = fn(&mut Value);
    let corrupted: [(&str, Edit); 19] = [
        ("format name", |v| v["format"] = "tandem-wallet".into()),
        ("client id length", |v| v["client_id"] = "abcd".into()),
        ("client id upper case", |v| {
            v["client_id"] = "ABCDEF0123456789ABCDEF0123456789".into();
        }),
        ("curve name", |v| v["secp256k1"]["curve"] = "ed25519".into()),
        ("public key hex", |v| {
            v["ed25519"]["public_key"] = "zz".into()
        }),
        ("public key not a point", |v| {
            v["secp256k1"]["public_key"] = format!("05{}", "11".repeat(32)).into();
        }),
        ("public key identity (Ed25519)", |v| {
            v["ed25519"]["public_key"] = format!("01{}", "00".repeat(31)).into();
        }),
        ("signing sharing id length", |v| {
            v["ed25519"]["signing_sharing_id"] = "00".into();
        }),
        ("backup id without backup status", |v| {
            v["backup_status"] = Value::Null;
            v["backup_key"] = Value::Null;
        }),
        ("backup status without backup id", |v| {
            v["secp256k1"]["backup_sharing_id"] = Value::Null;
        }),
        ("backup status without key kind", |v| {
            v["backup_key"] = Value::Null
        }),
        ("pending signing pair on one curve", |v| {
            v["secp256k1"]["pending_signing_sharing_id"] = "11".repeat(32).into();
        }),
        ("pending signing sharing id length", |v| {
            v["secp256k1"]["pending_signing_sharing_id"] = "11".into();
            v["ed25519"]["pending_signing_sharing_id"] = "11".into();
        }),
        ("pending backup ids without key kind", |v| {
            v["secp256k1"]["pending_backup_sharing_id"] = "11".repeat(32).into();
            v["ed25519"]["pending_backup_sharing_id"] = "22".repeat(32).into();
        }),
        ("pending backup key kind without ids", |v| {
            v["pending_backup_key"] = "password".into();
        }),
        ("pending pair in a version 1 record", |v| {
            v["version"] = 1.into();
            v["secp256k1"]["pending_signing_sharing_id"] = "11".repeat(32).into();
            v["ed25519"]["pending_signing_sharing_id"] = "22".repeat(32).into();
        }),
        ("unknown field", |v| v["extra"] = 1.into()),
        ("unknown status", |v| v["signing_status"] = "STORED".into()),
        ("not JSON", |v| *v = Value::String("x".repeat(10))),
    ];
    for (what, edit) in corrupted {
        let mut value = good.clone();
        edit(&mut value);
        write_record(&store, &value);
        match Wallet::new(store.clone()).info() {
            Err(WalletError::Corrupted { party, record, .. }) => {
                assert_eq!((party, record), (Party::Server, "wallet.json"), "{what}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // Another version of the format is named as such (this code reads 1 and 2).
    for version in [0, 3] {
        let mut value = good.clone();
        value["version"] = version.into();
        write_record(&store, &value);
        assert!(matches!(
            Wallet::new(store.clone()).info(),
            Err(WalletError::UnsupportedVersion { version: v, .. }) if v == version
        ));
    }
    // Too long (16 KiB limit) before parsing.
    let long = format!("{{\"pad\":\"{}\"}}", "a".repeat(17 * 1024));
    store
        .write(Party::Server, names::WALLET, long.as_bytes())
        .unwrap();
    assert!(matches!(
        Wallet::new(store.clone()).info(),
        Err(WalletError::Corrupted { reason, .. }) if reason == "too long"
    ));
    // And the good record still reads.
    write_record(&store, &good);
    Wallet::new(store).info().unwrap();
}

#[test]
fn shares_of_another_wallet_or_an_old_pair_are_refused() {
    let dir = fresh_store();
    let store = FsStore::open(dir.path()).unwrap();
    let other = FsStore::open(fixture_store()).unwrap();
    let wallet = Wallet::new(store.clone());
    // The device holds another wallet's share.
    let foreign = other
        .read(Party::Client, names::ED25519_SHARE)
        .unwrap()
        .unwrap();
    let own = store
        .read(Party::Client, names::ED25519_SHARE)
        .unwrap()
        .unwrap();
    store
        .write(Party::Client, names::ED25519_SHARE, &foreign)
        .unwrap();
    match wallet.sign_ed25519(b"x", &mut |_| {}) {
        Err(WalletError::Corrupted { party, reason, .. }) => {
            assert_eq!(party, Party::Client);
            assert!(reason.contains("another wallet"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    store
        .write(Party::Client, names::ED25519_SHARE, &own)
        .unwrap();

    // The server's share is from before a refresh.
    let old_server = store
        .read(Party::Server, names::SECP256K1_SHARE)
        .unwrap()
        .unwrap();
    Wallet::with_paillier_keys(store.clone(), FixturePrimes::new())
        .refresh(&mut |_| {})
        .unwrap();
    store
        .write(Party::Server, names::SECP256K1_SHARE, &old_server)
        .unwrap();
    match wallet.sign_secp256k1(&[1; 32], &mut |_| {}) {
        Err(WalletError::Corrupted { party, reason, .. }) => {
            assert_eq!(party, Party::Server);
            assert!(reason.contains("current signing share"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_records_and_corrupted_pools_are_named() {
    let dir = fresh_store();
    let store = FsStore::open(dir.path()).unwrap();
    let wallet = Wallet::new(store.clone());
    wallet.presign(1, &mut |_| {}).unwrap();

    // A corrupted pool (the device's file, stored as is).
    let path = store.party_dir(Party::Client).join(names::PRESIGNATURES);
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&path, &bad).unwrap();
    match wallet.sign_secp256k1(&[1; 32], &mut |_| {}) {
        Err(WalletError::Corrupted { party, record, .. }) => {
            assert_eq!((party, record), (Party::Client, "secp256k1.presignatures"));
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(&path, &good).unwrap();

    // The server's Ed25519 share is gone.
    store.remove(Party::Server, names::ED25519_SHARE).unwrap();
    match wallet.sign_ed25519(b"x", &mut |_| {}) {
        Err(WalletError::MissingRecord { party, record }) => {
            assert_eq!((party, record), (Party::Server, "ed25519.share"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pools_have_a_size_limit() {
    let dir = fresh_store();
    let wallet = wallet(&dir);
    assert!(matches!(
        wallet.presign(tandem_wallet::MAX_PRESIGN_BATCH + 1, &mut |_| {}),
        Err(WalletError::Limit(_))
    ));
    assert_eq!(wallet.info().unwrap().presignatures, 0);
}

#[test]
fn backup_shares_are_checked_against_the_wallet() {
    let dir = backed_up_store();
    let store = FsStore::open(dir.path()).unwrap();
    let other = FsStore::open(fixture_store()).unwrap();
    let wallet = Wallet::new(store.clone());
    let own = store
        .read(Party::Custodian, names::BACKUP_ED25519)
        .unwrap()
        .unwrap();
    type Damage = fn(&FsStore, &FsStore);
    let cases: [(&str, Damage, &str); 3] = [
        (
            "garbage that the at-rest layer accepts",
            |store, _| {
                store
                    .write(Party::Custodian, names::BACKUP_ED25519, b"not a share")
                    .unwrap();
            },
            "",
        ),
        (
            "another wallet's custodian share",
            |store, other| {
                let foreign = other
                    .read(Party::Custodian, names::BACKUP_ED25519)
                    .unwrap()
                    .unwrap();
                store
                    .write(Party::Custodian, names::BACKUP_ED25519, &foreign)
                    .unwrap();
            },
            "another wallet",
        ),
        (
            "the secp256k1 share under the Ed25519 name",
            |store, _| {
                let secp = store
                    .read(Party::Custodian, names::BACKUP_SECP256K1)
                    .unwrap()
                    .unwrap();
                store
                    .write(Party::Custodian, names::BACKUP_ED25519, &secp)
                    .unwrap();
            },
            "",
        ),
    ];
    for (what, damage, reason_part) in cases {
        damage(&store, &other);
        match wallet.eject(&password(), &mut |_| {}) {
            Err(WalletError::Corrupted { party, reason, .. }) => {
                assert_eq!(party, Party::Custodian, "{what}");
                assert!(reason.contains(reason_part), "{what}: {reason}");
            }
            other => panic!("{what}: {other:?}"),
        }
        store
            .write(Party::Custodian, names::BACKUP_ED25519, &own)
            .unwrap();
    }
    // A backup pair replaced by a newer backup: the custodian share of the old pair is
    // refused (not the wallet's current backup pair).
    let old = own;
    wallet.backup(&password(), &mut |_| {}).unwrap();
    store
        .write(Party::Custodian, names::BACKUP_ED25519, &old)
        .unwrap();
    match wallet.recover(&password(), &mut |_| {}) {
        Err(WalletError::Corrupted { party, reason, .. }) => {
            assert_eq!(party, Party::Custodian);
            assert!(reason.contains("current backup pair"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_at_rest_key_files_are_refused() {
    let dir = fresh_store();
    let store = FsStore::open(dir.path()).unwrap();
    let key = dir.path().join("kms").join("server.key");
    for bad in [&b"00"[..], b"zz", &[b'a'; 63], &[b'a'; 66]] {
        std::fs::write(&key, bad).unwrap();
        assert!(matches!(
            store.read(Party::Server, names::WALLET),
            Err(StoreError::AtRestKey(Party::Server))
        ));
    }
}
