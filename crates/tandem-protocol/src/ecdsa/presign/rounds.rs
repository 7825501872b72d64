//! The three rounds of CGGMP24 presigning (Fig. 8), for one party facing one peer. Both roles
//! run the same computations; [`super`] orders them into the client-first message flow, and
//! full signing reuses them.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Point, Scalar, Secp256k1, SecretScalar, Transcript};
use tandem_paillier::bigint::{self, I1024, I2048};
use tandem_paillier::paillier::{Ciphertext, ForeignNonceDraw, OwnNonceDraw};
use tandem_paillier::parallel;
use tandem_paillier::params::{ELL, ELL_PRIME};
use tandem_paillier::proofs::aff_g::{self, AffGProof};
use tandem_paillier::proofs::batch::{self, EncCheck};
use tandem_paillier::proofs::elog::{self, ElogProof};
use tandem_paillier::proofs::enc_elg::{self, EncElgProof};
use tandem_paillier::proofs::{secret_scalar_from_int, signed_from_scalar};

use crate::ecdsa::EcdsaKeyShare;
use crate::error::{Check, Error, misbehaved};
use crate::message::{Role, SessionContext};

/// Transcript for the proof `label` made by `prover` in this presigning session.
pub(crate) fn proof_ctx(
    ctx: &SessionContext,
    sharing_id: &[u8; 32],
    prover: Role,
    label: &'static str,
) -> Transcript {
    let mut t = ctx.transcript("tandem/presign/proof/v1");
    t.append("sharing-id", sharing_id);
    t.append("prover", prover.name().as_bytes());
    t.append("proof-instance", label.as_bytes());
    t
}

/// Round 1: `K_i = enc_i(k_i)`, `G_i = enc_i(γ_i)`, the ElGamal commitments to `k_i` and
/// `γ_i` under a fresh key `Y_i`, and two Πenc-elg proofs under the peer's ring-Pedersen
/// parameters (CGGMP24 Fig. 8, round 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedNoncesMsg {
    /// The sharing the party presigns for.
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub sharing_id: [u8; 32],
    /// `K_i = enc_i(k_i; ρ_i)`.
    pub k: Ciphertext,
    /// `G_i = enc_i(γ_i; ν_i)`.
    pub g: Ciphertext,
    /// `Y_i`, the ElGamal key.
    pub y: Point<Secp256k1>,
    /// `A_{i,1} = a_i·G`.
    pub a1: Point<Secp256k1>,
    /// `A_{i,2} = a_i·Y_i + k_i·G`.
    pub a2: Point<Secp256k1>,
    /// `B_{i,1} = b_i·G`.
    pub b1: Point<Secp256k1>,
    /// `B_{i,2} = b_i·Y_i + γ_i·G`.
    pub b2: Point<Secp256k1>,
    /// `ψ⁰`: Πenc-elg for `K_i` and `(Y_i, A_{i,1}, A_{i,2})`.
    pub psi0: EncElgProof,
    /// `ψ¹`: Πenc-elg for `G_i` and `(Y_i, B_{i,1}, B_{i,2})`.
    pub psi1: EncElgProof,
}

/// Round 2: `Γ_i`, its Πelog, and the two MtA pairs with their Πaff-g proofs (CGGMP24
/// Fig. 8, round 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MtaMsg {
    /// `Γ_i = γ_i·G`.
    pub gamma: Point<Secp256k1>,
    /// `ψ̃`: Πelog that `Γ_i` carries the `γ_i` of `(B_{i,1}, B_{i,2})`.
    pub psi_tilde: ElogProof,
    /// `D_{j,i} = K_j^γ_i · enc_j(-β)`, under the peer's key.
    pub d: Ciphertext,
    /// `F_{j,i} = enc_i(-β)`, under our key.
    pub f: Ciphertext,
    /// `D̂_{j,i} = K_j^x_i · enc_j(-β̂)`.
    pub d_hat: Ciphertext,
    /// `F̂_{j,i} = enc_i(-β̂)`.
    pub f_hat: Ciphertext,
    /// `ψ`: Πaff-g for `(K_j, D, F, Γ_i)`.
    pub psi: AffGProof,
    /// `ψ̂`: Πaff-g for `(K_j, D̂, F̂, X_i)`.
    pub psi_hat: AffGProof,
}

