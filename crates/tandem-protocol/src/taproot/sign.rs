//! Two-party BIP340 signing for a Taproot key-path spend (BIP341, BIP86), on the wallet's
//! secp256k1 shares (the same shares ECDSA signs with), initiated by the client.
//!
//! | round | from   | payload                                          | RFC 9591             |
//! |-------|--------|--------------------------------------------------|----------------------|
//! | 1     | client | sharing id, path, message, `(D_c, E_c)`          | 5.1 commit           |
//! | 2     | server | `(D_s, E_s)`, `z_s`                              | 5.1 commit, 5.2 sign |
//! | 3     | client | `z_c` (optional)                                 | 5.2 sign             |
//!
//! **The key.** Both parties take the key at the request's path (`m`: the wallet's own; a
//! child's by BIP32 public derivation, as for ECDSA), `P = X_c + X_s`, and compute BIP341's
//! tweak for an output without a script tree (BIP86): `P' = ±P` with an even `y`,
//! `t = int(hash_TapTweak(x(P')))`, `Q = P' + t·G`, and `Q' = ±Q` with an even `y`. The
//! additive shares of `Q'`'s secret are
//!
//! - client: `y_c = g_Q·(g_P·x_c + t)`, public `Y_c = g_Q·(g_P·X_c + t·G)`;
//! - server: `y_s = g_Q·g_P·x_s`, public `Y_s = g_Q·g_P·X_s`;
//!
//! with `g_P, g_Q ∈ {1, −1}` the two negations (public: they depend on public keys only), so
//! `y_c + y_s` is the secret of `Q'` and `Y_c + Y_s = Q'`. The tweak is added on the client's
//! side, after the first negation, as BIP341's `taproot_tweak_seckey` does for one signer.
//!
//! **The signature.** FROST with BIP340 challenges ([`super::frost`]): `R = Σ D_i + ρ_i·E_i`,
//! each party negates its nonces when `R` has an odd `y`, `e = H_BIP0340/challenge(x(R) ‖
//! x(Q) ‖ m)`, `z_i = ±(d_i + ρ_i·e_i) + e·y_i`, and the signature is `x(R) ‖ z_c + z_s`: a
//! 64-byte BIP340 signature valid under the 32-byte output key `x(Q)` (the `bc1p` address's
//! witness program). The client verifies it (BIP340 `Verify`) before it releases it or
//! `z_c`; only then does it check `z_s` alone (Section 5.4) to name the server. A server that
//! wants the signature too takes message 3 in [`ServerAwaitingShare::receive`]. Nonces are
//! fresh for each run (32 random bytes each, hedged as RFC 9591 §4.1 with the share and,
//! beyond it, with a hash of everything the party has seen of the request: the server's
//! include the client's commitments, so a repeated random value would only repeat the same
//! answer to the same request), never `Clone`, and consumed by signing; the server's state
//! after round 2 holds public values only and is not saved (a server that co-signs drops it).

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{CurveId, Point, Scalar, Secp256k1, SecretScalar};

use super::bip340::{self, TapTweak};
use super::frost::{Commitments, FrostError, Nonces, Package};
use crate::error::{Check, Error, Misuse, Refusal, misbehaved};
use crate::hd::DerivationPath;
use crate::key_share::KeyShare;
use crate::message::{ProtocolId, Role, SessionContext, SessionId};

/// Round numbers of this protocol.
pub mod round {
    /// Client's request with its nonce commitments.
    pub const REQUEST: u8 = 1;
    /// Server's commitments and signature share.
    pub const RESPONSE: u8 = 2;
    /// Client's signature share.
    pub const CLIENT_SHARE: u8 = 3;
}

/// Round 1 payload (client to server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignRequestMsg {
    /// The sharing the client signs with; the server refuses any other.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub sharing_id: [u8; 32],
    /// The internal key: the wallet's (`m`) or a child's.
    pub path: DerivationPath,
    /// The message (for a Taproot spend, the 32-byte BIP341 signature hash).
    #[serde(with = "tandem_curves::encoding::var")]
    pub message: Vec<u8>,
    /// `(D_c, E_c)`.
    pub commitments: Commitments,
}

/// Round 2 payload (server to client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResponseMsg {
    /// `(D_s, E_s)`.
    pub commitments: Commitments,
    /// `z_s`.
    pub share: Scalar<Secp256k1>,
}

