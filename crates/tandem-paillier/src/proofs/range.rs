//! The Paillier and ring-Pedersen parts shared by Πenc (CGGMP24 Fig. 11) and Πenc-elg
//! (Fig. 24): the prover shows that the ciphertext `C = enc_N0(x; ρ)` under its own key holds
//! `x ∈ ±2^ℓ`, with commitments under the verifier's `(N̂, s, t)`.
//!
//! Commit: `α ← ±2^(ℓ+ε)`, `μ ← ±2^ℓ·N̂`, `r ← Z*_N0`, `γ ← ±2^(ℓ+ε)·N̂`;
//! `S = s^x t^μ`, `T = s^α t^γ (mod N̂)`, `D = enc_N0(α; r)`.
//! Respond to `e ∈ ±q`: `z1 = α + e·x`, `z2 = r·ρ^e mod N0`, `z3 = γ + e·μ`.
//! Verify: `C, D ∈ Z*_N0²`, `S, T ∈ Z*_N̂`, `z2 ∈ Z*_N0`, `|z1| <= 2^(ℓ+ε)`,
//! `|z3| <= 2^(ℓ+ε+1)·N̂` (a bound on the exponent before use; honest `|z3|` can exceed
//! `2^(ℓ+ε)·N̂` by `q·2^ℓ·N̂`), then `enc_N0(z1; z2) = D·C^e (mod N0²)` and
//! `s^z1 t^z3 = T·S^e (mod N̂)`.

use crypto_bigint::Uint;
use rand_core::CryptoRng;

use super::ProofError;
use super::batch::EncCheck;
use crate::bigint::{self, I1024, I4096, MontyN2, SecretInt, U3072};
use crate::paillier::{Ciphertext, Nonce, OwnNonceDraw, PublicKey, SecretKey};
use crate::params::{ELL, EPSILON};
use crate::ring_pedersen::{Params, Verifier};

type U1024 = Uint<{ I1024::LIMBS }>;
type U4096 = Uint<{ I4096::LIMBS }>;

pub(crate) struct Bounds {
    pub(crate) alpha: U1024,
    pub(crate) mu: U4096,
    pub(crate) gamma: U4096,
}

pub(crate) fn bounds(n_hat: &U3072) -> Option<Bounds> {
    Some(Bounds {
        alpha: bigint::pow2(ELL + EPSILON),
        mu: bigint::pow2_times(ELL, n_hat)?,
        gamma: bigint::pow2_times(ELL + EPSILON, n_hat)?,
    })
}

// public: b is a public range bound
#[allow(clippy::disallowed_methods)]
pub(crate) fn bits<const L: usize>(b: &Uint<L>) -> u32 {
    b.bits_vartime() + 1
}

/// The prover's first message and the randomness behind it. The nonces `α, μ, r, γ` are
/// wiped on drop (`SecretInt`, `Nonce`): with the public responses, `α` gives the plaintext
/// `x` from `z1 = α + e·x`.
pub(crate) struct Commitment {
    alpha: SecretInt<{ I1024::LIMBS }>,
    mu: SecretInt<{ I4096::LIMBS }>,
    r: Nonce,
    gamma: SecretInt<{ I4096::LIMBS }>,
    pub(crate) s: U3072,
    pub(crate) t: U3072,
    pub(crate) d: Ciphertext,
}

/// The randomness of a [`commit`], drawn before any of its exponentiations (why: see
/// [`ForeignNonceDraw`](crate::paillier::ForeignNonceDraw)). Wiped on drop, spent by value.
pub(crate) struct Draws<'k> {
    alpha: SecretInt<{ I1024::LIMBS }>,
    mu: SecretInt<{ I4096::LIMBS }>,
    gamma: SecretInt<{ I4096::LIMBS }>,
    r: OwnNonceDraw<'k>,
    /// The verifier's `N̂` the bounds of `μ, γ` came from (public).
    n_hat: U3072,
}

impl<'k> Draws<'k> {
    /// The key the nonce `r` was drawn for.
    pub(crate) fn key(&self) -> &'k SecretKey {
        self.r.key()
    }
}

