//! A dishonest client or server in secp256k1 refresh and recovery as the wallet runs them
//! (`tandem_protocol::driver::refresh_ecdsa`, `recover_ecdsa`; `tandem-wallet`'s `backup.rs`):
//! the resharing (messages 1–4), then the auxiliary information on the reshared shares with
//! fresh Paillier keys (messages 5–9, the five aux-info messages), through the harness of
//! `tandem_testkit::mutate`.
//!
//! Every message the dishonest party sends is attacked: its payload fields mutated (resharing
//! messages with every byte edit, aux-info messages with [`ByteEdits::Ends`] and raw
//! over-long sequences, as in `malicious_peer_aux.rs`), its header fields changed, the
//! message dropped, delivered twice, out of order or replayed from another session. On top,
//! the peer replays the wallet's history into every one of its messages: each message of the
//! old pair's runs (key generation, the aux info that followed it, an earlier refresh
//! (resharing and aux info) and the backup of the current pair) as it was sent, and each one
//! of the same round under this message's header (session, protocol, round rewritten: the
//! header is not authenticated, so only the payload's bindings can catch it). The honest
//! party must refuse naming the dishonest party, or finish with a share that holds the
//! fresh Paillier key and the peer's aux data as the peer generated them, whose key
//! combines with the other party's to the wallet's key in a sharing none of the old pairs
//! used, and that presigns and signs; no error shows its source or new secret share or a
//! Paillier prime.
//!
//! Cost: the aux-info steps are memoized and restored per case (`tandem_testkit::aux_steps`,
//! shared with the protocol crate's tests, keyed by the reshared share they start from); the resharing is
//! re-run per case (about a millisecond a party).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::rc::Rc;
use std::sync::OnceLock;

use tandem_backup::eject::combine;
use tandem_curves::Secp256k1;
use tandem_protocol::driver;
use tandem_protocol::driver::{refresh_ecdsa, reshare as reshare_pair};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::ecdsa::aux_info as aux;
use tandem_protocol::reshare::{Backup, Operation, Recover, Refresh};
use tandem_protocol::reshare::{ClientConfirmMsg, CommitMsg, ServerConfirmMsg, ServerSeedMsg};
use tandem_protocol::{BackupShare, Sharing};
use tandem_protocol::{KeyShare, ProtocolId, Role};
use tandem_testkit::aux_steps::{
    AuxInputs, AuxSteps, Reference, Share, attack_and_report, check_peer_aux, fixture_key,
    hex_forms, share_secrets,
};
use tandem_testkit::message::rng;
use tandem_testkit::mutate::{
    ByteEdits, Mutation, Options, Proto, Run, Stats, TapFn, mutations, mutations_with, payload_of,
    rewrap,
};
use tandem_testkit::reshare_steps::reshare_steps;

/// The fixture Paillier keys of the attacked run's aux info, `[client, server]` (the old
/// pairs used 0, 1 and 2, 3).
const FRESH_KEYS: [usize; 2] = [4, 5];

/// A message of the wallet's earlier runs.
struct OldMsg {
    label: String,
    bytes: Vec<u8>,
    /// The message of the attacked run with the same payload type (same round of the
    /// resharing or of the aux info), if any.
    slot: Option<usize>,
}

/// The wallet before the attacked run: key generation and aux info (pair 0), a refresh
/// (pair 1, the current signing pair), a backup of pair 1; every message of those runs.
struct History {
    /// The wallet's public key (SEC1).
    public_key: Vec<u8>,
    /// The current signing pair (stored `EcdsaKeyShare`s).
    signing: [Vec<u8>; 2],
    /// Its backup pair (stored `BackupShare`s).
    backup: [Vec<u8>; 2],
    /// The sharing ids of the old pairs: key generation, refresh, backup.
    old_sharings: Vec<[u8; 32]>,
    old_msgs: Vec<OldMsg>,
}

fn recorder(out: &mut Vec<Vec<u8>>) -> impl FnMut(Role, &mut Vec<u8>) + '_ {
    |_, m: &mut Vec<u8>| out.push(m.clone())
}

