//! A dishonest client or server in the auxiliary-information protocol (CGGMP24 Fig. 7: each
//! party's Paillier key and ring-Pedersen parameters with Πprm, Πmod and Πfac), through the
//! harness of `malicious_peer.rs` (`support/mutate.rs`): field mutations of every message the
//! dishonest party sends, header changes, and the whole-message attacks (dropped, delivered
//! twice, replayed from another session, out of order). The honest party must refuse naming
//! the dishonest party, or finish with a key share that holds the peer's Paillier key and
//! ring-Pedersen parameters as the peer generated them and that presigns and signs; no run
//! may panic and no error may show its secret share or a Paillier prime (hex, both byte
//! orders, either case).
//!
//! Cost: a run is seconds (3072-bit proofs, fixture primes), so the protocol is not re-run per
//! case. Every party step is memoized on `(seed, party, messages that party received)`: the
//! honest runs are computed once and each party's state after each step kept in its saved
//! form ([`SessionState::save`]); a case restores the honest party's state before the
//! tampered message (the clone) and computes only the steps whose inputs differ from the
//! honest run. The presign + sign check of an output pair is memoized the same way.
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

#[macro_use]
#[path = "support/mutate.rs"]
mod mutate;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Instant;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use mutate::{
    ByteEdits, Mutation, Options, Proto, Run, SEED, Stats, TapFn, attack_both, header_mutations,
    mutations_with, payload_of,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{CurveId, Secp256k1};
use tandem_paillier::test_fixtures;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::ecdsa::aux_info::{
    self, ClientAwaitingProofs, ClientAwaitingReveal, CommitMsg, OpeningMsg, ProofsMsg, RevealMsg,
    ServerAwaitingOpening, ServerAwaitingProofs,
};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Error, KeyShare, Role, SessionId};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The RNG of one party step: independent of which steps were memoized.
fn step_rng(seed: u64, step: u64) -> ChaCha20Rng {
    rng(seed * 16 + step)
}

/// The key-generation shares (stored form) both seeds start from.
fn cores() -> &'static (Vec<u8>, Vec<u8>) {
    static CORES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    CORES.get_or_init(|| {
        let (c, s) =
            driver::keygen::<Secp256k1, _, _, _>(&mut rng(31), &mut rng(32), &mut NoTap).unwrap();
        (
            c.to_bytes().unwrap().to_vec(),
            s.to_bytes().unwrap().to_vec(),
        )
    })
}

fn core(role: Role) -> KeyShare<Secp256k1> {
    let (c, s) = cores();
    KeyShare::from_bytes(if role == Role::Client { c } else { s }).unwrap()
}

/// Fixture Paillier keys (test-only primes): 0 for the client, 1 for the server.
fn paillier(role: Role) -> tandem_paillier::paillier::SecretKey {
    test_fixtures::paillier_key(usize::from(role == Role::Server)).unwrap()
}

/// A party state between two steps: live, or saved (restored when next used).
enum Held<S> {
    Saved(Vec<u8>),
    Live(S),
}

impl<S: SessionState> Held<S> {
    fn take(self) -> S {
        match self {
            Self::Saved(b) => S::restore(CurveId::Secp256k1, &b).unwrap(),
            Self::Live(s) => s,
        }
    }
}

/// An output key share: stored form (from a memoized step) or live.
enum Share {
    Stored(Vec<u8>),
    Live(Box<EcdsaKeyShare>),
}

impl Share {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Stored(b) => b.clone(),
            Self::Live(s) => s.to_bytes().unwrap().to_vec(),
        }
    }

    fn load(self) -> EcdsaKeyShare {
        match self {
            Self::Stored(b) => EcdsaKeyShare::from_bytes(&b).unwrap(),
            Self::Live(s) => *s,
        }
    }
}

/// What a memoized step produced: the saved state (or the stored output share) and the
/// messages sent.
#[derive(Clone)]
struct Done {
    state: Vec<u8>,
    msgs: Vec<Vec<u8>>,
}

/// `(seed, party, messages the party received, this step's included)`.
type StepKey = (u64, Role, Vec<Vec<u8>>);

/// Whether an output pair presigns and signs.
type Verdict = Result<(), String>;

