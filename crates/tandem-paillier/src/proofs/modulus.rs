//! Πmod: `N` is a Paillier-Blum modulus (CGGMP24 Fig. 12; CGGMP21 Fig. 16).
//!
//! Relation: `N = pq` with `p ≡ q ≡ 3 (mod 4)` primes and `gcd(N, φ(N)) = 1`.
//!
//! Prover: `w ← Z_N` with Jacobi symbol `(w|N) = -1`; challenges `y_1..y_m ∈ Z*_N` from the
//! transcript (bound to `N` and `w`); for each `i`: `(a_i, b_i) ∈ {0,1}²` such that
//! `y'_i = (-1)^a_i · w^b_i · y_i` is a quadratic residue mod `p` and `q`, `x_i` a fourth root
//! of `y'_i`, and `z_i = y_i^(N^-1 mod φ(N))`.
//!
//! Verifier: `N` has 3072 bits, is odd, not prime and not a perfect square; `w ∈ Z*_N` (the
//! `gcd(w, N) = 1` check added in CGGMP24 — its absence in cggmp21 < 0.6.3 was
//! CVE-2025-66016) and `(w|N) = -1`; exactly `m` repetitions with `x_i, z_i ∈ Z*_N`; then
//! `z_i^N = y_i` and `x_i^4 = (-1)^a_i · w^b_i · y_i (mod N)`. Each repetition has soundness
//! error 1/2, so `m = 128` gives 2^-128.

use crypto_bigint::{JacobiSymbol, NonZero, U1536};
use crypto_primes::{Flavor, is_prime};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::Transcript;

use super::{ProofError, append_uint, challenge_units, start};
use crate::bigint::{self, MontyN, U3072};
use crate::paillier::{PublicKey, SecretKey};
use crate::params::{MODULUS_BITS, REPETITIONS};

const NAME: &str = "tandem/cggmp24/pi-mod/fig12/v1";

/// A Πmod proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModProof {
    /// `w`, with Jacobi symbol -1.
    #[serde(with = "bigint::serde_uint")]
    pub w: U3072,
    /// `x_i`, fourth roots.
    #[serde(with = "bigint::serde_uint_vec")]
    pub x: Vec<U3072>,
    /// `a_i`.
    pub a: Vec<bool>,
    /// `b_i`.
    pub b: Vec<bool>,
    /// `z_i = y_i^(N^-1 mod φ)`.
    #[serde(with = "bigint::serde_uint_vec")]
    pub z: Vec<U3072>,
}

fn transcript(ctx: &Transcript, n: &U3072, w: &U3072) -> Transcript {
    let mut t = start(ctx, NAME);
    append_uint(&mut t, "N", n);
    append_uint(&mut t, "w", w);
    t
}

fn legendre_is_one(y: &U3072, prime: &crypto_bigint::Odd<U1536>) -> bool {
    // The symbol is revealed anyway through the public (a_i, b_i); constant-time computation
    // keeps p and q out of the timing.
    matches!(
        y.rem(prime.as_nz_ref()).jacobi_symbol(prime),
        JacobiSymbol::One
    )
}

/// Proves that the modulus of `sk` is a Paillier-Blum modulus.
#[must_use]
pub fn prove<R: CryptoRng + ?Sized>(sk: &SecretKey, ctx: &Transcript, rng: &mut R) -> ModProof {
    let n = sk.public().n();
    // w uniform among the units with Jacobi symbol -1 (never a structured w: a square root
    // of 1 would reveal a factor).
    let w = loop {
        let w = bigint::random_unit(rng, n);
        if matches!(w.jacobi_symbol_vartime(n), JacobiSymbol::MinusOne) {
            break w;
        }
    };
    let mut t = transcript(ctx, n.as_ref(), &w);
    let ys = challenge_units(&mut t, n, REPETITIONS);

    // Per-prime exponents: the fourth root of a QR modulo a Blum prime p is
    // y^(((p+1)/4)^2 mod (p-1)), and N^-1 mod (p-1) gives the N-th root.
    let exps = |prime: &crypto_bigint::Odd<U1536>| {
        let p1 = prime.as_ref().wrapping_sub(&U1536::ONE);
        let p1_nz = NonZero::new(p1).unwrap_or(NonZero::<U1536>::ONE);
        let quarter = prime.as_ref().wrapping_add(&U1536::ONE).shr_vartime(2);
        let fourth: U3072 = quarter.widening_mul(&quarter).into();
        let fourth = fourth.rem(&p1_nz);
        let n_mod = n.as_ref().rem(&p1_nz);
        let n_inv = n_mod
            .invert_mod(&p1_nz)
            .into_option()
            .unwrap_or(U1536::ZERO);
        (fourth, n_inv)
    };
    let (fourth_p, ninv_p) = exps(sk.p_odd());
    let (fourth_q, ninv_q) = exps(sk.q_odd());

    let params = sk.public().params_n();
    let w_m = MontyN::new(&w, params);
    let mut proof = ModProof {
        w,
        x: Vec::with_capacity(REPETITIONS),
        a: Vec::with_capacity(REPETITIONS),
        b: Vec::with_capacity(REPETITIONS),
        z: Vec::with_capacity(REPETITIONS),
    };
    for y in &ys {
        let y_m = MontyN::new(y, params);
        let candidates = [
            (false, false, y_m),
            (true, false, y_m.neg()),
            (false, true, y_m.mul(&w_m)),
            (true, true, y_m.mul(&w_m).neg()),
        ];
        // Exactly one of the four is a QR modulo both primes (p, q ≡ 3 mod 4, (w|N) = -1).
        let chosen = candidates
            .iter()
            .find(|(_, _, v)| {
                let v = v.retrieve();
                legendre_is_one(&v, sk.p_odd()) && legendre_is_one(&v, sk.q_odd())
            })
            .copied()
            .unwrap_or((false, false, y_m));
        let (a, b, y_prime) = chosen;
        proof
            .x
            .push(sk.pow_mod_n_split(&y_prime.retrieve(), &fourth_p, &fourth_q));
        proof.a.push(a);
        proof.b.push(b);
        proof.z.push(sk.pow_mod_n_split(y, &ninv_p, &ninv_q));
    }
    proof
}

