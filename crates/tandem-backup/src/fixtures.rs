//! Deterministic backup transcripts and stored formats: the frozen formats of this crate.
//!
//! Written to `test-vectors/v1/backup-*.json` by
//! `cargo run -p tandem-backup --features fuzzing --example backup_fixtures -- --write`; the
//! test suite reads them back with today's decoders and regenerates them byte for byte. The
//! keys and passwords in them are public test values.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::driver::{self as protocol_driver, NoTap, Tap};
use tandem_protocol::fixtures::{Output, RecordedMessage, Transcript};
use tandem_protocol::message::peek_header;
use tandem_protocol::{Error, Role};

use crate::driver::reshare;
use crate::envelope::{self, KeySource, PasswordParams};
use crate::{Backup, Recover, Refresh};

/// The random key of the fixture's cloud-key envelope (public: a test value).
pub const FIXTURE_RANDOM_KEY: [u8; 32] = [0x42; 32];
/// The password of the fixture's password envelope.
pub const FIXTURE_PASSWORD: &[u8] = b"Tandem fixture PIN 246810";
/// The caller secret (passkey PRF output stand-in) of the fixture's secret envelope.
pub const FIXTURE_SECRET: [u8; 32] = [0x17; 32];
/// The wallet id in every fixture envelope.
pub const FIXTURE_WALLET_ID: &str = "tandem-fixture-wallet";

#[derive(Default)]
struct Recorder(Vec<RecordedMessage>);

impl Tap for Recorder {
    fn on_message(&mut self, sender: Role, msg: &mut Vec<u8>) {
        let round = peek_header(msg).map_or(0, |h| h.round);
        self.0.push(RecordedMessage {
            round,
            sender,
            bytes: msg.clone(),
        });
    }
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Key generation (not recorded), backup then recovery (both recorded), and the client
/// backup share sealed under each key source (passwords with [`PasswordParams::MIN`]).
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn backup<C: Curve>(client_seed: u64, server_seed: u64) -> Result<Transcript, Error> {
    let mut crng = rng(client_seed);
    let mut srng = rng(server_seed);
    let (c, s) = protocol_driver::keygen::<C, _, _, _>(&mut crng, &mut srng, &mut NoTap)?;
    let mut rec = Recorder::default();
    let (bc, bk) = reshare::<Backup, C, _, _, _>(&c, &s, &mut crng, &mut srng, &mut rec)?;
    let (c1, s1) = reshare::<Recover, C, _, _, _>(&bc, &bk, &mut crng, &mut srng, &mut rec)?;
    let seal = |source: KeySource<'_>, rng: &mut ChaCha20Rng| {
        envelope::seal_with(&bc, FIXTURE_WALLET_ID, &source, PasswordParams::MIN, rng)
            .map_err(|_| Error::Internal("fixture envelope could not be sealed"))
    };
    let sealed_random = seal(KeySource::RandomKey(&FIXTURE_RANDOM_KEY), &mut crng)?;
    let sealed_password = seal(KeySource::Password(FIXTURE_PASSWORD), &mut crng)?;
    let sealed_secret = seal(KeySource::Secret(&FIXTURE_SECRET), &mut crng)?;
    Ok(Transcript {
        description: format!(
            "key generation (not recorded), backup (4 messages) and recovery (4 messages) on {}; \
             the client backup share sealed under a random key, a password (Argon2id at the \
             minimum parameters) and a caller secret",
            C::ID
        ),
        client_seed,
        server_seed,
        messages: rec.0,
        outputs: vec![
            ("public_key".into(), Output(c.public_key_bytes().to_vec())),
            ("client_signing_share".into(), c.to_bytes()?.into()),
            ("server_signing_share".into(), s.to_bytes()?.into()),
            ("client_backup_share".into(), bc.to_bytes()?.into()),
            ("custodian_backup_share".into(), bk.to_bytes()?.into()),
            ("recovered_client_share".into(), c1.to_bytes()?.into()),
            ("recovered_server_share".into(), s1.to_bytes()?.into()),
            ("sealed_random_key".into(), Output(sealed_random)),
            ("sealed_password".into(), Output(sealed_password)),
            ("sealed_secret".into(), Output(sealed_secret)),
        ],
    })
}

/// Key generation (not recorded), then a refresh of the signing pair (recorded): the byte
/// snapshot of the refresh messages and the refreshed shares.
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn refresh<C: Curve>(client_seed: u64, server_seed: u64) -> Result<Transcript, Error> {
    let mut crng = rng(client_seed);
    let mut srng = rng(server_seed);
    let (c, s) = protocol_driver::keygen::<C, _, _, _>(&mut crng, &mut srng, &mut NoTap)?;
    let mut rec = Recorder::default();
    let (c1, s1) = reshare::<Refresh, C, _, _, _>(&c, &s, &mut crng, &mut srng, &mut rec)?;
    Ok(Transcript {
        description: format!(
            "key generation (not recorded), then a refresh of the signing pair (4 messages) on {}",
            C::ID
        ),
        client_seed,
        server_seed,
        messages: rec.0,
        outputs: vec![
            ("public_key".into(), Output(c.public_key_bytes().to_vec())),
            ("client_signing_share".into(), c.to_bytes()?.into()),
            ("server_signing_share".into(), s.to_bytes()?.into()),
            ("refreshed_client_share".into(), c1.to_bytes()?.into()),
            ("refreshed_server_share".into(), s1.to_bytes()?.into()),
        ],
    })
}

/// Every backup fixture of format version 1: file name and transcript.
///
/// # Errors
/// Any protocol error (none for honest runs).
pub fn all_v1() -> Result<Vec<(&'static str, Transcript)>, Error> {
    Ok(vec![
        ("backup-ed25519.json", backup::<Ed25519>(11, 12)?),
        ("backup-secp256k1.json", backup::<Secp256k1>(13, 14)?),
        ("refresh-ed25519.json", refresh::<Ed25519>(15, 16)?),
        ("refresh-secp256k1.json", refresh::<Secp256k1>(17, 18)?),
    ])
}