/// Round 3 payload (client to server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignShareMsg {
    /// `z_c`.
    pub share: Scalar<Secp256k1>,
}

/// A BIP340 signature with the key it is valid under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaprootSignature {
    /// `x(R) ‖ z`.
    pub signature: [u8; 64],
    /// `x(Q)`: the Taproot output key (BIP86) of the signing key.
    pub output_key: [u8; 32],
}

/// One party's view of the tweaked key: its additive share of `Q'`'s secret and both public
/// shares (see the module documentation).
struct Tweaked {
    share: SecretScalar<Secp256k1>,
    public: [Point<Secp256k1>; 2],
    output: Point<Secp256k1>,
}

fn negate_if(negate: bool, p: Point<Secp256k1>) -> Point<Secp256k1> {
    if negate { -p } else { p }
}

fn negate_secret_if(negate: bool, s: SecretScalar<Secp256k1>) -> SecretScalar<Secp256k1> {
    // `negate` depends on public keys only.
    if negate { -&s } else { s }
}

/// The tweaked shares of the key at `path` (`sender` chose the path).
fn tweaked(
    key: &KeyShare<Secp256k1>,
    path: &DerivationPath,
    sender: Role,
) -> Result<Tweaked, Error> {
    // The internal key P = X + d·G at `path` (BIP32 public derivation; d = 0 for `m`), whose
    // client share is x_c + d and server share x_s. Public values only: d·G is P − X, no
    // multiplication.
    let shares = key.public_shares();
    let (internal, hd_tweak, hd_point) = if path.is_master() {
        (key.public_key(), None, None)
    } else {
        let derived = key
            .derive(path)
            .map_err(|e| e.refusal(sender, key.role()))?;
        let offset = derived.public_key - key.public_key();
        (derived.public_key, Some(derived.tweak), Some(offset))
    };
    let client_public = hd_point.map_or(shares.client, |d| shares.client + d);
    // BIP341 taproot_tweak_pubkey fails with probability about 2^-128; such a key has no
    // key-path spend, for either party.
    let tap = TapTweak::of(&internal).ok_or(Error::Misuse(Misuse::Degenerate))?;
    let (output, negate_output) = bip340::with_even_y(&tap.output_point);
    let negate_internal = tap.internal_negated;
    let public = [
        negate_if(
            negate_output,
            negate_if(negate_internal, client_public) + tap.tweak_point,
        ),
        negate_if(negate_output, negate_if(negate_internal, shares.server)),
    ];
    let own = match (key.role(), hd_tweak) {
        (Role::Client, Some(d)) => key.secret() + &d,
        _ => key.secret().duplicate(),
    };
    let own = negate_secret_if(negate_internal, own);
    let own = match key.role() {
        Role::Client => &own + &tap.tweak,
        Role::Server => own,
    };
    Ok(Tweaked {
        share: negate_secret_if(negate_output, own),
        public,
        output,
    })
}

fn context(session: SessionId, me: Role) -> SessionContext {
    SessionContext {
        protocol: ProtocolId::Bip340Sign,
        curve: CurveId::Secp256k1,
        session,
        me,
    }
}

fn package(
    tweaked: &Tweaked,
    message: &[u8],
    client: Commitments,
    server: Commitments,
    last_mover: Role,
) -> Result<Package, Error> {
    Package::new(&tweaked.output, message, client, server).map_err(|e| match e {
        // R at infinity needs the peer to cancel our nonces, which it could not have seen.
        FrostError::IdentityGroupCommitment => misbehaved(last_mover, Check::DegenerateResult),
        _ => Error::Internal("signing package"),
    })
}

/// What a party hashes into its nonces besides fresh randomness and its share (see
/// `frost::nonce_generate`): everything it knows of the request when it draws them. Each
/// part is length-prefixed.
fn nonce_context(
    role: Role,
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    path: &DerivationPath,
    message: &[u8],
    peer: Option<&Commitments>,
) -> [u8; 32] {
    let indices: Vec<u8> = path
        .indices()
        .iter()
        .flat_map(|i| i.to_be_bytes())
        .collect();
    let mut parts: Vec<&[u8]> = vec![
        role.name().as_bytes(),
        &ctx.session.0,
        sharing_id,
        &indices,
        message,
    ];
    if let Some(c) = peer {
        parts.extend([
            c.hiding.encoding().as_slice(),
            c.binding.encoding().as_slice(),
        ]);
    }
    // Each part length-prefixed; the message is hashed where it lies, not copied.
    let lengths: Vec<[u8; 8]> = parts
        .iter()
        .map(|p| (p.len() as u64).to_le_bytes())
        .collect();
    let framed: Vec<&[u8]> = parts
        .iter()
        .zip(&lengths)
        .flat_map(|(part, length)| [length.as_slice(), part])
        .collect();
    bip340::tagged_hash(b"tandem/bip340/nonce-context/v1", &framed)
}