impl ModProof {
    /// Verifies the proof for `pk`'s modulus (CGGMP24 Fig. 12, verifier's steps).
    ///
    /// # Errors
    /// A [`ProofError`] naming the first check that failed.
    pub fn verify(&self, pk: &PublicKey, ctx: &Transcript) -> Result<(), ProofError> {
        let n = pk.n();
        // Statement: exactly 3072 bits and odd (PublicKey construction), not prime, not a
        // perfect square. Cheap, before anything else.
        if n.as_ref().bits_vartime() != MODULUS_BITS {
            return Err(ProofError::Statement("Πmod: N must have exactly 3072 bits"));
        }
        if is_prime(Flavor::Any, n.as_ref()) {
            return Err(ProofError::Statement("Πmod: N is prime"));
        }
        let root = n.as_ref().floor_sqrt_vartime();
        if root.wrapping_mul(&root) == *n.as_ref() {
            return Err(ProofError::Statement("Πmod: N is a perfect square"));
        }
        // Lengths: exactly m repetitions (an empty proof must not verify vacuously).
        if self.x.len() != REPETITIONS
            || self.a.len() != REPETITIONS
            || self.b.len() != REPETITIONS
            || self.z.len() != REPETITIONS
        {
            return Err(ProofError::Length("Πmod repetitions (x, a, b, z)"));
        }
        // Fig. 12: w ∈ Z*_N (gcd(w, N) = 1, CGGMP24) and (w|N) = -1.
        if !bigint::is_unit(&self.w, n) {
            return Err(ProofError::NotInGroup("Πmod w (gcd(w, N) = 1, Fig. 12)"));
        }
        if !matches!(self.w.jacobi_symbol_vartime(n), JacobiSymbol::MinusOne) {
            return Err(ProofError::NotInGroup("Πmod w (Jacobi symbol -1, Fig. 12)"));
        }
        for (x, z) in self.x.iter().zip(&self.z) {
            if !bigint::is_unit(x, n) {
                return Err(ProofError::NotInGroup("Πmod x_i"));
            }
            if !bigint::is_unit(z, n) {
                return Err(ProofError::NotInGroup("Πmod z_i"));
            }
        }
        let mut t = transcript(ctx, n.as_ref(), &self.w);
        let ys = challenge_units(&mut t, n, REPETITIONS);
        let params = pk.params_n();
        let w_m = MontyN::new(&self.w, params);
        for (index, (((y, x), z), (a, b))) in ys
            .iter()
            .zip(&self.x)
            .zip(&self.z)
            .zip(self.a.iter().zip(&self.b))
            .enumerate()
        {
            let y_m = MontyN::new(y, params);
            // Public values: variable time.
            if MontyN::new(z, params).pow_vartime(n.as_ref()) != y_m {
                return Err(ProofError::Repetition {
                    index,
                    check: "Πmod z_i^N = y_i (Fig. 12)",
                });
            }
            let mut expected = y_m;
            if *b {
                expected = expected.mul(&w_m);
            }
            if *a {
                expected = expected.neg();
            }
            if MontyN::new(x, params).square().square() != expected {
                return Err(ProofError::Repetition {
                    index,
                    check: "Πmod x_i^4 = (-1)^a_i w^b_i y_i (Fig. 12)",
                });
            }
        }
        Ok(())
    }
}
