//! The thread-per-party executor of the [`tandem_protocol::runner`]: the client and the server
//! each run [`Party::drive`] on their own thread, with a channel each way, as on two
//! machines. Steps of the two parties that do not wait for each other run at once: in the
//! auxiliary information the client's and the server's proofs (messages 5 and 4, the two
//! halves of CGGMP24 Fig. 7 round 3), so a run waits for one party's proving, not for both in
//! turn. The wallet uses it for the runs that contain auxiliary information (generate,
//! recover, refresh) and the in-memory executor for the others, where one party always waits
//! for the other and a thread would only add its start-up.
//!
//! The protocol crates spawn no threads; this executor is the wallet's choice. It has no
//! [`Tap`](tandem_protocol::runner::Tap): tests that play a dishonest party use the in-memory
//! executor.

use std::sync::mpsc::{Receiver, Sender, channel};

use tandem_protocol::Error;
use tandem_protocol::runner::{Exchange, Link, Pair, Party, Stop};

/// Runs each party on its own thread (scoped: the run borrows what the parties borrow).
#[derive(Clone, Copy, Debug, Default)]
pub struct Threaded;

/// The peer's thread ended (it stopped with its own error, which is the one reported).
#[derive(Debug)]
struct PeerGone;

/// One party's end of the two channels.
struct Channels {
    out: Sender<Vec<u8>>,
    inbox: Receiver<Vec<u8>>,
}

impl Link for Channels {
    type Error = PeerGone;

    fn send(&mut self, msg: Vec<u8>) -> Result<(), PeerGone> {
        self.out.send(msg).map_err(|_| PeerGone)
    }

    fn receive(&mut self) -> Result<Vec<u8>, PeerGone> {
        self.inbox.recv().map_err(|_| PeerGone)
    }
}

/// Drives `party` over `link`, which it owns: when the party stops, its channel ends close
/// and the peer's next send or receive returns instead of waiting forever.
fn drive<R, O>(
    party: Party<'_, R, O>,
    rng: &mut R,
    mut link: Channels,
) -> Result<O, Stop<PeerGone>> {
    party.drive(rng, &mut link)
}

impl Exchange for Threaded {
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
        let (to_server, server_inbox) = channel();
        let (to_client, client_inbox) = channel();
        let client_link = Channels {
            out: to_server,
            inbox: client_inbox,
        };
        let server_link = Channels {
            out: to_client,
            inbox: server_inbox,
        };
        let Pair { client, server } = pair;
        // A thread pool entered by the caller (`tandem_paillier::parallel`) serves both
        // parties' threads too: the pool is the caller's setting, not this executor's.
        let pool = tandem_paillier::parallel::entered();
        let on_pool = |pool: Option<tandem_paillier::parallel::ThreadPool>| pool.map(|p| p.enter());
        let (c, s) = std::thread::scope(|scope| {
            let client_pool = pool.clone();
            let c = scope.spawn(move || {
                let _entered = on_pool(client_pool);
                drive(client, client_rng, client_link)
            });
            let s = scope.spawn(move || {
                let _entered = on_pool(pool);
                drive(server, server_rng, server_link)
            });
            (c.join(), s.join())
        });
        let panicked = || Error::Internal("a party's thread panicked");
        match (c.map_err(|_| panicked())?, s.map_err(|_| panicked())?) {
            (Ok(c), Ok(s)) => Ok((c, s)),
            (Err(Stop::Protocol(e)), _) | (_, Err(Stop::Protocol(e))) => Err(e),
            _ => Err(Error::Internal("both parties stopped without an error")),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::paillier::fixture_key as paillier_key;
    use tandem_protocol::driver::{self, NoTap};
    use tandem_protocol::runner::Exchange;
    use tandem_protocol::{Error, Role};

    use super::Threaded;
    use crate::wallet::os_rng;

    fn cores() -> (
        tandem_protocol::KeyShare<tandem_curves::Secp256k1>,
        tandem_protocol::KeyShare<tandem_curves::Secp256k1>,
    ) {
        driver::keygen(&mut os_rng(), &mut os_rng(), &mut NoTap).unwrap()
    }

    fn aux_info(
        (c, s): (
            tandem_protocol::KeyShare<tandem_curves::Secp256k1>,
            tandem_protocol::KeyShare<tandem_curves::Secp256k1>,
        ),
        keys: (usize, usize),
    ) -> Result<
        (
            tandem_protocol::ecdsa::EcdsaKeyShare,
            tandem_protocol::ecdsa::EcdsaKeyShare,
        ),
        Error,
    > {
        let pair = driver::parties::aux_info(
            c,
            s,
            paillier_key(keys.0).unwrap(),
            paillier_key(keys.1).unwrap(),
        );
        Threaded.run(pair, &mut os_rng(), &mut os_rng())
    }

    #[test]
    fn both_threads_finish_with_matching_shares() {
        let (c, s) = aux_info(cores(), (0, 1)).unwrap();
        assert_eq!(c.role(), Role::Client);
        assert_eq!(s.role(), Role::Server);
        assert_eq!(c.peer().paillier(), s.own().paillier().public());
        assert_eq!(s.peer().paillier(), c.own().paillier().public());
    }

    #[test]
    fn a_refusal_stops_both_threads_with_the_refusing_partys_error() {
        // The server's share belongs to another key generation: the server refuses the
        // client's first message, and the client's thread ends instead of waiting.
        let (c, _) = cores();
        let (_, other_server) = cores();
        let e = aux_info((c, other_server), (0, 1)).err().unwrap();
        assert!(
            matches!(
                e,
                Error::Refused {
                    sender: Role::Client,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_client_abort_mid_run_releases_the_waiting_server() {
        // Both parties bring the same Paillier key: the client refuses the server's round 2
        // (its modulus echoes the client's) while the server waits for round 3; the server's
        // thread ends on the closed channel and the client's finding is what is reported.
        let e = aux_info(cores(), (0, 0)).err().unwrap();
        assert_eq!(
            e,
            Error::Misbehaved {
                culprit: Role::Server,
                check: tandem_protocol::Check::AuxParameters("peer's modulus equals ours"),
            },
        );
    }
}
