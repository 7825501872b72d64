//! `tandem-backup`: stored backup shares, sealed envelopes, and each round of the resharing protocol (one
//! seeded honest run of [`Backup`] per curve supplies the saved states and genuine
//! messages; the input is fed as a whole message and as the payload of a genuine header).
//! Every call must return, never panic, hang or allocate without bound.

use std::sync::LazyLock;

use tandem_backup::envelope::{self, KeySource};
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::backup_share::{BackupKind, BackupShare};
use tandem_protocol::driver::{self as protocol_driver, NoTap};
use tandem_protocol::reshare::Backup;
use tandem_protocol::reshare::{
    self, ClientAwaitingConfirmation, ClientAwaitingSeed, ServerAwaitingOpening,
};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{KeyShare, Message, SessionId};

use super::{Seed, both_forms};
use crate::fixtures::backup::{FIXTURE_RANDOM_KEY, FIXTURE_WALLET_ID};
use crate::transcript::{Transcript, rng};

/// One backup run: the source shares, the four genuine messages, and the saved states of
/// the parties waiting for messages 2, 3 and 4.
struct Run<C: Curve> {
    client: KeyShare<C>,
    server: KeyShare<C>,
    m: [Vec<u8>; 4],
    server_awaiting_opening: zeroize::Zeroizing<Vec<u8>>,
    client_awaiting_confirmation: zeroize::Zeroizing<Vec<u8>>,
}

fn run<C: Curve>() -> Option<Run<C>> {
    let (client, server) =
        protocol_driver::keygen::<C, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).ok()?;
    let session = SessionId([7; 32]);
    let start = || reshare::client_start::<Backup, C, _>(&client, session, &mut rng(3)).ok();
    let (c, m1) = start()?;
    let respond = || reshare::server_respond::<Backup, C, _>(&server, &m1, &mut rng(4)).ok();
    let (s, m2) = respond()?;
    let server_awaiting_opening = respond()?.0.save().ok()?;
    let (c, m3) = c.receive(&client, &m2, &mut rng(5)).ok()?;
    let client_awaiting_confirmation = c.save().ok()?;
    let (_, m4) = s.receive(&server, &m3, &mut rng(6)).ok()?;
    Some(Run {
        client,
        server,
        m: [m1, m2, m3, m4],
        server_awaiting_opening,
        client_awaiting_confirmation,
    })
}

static SECP: LazyLock<Option<Run<Secp256k1>>> = LazyLock::new(run::<Secp256k1>);
static ED: LazyLock<Option<Run<Ed25519>>> = LazyLock::new(run::<Ed25519>);

/// Stored backup shares of both curves.
pub fn backup_share(data: &[u8]) {
    let _ = BackupShare::<Secp256k1>::from_bytes(data);
    let _ = BackupShare::<Ed25519>::from_bytes(data);
}

/// Sealed envelopes of both curves, opened with a random key (an envelope that names a
/// password is refused before Argon2 runs, so the fuzzer does not spend its time hashing).
pub fn sealed_share(data: &[u8]) {
    let key = KeySource::RandomKey(&FIXTURE_RANDOM_KEY);
    let id = FIXTURE_WALLET_ID;
    let _ = envelope::open::<Secp256k1>(data, id, BackupKind::ClientBackup, &key);
    let _ = envelope::open::<Ed25519>(data, id, BackupKind::ClientBackup, &key);
}

/// Resharing, server receiving message 1.
pub fn reshare_server_round1(data: &[u8]) {
    fn go<C: Curve>(r: &Option<Run<C>>, data: &[u8]) {
        if let Some(r) = r {
            both_forms(&r.m[0], data, |m| {
                let _ = reshare::server_respond::<Backup, C, _>(&r.server, m, &mut rng(8));
            });
        }
    }
    go(&SECP, data);
    go(&ED, data);
}

/// Resharing, client receiving message 2 (that state is not saveable: made afresh with the
/// seeds and session of the genuine run).
pub fn reshare_client_round2(data: &[u8]) {
    fn go<C: Curve>(r: &Option<Run<C>>, data: &[u8]) {
        if let Some(r) = r {
            both_forms(&r.m[1], data, |m| {
                let started: Option<ClientAwaitingSeed<Backup, C>> =
                    reshare::client_start::<Backup, C, _>(
                        &r.client,
                        SessionId([7; 32]),
                        &mut rng(3),
                    )
                    .ok()
                    .map(|(s, _)| s);
                if let Some(s) = started {
                    let _ = s.receive(&r.client, m, &mut rng(9));
                }
            });
        }
    }
    go(&SECP, data);
    go(&ED, data);
}

/// Resharing, server receiving message 3.
pub fn reshare_server_round3(data: &[u8]) {
    fn go<C: Curve>(r: &Option<Run<C>>, data: &[u8]) {
        if let Some(r) = r {
            both_forms(&r.m[2], data, |m| {
                if let Ok(s) =
                    ServerAwaitingOpening::<Backup, C>::restore(C::ID, &r.server_awaiting_opening)
                {
                    let _ = s.receive(&r.server, m, &mut rng(10));
                }
            });
        }
    }
    go(&SECP, data);
    go(&ED, data);
}

/// Resharing, client receiving message 4.
pub fn reshare_client_round4(data: &[u8]) {
    fn go<C: Curve>(r: &Option<Run<C>>, data: &[u8]) {
        if let Some(r) = r {
            both_forms(&r.m[3], data, |m| {
                if let Ok(s) = ClientAwaitingConfirmation::<Backup, C>::restore(
                    C::ID,
                    &r.client_awaiting_confirmation,
                ) {
                    let _ = s.receive(m);
                }
            });
        }
    }
    go(&SECP, data);
    go(&ED, data);
}

/// Seed inputs for the backup fuzz targets: the fixture messages (whole and payload only),
/// stored shares and envelopes of the backup transcripts `fixtures`.
pub(crate) fn seeds(fixtures: &[(&'static str, Transcript)]) -> Vec<Seed> {
    let targets = [
        "reshare_server_round1",
        "reshare_client_round2",
        "reshare_server_round3",
        "reshare_client_round4",
    ];
    let mut seeds = Vec::new();
    for (_, t) in fixtures {
        for m in &t.messages {
            // Backup messages only (recovery's go through the same decoders).
            let Ok(msg) = Message::from_bytes(&m.bytes) else {
                continue;
            };
            if msg.header.protocol != tandem_protocol::ProtocolId::Backup {
                continue;
            }
            if let Some(target) = targets.get(usize::from(m.round).wrapping_sub(1)) {
                seeds.push(Seed::new(target, m.bytes.clone()));
                seeds.push(Seed::new(target, msg.payload));
            }
        }
        for (name, out) in &t.outputs {
            if name.ends_with("backup_share") {
                seeds.push(Seed::new("backup_share", out.0.clone()));
            } else if name.starts_with("sealed_") {
                seeds.push(Seed::new("sealed_share", out.0.clone()));
            }
        }
    }
    seeds
}
