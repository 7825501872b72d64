//! Πaff-g: a Paillier affine operation with a group commitment, in range (CGGMP24 Fig. 25;
//! CGGMP21 Fig. 15). Used twice per presignature (for `D, F` with `Γ`, and `D̂, F̂` with `X`).
//!
//! Relation: under the *verifier's* key `N0`, `D = C^x · (1+N0)^y · ρ^N0 mod N0²`; under the
//! *prover's* key `N1`, `Y = enc_N1(y; ρ_y)`; `X = x·G`; with `x ∈ ±2^ℓ`, `y ∈ ±2^ℓ'`.
//!
//! Prover: `α ← ±2^(ℓ+ε)`, `β ← ±2^(ℓ'+ε)`, `r ← Z*_N0`, `r_y ← Z*_N1`,
//! `γ, δ ← ±2^(ℓ+ε)·N̂`, `m, μ ← ±2^ℓ·N̂`; `A = C^α (1+N0)^β r^N0 mod N0²`, `B_x = α·G`,
//! `B_y = enc_N1(β; r_y)`, `E = s^α t^γ`, `S = s^x t^m`, `F = s^β t^δ`, `T = s^y t^μ`;
//! `e ∈ ±q`; `z1 = α + e·x`, `z2 = β + e·y`, `z3 = γ + e·m`, `z4 = δ + e·μ`,
//! `w = r·ρ^e mod N0`, `w_y = r_y·ρ_y^e mod N1`.
//!
//! Verifier: `C, D, A ∈ Z*_N0²`, `Y, B_y ∈ Z*_N1²`, `E, S, F, T ∈ Z*_N̂`, `w ∈ Z*_N0`,
//! `w_y ∈ Z*_N1`; `|z1| <= 2^(ℓ+ε)`, `|z2| <= 2^(ℓ'+ε)` (the paper's ranges: Alpha-Rays
//! exploited implementations without them), `|z3|, |z4| <= 2^(ℓ+ε+1)·N̂` (bounds on exponents
//! before use); then `C^z1 (1+N0)^z2 w^N0 = A·D^e (mod N0²)`, `z1·G = B_x + e·X`,
//! `(1+N1)^z2 w_y^N1 = B_y·Y^e (mod N1²)`, `s^z1 t^z3 = E·S^e`, `s^z2 t^z4 = F·T^e (mod N̂)`.
//! The verifier owns `N0` and `N̂`, so those checks use CRT and the trapdoor.

use crypto_bigint::Uint;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::{Point, Secp256k1, Transcript};
use zeroize::Zeroizing;

use super::batch::EncCheck;
use super::range::{self, encrypt_public, nonce_response, pow_n2};
use super::{
    ProofError, append_point, append_uint, challenge_pm_q, scalar_from_int, secret_scalar_from_int,
    start,
};
use crate::bigint::{self, I1024, I2048, I4096, MontyN, MontyN2, SecretInt, U3072};
use crate::paillier::{Ciphertext, ForeignNonceDraw, Nonce, OwnNonceDraw, PublicKey, SecretKey};
use crate::params::{ELL, ELL_PRIME, EPSILON};
use crate::ring_pedersen::{Params, Verifier};

const NAME: &str = "tandem/cggmp24/pi-aff-g/fig25/v1";
type U2048 = Uint<{ I2048::LIMBS }>;

/// The statement.
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a> {
    /// `N0`: the verifier's Paillier key.
    pub verifier_key: &'a PublicKey,
    /// `N1`: the prover's Paillier key.
    pub prover_key: &'a PublicKey,
    /// `C`, under `N0`.
    pub c: &'a Ciphertext,
    /// `D = C^x (1+N0)^y ρ^N0`, under `N0`.
    pub d: &'a Ciphertext,
    /// `Y = enc_N1(y; ρ_y)`.
    pub y: &'a Ciphertext,
    /// `X = x·G`.
    pub x: &'a Point<Secp256k1>,
}

