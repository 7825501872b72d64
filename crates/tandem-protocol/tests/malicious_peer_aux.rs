//! A dishonest client or server in the auxiliary-information protocol (CGGMP24 Fig. 7: each
//! party's Paillier key and ring-Pedersen parameters with Πprm, Πmod and Πfac), through the
//! harness of `malicious_peer.rs` (`tandem_testkit::mutate`): field mutations of every message the
//! dishonest party sends, header changes, and the whole-message attacks (dropped, delivered
//! twice, replayed from another session, out of order). The honest party must refuse naming
//! the dishonest party, or finish with a key share that holds the peer's Paillier key and
//! ring-Pedersen parameters as the peer generated them and that presigns and signs; no run
//! may panic and no error may show its secret share or a Paillier prime (hex, both byte
//! orders, either case).
//!
//! Cost: a run is seconds (3072-bit proofs, fixture primes): every party step is memoized
//! and each case restores the honest party's saved state before the tampered message
//! (`tandem_testkit::aux_steps`, shared with `tandem-protocol/tests/reshare_malicious_peer_ecdsa.rs`).
//!
//! Sampling (per case about 25 ms to restore a state, up to 0.7 s when a proof is verified):
//! the mutator with [`ByteEdits::Ends`], so of every byte string (each big integer of the
//! proofs) the top bit and the low bit are flipped and the length is changed by one byte both
//! ways; of every sequence longer than three (Πmod's `x_i`, `a_i`, `b_i`, `z_i`, Πprm's `A_i`
//! and `z_i`) the first, middle and last elements are mutated, the first and last dropped and
//! duplicated, the first two swapped; with [`Options::raw_sequences`], so a duplicated Πmod
//! `x_i` or Πprm `A_i`, `z_i` (129 elements, over the decoder's bound) is sent as raw bytes
//! rather than skipped. Messages 4 (server) and 5 (client) carry Πmod and Πfac, verified by
//! the same code, with every mutation. The client makes message 5 right after message 3,
//! without waiting for message 4 (the two are the halves of the paper's round 3); the harness
//! delivers the messages in their numbered order, message 5 after message 4. Not sent: the
//! length changes of `N` (it occurs twice in the reveal, as `n` and in the ring-Pedersen
//! triple, so the raw substitution is ambiguous). Header mutations and whole-message attacks:
//! all of them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::rc::Rc;
use std::sync::OnceLock;

use tandem_curves::Secp256k1;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::ecdsa::aux_info::{CommitMsg, OpeningMsg, ProofsMsg, RevealMsg};
use tandem_protocol::{KeyShare, Role};
use tandem_testkit::aux_steps::{
    AuxInputs, AuxSteps, Reference, Share, attack_and_report, check_peer_aux, fixture_key,
    share_secrets,
};
use tandem_testkit::message::rng;
use tandem_testkit::mutate::{
    ByteEdits, Mutation, Options, Proto, Run, Stats, TapFn, mutations_with,
};

/// The key-generation shares (stored form) both seeds start from, and the fixture Paillier
/// keys: 0 for the client, 1 for the server.
fn inputs() -> &'static AuxInputs {
    static INPUTS: OnceLock<AuxInputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let (c, s) =
            driver::keygen::<Secp256k1, _, _, _>(&mut rng(31), &mut rng(32), &mut NoTap).unwrap();
        AuxInputs {
            cores: [
                c.to_bytes().unwrap().to_vec(),
                s.to_bytes().unwrap().to_vec(),
            ],
            keys: [0, 1],
        }
    })
}

fn core(role: Role) -> KeyShare<Secp256k1> {
    KeyShare::from_bytes(&inputs().cores[usize::from(role == Role::Server)]).unwrap()
}

fn paillier(role: Role) -> tandem_paillier::paillier::SecretKey {
    fixture_key(inputs().keys[usize::from(role == Role::Server)])
}

#[derive(Default)]
struct AuxInfo {
    steps: AuxSteps,
}

impl AuxInfo {
    /// The honest run of `seed`, computed once.
    fn reference(&self, seed: u64) -> Rc<Reference> {
        self.steps.reference(self, seed, |r| {
            check_share(r.share(Role::Client), Role::Client, r)?;
            check_share(r.share(Role::Server), Role::Server, r)
        })
    }
}

/// `share` (held by `role`) against the honest run `r`: same key-generation share, own
/// Paillier key, and the peer's Paillier key and ring-Pedersen parameters as generated.
fn check_share(share: &EcdsaKeyShare, role: Role, r: &Reference) -> Result<(), String> {
    if share.role() != role || share.core().to_bytes().unwrap() != core(role).to_bytes().unwrap() {
        return Err(format!("{role}'s key-generation share changed"));
    }
    check_peer_aux(share, role, paillier(role).public(), r.share(role.peer()))
}

impl Proto for AuxInfo {
    type Out = Share;
    const NAME: &'static str = "ECDSA aux info";
    const MSGS: usize = 5;

    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Share> {
        self.steps.run(seed, inputs(), 1, Run::default(), tap)
    }

    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        let ends = Options {
            byte_edits: ByteEdits::Ends,
            raw_sequences: true,
        };
        match idx {
            1 => mutations_with::<CommitMsg>(p, ends),
            2 => mutations_with::<RevealMsg>(p, ends),
            3 => mutations_with::<OpeningMsg>(p, ends),
            _ => mutations_with::<ProofsMsg>(p, ends),
        }
    }

    fn check(&self, run: Run<Share>) -> Result<(), String> {
        let r = self.reference(self.steps.seed());
        match self
            .steps
            .output_pair(run, &r, |share, role| check_share(share, role, &r))?
        {
            Some(pair) => self.steps.presign_and_sign(pair),
            None => Ok(()),
        }
    }

    fn secrets(&self, seed: u64, role: Role) -> Vec<String> {
        share_secrets(self.reference(seed).share(role))
    }
}

#[test]
fn aux_info_dishonest_peer() {
    let aux = AuxInfo::default();
    attack_and_report(&aux, &aux.steps, 100, |seed| aux.reference(seed));
}
