//! The one two-party runner: every protocol's two parties as [`Party`] values, driven through
//! one message loop by an [`Exchange`] (the executor).
//!
//! A [`Party`] is one side of a run written as a script over the sans-IO typestates: do some
//! work, send a message, wait for the peer's message, finish with an output. Every protocol's
//! scripts are in [`crate::driver::parties`]; a [`Pair`] holds the client's and the server's, and scripts compose
//! ([`Party::then`]: resharing followed by auxiliary information is one run).
//!
//! How the two parties are scheduled is the executor's choice, not the protocol's:
//! - [`InMemory`] (here): both parties on the caller's thread, interleaved message by message,
//!   every message through its byte encoding and past an optional [`Tap`] that may read or
//!   alter it (tests play a dishonest party that way). Deterministic, so the frozen fixtures
//!   are recorded with it.
//! - one thread per party, each running [`Party::drive`] over a [`Link`]: the wallet's
//!   `tandem_wallet::Threaded` (channels between two threads), so that steps of the two
//!   parties that do not wait for each other run at once (aux info's two proofs, rounds 4 and
//!   5). A deployment drives each party the same way over its own transport.
//!
//! The protocol crates stay free of threads and I/O: this module only holds the scripts and a
//! sequential executor; [`Party::drive`] performs no I/O itself, its [`Link`] does.

use std::collections::VecDeque;

use crate::error::Error;
use crate::message::Role;

/// The next step of a party's work: a result that carries the rest of the script.
pub type Next<'a, R, O> = Result<Party<'a, R, O>, Error>;

/// Local work with the party's RNG, yielding the rest of the script.
type Work<'a, R, O> = Box<dyn FnOnce(&mut R) -> Next<'a, R, O> + Send + 'a>;

/// What a party does with the peer's next message, yielding the rest of the script.
type OnMessage<'a, R, O> = Box<dyn FnOnce(&[u8], &mut R) -> Next<'a, R, O> + Send + 'a>;

/// One party of a two-party run: the rest of its script. `R` is the party's RNG, `O` its
/// output. Executors match on the variants; protocol scripts use the constructors.
pub enum Party<'a, R, O> {
    /// Computes locally (no message needed), then goes on.
    Work(Work<'a, R, O>),
    /// Sends a message to the peer, then goes on without waiting.
    Send(Vec<u8>, Box<Party<'a, R, O>>),
    /// Waits for the peer's next message.
    Receive(OnMessage<'a, R, O>),
    /// Finished, with the party's output.
    Done(O),
}

impl<'a, R: 'a, O: 'a> Party<'a, R, O> {
    /// Local work, then the rest of the script.
    pub fn work(f: impl FnOnce(&mut R) -> Next<'a, R, O> + Send + 'a) -> Self {
        Party::Work(Box::new(f))
    }

    /// Sends `msg`, then `next`.
    pub fn send(msg: Vec<u8>, next: Self) -> Self {
        Party::Send(msg, Box::new(next))
    }

    /// Waits for the peer's message and hands it to `f`.
    pub fn receive(f: impl FnOnce(&[u8], &mut R) -> Next<'a, R, O> + Send + 'a) -> Self {
        Party::Receive(Box::new(f))
    }

    /// Sends `msg`, then waits for the peer's answer and hands it to `f`.
    pub fn ask(msg: Vec<u8>, f: impl FnOnce(&[u8], &mut R) -> Next<'a, R, O> + Send + 'a) -> Self {
        Self::send(msg, Self::receive(f))
    }

    /// Continues with the script `f` builds from this script's output (one run of two
    /// protocols, e.g. resharing then auxiliary information).
    pub fn then<P: 'a>(self, f: impl FnOnce(O) -> Party<'a, R, P> + Send + 'a) -> Party<'a, R, P> {
        match self {
            Party::Work(g) => Party::work(move |rng: &mut R| Ok(g(rng)?.then(f))),
            Party::Send(msg, next) => Party::send(msg, (*next).then(f)),
            Party::Receive(g) => {
                Party::receive(move |msg: &[u8], rng: &mut R| Ok(g(msg, rng)?.then(f)))
            }
            Party::Done(out) => f(out),
        }
    }

    /// The same script with its output mapped by `f`.
    pub fn map<P: 'a>(self, f: impl FnOnce(O) -> P + Send + 'a) -> Party<'a, R, P> {
        self.then(|out| Party::Done(f(out)))
    }
}

