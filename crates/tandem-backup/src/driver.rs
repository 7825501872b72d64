//! Resharing's two parties as scripts of the [`tandem_protocol::runner`] ([`parties`]), and
//! runs of them with both parties in one process (tests, benches), every message through
//! its byte encoding and past a [`Tap`]. The wallet runs the same pairs with one thread per
//! party.

use rand_core::CryptoRng;
use tandem_curves::{Curve, Secp256k1};
use tandem_paillier::paillier::SecretKey;
use tandem_protocol::Error;
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::runner::{InMemory, Tap};

use crate::reshare::{Operation, Recover, Refresh};
use crate::share::BackupShare;

/// The two targets of a run: `(client's, server's)`.
pub type Targets<O, C> = (<O as Operation>::Target<C>, <O as Operation>::Target<C>);

/// The resharing parties, alone and followed by auxiliary information.
pub mod parties {
    use rand_core::CryptoRng;
    use tandem_curves::{Curve, Secp256k1};
    use tandem_paillier::paillier::SecretKey;
    use tandem_protocol::driver::parties::{aux_info_client, aux_info_server};
    use tandem_protocol::ecdsa::EcdsaKeyShare;
    use tandem_protocol::runner::{Pair, Party};
    use tandem_protocol::{KeyShare, SessionId};

    use crate::reshare::{self, Operation};

    /// Operation `O` on curve `C` (4 messages): the client's and the server's (or
    /// custodian's) source shares in, their targets out. The sources are only read.
    pub fn reshare<'a, O: Operation, C: Curve, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
        client: &'a O::Source<C>,
        server: &'a O::Source<C>,
    ) -> Pair<'a, R1, R2, O::Target<C>, O::Target<C>> {
        let client_party = Party::work(move |rng: &mut R1| {
            let session = SessionId::random(rng);
            let (state, m1) = reshare::client_start::<O, C, _>(client, session, rng)?;
            Ok(Party::ask(m1, move |m2, rng| {
                let (state, m3) = state.receive(client, m2, rng)?;
                Ok(Party::ask(m3, move |m4, _| {
                    Ok(Party::Done(state.receive(m4)?))
                }))
            }))
        });
        let server_party = Party::receive(move |m1, rng: &mut R2| {
            let (state, m2) = reshare::server_respond::<O, C, _>(server, m1, rng)?;
            Ok(Party::ask(m2, move |m3, rng| {
                let (target, m4) = state.receive(server, m3, rng)?;
                Ok(Party::send(m4, Party::Done(target)))
            }))
        });
        Pair {
            client: client_party,
            server: server_party,
        }
    }

    /// secp256k1 resharing into a new signing pair ([`Recover`](crate::Recover) from the
    /// backup pair, [`Refresh`](crate::Refresh) from the signing pair), then auxiliary
    /// information with the given fresh Paillier keys, in one run.
    pub fn reshare_ecdsa<'a, O, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
        client: &'a O::Source<Secp256k1>,
        server: &'a O::Source<Secp256k1>,
        client_paillier: SecretKey,
        server_paillier: SecretKey,
    ) -> Pair<'a, R1, R2, EcdsaKeyShare, EcdsaKeyShare>
    where
        O: Operation<Target<Secp256k1> = KeyShare<Secp256k1>>,
    {
        reshare::<O, Secp256k1, R1, R2>(client, server).then(
            move |core| aux_info_client(core, client_paillier),
            move |core| aux_info_server(core, server_paillier),
        )
    }
}

/// Runs operation `O` on curve `C`: the client's and the server's (or custodian's) source
/// shares in, `(client target, server target)` out.
///
/// # Errors
/// The first error either party reports.
pub fn reshare<O: Operation, C: Curve, R1: CryptoRng, R2: CryptoRng, T: Tap>(
    client: &O::Source<C>,
    server: &O::Source<C>,
    client_rng: &mut R1,
    server_rng: &mut R2,
    tap: &mut T,
) -> Result<Targets<O, C>, Error> {
    let pair = parties::reshare::<O, C, _, _>(client, server);
    InMemory::new(tap).run(pair, client_rng, server_rng)
}

/// secp256k1 recovery: reshares the backup pair into a new signing pair, then runs the
/// auxiliary-information protocol with the given fresh Paillier keys (generate them with
/// `tandem_protocol::ecdsa::generate_paillier_key`). Returns `(client, server)` ECDSA shares.
///
/// # Errors
/// The first error either party reports, in either protocol.
#[allow(clippy::too_many_arguments)]
pub fn recover_ecdsa<R1: CryptoRng, R2: CryptoRng, T: Tap>(
    client_backup: &BackupShare<Secp256k1>,
    custodian_backup: &BackupShare<Secp256k1>,
    client_paillier: SecretKey,
    server_paillier: SecretKey,
    client_rng: &mut R1,
    server_rng: &mut R2,
    tap: &mut T,
) -> Result<(EcdsaKeyShare, EcdsaKeyShare), Error> {
    let pair = parties::reshare_ecdsa::<Recover, _, _>(
        client_backup,
        custodian_backup,
        client_paillier,
        server_paillier,
    );
    InMemory::new(tap).run(pair, client_rng, server_rng)
}

/// secp256k1 refresh: reshares the signing pair, then new auxiliary information with the
/// given fresh Paillier keys. Presignatures of the old pair no longer match and are refused.
///
/// # Errors
/// The first error either party reports, in either protocol.
#[allow(clippy::too_many_arguments)]
pub fn refresh_ecdsa<R1: CryptoRng, R2: CryptoRng, T: Tap>(
    client: &EcdsaKeyShare,
    server: &EcdsaKeyShare,
    client_paillier: SecretKey,
    server_paillier: SecretKey,
    client_rng: &mut R1,
    server_rng: &mut R2,
    tap: &mut T,
) -> Result<(EcdsaKeyShare, EcdsaKeyShare), Error> {
    let pair = parties::reshare_ecdsa::<Refresh, _, _>(
        client.core(),
        server.core(),
        client_paillier,
        server_paillier,
    );
    InMemory::new(tap).run(pair, client_rng, server_rng)
}
