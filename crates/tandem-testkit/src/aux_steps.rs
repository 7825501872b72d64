//! The auxiliary-information run of the malicious-peer harnesses (`malicious_peer_aux.rs`
//! here, `tandem-protocol/tests/reshare_malicious_peer_ecdsa.rs` after a resharing), with every party
//! step memoized.
//!
//! A run is seconds (3072-bit proofs, fixture primes), so the protocol is not re-run per
//! case. Every party step is memoized on `(seed, party, [its input share, the aux-info
//! messages it received])`: the honest runs are computed once and each party's state after
//! each step kept in its saved form ([`SessionState::save`]); a case restores the honest
//! party's state before the tampered message (the clone) and computes only the steps whose
//! inputs differ from the honest run. The presign + sign check of an output pair is memoized
//! the same way.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{CurveId, Secp256k1};
use tandem_paillier::paillier::{PublicKey, SecretKey};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::ecdsa::aux_info::{self, ClientAwaitingProofs, ClientAwaitingReveal};
use tandem_protocol::ecdsa::aux_info::{ServerAwaitingOpening, ServerAwaitingProofs};
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Error, KeyShare, Role, SessionId};

use crate::mutate::{OTHER_SEED, Proto, Run, SEED, TapFn, attack_both, print_case_counts};
use crate::{primes, step};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The RNG of one party step: independent of which steps were memoized.
pub fn step_rng(seed: u64, step: u64) -> ChaCha20Rng {
    rng(seed * 16 + step)
}

/// The `i`-th fixture Paillier key (test-only primes).
pub fn fixture_key(i: usize) -> SecretKey {
    primes::paillier_key(i).unwrap()
}

/// A party state between two steps: live, or saved (restored when next used).
pub enum Held<S> {
    /// Saved (restored when taken).
    Saved(Vec<u8>),
    /// In memory.
    Live(S),
}

impl<S: SessionState> Held<S> {
    /// The state (restored if saved).
    pub fn take(self) -> S {
        match self {
            Self::Saved(b) => S::restore(CurveId::Secp256k1, &b).unwrap(),
            Self::Live(s) => s,
        }
    }
}

/// An output key share: stored form (from a memoized step) or live.
pub enum Share {
    /// Its stored form.
    Stored(Vec<u8>),
    /// The share.
    Live(Box<EcdsaKeyShare>),
}