impl<R, O> Party<'_, R, O> {
    /// Runs this party on its own (its own thread or machine): sends and receives through
    /// `link` until the output. Every party of every executor goes through these steps; the
    /// in-memory executor interleaves them for two parties on one thread.
    ///
    /// # Errors
    /// [`Stop::Protocol`] with the party's own protocol error; [`Stop::Link`] if the link
    /// fails (for instance the peer stopped).
    pub fn drive<L: Link + ?Sized>(self, rng: &mut R, link: &mut L) -> Result<O, Stop<L::Error>> {
        let mut party = self;
        loop {
            party = match party {
                Party::Work(f) => f(rng).map_err(Stop::Protocol)?,
                Party::Send(msg, next) => {
                    link.send(msg).map_err(Stop::Link)?;
                    *next
                }
                Party::Receive(f) => {
                    let msg = link.receive().map_err(Stop::Link)?;
                    f(&msg, rng).map_err(Stop::Protocol)?
                }
                Party::Done(out) => return Ok(out),
            };
        }
    }
}

/// A party's connection to its peer, for [`Party::drive`].
pub trait Link {
    /// Why a send or receive failed.
    type Error;

    /// Sends one message to the peer.
    ///
    /// # Errors
    /// If the message cannot be delivered.
    fn send(&mut self, msg: Vec<u8>) -> Result<(), Self::Error>;

    /// The peer's next message, waiting for it.
    ///
    /// # Errors
    /// If no message can come (the peer stopped, the connection closed).
    fn receive(&mut self) -> Result<Vec<u8>, Self::Error>;
}

/// How a party driven on its own stopped without an output.
#[derive(Debug)]
pub enum Stop<E> {
    /// Its own protocol step failed (the error names the guilty party).
    Protocol(Error),
    /// Its link failed.
    Link(E),
}

/// The client's and the server's scripts of one run.
pub struct Pair<'a, R1, R2, O1, O2> {
    /// The client's.
    pub client: Party<'a, R1, O1>,
    /// The server's (or, in recovery, the custodian's).
    pub server: Party<'a, R2, O2>,
}

impl<'a, R1: 'a, R2: 'a, O1: 'a, O2: 'a> Pair<'a, R1, R2, O1, O2> {
    /// Continues each party with the script built from its output ([`Party::then`]).
    pub fn then<P1: 'a, P2: 'a>(
        self,
        client: impl FnOnce(O1) -> Party<'a, R1, P1> + Send + 'a,
        server: impl FnOnce(O2) -> Party<'a, R2, P2> + Send + 'a,
    ) -> Pair<'a, R1, R2, P1, P2> {
        Pair {
            client: self.client.then(client),
            server: self.server.then(server),
        }
    }
}

/// An executor: runs both parties of a [`Pair`] to their outputs.
pub trait Exchange {
    /// Runs `pair`, each party with its own RNG. Returns `(client output, server output)`.
    ///
    /// # Errors
    /// The error of the party that failed (the client's if both did).
    fn run<'a, R1, R2, O1, O2>(
        &mut self,
        pair: Pair<'a, R1, R2, O1, O2>,
        client_rng: &mut R1,
        server_rng: &mut R2,
    ) -> Result<(O1, O2), Error>
    where
        R1: Send,
        R2: Send,
        O1: Send + 'a,
        O2: Send + 'a;
}

/// Observes each message between the parties; may replace it.
pub trait Tap {
    /// Called with each message `sender` sends; the bytes delivered are what `msg` holds
    /// afterwards.
    fn on_message(&mut self, sender: Role, msg: &mut Vec<u8>);
}

