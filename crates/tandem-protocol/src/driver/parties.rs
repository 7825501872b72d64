//! Each protocol's two parties as [`runner`](crate::runner) scripts: the typestate glue, in the
//! order the messages go. Run a pair with any [`Exchange`](crate::runner::Exchange); the
//! server scripts approve every request (a real server inspects the message or digest first,
//! with `server_receive_request`).

use ed25519_dalek::Signature;
use rand_core::CryptoRng;
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_paillier::paillier::SecretKey;

use crate::ecdsa::{
    EcdsaKeyShare, EcdsaSignature, Presignature, aux_info, full_sign, presign, sign as ecdsa_sign,
};
use crate::eddsa::sign as eddsa_sign;
use crate::hd::DerivationPath;
use crate::key_share::KeyShare;
use crate::keygen as kg;
use crate::message::SessionId;
use crate::reshare::{self as rs, Operation};
use crate::runner::{Pair, Party};
use crate::taproot::sign::{self as bip340_sign, TaprootSignature};

/// The client's key generation on curve `C` (messages 1 and 3; see [`keygen`]).
pub fn keygen_client<'a, C: Curve, R: CryptoRng + 'a>() -> Party<'a, R, KeyShare<C>> {
    Party::work(|rng: &mut R| {
        let (state, m1) = kg::client_start::<C, _>(SessionId::random(rng), rng)?;
        Ok(Party::ask(m1, move |m2, _| {
            let (state, m3) = state.receive(m2)?;
            Ok(Party::ask(m3, move |m4, _| {
                Ok(Party::Done(state.receive(m4)?))
            }))
        }))
    })
}

/// Key generation on curve `C` (4 messages, client first).
pub fn keygen<'a, C: Curve, R1: CryptoRng + 'a, R2: CryptoRng + 'a>()
-> Pair<'a, R1, R2, KeyShare<C>, KeyShare<C>> {
    let server = Party::receive(|m1, rng: &mut R2| {
        let (state, m2) = kg::server_respond::<C, _>(m1, rng)?;
        Ok(Party::ask(m2, move |m3, rng| {
            let (share, m4) = state.receive(m3, rng)?;
            Ok(Party::send(m4, Party::Done(share)))
        }))
    });
    Pair {
        client: keygen_client::<C, R1>(),
        server,
    }
}

/// The client's auxiliary information from its key-generation share and fresh Paillier key.
/// It sends its opening (message 3) before it proves (message 5), so that on its own thread
/// it proves while the server makes message 4.
pub fn aux_info_client<'a, R: CryptoRng + 'a>(
    core: KeyShare<Secp256k1>,
    paillier: SecretKey,
) -> Party<'a, R, EcdsaKeyShare> {
    Party::work(move |rng: &mut R| {
        let (state, m1) = aux_info::client_start(core, paillier, SessionId::random(rng), rng)?;
        Ok(Party::ask(m1, move |m2, _| {
            let (state, m3) = state.receive(m2)?;
            let prove = Party::work(move |rng: &mut R| {
                let (state, m5) = state.prove(rng)?;
                Ok(Party::ask(m5, move |m4, _| {
                    Ok(Party::Done(state.receive(m4)?))
                }))
            });
            Ok(Party::send(m3, prove))
        }))
    })
}

/// The server's auxiliary information (see [`aux_info_client`]).
pub fn aux_info_server<'a, R: CryptoRng + 'a>(
    core: KeyShare<Secp256k1>,
    paillier: SecretKey,
) -> Party<'a, R, EcdsaKeyShare> {
    Party::receive(move |m1, rng: &mut R| {
        let (state, m2) = aux_info::server_respond(core, paillier, m1, rng)?;
        Ok(Party::ask(m2, move |m3, rng| {
            let (state, m4) = state.receive(m3, rng)?;
            Ok(Party::ask(m4, move |m5, _| {
                Ok(Party::Done(state.receive(m5)?))
            }))
        }))
    })
}