/// The honest run of one seed: output shares and messages.
struct Reference {
    client: EcdsaKeyShare,
    server: EcdsaKeyShare,
    bytes: [Vec<u8>; 2],
    msgs: Vec<Vec<u8>>,
}

impl Reference {
    fn share(&self, role: Role) -> &EcdsaKeyShare {
        if role == Role::Client {
            &self.client
        } else {
            &self.server
        }
    }
}

#[derive(Default)]
struct AuxInfo {
    steps: RefCell<HashMap<StepKey, Done>>,
    references: RefCell<HashMap<u64, Rc<Reference>>>,
    /// Presign + sign verdicts per `[client, server]` stored shares.
    verdicts: RefCell<HashMap<[Vec<u8>; 2], Verdict>>,
    /// The seed of the last run (`Proto::check` gets only the run).
    seed: Cell<u64>,
    /// Payload mutations per message (after sampling), for the report.
    payload_cases: RefCell<HashMap<usize, usize>>,
}

impl AuxInfo {
    fn memo(&self, key: &StepKey) -> Option<Done> {
        self.steps.borrow().get(key).cloned()
    }

    /// A step that leaves a state behind and sends `N` messages; memoized while the run is
    /// `pristine`.
    fn state_step<S: SessionState, const N: usize>(
        &self,
        key: StepKey,
        pristine: bool,
        f: impl FnOnce() -> Result<(S, [Vec<u8>; N]), Error>,
    ) -> Result<(Held<S>, [Vec<u8>; N]), Error> {
        if let Some(d) = self.memo(&key) {
            return Ok((Held::Saved(d.state), d.msgs.try_into().unwrap()));
        }
        let (s, msgs) = f()?;
        if !pristine {
            return Ok((Held::Live(s), msgs));
        }
        let state = s.save().unwrap().to_vec();
        let done = Done {
            state: state.clone(),
            msgs: msgs.to_vec(),
        };
        self.steps.borrow_mut().insert(key, done);
        Ok((Held::Saved(state), msgs))
    }

    /// A step that ends with the party's key share.
    fn share_step(
        &self,
        key: StepKey,
        pristine: bool,
        f: impl FnOnce() -> Result<EcdsaKeyShare, Error>,
    ) -> Result<Share, Error> {
        if let Some(d) = self.memo(&key) {
            return Ok(Share::Stored(d.state));
        }
        let share = f()?;
        if pristine {
            let done = Done {
                state: share.to_bytes().unwrap().to_vec(),
                msgs: Vec::new(),
            };
            self.steps.borrow_mut().insert(key, done);
        }
        Ok(Share::Live(Box::new(share)))
    }