/// A [`Tap`] that leaves every message as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTap;

impl Tap for NoTap {
    fn on_message(&mut self, _sender: Role, _msg: &mut Vec<u8>) {}
}

impl<F: FnMut(Role, &mut Vec<u8>)> Tap for F {
    fn on_message(&mut self, sender: Role, msg: &mut Vec<u8>) {
        self(sender, msg);
    }
}

/// The sequential executor: both parties on the caller's thread. A party runs until it sends
/// a message (then the peer runs), waits for a message not yet sent, or finishes; so
/// messages are delivered, and seen by the [`Tap`], in the order they are sent, and the
/// first failing step ends the run with its error.
pub struct InMemory<'t> {
    tap: &'t mut dyn Tap,
}

impl core::fmt::Debug for InMemory<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("InMemory")
    }
}

impl<'t> InMemory<'t> {
    /// The executor with every message passing `tap`.
    pub fn new(tap: &'t mut dyn Tap) -> Self {
        Self { tap }
    }

    /// Runs `pair` ([`Exchange::run`] without its `Send` bounds: nothing leaves this thread).
    ///
    /// # Errors
    /// The first error either party reports; [`Error::Internal`] if the scripts do not fit
    /// together (both wait, or a message is left unread).
    pub fn run<R1, R2, O1, O2>(
        &mut self,
        pair: Pair<'_, R1, R2, O1, O2>,
        client_rng: &mut R1,
        server_rng: &mut R2,
    ) -> Result<(O1, O2), Error> {
        let (mut client, mut server) = (pair.client, pair.server);
        let (mut to_client, mut to_server) = (VecDeque::new(), VecDeque::new());
        loop {
            client = self.advance(
                client,
                Role::Client,
                client_rng,
                &mut to_client,
                &mut to_server,
            )?;
            server = self.advance(
                server,
                Role::Server,
                server_rng,
                &mut to_server,
                &mut to_client,
            )?;
            match (client, server) {
                (Party::Done(c), Party::Done(s)) => {
                    return if to_client.is_empty() && to_server.is_empty() {
                        Ok((c, s))
                    } else {
                        Err(Error::Internal("two-party run: a message was left unread"))
                    };
                }
                (c, s) if waits(&c, &to_client) && waits(&s, &to_server) => {
                    return Err(Error::Internal("two-party run: both parties wait"));
                }
                (c, s) => (client, server) = (c, s),
            }
        }
    }

    /// Runs `party` until it has sent one message, waits for one `inbox` does not hold, or
    /// is done.
    fn advance<'a, R, O>(
        &mut self,
        mut party: Party<'a, R, O>,
        role: Role,
        rng: &mut R,
        inbox: &mut VecDeque<Vec<u8>>,
        outbox: &mut VecDeque<Vec<u8>>,
    ) -> Next<'a, R, O> {
        loop {
            party = match party {
                Party::Work(f) => f(rng)?,
                Party::Send(mut msg, next) => {
                    self.tap.on_message(role, &mut msg);
                    outbox.push_back(msg);
                    return Ok(*next);
                }
                Party::Receive(f) => match inbox.pop_front() {
                    Some(msg) => f(&msg, rng)?,
                    None => return Ok(Party::Receive(f)),
                },
                done @ Party::Done(_) => return Ok(done),
            };
        }
    }
}

/// Whether `party` cannot move: it is done, or waits for a message `inbox` does not hold.
fn waits<R, O>(party: &Party<'_, R, O>, inbox: &VecDeque<Vec<u8>>) -> bool {
    match party {
        Party::Done(_) => true,
        Party::Receive(_) => inbox.is_empty(),
        Party::Work(_) | Party::Send(..) => false,
    }
}

