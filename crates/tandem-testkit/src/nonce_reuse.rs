//! The restore-twice harness: a saved state restored twice, each copy fed its own peer
//! message, and a detector that decides whether the two copies' answers share a secret nonce.
//!
//! The rule it checks (`stored::SessionState`): a state is saveable only if two restorations
//! cannot produce two answers that share a secret nonce. [`restore_twice`] restores the saved
//! bytes five times and drives the copies with an honest peer message A and a second message
//! B, each with its own RNG or with one replayed RNG stream; the case decodes every message a
//! copy sends and every output into a [`Trace`], and [`findings`] compares the traces:
//! - a nonce identified by its public commitment (a Schnorr `A`, an ECDSA or FROST nonce point,
//!   a Πprm commitment, a presignature id or `R`) must carry the same answer wherever it
//!   appears: `z = a + e·x` and `z' = a + e'·x` give `x` (CGGMP21 Fig. 22);
//! - values whose commitments depend on the verifier (Πfac's, made with the verifier's
//!   ring-Pedersen parameters) are compared pairwise by a predicate of the case (for Πfac,
//!   `gcd(z1 - z1', N0)`, which is a prime factor when `α` was used twice: CGGMP24 Fig. 26);
//! - outputs (key shares, signatures) of the same name must be equal: two restorations must
//!   not end in two different results.
//!
//! Used by the protocol and the backup tests (`tests/restore_twice.rs`).

use std::any::type_name;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_curves::CurveId;
use tandem_protocol::stored::SessionState;
use tandem_protocol::{Error, Message, codec};

/// Whether two values of one group reveal a secret (group, value, other value).
pub type Reveals = fn(&[u8], &[u8], &[u8]) -> bool;

/// One thing a copy revealed.
#[derive(Clone, Debug)]
pub enum Use {
    /// An answer under a nonce named by its commitment.
    Nonce {
        /// What the nonce is.
        kind: &'static str,
        /// Its public commitment (names the nonce).
        commitment: Vec<u8>,
        /// The answer under it.
        answer: Vec<u8>,
    },
    /// A value whose pairs are judged by `reveals` (same `group`, different values).
    Pair {
        /// What the value is.
        kind: &'static str,
        /// The group its pairs are compared in.
        group: Vec<u8>,
        /// The value.
        value: Vec<u8>,
        /// The predicate on two values of one group.
        reveals: Reveals,
    },
    /// An output of the run.
    Output {
        /// What the output is.
        what: &'static str,
        /// Its encoding.
        bytes: Vec<u8>,
    },
}

/// What one restored copy sent and output.
#[derive(Debug, Default)]
pub struct Trace {
    /// Every message the copy sent, in order.
    pub sent: Vec<Vec<u8>>,
    /// What the case decoded from them and from the outputs.
    pub uses: Vec<Use>,
    /// The copy's error, if it refused the peer's message.
    pub error: Option<Error>,
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    codec::encode(value).expect("a decoded value encodes")
}

impl Trace {
    /// Records a message the copy sent and returns its payload decoded as `T`: every message
    /// goes through here, so nothing a copy sends escapes the detector.
    pub fn sent<T: Serialize + DeserializeOwned>(&mut self, bytes: &[u8]) -> T {
        self.sent.push(bytes.to_vec());
        let msg = Message::from_bytes(bytes).expect("the copy's message decodes");
        codec::decode(&msg.payload).expect("the copy's payload decodes as its round's type")
    }

    /// An answer under the nonce whose public commitment is `commitment`.
    pub fn nonce<K: Serialize + ?Sized, A: Serialize + ?Sized>(
        &mut self,
        kind: &'static str,
        commitment: &K,
        answer: &A,
    ) {
        self.uses.push(Use::Nonce {
            kind,
            commitment: encode(&commitment),
            answer: encode(&answer),
        });
    }

    /// A value judged pairwise by `reveals` against the other values of `group`.
    pub fn pair(&mut self, kind: &'static str, group: &[u8], value: &[u8], r: Reveals) {
        self.uses.push(Use::Pair {
            kind,
            group: group.to_vec(),
            value: value.to_vec(),
            reveals: r,
        });
    }

    /// An output (encoded key share, signature).
    pub fn output(&mut self, what: &'static str, bytes: &[u8]) {
        self.uses.push(Use::Output {
            what,
            bytes: bytes.to_vec(),
        });
    }
}