impl Share {
    /// The stored form.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Stored(b) => b.clone(),
            Self::Live(s) => s.to_bytes().unwrap().to_vec(),
        }
    }

    /// The share (decoded if stored).
    pub fn load(self) -> EcdsaKeyShare {
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

/// `(seed, party, [its input share, the aux-info messages it received, this step's
/// included])`.
type StepKey = (u64, Role, Vec<Vec<u8>>);

/// Whether an output pair presigns and signs.
pub type Verdict = Result<(), String>;

/// What one aux-info run starts from: each party's (stored) key-generation or reshared share
/// and the index of its fixture Paillier key, `[client, server]`.
pub struct AuxInputs {
    /// Each party's stored core share (client, server).
    pub cores: [Vec<u8>; 2],
    /// Each party's fixture key index (client, server).
    pub keys: [usize; 2],
}

impl AuxInputs {
    fn core(&self, role: Role) -> KeyShare<Secp256k1> {
        KeyShare::from_bytes(&self.cores[usize::from(role == Role::Server)]).unwrap()
    }

    fn key(&self, role: Role) -> SecretKey {
        fixture_key(self.keys[usize::from(role == Role::Server)])
    }

    /// The memo key of `role`'s next step, having received `got`.
    fn key_of(&self, seed: u64, role: Role, got: &[Vec<u8>]) -> StepKey {
        let mut received = vec![self.cores[usize::from(role == Role::Server)].clone()];
        received.extend_from_slice(got);
        (seed, role, received)
    }
}

/// The memoized party steps and presign + sign verdicts of one harness.
#[derive(Default)]
pub struct AuxSteps {
    steps: RefCell<HashMap<StepKey, Done>>,
    /// Presign + sign verdicts per `[client, server]` stored shares.
    verdicts: RefCell<HashMap<[Vec<u8>; 2], Verdict>>,
    /// The seed of the last aux-info run (`Proto::check` gets only the run).
    seed: Cell<u64>,
    references: RefCell<HashMap<u64, Rc<Reference>>>,
}

/// The honest run of one seed: output shares (`[client, server]`) and every message.
pub struct Reference {
    /// The output shares (client, server).
    pub shares: [EcdsaKeyShare; 2],
    /// Their stored forms.
    pub bytes: [Vec<u8>; 2],
    /// The aux-info messages of the honest run.
    pub msgs: Vec<Vec<u8>>,
}

impl Reference {
    /// `role`'s output share.
    pub fn share(&self, role: Role) -> &EcdsaKeyShare {
        &self.shares[usize::from(role == Role::Server)]
    }
}

impl AuxSteps {
    /// The honest run of `p` with `seed`, computed once (and checked by `check`).
    pub fn reference<P: Proto<Out = Share>>(
        &self,
        p: &P,
        seed: u64,
        check: impl Fn(&Reference) -> Result<(), String>,
    ) -> Rc<Reference> {
        if let Some(r) = self.references.borrow().get(&seed) {
            return Rc::clone(r);
        }
        let mut msgs = Vec::new();
        let run = p.run(seed, &mut |_, _, m| msgs.push(m.clone()));
        assert!(run.err.is_none(), "honest run failed: {:?}", run.err);
        let shares = [run.client.unwrap().load(), run.server.unwrap().load()];
        let bytes = [
            shares[0].to_bytes().unwrap().to_vec(),
            shares[1].to_bytes().unwrap().to_vec(),
        ];
        let r = Rc::new(Reference {
            shares,
            bytes,
            msgs,
        });
        check(&r).unwrap();
        self.references.borrow_mut().insert(seed, Rc::clone(&r));
        r
    }

    /// The seed of the last aux-info run.
    pub fn seed(&self) -> u64 {
        self.seed.get()
    }

    /// The `[client, server]` pair the outputs of `run` make with the honest run's shares
    /// (each output that differs from the honest run's checked by `check_share` first), or
    /// `None` without outputs; the shares of the other seed's run are checked, not returned.
    ///
    /// # Errors
    /// What is wrong with an output (a test failure).
    pub fn output_pair(
        &self,
        run: Run<Share>,
        r: &Reference,
        check_share: impl Fn(&EcdsaKeyShare, Role) -> Result<(), String>,
    ) -> Result<Option<[Vec<u8>; 2]>, String> {
        if run.client.is_none() && run.server.is_none() {
            return Ok(None);
        }
        let mut pair = r.bytes.clone();
        for (i, (role, out)) in [(Role::Client, run.client), (Role::Server, run.server)]
            .into_iter()
            .enumerate()
        {
            let Some(share) = out else { continue };
            let bytes = share.bytes();
            if bytes != r.bytes[i] {
                check_share(&share.load(), role)?;
            }
            pair[i] = bytes;
        }
        // Every output present must presign and sign, with the other output or else with the
        // peer's share from the honest run. The run of the other seed only supplies messages
        // from another session: its shares are checked above, not used to sign.
        Ok((self.seed() == SEED).then_some(pair))
    }

    fn memo(&self, key: &StepKey) -> Option<Done> {
        self.steps.borrow().get(key).cloned()
    }

    /// A step that leaves a state behind and sends `N` messages; memoized while the run is
    /// `pristine` (every aux-info message so far delivered as sent).
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

    /// The five aux-info messages of `inputs`, as messages `first` to `first + 4` of `run`
    /// (the client's message 1 first); the outputs go into `run`, as does the first error.
    /// The client makes its message 5 right after its message 3, without waiting for
    /// message 4 (the two are the halves of the paper's round 3); they are delivered in
    /// their numbered order.
    pub fn run(
        &self,
        seed: u64,
        inputs: &AuxInputs,
        first: usize,
        mut run: Run<Share>,
        tap: &mut TapFn<'_>,
    ) -> Run<Share> {
        self.seed.set(seed);
        // `pristine` while every message so far was delivered as sent.
        let mut pristine = true;
        let mut deliver = |who: Role, idx: usize, sent: &[u8], pristine: &mut bool| {
            let mut m = sent.to_vec();
            tap(who, first + idx - 1, &mut m);
            *pristine &= m == sent;
            m
        };
        let (mut c_got, mut s_got) = (Vec::new(), Vec::new());
        let key = |role: Role, got: &[Vec<u8>]| inputs.key_of(seed, role, got);

        let (c, [m1]) = step!(
            run,
            Role::Client,
            self.state_step(key(Role::Client, &c_got), pristine, || {
                let mut r = step_rng(seed, 1);
                let session = SessionId::random(&mut r);
                let (core, paillier) = (inputs.core(Role::Client), inputs.key(Role::Client));
                aux_info::client_start(core, paillier, session, &mut r).map(|(c, m)| (c, [m]))
            })
        );
        let c: Held<ClientAwaitingReveal> = c;
        let m1 = deliver(Role::Client, 1, &m1, &mut pristine);
        s_got.push(m1.clone());
        let (s, [m2]) = step!(
            run,
            Role::Server,
            self.state_step(key(Role::Server, &s_got), pristine, || {
                let (core, paillier) = (inputs.core(Role::Server), inputs.key(Role::Server));
                aux_info::server_respond(core, paillier, &m1, &mut step_rng(seed, 2))
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
            self.state_step(key(Role::Client, &c_got), pristine, || {
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
            self.state_step(key(Role::Server, &s_got), pristine, || {
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
            self.share_step(key(Role::Client, &c_got), pristine, || {
                c.take().receive(&m4)
            })
        );
        run.client = Some(share);
        let m5 = deliver(Role::Client, 5, &m5, &mut pristine);
        s_got.push(m5.clone());
        let share = step!(
            run,
            Role::Server,
            self.share_step(key(Role::Server, &s_got), pristine, || {
                s.take().receive(&m5)
            })
        );
        run.server = Some(share);
        run
    }

    /// Presigns and signs with the pair `[client, server]`; memoized.
    ///
    /// # Errors
    /// Why the pair does not presign or sign (a test failure).
    pub fn presign_and_sign(&self, pair: [Vec<u8>; 2]) -> Verdict {
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

fn presign_and_sign(c: &EcdsaKeyShare, s: &EcdsaKeyShare) -> Verdict {
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

/// Lowercase and uppercase hex of `b`, both byte orders.
pub fn hex_forms(b: &[u8]) -> Vec<String> {
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

/// The hex forms of a share's secrets: its key-generation secret and its Paillier primes.
pub fn share_secrets(share: &EcdsaKeyShare) -> Vec<String> {
    let mut out = hex_forms(share.core().secret().to_bytes().as_ref());
    out.extend(hex_forms(&share.own().paillier().p().to_be_bytes()));
    out.extend(hex_forms(&share.own().paillier().q().to_be_bytes()));
    out
}

/// `share`'s own Paillier key is `own`, and it holds the Paillier key and ring-Pedersen
/// parameters of its peer as `peer` generated them.
///
/// # Errors
/// The first difference (a test failure).
pub fn check_peer_aux(
    share: &EcdsaKeyShare,
    role: Role,
    own: &PublicKey,
    peer: &EcdsaKeyShare,
) -> Result<(), String> {
    if share.own().paillier().public() != own {
        return Err(format!(
            "{role}'s own Paillier key is not the one it was given"
        ));
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

/// Attacks `p` from both sides (at least `min_runs` runs each), checks that its output
/// check is not vacuous (a client share of the other seed's honest run is refused as an
/// output of this seed's), prints the case counts and the time.
pub fn attack_and_report<P: Proto<Out = Share>>(
    p: &P,
    steps: &AuxSteps,
    min_runs: usize,
    reference: impl Fn(u64) -> Rc<Reference>,
) {
    let start = Instant::now();
    attack_both(p, min_runs);
    let other = reference(OTHER_SEED).bytes[0].clone();
    let clean = reference(SEED);
    steps.seed.set(SEED);
    let wrong = Run {
        err: None,
        client: Some(Share::Stored(other)),
        server: None,
    };
    assert!(
        p.check(wrong).is_err(),
        "{}: the output check is vacuous",
        P::NAME
    );
    let total = print_case_counts(p, &clean.msgs);
    eprintln!(
        "{}: {total} cases in {:.1} s",
        P::NAME,
        start.elapsed().as_secs_f64()
    );
}
