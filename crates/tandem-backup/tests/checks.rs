//! Checks listed in `CHECKS.md` that no other test provoked: each test crafts the bad input,
//! asserts the exact error variant and, where the error names one, the culprit.
//!
//! Private structures (saved states, stored backup shares, envelopes) are rebuilt with mirror
//! structs of the same serde layout, so that one field can be changed; the envelope tests
//! seal their own authentic envelopes (same key derivation and associated data) to reach the
//! checks that run after decryption.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use curve25519_dalek::constants::EIGHT_TORSION;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tandem_backup::driver::reshare;
use tandem_backup::envelope::{self, MAX_WALLET_ID_LEN};
use tandem_backup::reshare::{self as rs, ServerSeedMsg};
use tandem_backup::{
    Backup, BackupKind, BackupShare, EnvelopeError, KeySource, PasswordParams, Refresh,
};
use tandem_curves::{
    Commitment, Curve, CurveId, Ed25519, Opening, Point, SchnorrProof, Secp256k1, SecretScalar,
    Transcript,
};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::message::SessionContext;
use tandem_protocol::stored::{self, SessionState, StoredKind};
use tandem_protocol::{
    DecodeError, Error, KeyShare, Message, Misuse, ProtocolId, PublicShares, Role, SessionId, codec,
};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn signing_pair<C: Curve>(seed: u64) -> (KeyShare<C>, KeyShare<C>) {
    driver::keygen::<C, _, _, _>(&mut rng(seed), &mut rng(seed + 1), &mut NoTap).unwrap()
}

fn with_payload(bytes: &[u8], payload: Vec<u8>) -> Vec<u8> {
    let mut msg = Message::from_bytes(bytes).unwrap();
    msg.payload = payload;
    msg.to_bytes().unwrap()
}

fn edit_stored<M: Serialize + DeserializeOwned>(
    kind: StoredKind,
    curve: CurveId,
    bytes: &[u8],
    f: impl FnOnce(&mut M),
) -> Vec<u8> {
    let mut m: M = stored::decode(kind, curve, bytes).unwrap();
    f(&mut m);
    stored::encode(kind, curve, &m).unwrap().to_vec()
}

// ---------------------------------------------------------------------------------------
// Resharing (CGGMP21 Fig. 6 specialised; `reshare.rs`).

#[test]
fn client_state_only_accepts_its_own_source_share() {
    let (c, s) = signing_pair::<Ed25519>(1);
    let (c_other, _) = signing_pair::<Ed25519>(3);
    let sid = SessionId([1; 32]);
    let (client, m1) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(5)).unwrap();
    let (_, m2) = rs::server_respond::<Backup, Ed25519, _>(&s, &m1, &mut rng(6)).unwrap();
    assert_eq!(
        client.receive(&c_other, &m2, &mut rng(7)).map(|_| ()).err(),
        Some(Error::Misuse(Misuse::KeyShareChanged))
    );
    let (client, _) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(5)).unwrap();
    assert!(matches!(
        client.receive(&s, &m2, &mut rng(7)).map(|_| ()),
        Err(Error::Misuse(Misuse::WrongRole { .. }))
    ));
    // The server's side answered with the client's share.
    assert_eq!(
        rs::server_respond::<Backup, Ed25519, _>(&c, &m1, &mut rng(8))
            .map(|_| ())
            .err(),
        Some(Error::Misuse(Misuse::WrongRole {
            expected: Role::Server,
            got: Role::Client
        }))
    );
}

/// `ServerSeedMsg` with the ephemeral key as raw bytes (same layout).
#[derive(Serialize, Deserialize)]
struct RawSeedMsg {
    #[serde(with = "tandem_curves::encoding::fixed")]
    seed: [u8; 32],
    #[serde(with = "tandem_curves::encoding::var")]
    ephemeral: Vec<u8>,
}

/// `ClientConfirmMsg` with the ephemeral key as raw bytes (same layout).
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct RawConfirmMsg<C: Curve> {
    #[serde(with = "tandem_curves::encoding::fixed")]
    seed: [u8; 32],
    #[serde(with = "tandem_curves::encoding::var")]
    ephemeral: Vec<u8>,
    opening: Opening,
    new_public_share: Point<C>,
    proof: SchnorrProof<C>,
}