/// One violation: `kind` names the nonce or output, `detail` which traces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The kind of the use that was repeated.
    pub kind: &'static str,
    /// What was found.
    pub detail: String,
}

/// The first value seen under a key, and in which trace.
type First<'t> = (usize, &'t [u8]);

/// Compares everything the traces revealed (within one trace and across traces).
pub fn findings(traces: &[&Trace]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut answers: BTreeMap<(&str, &[u8]), First<'_>> = BTreeMap::new();
    let mut outputs: BTreeMap<&str, First<'_>> = BTreeMap::new();
    let mut pairs: Vec<(usize, &Use)> = Vec::new();
    for (i, t) in traces.iter().enumerate() {
        for u in &t.uses {
            match u {
                Use::Nonce {
                    kind,
                    commitment,
                    answer,
                } => match answers.get(&(*kind, commitment.as_slice())) {
                    Some((j, first)) if first != &answer.as_slice() => out.push(Finding {
                        kind,
                        detail: format!("one commitment, two answers (traces {j} and {i})"),
                    }),
                    Some(_) => {}
                    None => {
                        answers.insert((kind, commitment), (i, answer));
                    }
                },
                Use::Output { what, bytes } => match outputs.get(what) {
                    Some((j, first)) if first != &bytes.as_slice() => out.push(Finding {
                        kind: what,
                        detail: format!("two different outputs (traces {j} and {i})"),
                    }),
                    Some(_) => {}
                    None => {
                        outputs.insert(what, (i, bytes));
                    }
                },
                Use::Pair {
                    kind,
                    group,
                    value,
                    reveals,
                } => {
                    for (j, earlier) in &pairs {
                        if let Use::Pair {
                            kind: k,
                            group: g,
                            value: v,
                            ..
                        } = earlier
                            && k == kind
                            && g == group
                            && v != value
                            && reveals(group, v, value)
                        {
                            out.push(Finding {
                                kind,
                                detail: format!("two values reveal the secret (traces {j}, {i})"),
                            });
                        }
                    }
                    pairs.push((i, u));
                }
            }
        }
    }
    out
}

fn kinds(f: &[Finding]) -> BTreeSet<&'static str> {
    f.iter().map(|f| f.kind).collect()
}

/// The peer's second message.
#[derive(Clone, Copy, Debug)]
pub enum PeerB {
    /// An honest message that differs from A (the peer re-run to this point with the same
    /// seed, then answering with another RNG).
    Honest,
    /// The honest peer's answer is fixed by the transcript so far (the reason is given): B is
    /// a dishonest variant, which every copy must refuse, naming the peer, sending nothing.
    Fixed(&'static str),
}

/// A restored copy, the peer's message, the copy's RNG, its trace.
pub type Drive<'a, S> = dyn Fn(S, &[u8], &mut ChaCha20Rng, &mut Trace) -> Result<(), Error> + 'a;

/// A saveable state to restore twice.
pub struct Case<'a, S> {
    /// `module::Type` within its crate, as `every_saveable_state_has_a_case` finds it.
    pub name: &'static str,
    /// The curve of the saved state.
    pub curve: CurveId,
    /// What `S::save` returned.
    pub saved: &'a [u8],
    /// The honest peer message A and the message B.
    pub peer: [Vec<u8>; 2],
    /// Whether the second peer message is honest, or fixed by the transcript.
    pub peer_b: PeerB,
    /// Findings expected when both copies replay one RNG stream with A and B: nonces the
    /// copy draws after the restore come from the caller's RNG, which must be a CSPRNG.
    pub one_rng_stream: &'a [&'static str],
    /// Feeds a restored copy the peer's message, drives it to its next wait or its output and
    /// records every message it sends ([`Trace::sent`]) and what they reveal.
    pub drive: &'a Drive<'a, S>,
}