fn fresh_nonces<R: CryptoRng + ?Sized>(
    rng: &mut R,
    tweaked: &Tweaked,
    context: &[u8; 32],
) -> Result<Nonces, Error> {
    Nonces::generate(rng, &tweaked.share, context).map_err(|_| Error::Misuse(Misuse::Degenerate))
}

/// Client, round 1: fresh nonces and the request to sign `message` with the Taproot output
/// key of the key at `path` (`m`: the wallet's own).
///
/// # Errors
/// [`Misuse::WrongRole`] for a server share; [`Misuse::Degenerate`] for the (negligible)
/// index or key that gives no output key.
pub fn client_start<R: CryptoRng + ?Sized>(
    key: &KeyShare<Secp256k1>,
    session: SessionId,
    path: &DerivationPath,
    message: &[u8],
    rng: &mut R,
) -> Result<(ClientAwaitingResponse, Vec<u8>), Error> {
    key.require_role(Role::Client)?;
    let ctx = context(session, Role::Client);
    let tweaked = tweaked(key, path, Role::Client)?;
    let context = nonce_context(Role::Client, &ctx, &key.sharing_id(), path, message, None);
    let nonces = fresh_nonces(rng, &tweaked, &context)?;
    let request = SignRequestMsg {
        sharing_id: key.sharing_id(),
        path: path.clone(),
        message: message.to_vec(),
        commitments: nonces.commitments(),
    };
    let out = ctx.seal(round::REQUEST, &request)?;
    Ok((
        ClientAwaitingResponse {
            ctx,
            sharing_id: request.sharing_id,
            tweaked,
            message: request.message,
            nonces,
        },
        out,
    ))
}

/// Client state after round 1: holds the nonces, waits for the server's response. Not
/// serializable, in any build (it holds signing nonces).
pub struct ClientAwaitingResponse {
    ctx: SessionContext,
    sharing_id: [u8; 32],
    tweaked: Tweaked,
    message: Vec<u8>,
    nonces: Nonces,
}

impl core::fmt::Debug for ClientAwaitingResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientAwaitingResponse")
            .field("ctx", &self.ctx)
            .field("nonces", &self.nonces)
            .finish_non_exhaustive()
    }
}

impl ClientAwaitingResponse {
    /// Client, round 3: signs (consuming the nonces), aggregates and verifies the BIP340
    /// signature, naming the server if its share is bad. Returns the signature with the
    /// message carrying `z_c`.
    ///
    /// # Errors
    /// [`Check::SignatureShare`] naming the server for a bad `z_s`;
    /// [`Check::DegenerateResult`] naming it if `R` is the point at infinity; [`Misuse`] if
    /// `key` is not the share the run started with.
    pub fn receive(
        self,
        key: &KeyShare<Secp256k1>,
        bytes: &[u8],
    ) -> Result<(TaprootSignature, Vec<u8>), Error> {
        key.require_role(Role::Client)?;
        if key.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let msg: SignResponseMsg = self.ctx.open(round::RESPONSE, bytes)?;
        let pkg = package(
            &self.tweaked,
            &self.message,
            self.nonces.commitments(),
            msg.commitments,
            Role::Server,
        )?;
        let own_share = pkg
            .sign(Role::Client, &self.tweaked.share, self.nonces)
            .map_err(|_| Error::Internal("client signature share"))?;
        // RFC 9591 Section 5.3: aggregate and verify (BIP340 Verify); only if that fails,
        // check the server's share (Section 5.4) to name it. Our share leaves only after.
        let signature = match pkg.aggregate(&own_share, &msg.share) {
            Ok(signature) => signature,
            Err(_) => {
                let [_, server_public] = self.tweaked.public;
                return Err(
                    if pkg.verify_share(Role::Server, &server_public, &msg.share) {
                        Error::Internal("aggregate of verified shares")
                    } else {
                        misbehaved(Role::Server, Check::SignatureShare)
                    },
                );
            }
        };
        let out = self
            .ctx
            .seal(round::CLIENT_SHARE, &SignShareMsg { share: own_share })?;
        Ok((
            TaprootSignature {
                signature,
                output_key: bip340::x_only(&self.tweaked.output),
            },
            out,
        ))
    }
}