/// Round 3: `δ_i`, `S_i = χ_i·Γ`, `Δ_i = k_i·Γ` and its Πelog (CGGMP24 Fig. 8, round 3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaMsg {
    /// `δ_i`.
    pub delta: Scalar<Secp256k1>,
    /// `S_i = χ_i·Γ`.
    pub s: Point<Secp256k1>,
    /// `Δ_i = k_i·Γ`.
    pub big_delta: Point<Secp256k1>,
    /// `ψ'`: Πelog that `Δ_i` carries the `k_i` of `(A_{i,1}, A_{i,2})`.
    pub psi_prime: ElogProof,
}

/// A signed secret integer (the MtA masks `β`), wiped on drop.
pub(crate) type SecretInt = bigint::SecretInt<{ I2048::LIMBS }>;

/// A secret scalar lifted to a signed integer for Paillier (`k_i`, `γ_i`, `x_i`), wiped on
/// drop: a leaked copy is the secret itself.
type LiftedScalar = bigint::SecretInt<{ I1024::LIMBS }>;

/// The party's round-1 secrets. Serializable only as part of the server's spend-once state
/// (`presign::spend_once`) and, in cargo-fuzz builds, of the presigning states.
#[derive(Serialize, Deserialize)]
pub(crate) struct Round1Secrets {
    pub(crate) k: SecretScalar<Secp256k1>,
    pub(crate) gamma: SecretScalar<Secp256k1>,
    pub(crate) a: SecretScalar<Secp256k1>,
    pub(crate) b: SecretScalar<Secp256k1>,
}

fn scalar(s: &SecretScalar<Secp256k1>) -> LiftedScalar {
    bigint::SecretInt(signed_from_scalar(s.expose_secret()))
}

pub(crate) fn round1<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    rng: &mut R,
) -> Result<(Round1Secrets, EncryptedNoncesMsg), Error> {
    let own = share.own();
    let peer_rp = share.peer().ring_pedersen();
    let sharing_id = share.sharing_id();
    let secrets = Round1Secrets {
        k: SecretScalar::random_nonzero(rng),
        gamma: SecretScalar::random_nonzero(rng),
        a: SecretScalar::random_nonzero(rng),
        b: SecretScalar::random_nonzero(rng),
    };
    // Y_i = y·G for a fresh y that nobody needs afterwards.
    let y = SecretScalar::<Secp256k1>::random_nonzero(rng).public_point();
    let (k_plain, gamma_plain) = (scalar(&secrets.k), scalar(&secrets.gamma));
    // Every draw of the round first, in the one-thread order (the nonces of K and G, then
    // each proof's randomness); then the two encryptions, each with its Πenc-elg proof, at
    // once on the pool in use (`tandem_paillier::parallel`): a seeded run sends the same
    // bytes whatever the thread count.
    let key = own.paillier();
    let k_nonce = key.draw_nonce(rng);
    let g_nonce = key.draw_nonce(rng);
    let k_draws =
        enc_elg::draw(key, peer_rp, rng).map_err(|_| Error::Internal("Πenc-elg prover (K)"))?;
    let g_draws =
        enc_elg::draw(key, peer_rp, rng).map_err(|_| Error::Internal("Πenc-elg prover (G)"))?;
    let a1 = secrets.a.public_point();
    let a2 = y.mul_secret(&secrets.a) + secrets.k.public_point();
    let b1 = secrets.b.public_point();
    let b2 = y.mul_secret(&secrets.b) + secrets.gamma.public_point();
    // CGGMP24 Fig. 8, round 1: K = enc(k; ρ), G = enc(γ; ν) and ψ0, ψ1 (Πenc-elg).
    let encrypt_and_prove =
        |nonce: OwnNonceDraw<'_>,
         plain: &LiftedScalar,
         elgamal: &SecretScalar<Secp256k1>,
         (b, x): (&Point<Secp256k1>, &Point<Secp256k1>),
         draws: enc_elg::ProverDraws<'_>,
         (label, what): (&'static str, &'static str)| {
            let (ciphertext, nonce) = nonce.encrypt(&plain.0);
            let st = enc_elg::Statement {
                key: key.public(),
                ciphertext: &ciphertext,
                a: &y,
                b,
                x,
            };
            let ctx = proof_ctx(ctx, &sharing_id, ctx.me, label);
            enc_elg::prove_drawn(key, &st, &plain.0, &nonce, elgamal, peer_rp, &ctx, draws)
                .map(|proof| (ciphertext, proof))
                .map_err(|_| Error::Internal(what))
        };
    let (k_out, g_out) = parallel::join(
        || {
            encrypt_and_prove(
                k_nonce,
                &k_plain,
                &secrets.a,
                (&a1, &a2),
                k_draws,
                ("psi0", "Πenc-elg prover (K)"),
            )
        },
        || {
            encrypt_and_prove(
                g_nonce,
                &gamma_plain,
                &secrets.b,
                (&b1, &b2),
                g_draws,
                ("psi1", "Πenc-elg prover (G)"),
            )
        },
    );
    let ((k_ct, psi0), (g_ct, psi1)) = (k_out?, g_out?);
    Ok((
        secrets,
        EncryptedNoncesMsg {
            sharing_id,
            k: k_ct,
            g: g_ct,
            y,
            a1,
            a2,
            b1,
            b2,
            psi0,
            psi1,
        },
    ))
}