#[test]
fn invalid_ephemeral_keys_are_malformed() {
    let (c, s) = signing_pair::<Ed25519>(10);
    let sid = SessionId([2; 32]);
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let bad_points: [(&str, [u8; 32]); 3] = [
        ("identity", identity),
        ("small order", EIGHT_TORSION[1].compress().to_bytes()),
        (
            "mixed order",
            (curve25519_dalek::constants::ED25519_BASEPOINT_POINT + EIGHT_TORSION[2])
                .compress()
                .to_bytes(),
        ),
    ];
    for (name, point) in bad_points {
        // The server's E_s, seen by the client.
        let (client, m1) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(11)).unwrap();
        let (server, m2) = rs::server_respond::<Backup, Ed25519, _>(&s, &m1, &mut rng(12)).unwrap();
        let raw = RawSeedMsg {
            seed: [3; 32],
            ephemeral: point.to_vec(),
        };
        let bad = with_payload(&m2, codec::encode(&raw).unwrap());
        assert_eq!(
            client.receive(&c, &bad, &mut rng(13)).map(|_| ()).err(),
            Some(Error::Malformed {
                sender: Role::Server,
                reason: DecodeError::InvalidValue
            }),
            "{name}"
        );
        // The client's E_c, seen by the server.
        let (client, _) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(11)).unwrap();
        let (_, m3) = client.receive(&c, &m2, &mut rng(13)).unwrap();
        let mut msg: RawConfirmMsg<Ed25519> =
            codec::decode(&Message::from_bytes(&m3).unwrap().payload).unwrap();
        msg.ephemeral = point.to_vec();
        let bad = with_payload(&m3, codec::encode(&msg).unwrap());
        assert_eq!(
            server.receive(&s, &bad, &mut rng(14)).map(|_| ()).err(),
            Some(Error::Malformed {
                sender: Role::Client,
                reason: DecodeError::InvalidValue
            }),
            "{name}"
        );
    }
    // The honest message decodes through the raw mirror unchanged.
    let (_, m1) = rs::client_start::<Backup, Ed25519, _>(&c, sid, &mut rng(11)).unwrap();
    let (_, m2) = rs::server_respond::<Backup, Ed25519, _>(&s, &m1, &mut rng(12)).unwrap();
    let raw: RawSeedMsg = codec::decode(&Message::from_bytes(&m2).unwrap().payload).unwrap();
    let typed: ServerSeedMsg<Ed25519> =
        codec::decode(&Message::from_bytes(&m2).unwrap().payload).unwrap();
    assert_eq!(raw.ephemeral, typed.ephemeral.to_bytes().unwrap());
}

/// The serde layout of `reshare::ClientAwaitingConfirmation` (the `PhantomData` is empty).
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct ClientConfirmationMirror<C: Curve> {
    ctx: SessionContext,
    #[serde(with = "tandem_curves::encoding::fixed")]
    source: [u8; 32],
    secret: SecretScalar<C>,
    target: PublicShares<C>,
}

/// The serde layout of `reshare::ServerAwaitingOpening`.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct ServerOpeningMirror<C: Curve> {
    ctx: SessionContext,
    #[serde(with = "tandem_curves::encoding::fixed")]
    source: [u8; 32],
    commitment: Commitment,
    #[serde(with = "tandem_curves::encoding::fixed")]
    seed: [u8; 32],
    ephemeral: SecretScalar<C>,
}

