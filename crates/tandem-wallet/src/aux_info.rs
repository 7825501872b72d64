//! The secp256k1 auxiliary-information protocol with one thread per party, as it runs on two
//! machines: the client's and the server's proofs (rounds 5 and 4, the two halves of CGGMP24
//! Fig. 7 round 3) are made at the same time, so the wallet waits for one party's proving,
//! not for both in turn (the sans-IO state machines are `tandem_protocol::ecdsa::aux_info`;
//! this module only carries their messages over channels).

use std::sync::mpsc::{Receiver, Sender, channel};

use tandem_curves::Secp256k1;
use tandem_paillier::paillier::SecretKey;
use tandem_protocol::ecdsa::{EcdsaKeyShare, aux_info};
use tandem_protocol::{KeyShare, SessionId};

use crate::error::{WalletError, protocol};
use crate::wallet::os_rng;

/// How a party's thread ended without a key share.
enum Stop {
    /// The party's own protocol step failed (the error names the guilty party).
    Protocol(tandem_protocol::Error),
    /// The other thread hung up: it stopped with its own error.
    PeerGone,
}

impl From<tandem_protocol::Error> for Stop {
    fn from(e: tandem_protocol::Error) -> Self {
        Self::Protocol(e)
    }
}

/// One party's end of the message channels.
struct Link {
    out: Sender<Vec<u8>>,
    inbox: Receiver<Vec<u8>>,
}

impl Link {
    fn send(&self, m: Vec<u8>) -> Result<(), Stop> {
        self.out.send(m).map_err(|_| Stop::PeerGone)
    }

    fn recv(&self) -> Result<Vec<u8>, Stop> {
        self.inbox.recv().map_err(|_| Stop::PeerGone)
    }
}

fn client(
    core: KeyShare<Secp256k1>,
    paillier: SecretKey,
    link: &Link,
) -> Result<EcdsaKeyShare, Stop> {
    let mut rng = os_rng();
    let session = SessionId::random(&mut rng);
    let (c, m1) = aux_info::client_start(core, paillier, session, &mut rng)?;
    link.send(m1)?;
    let (c, m3) = c.receive(&link.recv()?)?;
    // The opening goes out first: the server proves while the client does.
    link.send(m3)?;
    let (c, m5) = c.prove(&mut rng)?;
    link.send(m5)?;
    Ok(c.receive(&link.recv()?)?)
}

fn server(
    core: KeyShare<Secp256k1>,
    paillier: SecretKey,
    link: &Link,
) -> Result<EcdsaKeyShare, Stop> {
    let mut rng = os_rng();
    let (s, m2) = aux_info::server_respond(core, paillier, &link.recv()?, &mut rng)?;
    link.send(m2)?;
    let (s, m4) = s.receive(&link.recv()?, &mut rng)?;
    link.send(m4)?;
    Ok(s.receive(&link.recv()?)?)
}

/// Runs the protocol with the client and the server each on its own thread. Returns
/// `(client, server)` key shares.
///
/// # Errors
/// [`WalletError::Protocol`] for `operation` with the party's protocol error (the client's
/// if both failed); [`WalletError::Internal`] if a thread panicked.
pub(crate) fn run(
    operation: &'static str,
    client_core: KeyShare<Secp256k1>,
    server_core: KeyShare<Secp256k1>,
    client_paillier: SecretKey,
    server_paillier: SecretKey,
) -> Result<(EcdsaKeyShare, EcdsaKeyShare), WalletError> {
    let (to_server, server_inbox) = channel();
    let (to_client, client_inbox) = channel();
    let client_link = Link {
        out: to_server,
        inbox: client_inbox,
    };
    let server_link = Link {
        out: to_client,
        inbox: server_inbox,
    };
    // Each thread owns its link: when one party stops, its channel ends close and the other
    // party's next send or receive returns instead of waiting forever.
    let (c, s) = std::thread::scope(|scope| {
        let c = scope.spawn(move || client(client_core, client_paillier, &client_link));
        let s = scope.spawn(move || server(server_core, server_paillier, &server_link));
        (c.join(), s.join())
    });
    let panicked = || WalletError::Internal("auxiliary-information thread panicked".into());
    let (c, s) = (c.map_err(|_| panicked())?, s.map_err(|_| panicked())?);
    let failed = protocol(operation);
    match (c, s) {
        (Ok(c), Ok(s)) => Ok((c, s)),
        (Err(Stop::Protocol(e)), _) | (_, Err(Stop::Protocol(e))) => Err(failed(e)),
        _ => Err(WalletError::Internal(
            "auxiliary-information parties stopped without an error".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tandem_protocol::driver::{self, NoTap};
    use tandem_protocol::{Error, Role};

    use super::run;
    use crate::error::WalletError;
    use crate::paillier::fixture_key as paillier_key;
    use crate::wallet::os_rng;

    fn cores() -> (
        tandem_protocol::KeyShare<tandem_curves::Secp256k1>,
        tandem_protocol::KeyShare<tandem_curves::Secp256k1>,
    ) {
        driver::keygen(&mut os_rng(), &mut os_rng(), &mut NoTap).unwrap()
    }

    #[test]
    fn both_threads_finish_with_matching_shares() {
        let (c, s) = cores();
        let (c, s) = run(
            "test",
            c,
            s,
            paillier_key(0).unwrap(),
            paillier_key(1).unwrap(),
        )
        .unwrap();
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
        let e = run(
            "test",
            c,
            other_server,
            paillier_key(0).unwrap(),
            paillier_key(1).unwrap(),
        )
        .err()
        .unwrap();
        assert!(
            matches!(
                e,
                WalletError::Protocol {
                    source: Error::Refused {
                        sender: Role::Client,
                        ..
                    },
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
        let (c, s) = cores();
        let e = run(
            "test",
            c,
            s,
            paillier_key(0).unwrap(),
            paillier_key(0).unwrap(),
        )
        .err()
        .unwrap();
        assert!(
            matches!(
                e,
                WalletError::Protocol {
                    source: Error::Misbehaved {
                        culprit: Role::Server,
                        check: tandem_protocol::Check::AuxParameters("peer's modulus equals ours"),
                    },
                    ..
                }
            ),
            "{e:?}"
        );
    }
}