impl Exchange for InMemory<'_> {
    fn run<'a, R1, R2, O1, O2>(
        &mut self,
        pair: Pair<'a, R1, R2, O1, O2>,
        client_rng: &mut R1,
        server_rng: &mut R2,
    ) -> Result<(O1, O2), Error>
    where
        R1: Send,
        R2: Send,
        O1: Send + 'a,
        O2: Send + 'a,
    {
        InMemory::run(self, pair, client_rng, server_rng)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// A client that sends `a` and `b` back to back, then waits for one answer.
    fn client<'a>() -> Party<'a, (), Vec<u8>> {
        Party::send(
            b"a".to_vec(),
            Party::ask(b"b".to_vec(), |answer, _| Ok(Party::Done(answer.to_vec()))),
        )
    }

    /// A server that reads two messages and answers with both.
    fn server<'a>() -> Party<'a, (), Vec<u8>> {
        Party::receive(|first, _| {
            let first = first.to_vec();
            Ok(Party::receive(move |second, _| {
                let both = [first, second.to_vec()].concat();
                Ok(Party::send(both.clone(), Party::Done(both)))
            }))
        })
    }

    #[test]
    fn messages_reach_the_tap_and_the_peer_in_the_order_sent() {
        let mut seen = Vec::new();
        let mut tap = |from: Role, m: &mut Vec<u8>| seen.push((from, m.clone()));
        let pair = Pair {
            client: client(),
            server: server(),
        };
        let (c, s) = InMemory::new(&mut tap).run(pair, &mut (), &mut ()).unwrap();
        assert_eq!((c.as_slice(), s.as_slice()), (&b"ab"[..], &b"ab"[..]));
        assert_eq!(
            seen,
            [
                (Role::Client, b"a".to_vec()),
                (Role::Client, b"b".to_vec()),
                (Role::Server, b"ab".to_vec())
            ]
        );
    }

    #[test]
    fn scripts_that_do_not_fit_are_internal_errors() {
        let waits = || Party::receive(|_, _: &mut ()| Ok(Party::Done(())));
        let pair = Pair {
            client: waits(),
            server: waits(),
        };
        let e = InMemory::new(&mut NoTap).run(pair, &mut (), &mut ());
        assert_eq!(e, Err(Error::Internal("two-party run: both parties wait")));
        let pair = Pair {
            client: Party::send(vec![1], Party::Done(())),
            server: Party::Done(()),
        };
        let e = InMemory::new(&mut NoTap).run(pair, &mut (), &mut ());
        assert_eq!(
            e,
            Err(Error::Internal("two-party run: a message was left unread"))
        );
    }

    #[test]
    fn the_first_failing_step_ends_the_run() {
        let pair = Pair {
            client: client().then(|_| Party::<(), ()>::work(|_| Err(Error::Internal("late")))),
            server: Party::<(), ()>::receive(|_, _| Err(Error::Internal("early"))),
        };
        let e = InMemory::new(&mut NoTap).run(pair, &mut (), &mut ());
        assert_eq!(e.err(), Some(Error::Internal("early")));
    }

    /// A link whose peer has already sent `inbox` and reads nothing.
    struct Scripted {
        inbox: VecDeque<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl Link for Scripted {
        type Error = &'static str;
        fn send(&mut self, msg: Vec<u8>) -> Result<(), Self::Error> {
            self.sent.push(msg);
            Ok(())
        }
        fn receive(&mut self) -> Result<Vec<u8>, Self::Error> {
            self.inbox.pop_front().ok_or("closed")
        }
    }

    #[test]
    fn a_party_drives_itself_over_a_link() {
        let mut link = Scripted {
            inbox: [b"x".to_vec()].into(),
            sent: Vec::new(),
        };
        let out = client()
            .map(|answer| answer.len())
            .drive(&mut (), &mut link);
        assert_eq!(out.unwrap(), 1);
        assert_eq!(link.sent, [b"a".to_vec(), b"b".to_vec()]);
        let mut closed = Scripted {
            inbox: VecDeque::new(),
            sent: Vec::new(),
        };
        assert!(matches!(
            server().drive(&mut (), &mut closed),
            Err(Stop::Link("closed"))
        ));
    }
}