/// Auxiliary information (5 messages): key-generation shares and Paillier keys in, complete
/// ECDSA key shares out.
pub fn aux_info<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    client_core: KeyShare<Secp256k1>,
    server_core: KeyShare<Secp256k1>,
    client_paillier: SecretKey,
    server_paillier: SecretKey,
) -> Pair<'a, R1, R2, EcdsaKeyShare, EcdsaKeyShare> {
    Pair {
        client: aux_info_client(client_core, client_paillier),
        server: aux_info_server(server_core, server_paillier),
    }
}

/// The client's presigning (messages 1 and 3; see [`presign()`]).
pub fn presign_client<'a, R: CryptoRng + 'a>(
    client_share: &'a EcdsaKeyShare,
) -> Party<'a, R, Presignature> {
    Party::work(move |rng: &mut R| {
        let (state, m1) = presign::client_start(client_share, SessionId::random(rng), rng)?;
        Ok(Party::ask(m1, move |m2, rng| {
            let (state, m3) = state.receive(client_share, m2, rng)?;
            Ok(Party::ask(m3, move |m4, _| {
                Ok(Party::Done(state.receive(client_share, m4)?))
            }))
        }))
    })
}

/// Presigning (4 messages).
pub fn presign<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    client_share: &'a EcdsaKeyShare,
    server_share: &'a EcdsaKeyShare,
) -> Pair<'a, R1, R2, Presignature, Presignature> {
    let server = Party::receive(move |m1, rng: &mut R2| {
        let (state, m2) = presign::server_respond(server_share, m1, rng)?;
        Ok(Party::ask(m2, move |m3, rng| {
            let (presignature, m4) = state.receive(server_share, m3, rng)?;
            Ok(Party::send(m4, Party::Done(presignature)))
        }))
    });
    Pair {
        client: presign_client(client_share),
        server,
    }
}

/// Whether the server takes the signing protocol's last message and verifies its own copy of
/// the signature.
#[derive(Clone, Copy)]
enum ServerCopy {
    /// All messages: both parties output the verified signature.
    Take,
    /// Request and response only: the client outputs the signature, the server nothing (the
    /// wallet's case: the server co-signs, the device broadcasts).
    Skip,
}

/// One online ECDSA round from a presignature pair (2 or 3 messages, `copy`).
fn ecdsa_sign_pair<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a, O: 'a>(
    (client_share, server_share): (&'a EcdsaKeyShare, &'a EcdsaKeyShare),
    (client_presignature, server_presignature): (Presignature, Presignature),
    path: &DerivationPath,
    digest: &[u8; 32],
    copy: ServerCopy,
    server_tail: impl FnOnce(ecdsa_sign::ServerAwaitingFinish) -> Party<'a, R2, O> + Send + 'a,
) -> Pair<'a, R1, R2, EcdsaSignature, O> {
    let client = ecdsa_sign_client_copy(client_share, client_presignature, path, digest, copy);
    let server = Party::receive(move |m1, rng: &mut R2| {
        let request = ecdsa_sign::server_receive_request(server_share, m1)?;
        let (state, m2) = request.approve(server_share, server_presignature, rng)?;
        Ok(Party::send(m2, server_tail(state)))
    });
    Pair { client, server }
}

/// The client's online ECDSA signing, sending message 3 or not (`copy`).
fn ecdsa_sign_client_copy<'a, R: CryptoRng + 'a>(
    client_share: &'a EcdsaKeyShare,
    client_presignature: Presignature,
    path: &DerivationPath,
    digest: &[u8; 32],
    copy: ServerCopy,
) -> Party<'a, R, EcdsaSignature> {
    let digest = *digest;
    let path = path.clone();
    Party::work(move |rng: &mut R| {
        let session = SessionId::random(rng);
        let (state, m1) = ecdsa_sign::client_start_at(
            client_share,
            client_presignature,
            session,
            &path,
            &digest,
            rng,
        )?;
        Ok(Party::ask(m1, move |m2, _| {
            let (signature, m3) = state.receive(client_share, m2)?;
            Ok(finish(copy, m3, signature))
        }))
    })
}