/// The witness. Secret: `Debug` prints `<redacted>` for every field.
pub struct Witness<'a> {
    /// `x ∈ ±2^ℓ`.
    pub x: &'a I1024,
    /// `y ∈ ±2^ℓ'`.
    pub y: &'a I2048,
    /// `ρ`, the nonce of `D` under `N0`.
    pub rho: &'a Nonce,
    /// `ρ_y`, the nonce of `Y` under `N1`.
    pub rho_y: &'a Nonce,
}

impl core::fmt::Debug for Witness<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // x is a signing share or γ_i, y an MtA mask, ρ and ρ_y open D and Y.
        f.debug_struct("Witness")
            .field("x", &"<redacted>")
            .field("y", &"<redacted>")
            .field("rho", &"<redacted>")
            .field("rho_y", &"<redacted>")
            .finish()
    }
}

/// A Πaff-g proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffGProof {
    /// `A`, under `N0`.
    pub a: Ciphertext,
    /// `B_x = α·G`.
    pub b_x: Point<Secp256k1>,
    /// `B_y = enc_N1(β; r_y)`.
    pub b_y: Ciphertext,
    /// `E = s^α t^γ`.
    #[serde(with = "bigint::serde_uint")]
    pub e: U3072,
    /// `S = s^x t^m`.
    #[serde(with = "bigint::serde_uint")]
    pub s: U3072,
    /// `F = s^β t^δ`.
    #[serde(with = "bigint::serde_uint")]
    pub f: U3072,
    /// `T = s^y t^μ`.
    #[serde(with = "bigint::serde_uint")]
    pub t: U3072,
    /// `z1 = α + e·x`.
    #[serde(with = "bigint::serde_int")]
    pub z1: I1024,
    /// `z2 = β + e·y`.
    #[serde(with = "bigint::serde_int")]
    pub z2: I2048,
    /// `z3 = γ + e·m`.
    #[serde(with = "bigint::serde_int")]
    pub z3: I4096,
    /// `z4 = δ + e·μ`.
    #[serde(with = "bigint::serde_int")]
    pub z4: I4096,
    /// `w = r·ρ^e mod N0`.
    #[serde(with = "bigint::serde_uint")]
    pub w: U3072,
    /// `w_y = r_y·ρ_y^e mod N1`.
    #[serde(with = "bigint::serde_uint")]
    pub w_y: U3072,
}

fn challenge(ctx: &Transcript, st: &Statement<'_>, rp: &Params, p: &AffGProof) -> I1024 {
    let mut t = start(ctx, NAME);
    append_uint(&mut t, "N0", st.verifier_key.n().as_ref());
    append_uint(&mut t, "N1", st.prover_key.n().as_ref());
    append_uint(&mut t, "C", &st.c.0);
    append_uint(&mut t, "D", &st.d.0);
    append_uint(&mut t, "Y", &st.y.0);
    append_point(&mut t, "X", st.x);
    append_uint(&mut t, "N-hat", rp.n().as_ref());
    append_uint(&mut t, "s", rp.s());
    append_uint(&mut t, "t", rp.t());
    append_uint(&mut t, "A", &p.a.0);
    append_point(&mut t, "B_x", &p.b_x);
    append_uint(&mut t, "B_y", &p.b_y.0);
    append_uint(&mut t, "E", &p.e);
    append_uint(&mut t, "S", &p.s);
    append_uint(&mut t, "F", &p.f);
    append_uint(&mut t, "T", &p.t);
    challenge_pm_q(&mut t)
}

/// Proves the statement. `prover_sk` is the prover's Paillier secret key (`N1`), `rp` the
/// verifier's ring-Pedersen parameters.
///
/// # Errors
/// [`ProofError::Statement`] if sizes are wrong or `C` is not a valid ciphertext.
pub fn prove<R: CryptoRng + ?Sized>(
    prover_sk: &SecretKey,
    st: &Statement<'_>,
    w: &Witness<'_>,
    rp: &Params,
    ctx: &Transcript,
    rng: &mut R,
) -> Result<AffGProof, ProofError> {
    let draws = draw(prover_sk, st.verifier_key, rp, rng)?;
    prove_drawn(prover_sk, st, w, rp, ctx, draws)
}