/// Restores `case.saved` five times and drives the copies; panics on any finding other than
/// the expected ones. Returns the traces `(A, 1)`, `(B, 2)`, `(A, 3)`, `(B, 1)`, `(A, 1)`
/// (peer message, RNG seed).
pub fn restore_twice<S: SessionState>(case: &Case<'_, S>) -> Vec<Trace> {
    let name = case.name;
    // The case restores the type it names.
    let ty = type_name::<S>();
    let ty = ty.split('<').next().unwrap_or(ty);
    assert!(
        ty.ends_with(&format!("::{name}")),
        "{name}: the case restores {ty}"
    );
    let [a, b] = &case.peer;
    assert_ne!(a, b, "{name}: the peer's two messages must differ");
    let run = |msg: &[u8], seed: u64| {
        let state = S::restore(case.curve, case.saved).expect("the saved state restores");
        let mut trace = Trace::default();
        trace.error = (case.drive)(
            state,
            msg,
            &mut ChaCha20Rng::seed_from_u64(seed),
            &mut trace,
        )
        .err();
        trace
    };
    let a1 = run(a, 1);
    let b2 = run(b, 2);
    let a3 = run(a, 3);
    let b1 = run(b, 1);
    let a1_again = run(a, 1);
    assert!(
        a1.error.is_none(),
        "{name}: honest A refused: {:?}",
        a1.error
    );
    assert!(
        a3.error.is_none(),
        "{name}: honest A refused: {:?}",
        a3.error
    );
    let peer = S::ROLE.peer();
    for t in [&b1, &b2] {
        match case.peer_b {
            PeerB::Honest => assert!(t.error.is_none(), "{name}: honest B refused: {:?}", t.error),
            PeerB::Fixed(why) => {
                let culprit = t.error.as_ref().and_then(Error::culprit);
                assert_eq!(culprit, Some(peer), "{name}: B must be refused ({why})");
                assert!(
                    t.sent.is_empty(),
                    "{name}: a copy answered a refused message"
                );
            }
        }
    }
    // Each restoration with its own RNG: the peer's two messages, and one message delivered
    // to two restorations (a retransmission).
    let own = findings(&[&a1, &b2, &a3]);
    assert!(own.is_empty(), "{name}, one RNG per copy: {own:?}");
    // One RNG stream replayed with one message: the copies are the same, byte for byte.
    assert_eq!(
        a1.sent, a1_again.sent,
        "{name}: same state, message and RNG"
    );
    assert!(findings(&[&a1, &a1_again]).is_empty());
    // One RNG stream replayed with two messages: only the expected findings.
    let expected: BTreeSet<&str> = case.one_rng_stream.iter().copied().collect();
    let replay = findings(&[&a1, &b1]);
    assert_eq!(
        kinds(&replay),
        expected,
        "{name}, one RNG stream: {replay:?}"
    );
    vec![a1, b2, a3, b1, a1_again]
}

/// The types that implement `SessionState` under `crate_dir/src`, as `module::Type` (the
/// module from the file's path). An `impl ... SessionState for X` may span lines; comment
/// lines are skipped.
pub fn saveable_states(crate_dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source file");
        let module = file
            .strip_prefix(&src)
            .expect("under src")
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("::");
        for ty in impls_in(&text) {
            out.insert(match module.as_str() {
                "lib" => ty,
                m => format!("{m}::{ty}"),
            });
        }
    }
    out
}

/// The type names after `SessionState for` in `impl` headers of `text`.
pub fn impls_in(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("SessionState for") {
        let (before, after) = rest.split_at(at);
        // An impl header: `impl` before it with nothing that ends an item in between.
        let header = before.rfind("impl").map(|i| &before[i..]);
        let after = &after["SessionState for".len()..];
        if header.is_some_and(|h| !h.contains(['{', '}', ';'])) {
            let name: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
        rest = after;
    }
    out
}

/// The workspace's crates (`crates/*`), from a crate's manifest directory.
pub fn workspace_crates(crate_dir: &Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(crate_dir.parent().expect("crates/"))
        .expect("crates/")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    dirs.sort();
    dirs
}

/// `harness! { test => "module::Type": run; ... }`: one test per saveable state, each calling
/// `run("module::Type")` (a `fn(&'static str)`), and `HARNESS`, the list of those names, for
/// the test that compares it with the crate's implementations of `SessionState`.
#[macro_export]
macro_rules! harness {
    ($($test:ident => $state:literal: $run:expr;)*) => {
        const HARNESS: &[&str] = &[$($state),*];
        $(
            #[test]
            fn $test() {
                let run: fn(&'static str) = $run;
                run($state);
            }
        )*
    };
}