/// The client's online ECDSA signing for itself (request and response; see
/// [`ecdsa_sign_for_client`]) with the key at `path`: the client combines and verifies.
pub fn ecdsa_sign_client<'a, R: CryptoRng + 'a>(
    client_share: &'a EcdsaKeyShare,
    client_presignature: Presignature,
    path: &DerivationPath,
    digest: &[u8; 32],
) -> Party<'a, R, EcdsaSignature> {
    ecdsa_sign_client_copy(
        client_share,
        client_presignature,
        path,
        digest,
        ServerCopy::Skip,
    )
}

/// The client's last step: its output, after sending the last message if the server takes it.
fn finish<'a, R: 'a, O: 'a>(copy: ServerCopy, last: Vec<u8>, out: O) -> Party<'a, R, O> {
    match copy {
        ServerCopy::Take => Party::send(last, Party::Done(out)),
        ServerCopy::Skip => Party::Done(out),
    }
}

/// Online ECDSA signing of `digest` with the key at `path` from a presignature pair, all
/// three messages: both parties output the signature they verified.
pub fn ecdsa_sign<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    shares: (&'a EcdsaKeyShare, &'a EcdsaKeyShare),
    presignatures: (Presignature, Presignature),
    path: &DerivationPath,
    digest: &[u8; 32],
) -> Pair<'a, R1, R2, EcdsaSignature, EcdsaSignature> {
    let server_share = shares.1;
    ecdsa_sign_pair(
        shares,
        presignatures,
        path,
        digest,
        ServerCopy::Take,
        move |state| Party::receive(move |m3, _| Ok(Party::Done(state.receive(server_share, m3)?))),
    )
}

/// Online ECDSA signing for the client only: request and response; the client combines and
/// verifies, the server outputs nothing.
pub fn ecdsa_sign_for_client<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    shares: (&'a EcdsaKeyShare, &'a EcdsaKeyShare),
    presignatures: (Presignature, Presignature),
    path: &DerivationPath,
    digest: &[u8; 32],
) -> Pair<'a, R1, R2, EcdsaSignature, ()> {
    ecdsa_sign_pair(
        shares,
        presignatures,
        path,
        digest,
        ServerCopy::Skip,
        |_| Party::Done(()),
    )
}

/// Full ECDSA signing of `digest` with the key at `path` (presigning and signing in one
/// run, 5 messages).
pub fn ecdsa_full_sign<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    client_share: &'a EcdsaKeyShare,
    server_share: &'a EcdsaKeyShare,
    path: &DerivationPath,
    digest: &[u8; 32],
) -> Pair<'a, R1, R2, EcdsaSignature, EcdsaSignature> {
    let digest = *digest;
    let path = path.clone();
    let client = Party::work(move |rng: &mut R1| {
        let session = SessionId::random(rng);
        let (state, m1) = full_sign::client_start_at(client_share, session, &path, &digest, rng)?;
        Ok(Party::ask(m1, move |m2, rng| {
            let (state, m3) = state.receive(client_share, m2, rng)?;
            Ok(Party::ask(m3, move |m4, _| {
                let (signature, m5) = state.receive(client_share, m4)?;
                Ok(Party::send(m5, Party::Done(signature)))
            }))
        }))
    });
    let server = Party::receive(move |m1, rng: &mut R2| {
        let (state, m2) = full_sign::server_respond(server_share, m1, rng)?;
        Ok(Party::ask(m2, move |m3, rng| {
            let (state, m4) = state.receive(server_share, m3, rng)?;
            Ok(Party::ask(m4, move |m5, _| {
                Ok(Party::Done(state.receive(server_share, m5)?))
            }))
        }))
    });
    Pair { client, server }
}