#[test]
fn restored_reshare_states_are_checked() {
    type C = Secp256k1;
    let (c, s) = signing_pair::<C>(20);
    let sid = SessionId([3; 32]);
    let (client, m1) = rs::client_start::<Refresh, C, _>(&c, sid, &mut rng(21)).unwrap();
    let (server, m2) = rs::server_respond::<Refresh, C, _>(&s, &m1, &mut rng(22)).unwrap();
    let (client, _) = client.receive(&c, &m2, &mut rng(23)).unwrap();
    let saved_c = client.save().unwrap();
    let saved_s = server.save().unwrap();
    let kind_c = StoredKind::SavedSession {
        protocol: ProtocolId::Refresh,
        role: Role::Client,
        awaiting_round: rs::round::SERVER_CONFIRM,
    };
    let kind_s = StoredKind::SavedSession {
        protocol: ProtocolId::Refresh,
        role: Role::Server,
        awaiting_round: rs::round::CLIENT_CONFIRM,
    };
    // The mirrors have the stored layouts.
    assert_eq!(
        edit_stored::<ClientConfirmationMirror<C>>(kind_c, C::ID, &saved_c, |_| {}),
        *saved_c
    );
    assert_eq!(
        edit_stored::<ServerOpeningMirror<C>>(kind_s, C::ID, &saved_s, |_| {}),
        *saved_s
    );
    let restore_c =
        |b: &[u8]| rs::ClientAwaitingConfirmation::<Refresh, C>::restore(C::ID, b).err();
    let restore_s = |b: &[u8]| rs::ServerAwaitingOpening::<Refresh, C>::restore(C::ID, b).err();
    let inconsistent = Some(DecodeError::Inconsistent);
    // A new secret that is not the client's new public share.
    let b = edit_stored::<ClientConfirmationMirror<C>>(kind_c, C::ID, &saved_c, |m| {
        m.target.client = m.target.client + Point::generator();
    });
    assert_eq!(restore_c(&b), inconsistent);
    // A target whose public key is the identity.
    let b = edit_stored::<ClientConfirmationMirror<C>>(kind_c, C::ID, &saved_c, |m| {
        m.target.server = -m.target.client;
    });
    assert_eq!(restore_c(&b), inconsistent);
    // A context of another party than the header says.
    let b = edit_stored::<ClientConfirmationMirror<C>>(kind_c, C::ID, &saved_c, |m| {
        m.ctx.me = Role::Server;
    });
    assert_eq!(restore_c(&b), inconsistent);
    // A zero ephemeral key in the server's state.
    let b = edit_stored::<ServerOpeningMirror<C>>(kind_s, C::ID, &saved_s, |m| {
        m.ephemeral = SecretScalar::new(C::scalar_zero());
    });
    assert_eq!(restore_s(&b), inconsistent);
    // Saved for another operation.
    assert_eq!(
        rs::ServerAwaitingOpening::<Backup, C>::restore(C::ID, &saved_s).err(),
        Some(DecodeError::WrongKind)
    );
}

// ---------------------------------------------------------------------------------------
// Stored backup shares (`share.rs`).

/// The serde layout of a stored backup share body.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct ShareMirror<C: Curve> {
    kind: BackupKind,
    secret: SecretScalar<C>,
    public: PublicShares<C>,
    #[serde(with = "tandem_curves::encoding::fixed")]
    check: [u8; 32],
}

/// `share::integrity_check`, recomputed (it detects corruption, not a writer).
fn integrity<C: Curve>(kind: BackupKind, public: &PublicShares<C>) -> [u8; 32] {
    let mut t = Transcript::new("tandem/backup-share/integrity/v1");
    t.append("curve", C::ID.name().as_bytes());
    t.append("kind", kind.name().as_bytes());
    t.append_point("client-backup", &public.client);
    t.append_point("custodian-backup", &public.server);
    let mut out = [0u8; 32];
    t.challenge_bytes("check", &mut out);
    out
}

fn backup_pair() -> (BackupShare<Ed25519>, BackupShare<Ed25519>) {
    let (c, s) = signing_pair::<Ed25519>(30);
    reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(32), &mut rng(33), &mut NoTap).unwrap()
}