fn history() -> &'static History {
    static HISTORY: OnceLock<History> = OnceLock::new();
    HISTORY.get_or_init(|| {
        let (mut keygen, mut aux0, mut refresh, mut backup) = (vec![], vec![], vec![], vec![]);
        let (c, s) = driver::keygen::<Secp256k1, _, _, _>(
            &mut rng(51),
            &mut rng(52),
            &mut recorder(&mut keygen),
        )
        .unwrap();
        let (c0, s0) = driver::aux_info(
            c,
            s,
            fixture_key(0),
            fixture_key(1),
            &mut rng(53),
            &mut rng(54),
            &mut recorder(&mut aux0),
        )
        .unwrap();
        let (c1, s1) = refresh_ecdsa(
            &c0,
            &s0,
            fixture_key(2),
            fixture_key(3),
            &mut rng(55),
            &mut rng(56),
            &mut recorder(&mut refresh),
        )
        .unwrap();
        let (bc, bk) = reshare_pair::<Backup, Secp256k1, _, _, _>(
            c1.core(),
            s1.core(),
            &mut rng(57),
            &mut rng(58),
            &mut recorder(&mut backup),
        )
        .unwrap();
        let mut old_msgs = Vec::new();
        let mut add = |run: &str, msgs: Vec<Vec<u8>>, slot: &dyn Fn(usize) -> Option<usize>| {
            for (i, bytes) in msgs.into_iter().enumerate() {
                let label = format!("{run} message {}", i + 1);
                let slot = slot(i + 1);
                old_msgs.push(OldMsg { label, bytes, slot });
            }
        };
        add("key generation", keygen, &|_| None);
        add("old aux info", aux0, &|k| Some(k + 4));
        add("earlier refresh", refresh, &Some);
        add("backup", backup, &Some);
        History {
            public_key: c1.core().public_key().to_bytes().unwrap().to_vec(),
            old_sharings: vec![
                c0.sharing_id(),
                c1.sharing_id(),
                bc.key_share().sharing_id(),
            ],
            signing: [
                c1.to_bytes().unwrap().to_vec(),
                s1.to_bytes().unwrap().to_vec(),
            ],
            backup: [
                bc.to_bytes().unwrap().to_vec(),
                bk.to_bytes().unwrap().to_vec(),
            ],
            old_msgs,
        }
    })
}

/// Operation `O` on secp256k1 (the resharing), then aux info on its output.
struct ReshareThenAux<O: Operation> {
    client: O::Source<Secp256k1>,
    server: O::Source<Secp256k1>,
    steps: AuxSteps,
}

fn index(role: Role) -> usize {
    usize::from(role == Role::Server)
}

/// `share`, held by `role`, against the wallet and the honest run `r`.
fn check_share(share: &EcdsaKeyShare, role: Role, r: &Reference) -> Result<(), String> {
    let core = share.core();
    if share.role() != role || core.role() != role {
        return Err(format!("{role}'s new share is of the other role"));
    }
    if core.public_key().to_bytes().unwrap().as_slice() != history().public_key {
        return Err(format!("{role}'s new share is for another key"));
    }
    if history().old_sharings.contains(&core.sharing_id()) {
        return Err(format!("{role}'s new share reuses an old sharing"));
    }
    let fresh = fixture_key(FRESH_KEYS[index(role)]);
    check_peer_aux(share, role, fresh.public(), r.share(role.peer()))
}

impl<O> ReshareThenAux<O>
where
    O: Operation<Target<Secp256k1> = KeyShare<Secp256k1>>,
{
    fn new(client: O::Source<Secp256k1>, server: O::Source<Secp256k1>) -> Self {
        Self {
            client,
            server,
            steps: AuxSteps::default(),
        }
    }

    /// The honest run of `seed`, computed once.
    fn reference(&self, seed: u64) -> Rc<Reference> {
        self.steps.reference(self, seed, |r| {
            check_share(r.share(Role::Client), Role::Client, r)?;
            check_share(r.share(Role::Server), Role::Server, r)
        })
    }
}