/// Draws `α, μ, γ` and the nonce `r` of `D`, in this order (the order of a seeded run).
pub(crate) fn draw<'k, R: CryptoRng + ?Sized>(
    sk: &'k SecretKey,
    rp: &Params,
    rng: &mut R,
) -> Result<Draws<'k>, ProofError> {
    let b = bounds(rp.n().as_ref()).ok_or(ProofError::Statement("range proof: modulus sizes"))?;
    let alpha = SecretInt(bigint::random_signed(rng, &b.alpha));
    let mu = SecretInt(bigint::random_signed(rng, &b.mu));
    let gamma = SecretInt(bigint::random_signed(rng, &b.gamma));
    let r = sk.draw_nonce(rng);
    Ok(Draws {
        alpha,
        mu,
        gamma,
        r,
        n_hat: *rp.n().as_ref(),
    })
}

/// The commitment from its drawn randomness: `D = enc(α; r)`, `S`, `T`.
pub(crate) fn commit_drawn(
    rp: &Params,
    x: &I1024,
    draws: Draws<'_>,
) -> Result<Commitment, ProofError> {
    let b = bounds(rp.n().as_ref()).ok_or(ProofError::Statement("range proof: modulus sizes"))?;
    let Draws {
        alpha,
        mu,
        gamma,
        r,
        n_hat,
    } = draws;
    if n_hat != *rp.n().as_ref() {
        return Err(ProofError::Statement(
            "range proof: randomness drawn for other ring-Pedersen parameters",
        ));
    }
    let (d, r) = r.encrypt(&alpha.0);
    let s = rp.commit(x, ELL + 1, &mu.0, bits(&b.mu)).retrieve();
    let t = rp
        .commit(&alpha.0, ELL + EPSILON + 1, &gamma.0, bits(&b.gamma))
        .retrieve();
    Ok(Commitment {
        alpha,
        mu,
        r,
        gamma,
        s,
        t,
        d,
    })
}

pub(crate) fn commit<R: CryptoRng + ?Sized>(
    sk: &SecretKey,
    rp: &Params,
    x: &I1024,
    rng: &mut R,
) -> Result<Commitment, ProofError> {
    commit_drawn(rp, x, draw(sk, rp, rng)?)
}

/// `z1, z2, z3`.
pub(crate) struct Responses {
    pub(crate) z1: I1024,
    pub(crate) z2: U3072,
    pub(crate) z3: I4096,
}

impl Commitment {
    /// `α`, secret (Πenc-elg also uses it on the curve).
    pub(crate) fn alpha(&self) -> &I1024 {
        &self.alpha.0
    }

    pub(crate) fn respond(self, sk: &SecretKey, x: &I1024, rho: &Nonce, e: &I1024) -> Responses {
        let e4: I4096 = e.resize();
        Responses {
            z1: self.alpha.wrapping_add(&e.wrapping_mul(x)),
            z2: nonce_response(sk, &self.r, rho, e),
            z3: self.gamma.wrapping_add(&e4.wrapping_mul(&self.mu.0)),
        }
    }
}

/// `r · ρ^e mod N` under our own key (CRT; constant time in `r`, `ρ`).
pub(crate) fn nonce_response<const E: usize>(
    sk: &SecretKey,
    r: &Nonce,
    rho: &Nonce,
    e: &crypto_bigint::Int<E>,
) -> U3072 {
    // A copy of φ(N) and ρ^e: secret, wiped on drop.
    let phi = zeroize::Zeroizing::new(
        crypto_bigint::NonZero::new(*sk.phi()).unwrap_or(crypto_bigint::NonZero::<U3072>::ONE),
    );
    let rho_e = zeroize::Zeroizing::new(sk.pow_mod_n(&rho.0, &bigint::reduce_signed(e, &phi)));
    let params = sk.public().params_n();
    bigint::MontyN::new(&r.0, params)
        .mul(&bigint::MontyN::new(&rho_e, params))
        .retrieve()
}