#[test]
fn stored_backup_share_checks() {
    type C = Ed25519;
    let (bc, bk) = backup_pair();
    let bytes = bc.to_bytes().unwrap();
    let storage = |b: &[u8]| BackupShare::<C>::from_bytes(b).err();
    let inconsistent = Some(Error::Storage(DecodeError::Inconsistent));
    let edit = |f: &dyn Fn(&mut ShareMirror<C>)| {
        edit_stored::<ShareMirror<C>>(StoredKind::BackupShare, C::ID, &bytes, |m| f(m))
    };
    assert_eq!(edit(&|_| {}), *bytes, "the mirror has the stored layout");
    // The integrity check itself.
    assert_eq!(storage(&edit(&|m| m.check[0] ^= 1)), inconsistent);
    // A public share changed (the recomputed check matches): the integrity check catches it
    // when not recomputed...
    assert_eq!(
        storage(&edit(
            &|m| m.public.server = m.public.server + Point::generator()
        )),
        inconsistent
    );
    // ... and with a recomputed check, the secret no longer matches its public share.
    let recomputed = edit(&|m| {
        m.public.client = m.public.client + Point::generator();
        m.check = integrity(m.kind, &m.public);
    });
    assert_eq!(storage(&recomputed), inconsistent);
    // The kind says custodian, the secret is the client backup's.
    let swapped = edit(&|m| {
        m.kind = BackupKind::CustodianBackup;
        m.check = integrity(m.kind, &m.public);
    });
    assert_eq!(storage(&swapped), inconsistent);
    // Another kind of stored data.
    let (c, _) = signing_pair::<C>(34);
    assert_eq!(
        storage(&c.to_bytes().unwrap()),
        Some(Error::Storage(DecodeError::WrongKind))
    );
    drop(bk);
}

// ---------------------------------------------------------------------------------------
// Envelopes (`envelope.rs`).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum KdfMirror {
    RandomKey {
        #[serde(with = "tandem_curves::encoding::fixed")]
        salt: [u8; 32],
    },
    Password {
        #[serde(with = "tandem_curves::encoding::fixed")]
        salt: [u8; 16],
        params: PasswordParams,
    },
    Secret {
        #[serde(with = "tandem_curves::encoding::fixed")]
        salt: [u8; 32],
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct HeaderMirror {
    wallet_id: String,
    kind: BackupKind,
    kdf: KdfMirror,
    #[serde(with = "tandem_curves::encoding::fixed")]
    nonce: [u8; 12],
}

#[derive(Serialize, Deserialize)]
struct EnvelopeMirror {
    header: HeaderMirror,
    ciphertext: Vec<u8>,
}

/// An authentic envelope under a random key, sealed here around arbitrary plaintext.
fn seal_raw<C: Curve>(header: &HeaderMirror, key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    let KdfMirror::RandomKey { salt } = header.kdf else {
        panic!("random-key envelopes only");
    };
    let mut aes_key = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(&salt), key)
        .expand(b"tandem/sealed-share/v1/random-key", &mut aes_key)
        .unwrap();
    let aad = stored::encode(StoredKind::SealedShare, C::ID, header).unwrap();
    let ciphertext = Aes256Gcm::new(&aes_key.into())
        .encrypt(
            &Nonce::from(header.nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .unwrap();
    stored::encode(
        StoredKind::SealedShare,
        C::ID,
        &EnvelopeMirror {
            header: header.clone(),
            ciphertext,
        },
    )
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
    let header = HeaderMirror {
        wallet_id: "wallet-1".into(),
        kind: BackupKind::ClientBackup,
        kdf: KdfMirror::RandomKey { salt: [5; 32] },
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
    let kind = StoredKind::SealedShare;
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
        let edited = edit_stored::<EnvelopeMirror>(kind, Ed25519::ID, &sealed, |e| {
            let KdfMirror::Password { salt, .. } = e.header.kdf else {
                panic!("a password envelope");
            };
            e.header.kdf = KdfMirror::Password { salt, params };
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
    let mut v2 = sealed_r.clone();
    v2[0] = 2;
    assert_eq!(
        open(&v2).err(),
        Some(EnvelopeError::Format(DecodeError::UnsupportedVersion(2)))
    );
    assert_eq!(
        open(&bc.to_bytes().unwrap()).err(),
        Some(EnvelopeError::Format(DecodeError::WrongKind))
    );
    // A header edited in a way the opener does not look at: authentication fails.
    let edited = edit_stored::<EnvelopeMirror>(kind, Ed25519::ID, &sealed_r, |e| {
        e.header.nonce[0] ^= 1;
    });
    assert_eq!(open(&edited).err(), Some(EnvelopeError::Decryption));
}
