//! The malicious-peer harness, part of [`crate::mutate`]: runs a protocol once per mutation
//! with one party dishonest and judges the honest party's behaviour.

use tandem_protocol::{Error, Role};

use super::{Mutation, Stats, header_mutations, payload_of, rewrap, sample};

/// The message tap of a hand-driven run: `(sender, message number from 1, bytes)`.
pub type TapFn<'a> = dyn FnMut(Role, usize, &mut Vec<u8>) + 'a;

/// What a hand-driven run produced: the first error and which party raised it, and each
/// party's output if it got that far.
pub struct Run<O> {
    /// The first error and the party that raised it.
    pub err: Option<(Role, Error)>,
    /// The client's output, if it got that far.
    pub client: Option<O>,
    /// The server's output, if it got that far.
    pub server: Option<O>,
}

impl<O> Default for Run<O> {
    fn default() -> Self {
        Self {
            err: None,
            client: None,
            server: None,
        }
    }
}

impl<O> Run<O> {
    /// `role`'s output.
    pub fn out(&self, role: Role) -> Option<&O> {
        match role {
            Role::Client => self.client.as_ref(),
            Role::Server => self.server.as_ref(),
        }
    }
}

/// A protocol under attack. Messages alternate, the client sending the odd ones.
pub trait Proto {
    /// What each party outputs.
    type Out;
    /// The protocol's name in reports.
    const NAME: &'static str;
    /// The number of messages of a run.
    const MSGS: usize;
    /// One run with seeds derived from `seed` (same seed, same session and messages).
    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Self::Out>;
    /// Field mutations of the payload of message `idx`.
    fn mutations(&self, idx: usize, payload: &[u8]) -> (Vec<Mutation>, Stats);
    /// `Ok` if every output present is correct (both, when both are present).
    ///
    /// # Errors
    /// What is wrong with an output (a test failure).
    fn check(&self, run: Run<Self::Out>) -> Result<(), String>;
    /// Lowercase hex of `role`'s secret share(s) in a run with `seed`.
    fn secrets(&self, seed: u64, role: Role) -> Vec<String>;
    /// At most this many payload mutations per message (evenly sampled).
    fn payload_limit(&self) -> usize {
        usize::MAX
    }
    /// At most this many header mutations per message.
    fn header_limit(&self) -> usize {
        usize::MAX
    }
    /// Whether message `idx` opens a session, so that another session id in its header is a
    /// new session the honest party may answer (message 1; also the first message of a
    /// second protocol run after the first).
    fn opens_session(&self, idx: usize) -> bool {
        idx == 1
    }
    /// Further messages to deliver in place of message `idx` (`genuine` is the honest run's):
    /// `(description, bytes, whether the honest party must refuse it)`.
    fn replays(&self, _idx: usize, _genuine: &[u8]) -> Vec<(String, Vec<u8>, bool)> {
        Vec::new()
    }
}

/// Outcome counts of one protocol attacked by one role.
#[derive(Debug, Default)]
pub struct Report {
    /// Runs made.
    pub runs: usize,
    /// Runs the honest party ended with `Misbehaved`.
    pub misbehaved: usize,
    /// Runs it ended with `Malformed`.
    pub malformed: usize,
    /// Runs it ended with `Refused`.
    pub refused: usize,
    /// Runs that ended with correct outputs.
    pub accepted_correct: usize,
    /// The cases where the dishonest party itself aborted.
    pub dishonest_aborted: Vec<String>,
    /// Raw substitutions among the cases.
    pub raw: usize,
    /// Mutations skipped.
    pub skipped: usize,
    /// Cases the honest party handled wrongly.
    pub failures: Vec<String>,
}

fn sender(idx: usize) -> Role {
    if idx % 2 == 1 {
        Role::Client
    } else {
        Role::Server
    }
}

/// The seed of every attacked run.
pub const SEED: u64 = 7_000;
/// The seed of the run that supplies messages of another session.
pub const OTHER_SEED: u64 = 9_000;

fn record<P: Proto>(p: &P, seed: u64) -> Vec<Vec<u8>> {
    let mut msgs = Vec::new();
    let run = p.run(seed, &mut |_, _, m: &mut Vec<u8>| msgs.push(m.clone()));
    assert!(
        run.err.is_none(),
        "{}: clean run failed: {:?}",
        P::NAME,
        run.err
    );
    p.check(run).unwrap();
    assert_eq!(msgs.len(), P::MSGS);
    msgs
}

/// One run with message `idx` (or, for a duplicate, `idx + 2`) replaced; judged.
fn judge<P: Proto>(
    p: &P,
    dishonest: Role,
    desc: &str,
    must_refuse: bool,
    secrets: &[String],
    report: &mut Report,
    mut replace: impl FnMut(usize, &mut Vec<u8>),
) {
    let honest = dishonest.peer();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        p.run(SEED, &mut |who, idx, m: &mut Vec<u8>| {
            if who == dishonest {
                replace(idx, m);
            }
        })
    }));
    report.runs += 1;
    let fail = |report: &mut Report, what: String| {
        report.failures.push(format!(
            "{} / dishonest {dishonest} / {desc}: {what}",
            P::NAME
        ));
    };
    let run = match run {
        Ok(run) => run,
        Err(_) => return fail(report, "PANIC".into()),
    };
    if let Some((_, e)) = &run.err {
        let text = format!("{e} {e:?}");
        if secrets.iter().any(|s| text.contains(s.as_str())) {
            fail(report, format!("error leaks a secret share: {text}"));
        }
    }
    match &run.err {
        Some((who, e)) if *who == honest => match (e, e.culprit()) {
            (_, Some(c)) if c != dishonest => {
                fail(report, format!("blames the honest party: {e:?}"))
            }
            (Error::Misbehaved { .. }, _) => report.misbehaved += 1,
            (Error::Malformed { .. }, _) => report.malformed += 1,
            (Error::Refused { .. }, _) => report.refused += 1,
            _ => fail(report, format!("error names no culprit: {e:?}")),
        },
        Some((_, e)) => {
            if must_refuse {
                fail(
                    report,
                    format!("honest party accepted; dishonest code then failed: {e:?}"),
                );
            } else {
                report.dishonest_aborted.push(format!("{desc} -> {e}"));
            }
        }
        None if must_refuse => fail(report, "run completed".into()),
        None => report.accepted_correct += 1,
    }
    if let Err(why) = p.check(run) {
        fail(report, format!("output is wrong: {why}"));
    }
}