    fn run_inner(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Share> {
        self.seed.set(seed);
        let mut run = Run::default();
        // `pristine` while every message so far was delivered as sent.
        let mut pristine = true;
        let mut deliver = |who: Role, idx: usize, sent: &[u8], pristine: &mut bool| {
            let mut m = sent.to_vec();
            tap(who, idx, &mut m);
            *pristine &= m == sent;
            m
        };
        let (mut c_got, mut s_got) = (Vec::new(), Vec::new());

        let (c, [m1]) = step!(
            run,
            Role::Client,
            self.state_step((seed, Role::Client, c_got.clone()), pristine, || {
                let mut r = step_rng(seed, 1);
                let session = SessionId::random(&mut r);
                aux_info::client_start(core(Role::Client), paillier(Role::Client), session, &mut r)
                    .map(|(c, m)| (c, [m]))
            })
        );
        let c: Held<ClientAwaitingReveal> = c;
        let m1 = deliver(Role::Client, 1, &m1, &mut pristine);
        s_got.push(m1.clone());
        let (s, [m2]) = step!(
            run,
            Role::Server,
            self.state_step((seed, Role::Server, s_got.clone()), pristine, || {
                let (core, key) = (core(Role::Server), paillier(Role::Server));
                aux_info::server_respond(core, key, &m1, &mut step_rng(seed, 2))
                    .map(|(s, m)| (s, [m]))
            })
        );
        let s: Held<ServerAwaitingOpening> = s;
        let m2 = deliver(Role::Server, 2, &m2, &mut pristine);
        c_got.push(m2.clone());
        // The client opens (message 3) and proves (message 5) without waiting in between.
        let (c, [m3, m5]) = step!(
            run,
            Role::Client,
            self.state_step((seed, Role::Client, c_got.clone()), pristine, || {
                let (opened, m3) = c.take().receive(&m2)?;
                let (c, m5) = opened.prove(&mut step_rng(seed, 3))?;
                Ok((c, [m3, m5]))
            })
        );
        let c: Held<ClientAwaitingProofs> = c;
        let m3 = deliver(Role::Client, 3, &m3, &mut pristine);
        s_got.push(m3.clone());
        let (s, [m4]) = step!(
            run,
            Role::Server,
            self.state_step((seed, Role::Server, s_got.clone()), pristine, || {
                s.take()
                    .receive(&m3, &mut step_rng(seed, 4))
                    .map(|(s, m)| (s, [m]))
            })
        );
        let s: Held<ServerAwaitingProofs> = s;
        let m4 = deliver(Role::Server, 4, &m4, &mut pristine);
        c_got.push(m4.clone());
        let share = step!(
            run,
            Role::Client,
            self.share_step((seed, Role::Client, c_got), pristine, || {
                c.take().receive(&m4)
            })
        );
        run.client = Some(share);
        let m5 = deliver(Role::Client, 5, &m5, &mut pristine);
        s_got.push(m5.clone());
        let share = step!(
            run,
            Role::Server,
            self.share_step((seed, Role::Server, s_got), pristine, || {
                s.take().receive(&m5)
            })
        );
        run.server = Some(share);
        run
    }

    /// The honest run of `seed`, computed once.
    fn reference(&self, seed: u64) -> Rc<Reference> {
        if let Some(r) = self.references.borrow().get(&seed) {
            return Rc::clone(r);
        }
        let mut msgs = Vec::new();
        let run = self.run(seed, &mut |_, _, m| msgs.push(m.clone()));
        assert!(run.err.is_none(), "honest run failed: {:?}", run.err);
        let (c, s) = (run.client.unwrap().load(), run.server.unwrap().load());
        check_share(&c, Role::Client, &s).unwrap();
        check_share(&s, Role::Server, &c).unwrap();
        let r = Rc::new(Reference {
            bytes: [
                c.to_bytes().unwrap().to_vec(),
                s.to_bytes().unwrap().to_vec(),
            ],
            client: c,
            server: s,
            msgs,
        });
        self.references.borrow_mut().insert(seed, Rc::clone(&r));
        r
    }

    /// Presigns and signs with the pair `[client, server]`; memoized.
    fn presign_and_sign(&self, pair: [Vec<u8>; 2]) -> Result<(), String> {
        if let Some(v) = self.verdicts.borrow().get(&pair) {
            return v.clone();
        }
        let c = EcdsaKeyShare::from_bytes(&pair[0]).unwrap();
        let s = EcdsaKeyShare::from_bytes(&pair[1]).unwrap();
        let verdict = presign_and_sign(&c, &s);
        self.verdicts.borrow_mut().insert(pair, verdict.clone());
        verdict
    }
}

fn presign_and_sign(c: &EcdsaKeyShare, s: &EcdsaKeyShare) -> Result<(), String> {
    let (mut cr, mut sr) = (rng(41), rng(42));
    let (cp, sp) = driver::presign(c, s, &mut cr, &mut sr, &mut NoTap)
        .map_err(|e| format!("presigning with the output shares failed: {e}"))?;
    let digest = [0x3c; 32];
    let (cs, ss) = driver::ecdsa_sign(c, s, cp, sp, &digest, &mut cr, &mut sr, &mut NoTap)
        .map_err(|e| format!("signing with the output shares failed: {e}"))?;
    for sig in [cs, ss] {
        let k = sig.to_k256().map_err(|_| "degenerate signature")?;
        c.verifying_key()
            .verify_prehash(&digest, &k)
            .map_err(|_| "signature does not verify")?;
    }
    Ok(())
}

/// `share` (held by `role`) against the honest run: same key-generation share, own Paillier
/// key, and the peer's Paillier key and ring-Pedersen parameters as `peer` generated them.
fn check_share(share: &EcdsaKeyShare, role: Role, peer: &EcdsaKeyShare) -> Result<(), String> {
    if share.role() != role || share.core().to_bytes().unwrap() != core(role).to_bytes().unwrap() {
        return Err(format!("{role}'s key-generation share changed"));
    }
    if share.own().paillier().public() != paillier(role).public() {
        return Err(format!("{role}'s own Paillier key changed"));
    }
    if share.peer().paillier() != peer.own().paillier().public() {
        return Err(format!("{role} holds another Paillier key for its peer"));
    }
    if share.peer().ring_pedersen() != peer.own().ring_pedersen() {
        return Err(format!(
            "{role} holds other ring-Pedersen parameters for its peer"
        ));
    }
    Ok(())
}

/// Lowercase and uppercase hex of `b`, both byte orders.
fn hex_forms(b: &[u8]) -> Vec<String> {
    let mut r = b.to_vec();
    r.reverse();
    let mut out = Vec::new();
    for h in [
        base16ct::lower::encode_string(b),
        base16ct::lower::encode_string(&r),
    ] {
        out.push(h.to_uppercase());
        out.push(h);
    }
    out
}

impl Proto for AuxInfo {
    type Out = Share;
    const NAME: &'static str = "ECDSA aux info";
    const MSGS: usize = 5;

    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Share> {
        self.run_inner(seed, tap)
    }

    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        let ends = Options {
            byte_edits: ByteEdits::Ends,
            raw_sequences: true,
        };
        let (muts, stats) = match idx {
            1 => mutations_with::<CommitMsg>(p, ends),
            2 => mutations_with::<RevealMsg>(p, ends),
            3 => mutations_with::<OpeningMsg>(p, ends),
            _ => mutations_with::<ProofsMsg>(p, ends),
        };
        self.payload_cases.borrow_mut().insert(idx, muts.len());
        (muts, stats)
    }

