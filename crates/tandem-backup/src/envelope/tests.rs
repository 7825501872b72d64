//! Unit tests of envelopes: authentic envelopes around a bad share (sealed here with the
//! real key derivation and associated data), and edits of the real header fields.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use tandem_curves::{Curve, Ed25519};
use tandem_protocol::DecodeError;
use tandem_protocol::stored::{self, StoredKind};

use super::{
    Envelope, EnvelopeError, Header, Kdf, KeySource, MAX_WALLET_ID_LEN, PasswordParams,
    associated_data, derive_key,
};
use crate::envelope;
use crate::test_support::{backup_pair, rng};
use tandem_protocol::{BackupKind, BackupShare};

/// An authentic envelope under a random key, sealed here around arbitrary plaintext.
fn seal_raw<C: Curve>(header: &Header, key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    let aes_key = derive_key(&KeySource::RandomKey(key), &header.kdf).unwrap();
    let aad = associated_data::<C>(stored::STORED_VERSION, header).unwrap();
    let ciphertext = Aes256Gcm::new(&(*aes_key).into())
        .encrypt(
            &Nonce::from(header.nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .unwrap();
    let envelope = Envelope {
        header: header.clone(),
        ciphertext,
    };
    stored::encode(StoredKind::SealedShare, C::ID, &envelope)
        .unwrap()
        .to_vec()
}

/// A sealed Ed25519 envelope with its fields edited by `f`.
fn edited(sealed: &[u8], f: impl FnOnce(&mut Envelope)) -> Vec<u8> {
    let mut envelope: Envelope =
        stored::decode(StoredKind::SealedShare, Ed25519::ID, sealed).unwrap();
    f(&mut envelope);
    stored::encode(StoredKind::SealedShare, Ed25519::ID, &envelope)
        .unwrap()
        .to_vec()
}

const KEY: [u8; 32] = [7u8; 32];

fn open(bytes: &[u8]) -> Result<BackupShare<Ed25519>, EnvelopeError> {
    envelope::open::<Ed25519>(
        bytes,
        "wallet-1",
        BackupKind::ClientBackup,
        &KeySource::RandomKey(&KEY),
    )
}

#[test]
fn authentic_envelopes_with_a_bad_share_are_refused() {
    let (bc, bk) = backup_pair();
    let header = Header {
        wallet_id: "wallet-1".into(),
        kind: BackupKind::ClientBackup,
        kdf: Kdf::RandomKey { salt: [5; 32] },
        nonce: [6; 12],
    };
    // Sanity: the crafted envelope around the genuine share opens.
    let good = seal_raw::<Ed25519>(&header, &KEY, &bc.to_bytes().unwrap());
    assert_eq!(
        open(&good).unwrap().sharing_id(),
        bc.sharing_id(),
        "seal_raw seals as envelope::seal does"
    );
    // Garbage inside an authentic envelope.
    let garbage = seal_raw::<Ed25519>(&header, &KEY, b"not a backup share");
    assert_eq!(open(&garbage).err(), Some(EnvelopeError::Share));
    // The custodian's share inside an envelope whose header says client backup.
    let swapped = seal_raw::<Ed25519>(&header, &KEY, &bk.to_bytes().unwrap());
    assert_eq!(open(&swapped).err(), Some(EnvelopeError::Share));
}

#[test]
fn envelope_header_checks() {
    let (bc, _) = backup_pair();
    let password = KeySource::Password(b"1234");
    let sealed =
        envelope::seal_with(&bc, "w", &password, PasswordParams::MIN, &mut rng(40)).unwrap();
    // Argon2 parameters edited by whoever stores the envelope: refused before any hashing
    // (an unbounded memory or time cost), not reported as a wrong password. The header is
    // authenticated data, so had Argon2 run on an edited one the result would be
    // `Decryption` (after the hashing): `PasswordParams` means no hashing was done.
    for params in [
        // The ceiling before it was lowered: 256 MiB, 8 passes, 4 lanes (about 3.5 s of
        // Argon2id on the test machine, 16 times the default's memory × passes).
        PasswordParams {
            m_cost_kib: 256 * 1024,
            t_cost: 8,
            p_cost: 4,
        },
        // Each bound of `MAX` at once, which is above the cap on memory × passes.
        PasswordParams::MAX,
        // One KiB over the cap on memory × passes at the most passes.
        PasswordParams {
            m_cost_kib: 96 * 1024 + 1,
            t_cost: PasswordParams::MAX.t_cost,
            p_cost: 1,
        },
        PasswordParams {
            m_cost_kib: u32::MAX,
            ..PasswordParams::MIN
        },
        PasswordParams {
            t_cost: 1,
            ..PasswordParams::MIN
        },
        PasswordParams {
            p_cost: PasswordParams::MAX.p_cost + 1,
            ..PasswordParams::MIN
        },
    ] {
        let edited = edited(&sealed, |e| {
            let Kdf::Password { salt, .. } = e.header.kdf else {
                panic!("a password envelope");
            };
            e.header.kdf = Kdf::Password { salt, params };
        });
        assert_eq!(
            envelope::open::<Ed25519>(&edited, "w", BackupKind::ClientBackup, &password).err(),
            Some(EnvelopeError::PasswordParams),
            "{params:?}"
        );
    }
    // The caller's wallet id: empty or too long.
    let random = KeySource::RandomKey(&KEY);
    let sealed_r = envelope::seal(&bc, "wallet-1", &random, &mut rng(41)).unwrap();
    for id in [String::new(), "w".repeat(MAX_WALLET_ID_LEN + 1)] {
        assert_eq!(
            envelope::open::<Ed25519>(&sealed_r, &id, BackupKind::ClientBackup, &random).err(),
            Some(EnvelopeError::WalletId)
        );
    }
    // An unknown format version; a stored backup share offered as an envelope.
    let mut v3 = sealed_r.clone();
    v3[0] = 3;
    assert_eq!(
        open(&v3).err(),
        Some(EnvelopeError::Format(DecodeError::UnsupportedVersion(3)))
    );
    assert_eq!(
        open(&bc.to_bytes().unwrap()).err(),
        Some(EnvelopeError::Format(DecodeError::WrongKind))
    );
    // A header edited in a way the opener does not look at: authentication fails.
    let edited = edited(&sealed_r, |e| e.header.nonce[0] ^= 1);
    assert_eq!(open(&edited).err(), Some(EnvelopeError::Decryption));
}
