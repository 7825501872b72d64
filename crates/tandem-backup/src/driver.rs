//! Runs both parties of a resharing in one process (tests, benches, the CLI), every message
//! through its byte encoding and past an optional [`Tap`].

use rand_core::CryptoRng;
use tandem_curves::{Curve, Secp256k1};
use tandem_paillier::paillier::SecretKey;
use tandem_protocol::driver::{self as protocol_driver, Tap};
use tandem_protocol::ecdsa::EcdsaKeyShare;
use tandem_protocol::{Error, KeyShare, Role, SessionId};

use crate::reshare::{self, Operation, Recover, Refresh};
use crate::share::BackupShare;

/// The two targets of a run: `(client's, server's)`.
pub type Targets<O, C> = (<O as Operation>::Target<C>, <O as Operation>::Target<C>);

fn pass<T: Tap>(tap: &mut T, sender: Role, mut msg: Vec<u8>) -> Vec<u8> {
    tap.on_message(sender, &mut msg);
    msg
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
    let session = SessionId::random(client_rng);
    let (c, m1) = reshare::client_start::<O, C, _>(client, session, client_rng)?;
    let (s, m2) =
        reshare::server_respond::<O, C, _>(server, &pass(tap, Role::Client, m1), server_rng)?;
    let (c, m3) = c.receive(client, &pass(tap, Role::Server, m2), client_rng)?;
    let (server_target, m4) = s.receive(server, &pass(tap, Role::Client, m3), server_rng)?;
    let client_target = c.receive(&pass(tap, Role::Server, m4))?;
    Ok((client_target, server_target))
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
    let (c, s) = reshare::<Recover, Secp256k1, _, _, _>(
        client_backup,
        custodian_backup,
        client_rng,
        server_rng,
        tap,
    )?;
    protocol_driver::aux_info(
        c,
        s,
        client_paillier,
        server_paillier,
        client_rng,
        server_rng,
        tap,
    )
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
    let (c, s): (KeyShare<Secp256k1>, KeyShare<Secp256k1>) = reshare::<Refresh, Secp256k1, _, _, _>(
        client.core(),
        server.core(),
        client_rng,
        server_rng,
        tap,
    )?;
    protocol_driver::aux_info(
        c,
        s,
        client_paillier,
        server_paillier,
        client_rng,
        server_rng,
        tap,
    )
}