/// Checks the peer's round 1 with our ring-Pedersen parameters; the two Paillier equations
/// under the peer's key are returned for [`check_batch`].
pub(crate) fn verify_round1(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    msg: &EncryptedNoncesMsg,
) -> Result<[EncCheck; 2], Error> {
    let peer = ctx.peer();
    let peer_key = share.peer().paillier();
    let verifier = share.own().verifier();
    let sharing_id = share.sharing_id();
    // CGGMP24 Fig. 8, round 2, step 1: both Πenc-elg proofs (which also check K_j, G_j ∈ Z*_{N_j²}).
    // Independent: both at once on the pool in use (`tandem_paillier::parallel`); the first
    // proof's error is reported when both fail.
    let check = |ciphertext, b, x, proof: &EncElgProof, label| {
        let st = enc_elg::Statement {
            key: peer_key,
            ciphertext,
            a: &msg.y,
            b,
            x,
        };
        proof
            .verify_deferred(&st, &verifier, &proof_ctx(ctx, &sharing_id, peer, label))
            .map_err(|e| misbehaved(peer, Check::Proof(e)))
    };
    let (check0, check1) = parallel::join(
        || check(&msg.k, &msg.a1, &msg.a2, &msg.psi0, "psi0"),
        || check(&msg.g, &msg.b1, &msg.b2, &msg.psi1, "psi1"),
    );
    Ok([check0?, check1?])
}

/// Checks the Paillier equations of the peer's proofs under its key, batched
/// ([`tandem_paillier::proofs::batch`]: one exponentiation by `N` instead of one per proof;
/// the coefficients come from our RNG). On failure, names the proof.
pub(crate) fn check_batch<R: CryptoRng + ?Sized>(
    ctx: &SessionContext,
    checks: &[EncCheck],
    rng: &mut R,
) -> Result<(), Error> {
    batch::verify(checks, rng).map_err(|e| misbehaved(ctx.peer(), Check::Proof(e)))
}

/// The party's round-2 secrets: the MtA masks (serializable as [`Round1Secrets`]).
#[derive(Serialize, Deserialize)]
pub(crate) struct Round2Secrets {
    pub(crate) beta: SecretInt,
    pub(crate) beta_hat: SecretInt,
}

/// The randomness of one MtA, drawn before its exponentiations in the order [`mta`] once drew
/// it (`β`, the nonce of `enc_j(-β)`, the nonce of `F`, the Πaff-g nonces): both MtA of round 2
/// then run at once with the bytes of a seeded run unchanged. Wiped on drop, spent by value.
struct MtaDraws<'k> {
    beta: SecretInt,
    enc_beta: ForeignNonceDraw<'k>,
    f: OwnNonceDraw<'k>,
    proof: aff_g::ProverDraws<'k>,
}

fn draw_mta<'k, R: CryptoRng + ?Sized>(
    share: &'k EcdsaKeyShare,
    rng: &mut R,
) -> Result<MtaDraws<'k>, Error> {
    let own = share.own().paillier();
    let peer_key = share.peer().paillier();
    // β is secret (it masks our share of k·γ or k·x): wiped on drop.
    let beta: SecretInt = bigint::SecretInt(bigint::random_signed_bits(rng, ELL_PRIME));
    let enc_beta = peer_key.draw_nonce(rng);
    let f = own.draw_nonce(rng);
    let proof = aff_g::draw(own, peer_key, share.peer().ring_pedersen(), rng)
        .map_err(|_| Error::Internal("Πaff-g prover"))?;
    Ok(MtaDraws {
        beta,
        enc_beta,
        f,
        proof,
    })
}