impl<O> Proto for ReshareThenAux<O>
where
    O: Operation<Target<Secp256k1> = KeyShare<Secp256k1>>,
{
    type Out = Share;
    const NAME: &'static str = match O::PROTOCOL {
        ProtocolId::Recover => "secp256k1 recover + aux info",
        _ => "secp256k1 refresh + aux info",
    };
    const MSGS: usize = 9;

    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Share> {
        let mut run = Run::default();
        let (c, s) = (&self.client, &self.server);
        let (Some(client_core), Some(server_core)) =
            reshare_steps::<O, Secp256k1, _>(c, s, seed, &mut run, tap)
        else {
            return run;
        };
        let inputs = AuxInputs {
            cores: [
                client_core.to_bytes().unwrap().to_vec(),
                server_core.to_bytes().unwrap().to_vec(),
            ],
            keys: FRESH_KEYS,
        };
        self.steps.run(seed, &inputs, 5, run, tap)
    }

    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        let ends = Options {
            byte_edits: ByteEdits::Ends,
            raw_sequences: true,
        };
        match idx {
            1 => mutations::<CommitMsg>(p),
            2 => mutations::<ServerSeedMsg<Secp256k1>>(p),
            3 => mutations::<ClientConfirmMsg<Secp256k1>>(p),
            4 => mutations::<ServerConfirmMsg<Secp256k1>>(p),
            5 => mutations_with::<aux::CommitMsg>(p, ends),
            6 => mutations_with::<aux::RevealMsg>(p, ends),
            7 => mutations_with::<aux::OpeningMsg>(p, ends),
            _ => mutations_with::<aux::ProofsMsg>(p, ends),
        }
    }

    fn check(&self, run: Run<Share>) -> Result<(), String> {
        let r = self.reference(self.steps.seed());
        let Some(pair) = self
            .steps
            .output_pair(run, &r, |share, role| check_share(share, role, &r))?
        else {
            return Ok(());
        };
        // The pair combines to the wallet's key (its public key is checked above), then
        // presigns and signs.
        let c = EcdsaKeyShare::from_bytes(&pair[0]).unwrap();
        let s = EcdsaKeyShare::from_bytes(&pair[1]).unwrap();
        combine(c.core(), s.core()).map_err(|e| format!("the new shares do not combine: {e}"))?;
        self.steps.presign_and_sign(pair)
    }

    fn secrets(&self, seed: u64, role: Role) -> Vec<String> {
        let source = if role == Role::Client {
            &self.client
        } else {
            &self.server
        };
        let mut out = hex_forms(source.key_share().secret().to_bytes().as_ref());
        out.extend(share_secrets(self.reference(seed).share(role)));
        out
    }

    fn opens_session(&self, idx: usize) -> bool {
        // The resharing's first message, and the aux info's (a new session of its own).
        idx == 1 || idx == 5
    }

    fn replays(&self, idx: usize, genuine: &[u8]) -> Vec<(String, Vec<u8>, bool)> {
        let mut out = Vec::new();
        for old in &history().old_msgs {
            out.push((format!("{} replayed", old.label), old.bytes.clone(), true));
            if old.slot == Some(idx) {
                // The server's seed message (σ_s, E_s) is its free random choice, bound to
                // nothing the client could check: an old one under this session is the
                // server choosing those values again. The client goes on (its message 3
                // holds nothing secret) and outputs only if the server confirms a share
                // derived with the client's fresh σ_c and e_c (a server that kept e_s: a
                // fresh sharing all the same); the server's own code refuses message 3 here.
                let must_refuse = idx != 2;
                out.push((
                    format!("{} under this message's header", old.label),
                    rewrap(genuine, payload_of(&old.bytes)),
                    must_refuse,
                ));
            }
        }
        out
    }
}

#[test]
fn refresh_secp256k1_then_aux_info_dishonest_peer() {
    let [c, s] = &history().signing;
    let (c, s) = (
        EcdsaKeyShare::from_bytes(c).unwrap(),
        EcdsaKeyShare::from_bytes(s).unwrap(),
    );
    let core = |share: &EcdsaKeyShare| KeyShare::from_bytes(&share.core().to_bytes().unwrap());
    let p = ReshareThenAux::<Refresh>::new(core(&c).unwrap(), core(&s).unwrap());
    attack_and_report(&p, &p.steps, 300, |seed| p.reference(seed));
}

#[test]
fn recover_secp256k1_then_aux_info_dishonest_peer() {
    let [c, s] = &history().backup;
    let p = ReshareThenAux::<Recover>::new(
        BackupShare::from_bytes(c).unwrap(),
        BackupShare::from_bytes(s).unwrap(),
    );
    attack_and_report(&p, &p.steps, 300, |seed| p.reference(seed));
}
