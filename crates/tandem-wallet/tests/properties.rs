//! Property tests: the filesystem store returns what was written for every party and record
//! name (through the at-rest encryption for the server and the custodian), a fresh nonce per
//! write, and any single-byte change of an encrypted record refused; addresses are stable
//! functions of the keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use tandem_wallet::store::names;
use tandem_wallet::{FsStore, Party, Store, StoreError};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn store_round_trips_every_record(
        party in prop::sample::select(Party::ALL.to_vec()),
        name in prop::sample::select(names::ALL.to_vec()),
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        flip in any::<prop::sample::Index>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::open(dir.path()).unwrap();
        store.write(party, name, &bytes).unwrap();
        prop_assert_eq!(store.read(party, name).unwrap().unwrap().to_vec(), bytes.clone());
        let path = store.party_dir(party).join(name);
        let first = std::fs::read(&path).unwrap();
        if party == Party::Client {
            prop_assert_eq!(&first, &bytes);
        } else {
            // A fresh nonce per write: the same plaintext, another ciphertext.
            store.write(party, name, &bytes).unwrap();
            prop_assert_ne!(&std::fs::read(&path).unwrap(), &first);
            // Any flipped byte is refused.
            let mut bad = first.clone();
            let i = flip.index(bad.len());
            bad[i] ^= 0x01;
            std::fs::write(&path, &bad).unwrap();
            let refused = matches!(store.read(party, name), Err(StoreError::Corrupted { .. }));
            prop_assert!(refused);
        }
        store.remove(party, name).unwrap();
        prop_assert!(store.read(party, name).unwrap().is_none());
    }

    #[test]
    fn addresses_are_deterministic_and_distinct(a in 1u64.., b in 1u64..) {
        prop_assume!(a != b);
        let key = |n: u64| {
            let mut bytes = [0u8; 32];
            bytes[24..].copy_from_slice(&n.to_be_bytes());
            let secp = k256::SecretKey::from_slice(&bytes).unwrap().public_key();
            let ed = ed25519_dalek::SigningKey::from_bytes(&bytes).verifying_key();
            tandem_wallet::address::Addresses::new(&secp, &ed)
        };
        prop_assert_eq!(key(a), key(a));
        let (x, y) = (key(a), key(b));
        prop_assert_ne!(x.ethereum, y.ethereum);
        prop_assert_ne!(x.bitcoin, y.bitcoin);
        prop_assert_ne!(x.tron, y.tron);
        prop_assert_ne!(x.solana, y.solana);
        prop_assert_ne!(x.stellar, y.stellar);
    }
}