/// A client's signing request, decoded and checked, waiting for the server's approval.
#[derive(Debug)]
pub struct SignRequest {
    ctx: SessionContext,
    path: DerivationPath,
    message: Vec<u8>,
    client_commitments: Commitments,
}

/// Server, round 1: decodes the client's request and checks that it is for this server's
/// sharing. The server can then inspect [`SignRequest::message`] and approve.
///
/// # Errors
/// [`Refusal::KeyShareMismatch`] naming the client if it signs with another sharing;
/// malformed or refused messages (points that are not on the curve or are the point at
/// infinity, a path too deep or hardened).
pub fn server_receive_request(
    key: &KeyShare<Secp256k1>,
    bytes: &[u8],
) -> Result<SignRequest, Error> {
    key.require_role(Role::Server)?;
    let session = crate::message::client_session(bytes)?;
    let ctx = context(session, Role::Server);
    // RFC 9591 Section 6.1 DeserializeElement: D_c, E_c decode as compressed points on the
    // curve, not the point at infinity (`Point`'s decoder); the path is bounded on decoding.
    let msg: SignRequestMsg = ctx.open(round::REQUEST, bytes)?;
    if msg.sharing_id != key.sharing_id() {
        return Err(Error::Refused {
            sender: Role::Client,
            reason: Refusal::KeyShareMismatch,
        });
    }
    Ok(SignRequest {
        ctx,
        path: msg.path,
        message: msg.message,
        client_commitments: msg.commitments,
    })
}

impl SignRequest {
    /// The message the client asks to sign.
    #[must_use]
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The internal key the client asks to sign with: `m` for the wallet's, else a child's.
    #[must_use]
    pub fn path(&self) -> &DerivationPath {
        &self.path
    }

    /// Server, round 2: fresh nonces, signature share, response.
    ///
    /// # Errors
    /// [`Misuse::WrongRole`]; [`Refusal::InvalidPath`] naming the client for a path with no
    /// key; [`Check::DegenerateResult`] naming the client if `R` is the point at infinity.
    pub fn approve<R: CryptoRng + ?Sized>(
        self,
        key: &KeyShare<Secp256k1>,
        rng: &mut R,
    ) -> Result<(ServerAwaitingShare, Vec<u8>), Error> {
        key.require_role(Role::Server)?;
        let tweaked = tweaked(key, &self.path, Role::Client)?;
        let context = nonce_context(
            Role::Server,
            &self.ctx,
            &key.sharing_id(),
            &self.path,
            &self.message,
            Some(&self.client_commitments),
        );
        let nonces = fresh_nonces(rng, &tweaked, &context)?;
        let own = nonces.commitments();
        let pkg = package(
            &tweaked,
            &self.message,
            self.client_commitments,
            own,
            Role::Client,
        )?;
        let share = pkg
            .sign(Role::Server, &tweaked.share, nonces)
            .map_err(|_| Error::Internal("server signature share"))?;
        let out = self.ctx.seal(
            round::RESPONSE,
            &SignResponseMsg {
                commitments: own,
                share,
            },
        )?;
        Ok((
            ServerAwaitingShare {
                ctx: self.ctx,
                sharing_id: key.sharing_id(),
                package: pkg,
                server_share: share,
                output: bip340::x_only(&tweaked.output),
            },
            out,
        ))
    }
}

/// Server state after round 2: public values only (the server's nonces are spent).
#[derive(Debug)]
pub struct ServerAwaitingShare {
    ctx: SessionContext,
    sharing_id: [u8; 32],
    /// Binding factors, `R`, the challenge and the message, from round 2.
    package: Package,
    server_share: Scalar<Secp256k1>,
    output: [u8; 32],
}