    fn check(&self, run: Run<Share>) -> Result<(), String> {
        if run.client.is_none() && run.server.is_none() {
            return Ok(());
        }
        let seed = self.seed.get();
        let r = self.reference(seed);
        let mut pair = r.bytes.clone();
        for (i, (role, out)) in [(Role::Client, run.client), (Role::Server, run.server)]
            .into_iter()
            .enumerate()
        {
            let Some(share) = out else { continue };
            let bytes = share.bytes();
            if bytes != r.bytes[i] {
                check_share(&share.load(), role, r.share(role.peer()))?;
            }
            pair[i] = bytes;
        }
        // Every output present must presign and sign, with the other output or else with the
        // peer's share from the honest run. The run of the other seed only supplies messages
        // from another session: its shares are checked above, not used to sign.
        if seed == SEED {
            self.presign_and_sign(pair)
        } else {
            Ok(())
        }
    }

    fn secrets(&self, seed: u64, role: Role) -> Vec<String> {
        let r = self.reference(seed);
        let share = r.share(role);
        let mut out = hex_forms(share.core().secret().to_bytes().as_ref());
        out.extend(hex_forms(&share.own().paillier().p().to_be_bytes()));
        out.extend(hex_forms(&share.own().paillier().q().to_be_bytes()));
        out
    }
}

#[test]
fn aux_info_dishonest_peer() {
    let start = Instant::now();
    let aux = AuxInfo::default();
    attack_both(&aux, 100);
    // The output check is not vacuous: a client share from the other seed's run holds other
    // ring-Pedersen parameters for the server than the server of this seed generated.
    let other = aux.reference(mutate::OTHER_SEED).bytes[0].clone();
    aux.seed.set(SEED);
    let wrong = Run {
        err: None,
        client: Some(Share::Stored(other)),
        server: None,
    };
    assert!(aux.check(wrong).is_err());
    let msgs = &aux.reference(SEED).msgs;
    let mut total = 0;
    for (i, m) in msgs.iter().enumerate() {
        let idx = i + 1;
        let payload = aux.payload_cases.borrow()[&idx];
        let header = header_mutations(m).len();
        let whole = if idx + 2 <= msgs.len() { 4 } else { 2 };
        total += payload + header + whole;
        eprintln!(
            "aux info: message {idx} ({} bytes of payload, from the {}): {payload} payload mutations, {header} header mutations, {whole} whole-message attacks",
            payload_of(m).len(),
            if idx % 2 == 1 { "client" } else { "server" },
        );
    }
    eprintln!(
        "aux info: {total} cases in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