/// One MtA: `D = K_j^x · enc_j(-β; s)`, `F = enc_i(-β; r)` and the Πaff-g proof with
/// `y = -β` (the same signed value in `D` and `F`, as the relation of Fig. 25 requires).
fn mta(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    peer_k: &Ciphertext,
    (x, x_point): (&I1024, &Point<Secp256k1>),
    label: &'static str,
    draws: MtaDraws<'_>,
) -> Result<(SecretInt, Ciphertext, Ciphertext, AffGProof), Error> {
    let own = share.own();
    let peer_key = share.peer().paillier();
    let MtaDraws {
        beta,
        enc_beta,
        f,
        proof,
    } = draws;
    // -β is secret like β: wiped on drop.
    let minus_beta: SecretInt = bigint::SecretInt(beta.wrapping_neg());
    let (enc_beta, s) = enc_beta.encrypt(&minus_beta.0);
    let d = peer_key.add(&peer_key.scalar_mul(peer_k, x, ELL + 2), &enc_beta);
    let (f, r) = f.encrypt(&minus_beta.0);
    let st = aff_g::Statement {
        verifier_key: peer_key,
        prover_key: own.paillier().public(),
        c: peer_k,
        d: &d,
        y: &f,
        x: x_point,
    };
    let witness = aff_g::Witness {
        x,
        y: &minus_beta.0,
        rho: &s,
        rho_y: &r,
    };
    let proof = aff_g::prove_drawn(
        own.paillier(),
        &st,
        &witness,
        share.peer().ring_pedersen(),
        &proof_ctx(ctx, &share.sharing_id(), ctx.me, label),
        proof,
    )
    .map_err(|_| Error::Internal("Πaff-g prover"))?;
    Ok((beta, d, f, proof))
}

pub(crate) fn round2<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    secrets: &Round1Secrets,
    own_r1: &EncryptedNoncesMsg,
    peer_r1: &EncryptedNoncesMsg,
    rng: &mut R,
) -> Result<(Round2Secrets, MtaMsg), Error> {
    let gamma = secrets.gamma.public_point();
    let st = elog::Statement {
        l: &own_r1.b1,
        m: &own_r1.b2,
        x: &own_r1.y,
        y: &gamma,
        h: &Point::generator(),
    };
    let psi_tilde = elog::prove(
        &st,
        &secrets.b,
        &secrets.gamma,
        &proof_ctx(ctx, &share.sharing_id(), ctx.me, "psi-tilde"),
        rng,
    );
    let own_public = share.core().public_shares().of(ctx.me);
    // γ_i and x_i as integers: wiped when these go out of scope.
    let (gamma_int, x_int) = (scalar(&secrets.gamma), scalar(share.core().secret()));
    // CGGMP24 Fig. 8, round 2, step 2: the two MtA (for γ_i and for x_i). Their draws first,
    // in the one-thread order, then both at once on the pool in use.
    let draws = draw_mta(share, rng)?;
    let draws_hat = draw_mta(share, rng)?;
    let (out, out_hat) = parallel::join(
        || mta(share, ctx, &peer_r1.k, (&gamma_int.0, &gamma), "psi", draws),
        || {
            mta(
                share,
                ctx,
                &peer_r1.k,
                (&x_int.0, &own_public),
                "psi-hat",
                draws_hat,
            )
        },
    );
    let ((beta, d, f, psi), (beta_hat, d_hat, f_hat, psi_hat)) = (out?, out_hat?);
    Ok((
        Round2Secrets { beta, beta_hat },
        MtaMsg {
            gamma,
            psi_tilde,
            d,
            f,
            d_hat,
            f_hat,
            psi,
            psi_hat,
        },
    ))
}

/// Checks the peer's round 2: Πelog for `Γ_j`, both Πaff-g under our key and parameters;
/// their Paillier equations under the peer's key are returned for [`check_batch`].
pub(crate) fn verify_round2(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    own_r1: &EncryptedNoncesMsg,
    peer_r1: &EncryptedNoncesMsg,
    msg: &MtaMsg,
) -> Result<[EncCheck; 2], Error> {
    let peer = ctx.peer();
    let sharing_id = share.sharing_id();
    let bad = |e| misbehaved(peer, Check::Proof(e));
    // CGGMP24 Fig. 8, round 3, step 1.
    let st = elog::Statement {
        l: &peer_r1.b1,
        m: &peer_r1.b2,
        x: &peer_r1.y,
        y: &msg.gamma,
        h: &Point::generator(),
    };
    msg.psi_tilde
        .verify(&st, &proof_ctx(ctx, &sharing_id, peer, "psi-tilde"))
        .map_err(bad)?;
    let own_key = share.own().paillier().public();
    let peer_key = share.peer().paillier();
    let verifier = share.own().verifier();
    let peer_public = share.core().public_shares().of(peer);
    let check = |d, f, x, proof: &AffGProof, label| {
        let st = aff_g::Statement {
            verifier_key: own_key,
            prover_key: peer_key,
            c: &own_r1.k,
            d,
            y: f,
            x,
        };
        proof
            .verify_deferred(&st, &verifier, &proof_ctx(ctx, &sharing_id, peer, label))
            .map_err(bad)
    };
    // Independent: both at once on the pool in use; the first proof's error is reported when
    // both fail.
    let (psi, psi_hat) = parallel::join(
        || check(&msg.d, &msg.f, &msg.gamma, &msg.psi, "psi"),
        || {
            check(
                &msg.d_hat,
                &msg.f_hat,
                &peer_public,
                &msg.psi_hat,
                "psi-hat",
            )
        },
    );
    Ok([psi?, psi_hat?])
}