impl ServerAwaitingShare {
    /// Server output: aggregates with the client's share and verifies the signature.
    ///
    /// # Errors
    /// [`Check::SignatureShare`] naming the client for a bad `z_c`.
    pub fn receive(
        self,
        key: &KeyShare<Secp256k1>,
        bytes: &[u8],
    ) -> Result<TaprootSignature, Error> {
        key.require_role(Role::Server)?;
        if key.sharing_id() != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let msg: SignShareMsg = self.ctx.open(round::CLIENT_SHARE, bytes)?;
        // RFC 9591 Section 5.3: our own share is correct, so a signature that does not
        // verify is the client's share (Section 5.4).
        let signature = self
            .package
            .aggregate(&msg.share, &self.server_share)
            .map_err(|_| misbehaved(Role::Client, Check::SignatureShare))?;
        Ok(TaprootSignature {
            signature,
            output_key: self.output,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{self, NoTap};
    use rand_core::SeedableRng;

    fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::seed_from_u64(seed)
    }

    /// For the wallet's key and children of every parity: both parties derive the same
    /// public shares of the even output key, each its own secret share of it, the two add up
    /// to `Q'`; honest signature shares pass `verify_share` (for either parity of `R`), a
    /// changed one does not, and the aggregate verifies.
    #[test]
    fn tweaked_shares_add_up_and_honest_shares_verify() {
        let (c, s) = driver::keygen::<Secp256k1, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut seen = [[[false; 2]; 2]; 2];
        for i in 0..48u32 {
            let path = if i == 0 {
                DerivationPath::master()
            } else {
                DerivationPath::from_indices(&[i]).unwrap_or_default()
            };
            let tc = tweaked(&c, &path, Role::Client).unwrap_or_else(|e| panic!("{e}"));
            let ts = tweaked(&s, &path, Role::Client).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(tc.public, ts.public);
            assert_eq!(tc.output, ts.output);
            assert!(bip340::has_even_y(&tc.output));
            let [yc, ys] = tc.public;
            assert_eq!(tc.share.public_point(), yc);
            assert_eq!(ts.share.public_point(), ys);
            assert_eq!(yc + ys, tc.output);
            let context = [0u8; 32];
            let nc = Nonces::generate(&mut rng(10 + u64::from(i)), &tc.share, &context)
                .unwrap_or_else(|e| panic!("{e}"));
            let ns = Nonces::generate(&mut rng(90 + u64::from(i)), &ts.share, &context)
                .unwrap_or_else(|e| panic!("{e}"));
            let pkg = Package::new(&tc.output, b"m", nc.commitments(), ns.commitments())
                .unwrap_or_else(|e| panic!("{e}"));
            let zc = pkg
                .sign(Role::Client, &tc.share, nc)
                .unwrap_or_else(|e| panic!("{e}"));
            let zs = pkg
                .sign(Role::Server, &ts.share, ns)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(pkg.verify_share(Role::Client, &yc, &zc));
            assert!(pkg.verify_share(Role::Server, &ys, &zs));
            assert!(!pkg.verify_share(Role::Server, &ys, &(zs + Scalar::one())));
            assert!(
                !pkg.verify_share(Role::Client, &ys, &zc),
                "another party's share"
            );
            pkg.aggregate(&zc, &zs).unwrap_or_else(|e| panic!("{e}"));
            let tap = TapTweak::of(&c.derive(&path).unwrap_or_else(|e| panic!("{e}")).public_key)
                .unwrap_or_else(|| panic!("tweak"));
            let r_odd = pkg.negates_nonces();
            seen[usize::from(tap.internal_negated)]
                [usize::from(!bip340::has_even_y(&tap.output_point))][usize::from(r_odd)] = true;
        }
        assert!(seen.iter().flatten().flatten().all(|s| *s), "{seen:?}");
    }

    #[test]
    fn the_package_refuses_an_odd_output_key() {
        let mut r = rng(3);
        let share = SecretScalar::<Secp256k1>::random(&mut r);
        let key = share.public_point();
        let odd = if bip340::has_even_y(&key) { -key } else { key };
        let n = Nonces::generate(&mut r, &share, &[0; 32]).unwrap_or_else(|e| panic!("{e}"));
        let c = n.commitments();
        assert_eq!(
            Package::new(&odd, b"m", c, c).err(),
            Some(FrostError::OddOutputKey)
        );
        assert!(TapTweak::of(&Point::identity()).is_none());
    }
}