/// The prover's nonces `α, β, r, γ, m, δ, μ, r_y`, drawn by [`draw`] before any
/// exponentiation, so that two proofs can be computed at once with the bytes of a seeded run
/// unchanged (see [`ForeignNonceDraw`]). Wiped on drop: with the public responses `z1..z4`
/// each would give a witness value (α: x, β: y, m and μ: through z3, z4). Not `Clone`; spent
/// by [`prove_drawn`].
pub struct ProverDraws<'k> {
    alpha: SecretInt<{ I1024::LIMBS }>,
    beta: SecretInt<{ I2048::LIMBS }>,
    r: ForeignNonceDraw<'k>,
    gamma: SecretInt<{ I4096::LIMBS }>,
    m: SecretInt<{ I4096::LIMBS }>,
    delta: SecretInt<{ I4096::LIMBS }>,
    mu: SecretInt<{ I4096::LIMBS }>,
    r_y: OwnNonceDraw<'k>,
    /// The verifier's `N̂` the bounds came from (public).
    n_hat: U3072,
}

impl core::fmt::Debug for ProverDraws<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ProverDraws(<redacted>)")
    }
}

/// Draws a proof's nonces, in the order [`prove`] draws them: `prover_sk` is the prover's
/// key (`N1`), `verifier_key` the verifier's (`N0`), `rp` the verifier's ring-Pedersen
/// parameters.
///
/// # Errors
/// [`ProofError::Statement`] if the ring-Pedersen modulus has the wrong size.
pub fn draw<'k, R: CryptoRng + ?Sized>(
    prover_sk: &'k SecretKey,
    verifier_key: &'k PublicKey,
    rp: &Params,
    rng: &mut R,
) -> Result<ProverDraws<'k>, ProofError> {
    let b = range::bounds(rp.n().as_ref()).ok_or(ProofError::Statement("Πaff-g: modulus sizes"))?;
    let beta_bound: U2048 = bigint::pow2(ELL_PRIME + EPSILON);
    Ok(ProverDraws {
        alpha: SecretInt(bigint::random_signed(rng, &b.alpha)),
        beta: SecretInt(bigint::random_signed(rng, &beta_bound)),
        r: verifier_key.draw_nonce(rng),
        gamma: SecretInt(bigint::random_signed(rng, &b.gamma)),
        m: SecretInt(bigint::random_signed(rng, &b.mu)),
        delta: SecretInt(bigint::random_signed(rng, &b.gamma)),
        mu: SecretInt(bigint::random_signed(rng, &b.mu)),
        r_y: prover_sk.draw_nonce(rng),
        n_hat: *rp.n().as_ref(),
    })
}