/// Plays `dishonest` against the honest implementation for every message it sends.
pub fn attack<P: Proto>(p: &P, dishonest: Role) -> Report {
    let clean = record(p, SEED);
    let other = record(p, OTHER_SEED);
    let secrets = p.secrets(SEED, dishonest.peer());
    let mut report = Report::default();
    for idx in (1..=P::MSGS).filter(|&i| sender(i) == dishonest) {
        let (muts, stats) = p.mutations(idx, &payload_of(&clean[idx - 1]));
        report.skipped += stats.skipped;
        for m in sample(muts, p.payload_limit()) {
            report.raw += usize::from(m.raw);
            let desc = format!("msg {idx} payload {}", m.desc);
            judge(
                p,
                dishonest,
                &desc,
                m.raw,
                &secrets,
                &mut report,
                |i, msg| {
                    if i == idx {
                        *msg = rewrap(msg, m.payload.clone());
                    }
                },
            );
        }
        for h in sample(header_mutations(&clean[idx - 1]), p.header_limit()) {
            let desc = format!("msg {idx} {}", h.desc);
            // Message 1 opens the session: another session id there is a new session, which
            // the honest server answers (the dishonest client then refuses the answer).
            let must_refuse = !(p.opens_session(idx) && h.desc.starts_with("header.session"));
            judge(
                p,
                dishonest,
                &desc,
                must_refuse,
                &secrets,
                &mut report,
                |i, msg| {
                    if i == idx {
                        *msg = h.payload.clone();
                    }
                },
            );
        }
        let mut whole: Vec<(String, usize, Vec<u8>, bool)> = vec![
            (
                format!("msg {idx} dropped (nothing delivered)"),
                idx,
                Vec::new(),
                true,
            ),
            (
                format!("msg {idx} replayed from another session"),
                idx,
                other[idx - 1].clone(),
                idx != 1,
            ),
        ];
        if idx + 2 <= P::MSGS {
            whole.push((
                format!("msg {} delivered in place of msg {idx}", idx + 2),
                idx,
                clean[idx + 1].clone(),
                true,
            ));
            whole.push((
                format!("msg {idx} delivered twice (again as msg {})", idx + 2),
                idx + 2,
                clean[idx - 1].clone(),
                true,
            ));
        }
        for (desc, bytes, must_refuse) in p.replays(idx, &clean[idx - 1]) {
            whole.push((format!("msg {idx}: {desc}"), idx, bytes, must_refuse));
        }
        for (desc, slot, bytes, must_refuse) in whole {
            judge(
                p,
                dishonest,
                &desc,
                must_refuse,
                &secrets,
                &mut report,
                |i, msg| {
                    if i == slot {
                        *msg = bytes.clone();
                    }
                },
            );
        }
    }
    report
}

/// Runs [`attack`] for both roles, prints the counts, and fails on any finding.
pub fn attack_both<P: Proto>(p: &P, min_runs: usize) {
    let mut failures = Vec::new();
    for role in [Role::Client, Role::Server] {
        let r = attack(p, role);
        eprintln!(
            "{} / dishonest {role}: {} runs (misbehaved {}, malformed {}, refused {}, accepted with correct output {}, honest accepted then dishonest code aborted {}), {} raw non-decodable payloads, {} mutations skipped (not decodable, not substitutable)",
            P::NAME,
            r.runs,
            r.misbehaved,
            r.malformed,
            r.refused,
            r.accepted_correct,
            r.dishonest_aborted.len(),
            r.raw,
            r.skipped
        );
        for d in &r.dishonest_aborted {
            eprintln!("  {} / dishonest {role}: honest accepted: {d}", P::NAME);
        }
        assert!(
            r.runs >= min_runs,
            "{}: only {} runs as dishonest {role}",
            P::NAME,
            r.runs
        );
        failures.extend(r.failures);
    }
    for f in &failures {
        eprintln!("FINDING: {f}");
    }
    assert!(
        failures.is_empty(),
        "{} findings in {}",
        failures.len(),
        P::NAME
    );
}

/// Prints, per message of the honest run `clean`, how many cases [`attack`] plays on it
/// (payload mutations after sampling, header mutations, whole-message attacks and
/// [`Proto::replays`]); returns the total.
pub fn print_case_counts<P: Proto>(p: &P, clean: &[Vec<u8>]) -> usize {
    let mut total = 0;
    for (i, m) in clean.iter().enumerate() {
        let idx = i + 1;
        let payload = sample(p.mutations(idx, &payload_of(m)).0, p.payload_limit()).len();
        let header = sample(header_mutations(m), p.header_limit()).len();
        let whole = if idx + 2 <= P::MSGS { 4 } else { 2 };
        let replays = p.replays(idx, m).len();
        total += payload + header + whole + replays;
        eprintln!(
            "{}: message {idx} ({} bytes of payload, from the {}): {payload} payload mutations, {header} header mutations, {whole} whole-message attacks, {replays} replays",
            P::NAME,
            payload_of(m).len(),
            sender(idx),
        );
    }
    total
}