/// FROST Ed25519 signing of `message` (2 or 3 messages, `copy`).
fn eddsa_sign_pair<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a, O: 'a>(
    (client_key, server_key): (&'a KeyShare<Ed25519>, &'a KeyShare<Ed25519>),
    path: &DerivationPath,
    message: &'a [u8],
    copy: ServerCopy,
    server_tail: impl FnOnce(eddsa_sign::ServerAwaitingShare) -> Party<'a, R2, O> + Send + 'a,
) -> Pair<'a, R1, R2, Signature, O> {
    let client = eddsa_sign_client_copy(client_key, path, message, copy);
    let server = Party::receive(move |m1, rng: &mut R2| {
        let request = eddsa_sign::server_receive_request(server_key, m1)?;
        let (state, m2) = request.approve(server_key, rng)?;
        Ok(Party::send(m2, server_tail(state)))
    });
    Pair { client, server }
}

/// The client's FROST Ed25519 signing, sending message 3 or not (`copy`).
fn eddsa_sign_client_copy<'a, R: CryptoRng + 'a>(
    client_key: &'a KeyShare<Ed25519>,
    path: &DerivationPath,
    message: &'a [u8],
    copy: ServerCopy,
) -> Party<'a, R, Signature> {
    let path = path.clone();
    Party::work(move |rng: &mut R| {
        let session = SessionId::random(rng);
        let (state, m1) = eddsa_sign::client_start_at(client_key, session, &path, message, rng)?;
        Ok(Party::ask(m1, move |m2, _| {
            let (signature, m3) = state.receive(client_key, m2)?;
            Ok(finish(copy, m3, signature))
        }))
    })
}

/// The client's FROST Ed25519 signing for itself (RFC 9591's two rounds; see
/// [`eddsa_sign_for_client`]) with the key at `path`: the client aggregates and verifies.
pub fn eddsa_sign_client<'a, R: CryptoRng + 'a>(
    client_key: &'a KeyShare<Ed25519>,
    path: &DerivationPath,
    message: &'a [u8],
) -> Party<'a, R, Signature> {
    eddsa_sign_client_copy(client_key, path, message, ServerCopy::Skip)
}

/// FROST Ed25519 signing of `message` with the key at `path`, all three messages: both
/// parties output the signature they verified.
pub fn eddsa_sign<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    keys: (&'a KeyShare<Ed25519>, &'a KeyShare<Ed25519>),
    path: &DerivationPath,
    message: &'a [u8],
) -> Pair<'a, R1, R2, Signature, Signature> {
    let server_key = keys.1;
    eddsa_sign_pair(keys, path, message, ServerCopy::Take, move |state| {
        Party::receive(move |m3, _| Ok(Party::Done(state.receive(server_key, m3)?)))
    })
}

/// FROST Ed25519 signing for the client only: RFC 9591's two rounds; the client aggregates
/// and verifies, the server outputs nothing.
pub fn eddsa_sign_for_client<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    keys: (&'a KeyShare<Ed25519>, &'a KeyShare<Ed25519>),
    path: &DerivationPath,
    message: &'a [u8],
) -> Pair<'a, R1, R2, Signature, ()> {
    eddsa_sign_pair(keys, path, message, ServerCopy::Skip, |_| Party::Done(()))
}

/// The client's BIP340 signing of `message` (a Taproot key-path spend) with the output key
/// of the key at `path`, sending message 3 or not (`copy`).
fn bip340_sign_client_copy<'a, R: CryptoRng + 'a>(
    client_key: &'a KeyShare<Secp256k1>,
    path: &DerivationPath,
    message: &'a [u8],
    copy: ServerCopy,
) -> Party<'a, R, TaprootSignature> {
    let path = path.clone();
    Party::work(move |rng: &mut R| {
        let session = SessionId::random(rng);
        let (state, m1) = bip340_sign::client_start(client_key, session, &path, message, rng)?;
        Ok(Party::ask(m1, move |m2, _| {
            let (signature, m3) = state.receive(client_key, m2)?;
            Ok(finish(copy, m3, signature))
        }))
    })
}