/// The party's round-3 secrets.
#[derive(Serialize, Deserialize)]
pub(crate) struct Round3Secrets {
    pub(crate) delta: SecretScalar<Secp256k1>,
    pub(crate) chi: SecretScalar<Secp256k1>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn round3<R: CryptoRng + ?Sized>(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    s1: &Round1Secrets,
    s2: &Round2Secrets,
    own_r1: &EncryptedNoncesMsg,
    own_r2: &MtaMsg,
    peer_r2: &MtaMsg,
    rng: &mut R,
) -> Result<(Round3Secrets, DeltaMsg), Error> {
    let gamma_sum = own_r2.gamma + peer_r2.gamma;
    if gamma_sum.is_identity() {
        return Err(misbehaved(ctx.peer(), Check::DegenerateResult));
    }
    let sk = share.own().paillier();
    // α = dec(D_{i,j}) = k_i·γ_j - β_j, read as a signed integer, then modulo q. Secret
    // (with δ_i it gives the peer's β): wiped as integers and kept as secret scalars.
    // The two decryptions at once on the pool in use.
    let (alpha, alpha_hat) = parallel::join(
        || secret_scalar_from_int(&bigint::SecretInt(sk.decrypt_signed(&peer_r2.d)).0),
        || secret_scalar_from_int(&bigint::SecretInt(sk.decrypt_signed(&peer_r2.d_hat)).0),
    );
    let beta = secret_scalar_from_int(&s2.beta.0);
    let beta_hat = secret_scalar_from_int(&s2.beta_hat.0);
    // δ_i = γ_i k_i + α + β, χ_i = x_i k_i + α̂ + β̂ (mod q).
    let delta = &(&(&s1.gamma * &s1.k) + &alpha) + &beta;
    let chi = &(&(share.core().secret() * &s1.k) + &alpha_hat) + &beta_hat;
    let big_delta = gamma_sum.mul_secret(&s1.k);
    let s_point = gamma_sum.mul_secret(&chi);
    let st = elog::Statement {
        l: &own_r1.a1,
        m: &own_r1.a2,
        x: &own_r1.y,
        y: &big_delta,
        h: &gamma_sum,
    };
    let psi_prime = elog::prove(
        &st,
        &s1.a,
        &s1.k,
        &proof_ctx(ctx, &share.sharing_id(), ctx.me, "psi-prime"),
        rng,
    );
    let msg = DeltaMsg {
        delta: Scalar::new(*delta.expose_secret()),
        s: s_point,
        big_delta,
        psi_prime,
    };
    Ok((Round3Secrets { delta, chi }, msg))
}

/// Verifies the peer's round 3 and combines: `δ = δ_i + δ_j ≠ 0`, `δ·G = Δ_i + Δ_j`,
/// `δ·X = S_i + S_j` (CGGMP24 Fig. 8, output step).
pub(crate) fn verify_round3(
    share: &EcdsaKeyShare,
    ctx: &SessionContext,
    peer_r1: &EncryptedNoncesMsg,
    gamma_sum: &Point<Secp256k1>,
    own: &DeltaMsg,
    peer_msg: &DeltaMsg,
) -> Result<Scalar<Secp256k1>, Error> {
    let peer = ctx.peer();
    let st = elog::Statement {
        l: &peer_r1.a1,
        m: &peer_r1.a2,
        x: &peer_r1.y,
        y: &peer_msg.big_delta,
        h: gamma_sum,
    };
    peer_msg
        .psi_prime
        .verify(&st, &proof_ctx(ctx, &share.sharing_id(), peer, "psi-prime"))
        .map_err(|e| misbehaved(peer, Check::Proof(e)))?;
    let delta = own.delta + peer_msg.delta;
    if delta.is_zero() {
        return Err(misbehaved(peer, Check::Delta));
    }
    if delta.mul_base() != own.big_delta + peer_msg.big_delta {
        return Err(misbehaved(peer, Check::Delta));
    }
    if &share.core().public_key() * &delta != own.s + peer_msg.s {
        return Err(misbehaved(peer, Check::Chi));
    }
    Ok(delta)
}