/// [`prove`] with nonces drawn beforehand by [`draw`] (with the same keys and `rp`).
///
/// # Errors
/// [`ProofError::Statement`] as [`prove`], and if the nonces were drawn for other keys or
/// other ring-Pedersen parameters.
pub fn prove_drawn(
    prover_sk: &SecretKey,
    st: &Statement<'_>,
    w: &Witness<'_>,
    rp: &Params,
    ctx: &Transcript,
    draws: ProverDraws<'_>,
) -> Result<AffGProof, ProofError> {
    let b = range::bounds(rp.n().as_ref()).ok_or(ProofError::Statement("Πaff-g: modulus sizes"))?;
    let pk0 = st.verifier_key;
    pk0.validate_ciphertext(st.c)
        .map_err(|_| ProofError::Statement("Πaff-g: C is not a ciphertext under N0"))?;
    if draws.r.key() != pk0
        || draws.r_y.key().public() != prover_sk.public()
        || draws.n_hat != *rp.n().as_ref()
    {
        return Err(ProofError::Statement(
            "Πaff-g: nonces drawn for other keys or parameters",
        ));
    }
    let ProverDraws {
        alpha,
        beta,
        r,
        gamma,
        m,
        delta,
        mu,
        r_y,
        n_hat: _,
    } = draws;
    let (r, r_n) = r.nonce();
    let r_n = Zeroizing::new(r_n);

    // A = C^α (1+N0)^β r^N0 mod N0² (N0 is the verifier's: no CRT).
    let c_m = MontyN2::new(&st.c.0, pk0.params_n2());
    // public: C is the statement's ciphertext
    #[allow(clippy::disallowed_methods)]
    let c_inv = Option::<MontyN2>::from(c_m.invert_vartime()).unwrap_or(c_m);
    let c_alpha = Zeroizing::new(bigint::pow_secret(
        &c_m,
        &c_inv,
        &alpha.0,
        ELL + EPSILON + 1,
    ));
    let a = Ciphertext(
        c_alpha
            .mul(&pk0.one_plus_n_pow(&beta.0))
            .mul(&MontyN2::new(&r_n, pk0.params_n2()))
            .retrieve(),
    );
    let alpha_s = secret_scalar_from_int(&alpha.0);
    let b_x = alpha_s.public_point();
    let (b_y, r_y) = r_y.encrypt(&beta.0);
    let gb = range::bits(&b.gamma);
    let mb = range::bits(&b.mu);
    let mut proof = AffGProof {
        a,
        b_x,
        b_y,
        e: rp
            .commit(&alpha.0, ELL + EPSILON + 1, &gamma.0, gb)
            .retrieve(),
        s: rp.commit(w.x, ELL + 1, &m.0, mb).retrieve(),
        f: rp
            .commit(&beta.0, ELL_PRIME + EPSILON + 1, &delta.0, gb)
            .retrieve(),
        t: rp.commit(w.y, ELL_PRIME + 1, &mu.0, mb).retrieve(),
        z1: I1024::ZERO,
        z2: I2048::ZERO,
        z3: I4096::ZERO,
        z4: I4096::ZERO,
        w: U3072::ZERO,
        w_y: U3072::ZERO,
    };
    let e = challenge(ctx, st, rp, &proof);
    let e2: I2048 = e.resize();
    let e4: I4096 = e.resize();
    proof.z1 = alpha.wrapping_add(&e.wrapping_mul(w.x));
    proof.z2 = beta.wrapping_add(&e2.wrapping_mul(w.y));
    proof.z3 = gamma.wrapping_add(&e4.wrapping_mul(&m.0));
    proof.z4 = delta.wrapping_add(&e4.wrapping_mul(&mu.0));
    // w = r·ρ^e mod N0 with N0 foreign: ρ^-1 for a negative e, in constant time; ρ's
    // Montgomery forms are wiped on drop.
    let rho_m = Zeroizing::new(MontyN::new(&w.rho.0, pk0.params_n()));
    let rho_inv = Zeroizing::new(Option::<MontyN>::from(rho_m.invert()).unwrap_or(*rho_m));
    let rho_e = Zeroizing::new(bigint::pow_secret(&*rho_m, &*rho_inv, &e, ELL + 2));
    proof.w = MontyN::new(&r.0, pk0.params_n()).mul(&rho_e).retrieve();
    proof.w_y = nonce_response(prover_sk, &r_y, w.rho_y, &e);
    Ok(proof)
}

impl AffGProof {
    /// Verifies the proof; `verifier` owns `N0` and `N̂` in the protocol (CRT and trapdoor).
    ///
    /// # Errors
    /// A [`ProofError`] naming the first failed check.
    pub fn verify(
        &self,
        st: &Statement<'_>,
        verifier: &Verifier<'_>,
        ctx: &Transcript,
    ) -> Result<(), ProofError> {
        self.verify_deferred(st, verifier, ctx)?.check()
    }