/// The client's BIP340 signing for itself (two messages): it aggregates and verifies.
pub fn bip340_sign_client<'a, R: CryptoRng + 'a>(
    client_key: &'a KeyShare<Secp256k1>,
    path: &DerivationPath,
    message: &'a [u8],
) -> Party<'a, R, TaprootSignature> {
    bip340_sign_client_copy(client_key, path, message, ServerCopy::Skip)
}

/// BIP340 signing (2 or 3 messages, `copy`), the server ending with `server_tail`.
fn bip340_sign_pair<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a, O: 'a>(
    (client_key, server_key): (&'a KeyShare<Secp256k1>, &'a KeyShare<Secp256k1>),
    path: &DerivationPath,
    message: &'a [u8],
    copy: ServerCopy,
    server_tail: impl FnOnce(bip340_sign::ServerAwaitingShare) -> Party<'a, R2, O> + Send + 'a,
) -> Pair<'a, R1, R2, TaprootSignature, O> {
    let client = bip340_sign_client_copy(client_key, path, message, copy);
    let server = Party::receive(move |m1, rng: &mut R2| {
        let request = bip340_sign::server_receive_request(server_key, m1)?;
        let (state, m2) = request.approve(server_key, rng)?;
        Ok(Party::send(m2, server_tail(state)))
    });
    Pair { client, server }
}

/// BIP340 signing of `message` with the Taproot output key of the key at `path`, all three
/// messages: both parties output the signature they verified.
pub fn bip340_sign<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    keys: (&'a KeyShare<Secp256k1>, &'a KeyShare<Secp256k1>),
    path: &DerivationPath,
    message: &'a [u8],
) -> Pair<'a, R1, R2, TaprootSignature, TaprootSignature> {
    let server_key = keys.1;
    bip340_sign_pair(keys, path, message, ServerCopy::Take, move |state| {
        Party::receive(move |m3, _| Ok(Party::Done(state.receive(server_key, m3)?)))
    })
}

/// BIP340 signing for the client only (two messages): the client aggregates and verifies,
/// the server outputs nothing.
pub fn bip340_sign_for_client<'a, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    keys: (&'a KeyShare<Secp256k1>, &'a KeyShare<Secp256k1>),
    path: &DerivationPath,
    message: &'a [u8],
) -> Pair<'a, R1, R2, TaprootSignature, ()> {
    bip340_sign_pair(keys, path, message, ServerCopy::Skip, |_| Party::Done(()))
}

/// The client's side of operation `O` on curve `C` (messages 1 and 3; see [`reshare`]).
pub fn reshare_client<'a, O: Operation, C: Curve, R: CryptoRng + 'a>(
    client: &'a O::Source<C>,
) -> Party<'a, R, O::Target<C>> {
    Party::work(move |rng: &mut R| {
        let session = SessionId::random(rng);
        let (state, m1) = rs::client_start::<O, C, _>(client, session, rng)?;
        Ok(Party::ask(m1, move |m2, rng| {
            let (state, m3) = state.receive(client, m2, rng)?;
            Ok(Party::ask(m3, move |m4, _| {
                Ok(Party::Done(state.receive(m4)?))
            }))
        }))
    })
}

/// Operation `O` on curve `C` (4 messages): the client's and the server's (or
/// custodian's) source shares in, their targets out. The sources are only read.
pub fn reshare<'a, O: Operation, C: Curve, R1: CryptoRng + 'a, R2: CryptoRng + 'a>(
    client: &'a O::Source<C>,
    server: &'a O::Source<C>,
) -> Pair<'a, R1, R2, O::Target<C>, O::Target<C>> {
    let client_party = reshare_client::<O, C, R1>(client);
    let server_party = Party::receive(move |m1, rng: &mut R2| {
        let (state, m2) = rs::server_respond::<O, C, _>(server, m1, rng)?;
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

/// secp256k1 resharing into a new signing pair ([`Recover`](crate::reshare::Recover) from the
/// backup pair, [`Refresh`](crate::reshare::Refresh) from the signing pair), then auxiliary
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