/// `base^e mod N²` for public `base` (a unit) and signed `e`: with CRT when the verifier owns
/// the key, in variable time otherwise.
// public: the base and the challenge exponent e are public (verification)
#[allow(clippy::disallowed_methods)]
pub(crate) fn pow_n2<const E: usize>(
    verifier: &Verifier<'_>,
    pk: &PublicKey,
    base: &Ciphertext,
    e: &crypto_bigint::Int<E>,
) -> MontyN2 {
    if let Verifier::Owner { sk, .. } = verifier
        && sk.public() == pk
    {
        // CRT with the public exponent (variable time in e only).
        return MontyN2::new(&sk.pow_mod_n2_public(&base.0, e), pk.params_n2());
    }
    let b = MontyN2::new(&base.0, pk.params_n2());
    bigint::pow_signed_vartime(&b, e).unwrap_or(b)
}

/// `enc(m; r)` for public `m`, `r`: with CRT when the verifier owns the key.
pub(crate) fn encrypt_public<const L: usize>(
    verifier: &Verifier<'_>,
    pk: &PublicKey,
    m: &crypto_bigint::Int<L>,
    r: &U3072,
) -> MontyN2 {
    if let Verifier::Owner { sk, .. } = verifier
        && sk.public() == pk
    {
        return MontyN2::new(&sk.encrypt_with(m, r).0, pk.params_n2());
    }
    MontyN2::new(&pk.encrypt_with(m, r).0, pk.params_n2())
}

/// The names of the checks, per proof (with its figure), for [`ProofError`]s.
pub(crate) struct CheckNames {
    pub(crate) c: &'static str,
    pub(crate) d: &'static str,
    pub(crate) s_t: &'static str,
    pub(crate) z2: &'static str,
    pub(crate) z1: &'static str,
    pub(crate) z3: &'static str,
    pub(crate) enc_eq: &'static str,
    pub(crate) rp_eq: &'static str,
}

/// The verifier's checks of the shared part: memberships, ranges, then the ring-Pedersen
/// equation; the Paillier equation is returned (see [`super::batch`]).
#[allow(clippy::too_many_arguments)]
// public: the responses and the challenge e are public proof values
#[allow(clippy::disallowed_methods)]
pub(crate) fn verify(
    names: &CheckNames,
    pk0: &PublicKey,
    c: &Ciphertext,
    verifier: &Verifier<'_>,
    s: &U3072,
    t: &U3072,
    d: &Ciphertext,
    responses: &Responses,
    e_of: impl FnOnce() -> I1024,
) -> Result<(I1024, EncCheck), ProofError> {
    let rp = verifier.params();
    let n_hat = rp.n();
    let b = bounds(n_hat.as_ref()).ok_or(ProofError::Statement("range proof: modulus sizes"))?;
    if pk0.validate_ciphertext(c).is_err() {
        return Err(ProofError::NotInGroup(names.c));
    }
    if pk0.validate_ciphertext(d).is_err() {
        return Err(ProofError::NotInGroup(names.d));
    }
    if !bigint::is_unit(s, n_hat) || !bigint::is_unit(t, n_hat) {
        return Err(ProofError::NotInGroup(names.s_t));
    }
    if pk0.validate_nonce(&responses.z2).is_err() {
        return Err(ProofError::NotInGroup(names.z2));
    }
    if !bigint::abs_le_vartime(&responses.z1, &b.alpha) {
        return Err(ProofError::OutOfRange(names.z1));
    }
    if !bigint::abs_le_vartime(&responses.z3, &b.gamma.shl_vartime(1)) {
        return Err(ProofError::OutOfRange(names.z3));
    }
    let e = e_of();
    let lhs = verifier.commit(&responses.z1, &responses.z3);
    let s_e = bigint::pow_signed_vartime(&rp.to_monty(s), &e).unwrap_or(rp.to_monty(s));
    if lhs != rp.to_monty(t).mul(&s_e) {
        return Err(ProofError::Equation(names.rp_eq));
    }
    // enc_N0(z1; z2) = D·C^e, returned for the caller to check alone or in a batch.
    let check = EncCheck::new(
        pk0,
        responses.z1.resize(),
        responses.z2,
        *d,
        *c,
        e,
        names.enc_eq,
    );
    Ok((e, check))
}