    /// Every check except the Paillier equation under the prover's key,
    /// `enc_N1(z2; w_y) = B_y·Y^e`, which is returned for
    /// [`batch::verify`](super::batch::verify).
    ///
    /// # Errors
    /// A [`ProofError`] naming the first failed check.
    // public: the responses z1..z4 and the challenge e are public proof values
    #[allow(clippy::disallowed_methods)]
    pub fn verify_deferred(
        &self,
        st: &Statement<'_>,
        verifier: &Verifier<'_>,
        ctx: &Transcript,
    ) -> Result<EncCheck, ProofError> {
        let rp = verifier.params();
        let n_hat = rp.n();
        let (pk0, pk1) = (st.verifier_key, st.prover_key);
        let b =
            range::bounds(n_hat.as_ref()).ok_or(ProofError::Statement("Πaff-g: modulus sizes"))?;
        for (c, name) in [
            (st.c, "Πaff-g C ∈ Z*_N0²"),
            (st.d, "Πaff-g D ∈ Z*_N0²"),
            (&self.a, "Πaff-g A ∈ Z*_N0²"),
        ] {
            pk0.validate_ciphertext(c)
                .map_err(|_| ProofError::NotInGroup(name))?;
        }
        for (c, name) in [
            (st.y, "Πaff-g Y ∈ Z*_N1²"),
            (&self.b_y, "Πaff-g B_y ∈ Z*_N1²"),
        ] {
            pk1.validate_ciphertext(c)
                .map_err(|_| ProofError::NotInGroup(name))?;
        }
        for v in [&self.e, &self.s, &self.f, &self.t] {
            if !bigint::is_unit(v, n_hat) {
                return Err(ProofError::NotInGroup("Πaff-g E, S, F, T ∈ Z*_N̂"));
            }
        }
        pk0.validate_nonce(&self.w)
            .map_err(|_| ProofError::NotInGroup("Πaff-g w ∈ Z*_N0"))?;
        pk1.validate_nonce(&self.w_y)
            .map_err(|_| ProofError::NotInGroup("Πaff-g w_y ∈ Z*_N1"))?;
        // Fig. 25 ranges, before any exponentiation.
        if !bigint::abs_le_vartime(&self.z1, &b.alpha) {
            return Err(ProofError::OutOfRange("Πaff-g z1 in ±2^(ℓ+ε) (Fig. 25)"));
        }
        if !bigint::abs_le_vartime(
            &self.z2,
            &bigint::pow2::<{ I2048::LIMBS }>(ELL_PRIME + EPSILON),
        ) {
            return Err(ProofError::OutOfRange("Πaff-g z2 in ±2^(ℓ'+ε) (Fig. 25)"));
        }
        let z_bound = b.gamma.shl_vartime(1);
        if !bigint::abs_le_vartime(&self.z3, &z_bound)
            || !bigint::abs_le_vartime(&self.z4, &z_bound)
        {
            return Err(ProofError::OutOfRange("Πaff-g z3, z4 in ±2^(ℓ+ε+1)·N̂"));
        }
        let e = challenge(ctx, st, rp, self);

        // C^z1 (1+N0)^z2 w^N0 = A·D^e (mod N0²).
        let lhs = pow_n2(verifier, pk0, st.c, &self.z1)
            .mul(&encrypt_public(verifier, pk0, &self.z2, &self.w));
        let rhs = MontyN2::new(&self.a.0, pk0.params_n2()).mul(&pow_n2(verifier, pk0, st.d, &e));
        if lhs != rhs {
            return Err(ProofError::Equation(
                "Πaff-g C^z1 (1+N0)^z2 w^N0 = A D^e (Fig. 25)",
            ));
        }
        // z1·G = B_x + e·X.
        let e_s = scalar_from_int(&e);
        if scalar_from_int(&self.z1).mul_base() != self.b_x + st.x * &e_s {
            return Err(ProofError::Equation("Πaff-g z1·G = B_x + e·X (Fig. 25)"));
        }
        // Ring-Pedersen equations.
        let pow_e = |v: &U3072| {
            let m = rp.to_monty(v);
            bigint::pow_signed_vartime(&m, &e).unwrap_or(m)
        };
        if verifier.commit(&self.z1, &self.z3) != rp.to_monty(&self.e).mul(&pow_e(&self.s)) {
            return Err(ProofError::Equation("Πaff-g s^z1 t^z3 = E S^e (Fig. 25)"));
        }
        if verifier.commit(&self.z2, &self.z4) != rp.to_monty(&self.f).mul(&pow_e(&self.t)) {
            return Err(ProofError::Equation("Πaff-g s^z2 t^z4 = F T^e (Fig. 25)"));
        }
        // (1+N1)^z2 w_y^N1 = B_y·Y^e (mod N1²), returned for the caller.
        Ok(EncCheck::new(
            pk1,
            self.z2,
            self.w_y,
            self.b_y,
            *st.y,
            e,
            "Πaff-g enc_N1(z2; w_y) = B_y Y^e (Fig. 25)",
        ))
    }
}
