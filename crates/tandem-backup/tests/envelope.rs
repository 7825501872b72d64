//! The encrypted client backup: each key source round-trips; a wrong key or password, an
//! edited or truncated envelope, another wallet, curve or share kind are clean errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

use tandem_backup::envelope::{self, MAX_WALLET_ID_LEN};
use tandem_backup::{EnvelopeError, KeySource, PasswordParams};
use tandem_curves::{Ed25519, Secp256k1};
use tandem_protocol::driver::NoTap;
use tandem_protocol::driver::reshare;
use tandem_protocol::reshare::Backup;
use tandem_protocol::{BackupKind, BackupShare};
use tandem_testkit::message::{rng, signing_pair};

/// The weakest parameters accepted (fast enough for tests; production uses the default).
const FAST: PasswordParams = PasswordParams::MIN;

fn backup_pair() -> (BackupShare<Ed25519>, BackupShare<Ed25519>) {
    let (c, s) = signing_pair::<Ed25519>(1);
    reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(2), &mut rng(3), &mut NoTap).unwrap()
}

#[test]
fn every_key_source_round_trips() {
    let (bc, _) = backup_pair();
    let key = [7u8; 32];
    let secret = [9u8; 32];
    let sources = [
        KeySource::RandomKey(&key),
        KeySource::Password(b"correct horse battery staple"),
        KeySource::Secret(&secret),
    ];
    for source in sources {
        let sealed = envelope::seal_with(&bc, "wallet-1", &source, FAST, &mut rng(4)).unwrap();
        let opened =
            envelope::open::<Ed25519>(&sealed, "wallet-1", BackupKind::ClientBackup, &source)
                .unwrap();
        assert_eq!(opened.sharing_id(), bc.sharing_id());
        assert_eq!(opened.to_bytes().unwrap(), bc.to_bytes().unwrap());
        // Fresh salt and nonce each time: two envelopes of the same share differ.
        let again = envelope::seal_with(&bc, "wallet-1", &source, FAST, &mut rng(5)).unwrap();
        assert_ne!(sealed, again);
    }
}

#[test]
fn wrong_keys_and_edits_are_refused() {
    let (bc, _) = backup_pair();
    let key = [7u8; 32];
    let sealed = envelope::seal_with(
        &bc,
        "wallet-1",
        &KeySource::RandomKey(&key),
        FAST,
        &mut rng(4),
    )
    .unwrap();
    let open = |bytes: &[u8], source: &KeySource<'_>| {
        envelope::open::<Ed25519>(bytes, "wallet-1", BackupKind::ClientBackup, source)
    };
    // Wrong key.
    assert_eq!(
        open(&sealed, &KeySource::RandomKey(&[8u8; 32])).unwrap_err(),
        EnvelopeError::Decryption
    );
    // The same 32 bytes presented as a passkey secret: another key source.
    assert!(matches!(
        open(&sealed, &KeySource::Secret(&key)).unwrap_err(),
        EnvelopeError::WrongKeySource { .. }
    ));
    // Every single-bit edit anywhere (header, salt, nonce, ciphertext, tag) is refused.
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x04;
        assert!(open(&bad, &KeySource::RandomKey(&key)).is_err(), "byte {i}");
    }
    // Truncated at every length.
    for n in 0..sealed.len() {
        assert!(
            open(&sealed[..n], &KeySource::RandomKey(&key)).is_err(),
            "length {n}"
        );
    }
    // Another wallet, another curve, another share kind.
    assert_eq!(
        envelope::open::<Ed25519>(
            &sealed,
            "wallet-2",
            BackupKind::ClientBackup,
            &KeySource::RandomKey(&key)
        )
        .unwrap_err(),
        EnvelopeError::WrongWallet
    );
    assert!(matches!(
        envelope::open::<Secp256k1>(
            &sealed,
            "wallet-1",
            BackupKind::ClientBackup,
            &KeySource::RandomKey(&key)
        )
        .unwrap_err(),
        EnvelopeError::Format(_)
    ));
    assert!(matches!(
        envelope::open::<Ed25519>(
            &sealed,
            "wallet-1",
            BackupKind::CustodianBackup,
            &KeySource::RandomKey(&key)
        )
        .unwrap_err(),
        EnvelopeError::WrongShareKind { .. }
    ));
    // Wallet ids: empty or too long.
    assert_eq!(
        envelope::seal(&bc, "", &KeySource::RandomKey(&key), &mut rng(1)).unwrap_err(),
        EnvelopeError::WalletId
    );
    let long = "w".repeat(MAX_WALLET_ID_LEN + 1);
    assert_eq!(
        envelope::seal(&bc, &long, &KeySource::RandomKey(&key), &mut rng(1)).unwrap_err(),
        EnvelopeError::WalletId
    );
}

#[test]
fn passwords_wrong_password_and_parameter_bounds() {
    let (bc, bk) = backup_pair();
    let sealed =
        envelope::seal_with(&bc, "w", &KeySource::Password(b"1234"), FAST, &mut rng(4)).unwrap();
    assert_eq!(
        envelope::open::<Ed25519>(
            &sealed,
            "w",
            BackupKind::ClientBackup,
            &KeySource::Password(b"1235")
        )
        .unwrap_err(),
        EnvelopeError::Decryption
    );
    // Parameters below the minimum or above the maximum are refused when sealing.
    for params in [
        PasswordParams {
            m_cost_kib: FAST.m_cost_kib - 1,
            ..FAST
        },
        PasswordParams { t_cost: 1, ..FAST },
        PasswordParams { p_cost: 0, ..FAST },
        PasswordParams {
            m_cost_kib: PasswordParams::MAX.m_cost_kib + 1,
            ..FAST
        },
        PasswordParams {
            t_cost: PasswordParams::MAX.t_cost + 1,
            ..FAST
        },
        PasswordParams {
            p_cost: PasswordParams::MAX.p_cost + 1,
            ..FAST
        },
        // Memory × passes above the cap (each parameter within its own bound).
        PasswordParams {
            m_cost_kib: PasswordParams::MAX.m_cost_kib,
            t_cost: 4,
            p_cost: 1,
        },
    ] {
        assert_eq!(
            envelope::seal_with(&bc, "w", &KeySource::Password(b"1234"), params, &mut rng(1))
                .unwrap_err(),
            EnvelopeError::PasswordParams
        );
    }
    // The default, RFC 9106's second recommended option (p = 4) and the two corners of the
    // ceiling are within the bounds; the ceiling is at most twice the default's cost.
    let mib = |m: u32, t_cost: u32, p_cost: u32| PasswordParams {
        m_cost_kib: m * 1024,
        t_cost,
        p_cost,
    };
    for params in [
        PasswordParams::DEFAULT,
        PasswordParams::MIN,
        mib(64, 3, 4),
        mib(128, 3, 4),
        mib(96, 4, 4),
    ] {
        assert_eq!(params.check(), Ok(()), "{params:?}");
    }
    let default = PasswordParams::DEFAULT;
    assert_eq!(
        PasswordParams::MAX_MEMORY_PASSES,
        2 * u64::from(default.m_cost_kib) * u64::from(default.t_cost)
    );
    // The custodian share can be sealed too (encryption at rest), and is told apart.
    let key = [1u8; 32];
    let sealed_k = envelope::seal(&bk, "w", &KeySource::RandomKey(&key), &mut rng(6)).unwrap();
    let k = envelope::open::<Ed25519>(
        &sealed_k,
        "w",
        BackupKind::CustodianBackup,
        &KeySource::RandomKey(&key),
    )
    .unwrap();
    assert_eq!(k.kind(), BackupKind::CustodianBackup);
}
