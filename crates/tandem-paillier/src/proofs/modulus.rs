//! Πmod: `N` is a Paillier-Blum modulus (CGGMP24 Fig. 12; CGGMP21 Fig. 16), with the
//! `N`-th-root part shortened as Goldberg, Reyzin, Sagga and Baldimtsi prove sound (eprint
//! 2018/057, the protocol Πmod is taken from).
//!
//! Relation: `N = pq` with `p ≡ q ≡ 3 (mod 4)` primes and `gcd(N, φ(N)) = 1`.
//!
//! Prover: `w ← Z_N` with Jacobi symbol `(w|N) = -1`; challenges `y_1..y_m ∈ Z*_N` from the
//! transcript (bound to `N`, `w` and the parameters); for each `i`: `(a_i, b_i) ∈ {0,1}²` such
//! that `y'_i = (-1)^a_i · w^b_i · y_i` is a quadratic residue mod `p` and `q`, and `x_i` its
//! fourth root; for the first `k` challenges only, `z_i = y_i^(N^-1 mod φ(N))`.
//!
//! Verifier: `N` has 3072 bits, is odd, not prime, not a perfect square and has no prime
//! factor below `2^16`; `w ∈ Z*_N` (the `gcd(w, N) = 1` check added in CGGMP24 — its absence
//! in cggmp21 < 0.6.3 was CVE-2025-66016) and `(w|N) = -1`; exactly `m` fourth roots and `k`
//! `N`-th roots, all in `Z*_N`; then `z_i^N = y_i` for `i < k` and
//! `x_i^4 = (-1)^a_i · w^b_i · y_i (mod N)` for every `i`.
//!
//! Soundness, `m = 128` and `k = 8`: each fourth root has error 1/2 (2^-128 together). The
//! `N`-th roots show `gcd(N, φ(N)) = 1`: otherwise a prime `r` divides both, the `N`-th powers
//! are a subgroup of index at least `r`, and `r ≥ 65537` because `r` divides `N`, which has no
//! factor below `2^16` — so each root has error below `2^-16` and 8 of them `2^-128`
//! (GRSB, Section 3.2). CGGMP's figure asks for `m` of each; the shortened form has the same
//! soundness bound for 120 fewer `N`-th powers on each side.

use crate::monty::MontyPow as _;
use crypto_bigint::{JacobiSymbol, NonZero, U1536};
use crypto_primes::{Flavor, is_prime};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use tandem_curves::Transcript;
use zeroize::Zeroize;

use super::{ProofError, append_uint, challenge_units, start};
use crate::bigint::{self, MontyN, MontyP, U3072};
use crate::paillier::{PublicKey, SecretKey};
use crate::parallel;
use crate::params::{MOD_NTH_ROOTS, MOD_SMALL_FACTOR_BITS, MODULUS_BITS, REPETITIONS};

const NAME: &str = "tandem/cggmp24/pi-mod/fig12-grsb/v2";

/// A Πmod proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModProof {
    /// `w`, with Jacobi symbol -1.
    #[serde(with = "bigint::serde_uint")]
    pub w: U3072,
    /// `x_i`, fourth roots (`m` of them).
    #[serde(with = "bigint::serde_uint_vec")]
    pub x: Vec<U3072>,
    /// `a_i`.
    pub a: Vec<bool>,
    /// `b_i`.
    pub b: Vec<bool>,
    /// `z_i = y_i^(N^-1 mod φ)` for the first [`MOD_NTH_ROOTS`] challenges.
    #[serde(with = "bigint::serde_uint_vec")]
    pub z: Vec<U3072>,
}

fn transcript(ctx: &Transcript, n: &U3072, w: &U3072) -> Transcript {
    let mut t = start(ctx, NAME);
    let nth = u32::try_from(MOD_NTH_ROOTS).unwrap_or(u32::MAX);
    t.append("nth-roots", &nth.to_be_bytes());
    t.append("small-factor-bits", &MOD_SMALL_FACTOR_BITS.to_be_bytes());
    append_uint(&mut t, "N", n);
    append_uint(&mut t, "w", w);
    t
}

/// The smallest prime factor of `n` below `2^MOD_SMALL_FACTOR_BITS`, if there is one. `n` is
/// public: variable time. The odd primes come from the safe-prime sieve's table; they are
/// grouped into products of one limb (below `2^64`, or `2^32` with 32-bit limbs), so a
/// 3072-bit `n` costs about 1,700 single-limb remainders with 64-bit limbs.
// `p <= WORD_MAX` always holds with 64-bit limbs, not with 32-bit ones.
#[allow(clippy::absurd_extreme_comparisons)]
fn small_factor(n: &U3072) -> Option<u64> {
    if !bool::from(n.is_odd()) {
        return Some(2);
    }
    let bound = 1u32 << MOD_SMALL_FACTOR_BITS;
    let odd_primes = crate::primes::sieve::sieving_primes()
        .iter()
        .take_while(|&&r| r < bound)
        .map(|&r| u64::from(r));
    let mut group: Vec<u64> = Vec::new();
    let mut product = 1u64;
    let check = |group: &[u64], product: u64| -> Option<u64> {
        let rem = crate::primes::sieve::rem(n, product);
        group.iter().copied().find(|r| rem.is_multiple_of(*r))
    };
    for r in odd_primes {
        match product
            .checked_mul(r)
            .filter(|&p| p <= crate::primes::sieve::WORD_MAX)
        {
            Some(p) => {
                product = p;
                group.push(r);
            }
            None => {
                if let Some(f) = check(&group, product) {
                    return Some(f);
                }
                group.clear();
                group.push(r);
                product = r;
            }
        }
    }
    check(&group, product)
}

/// Per-prime constants of the prover: the fourth-root exponent `e = ((p+1)/4)² mod (p-1)`
/// (for a quadratic residue `v` modulo a Blum prime, `v^e` is its fourth root that is itself a
/// residue), `N^-1 mod (p-1)` (`N`-th roots), `w^e mod p`, whether `w` is a residue mod `p`,
/// and whether `e` is odd. All secret; computed in constant time.
struct PrimeSide {
    fourth: U1536,
    n_inv: U1536,
    w_root: MontyP,
    w_is_qr: Choice,
    e_odd: Choice,
}

impl Drop for PrimeSide {
    fn drop(&mut self) {
        self.fourth.zeroize();
        self.n_inv.zeroize();
        self.w_root.zeroize();
    }
}

impl PrimeSide {
    fn new(prime: &crypto_bigint::Odd<U1536>, n: &U3072, w: &MontyP) -> Self {
        let p1 = prime.as_ref().wrapping_sub(&U1536::ONE);
        let p1_nz = NonZero::new(p1).unwrap_or(NonZero::<U1536>::ONE);
        // public: the shift 2 is fixed (variable time in the shift only; the prime is secret)
        #[allow(clippy::disallowed_methods)]
        let quarter = prime.as_ref().wrapping_add(&U1536::ONE).shr_vartime(2);
        let fourth: U3072 = quarter.widening_mul(&quarter).into();
        let fourth: U1536 = fourth.rem(&p1_nz);
        let n_inv = n
            .rem(&p1_nz)
            .invert_mod(&p1_nz)
            .into_option()
            .unwrap_or(U1536::ZERO);
        let w_root = w.pow_ct(&fourth, crate::params::PRIME_BITS);
        Self {
            w_is_qr: is_qr(&w_root, w),
            e_odd: bigint::ct(fourth.is_odd()),
            fourth,
            n_inv,
            w_root,
        }
    }
}

/// With `r = v^e` (`e` the fourth-root exponent), `r^4 = v` if `v` is a quadratic residue mod
/// the Blum prime and `r^4 = -v` otherwise (since `v^((p+1)/2) = v·(v|p)` and `(-1|p) = -1`):
/// one exponentiation gives both the Legendre symbol and the root. Constant time.
fn is_qr(root: &MontyP, v: &MontyP) -> Choice {
    let fourth_power = root.square().square();
    fourth_power.as_montgomery().ct_eq(v.as_montgomery())
}

/// Proves that the modulus of `sk` is a Paillier-Blum modulus.
#[must_use]
pub fn prove<R: CryptoRng + ?Sized>(sk: &SecretKey, ctx: &Transcript, rng: &mut R) -> ModProof {
    let n = sk.public().n();
    // w uniform among the units with Jacobi symbol -1 (never a structured w: a square root
    // of 1 would reveal a factor). Public, so the Jacobi symbol is variable time.
    let w = loop {
        // public: N is public and w is published in the proof
        #[allow(clippy::disallowed_methods)]
        let w = bigint::random_unit(rng, n);
        // public: w is published in the proof and N is public
        #[allow(clippy::disallowed_methods)]
        if matches!(w.jacobi_symbol_vartime(n), JacobiSymbol::MinusOne) {
            break w;
        }
    };
    let mut t = transcript(ctx, n.as_ref(), &w);
    let ys = challenge_units(&mut t, n, REPETITIONS);

    let (mut w_p, mut w_q) = sk.residues(&w);
    let (params_p, params_q) = sk.prime_params();
    let side_p = PrimeSide::new(params_p.modulus(), n.as_ref(), &w_p);
    let side_q = PrimeSide::new(params_q.modulus(), n.as_ref(), &w_q);
    w_p.zeroize();
    w_q.zeroize();

    // One repetition per challenge, independent of the others: on the threads of the pool in
    // use (`crate::parallel`); the results come back in order.
    let repetitions = parallel::map(&ys, |y| {
        // One exponentiation per prime: r = y^e, whose fourth power tells the symbol (y|p).
        let (mut y_p, mut y_q) = sk.residues(y);
        let mut r_p = y_p.pow_ct(&side_p.fourth, crate::params::PRIME_BITS);
        let mut r_q = y_q.pow_ct(&side_q.fourth, crate::params::PRIME_BITS);
        let qr_p = is_qr(&r_p, &y_p);
        let qr_q = is_qr(&r_q, &y_q);
        // The one (a, b) making y' = (-1)^a w^b y a residue mod both primes, from
        // (-1|p) = -1 and (w|p) = -(w|q): b = [(y|p) != (y|q)], and a fixes the remaining
        // sign: a = [(w^b y | p) = -1].
        let b = qr_p ^ qr_q;
        let a = Choice::conditional_select(&!qr_p, &(side_p.w_is_qr ^ qr_p), b);
        // The residue fourth root of y' is y'^e = (-1)^(a·e) · (w^e)^b · y^e, prime by prime.
        let root = |r: MontyP, side: &PrimeSide| {
            let with_w = MontyP::conditional_select(&r, &r.mul(&side.w_root), b);
            MontyP::conditional_select(&with_w, &with_w.neg(), a & side.e_odd)
        };
        let x = sk.combine(&root(r_p, &side_p), &root(r_q, &side_q));
        // Residues modulo the secret primes reveal them (gcd(y - y_p, N) = p): wiped.
        for v in [&mut y_p, &mut y_q, &mut r_p, &mut r_q] {
            v.zeroize();
        }
        // (a, b) are part of the proof: public from here on.
        (x, bool::from(a), bool::from(b))
    });
    // The first k challenges also get their N-th roots.
    let z = parallel::map(ys.get(..MOD_NTH_ROOTS).unwrap_or(&ys), |y| {
        sk.pow_mod_n_split(y, &side_p.n_inv, &side_q.n_inv)
    });
    let mut proof = ModProof {
        w,
        x: Vec::with_capacity(REPETITIONS),
        a: Vec::with_capacity(REPETITIONS),
        b: Vec::with_capacity(REPETITIONS),
        z,
    };
    for (x, a, b) in repetitions {
        proof.x.push(x);
        proof.a.push(a);
        proof.b.push(b);
    }
    proof
}

impl ModProof {
    /// Verifies the proof for `pk`'s modulus (CGGMP24 Fig. 12, verifier's steps).
    ///
    /// # Errors
    /// A [`ProofError`] naming the first check that failed.
    // public: N and the proof values w, z_i are public
    #[allow(clippy::disallowed_methods)]
    pub fn verify(&self, pk: &PublicKey, ctx: &Transcript) -> Result<(), ProofError> {
        let n = pk.n();
        // Statement: exactly 3072 bits and odd (PublicKey construction), no small factor, not
        // prime, not a perfect square. Cheap, before anything else.
        if n.as_ref().bits_vartime() != MODULUS_BITS {
            return Err(ProofError::Statement("Πmod: N must have exactly 3072 bits"));
        }
        // GRSB Section 3.2: the shortened N-th-root part is sound only for an N without prime
        // factors below 2^16 (and trial division is cheaper than the primality test below).
        if small_factor(n.as_ref()).is_some() {
            return Err(ProofError::Statement(
                "Πmod: N has a prime factor below 2^16 (GRSB)",
            ));
        }
        if is_prime(Flavor::Any, n.as_ref()) {
            return Err(ProofError::Statement("Πmod: N is prime"));
        }
        let root = n.as_ref().floor_sqrt_vartime();
        if root.wrapping_mul(&root) == *n.as_ref() {
            return Err(ProofError::Statement("Πmod: N is a perfect square"));
        }
        // Lengths: exactly m fourth roots and k N-th roots (an empty proof must not verify
        // vacuously).
        if self.x.len() != REPETITIONS
            || self.a.len() != REPETITIONS
            || self.b.len() != REPETITIONS
            || self.z.len() != MOD_NTH_ROOTS
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
        if !self.x.iter().all(|x| bigint::is_unit(x, n)) {
            return Err(ProofError::NotInGroup("Πmod x_i"));
        }
        if !self.z.iter().all(|z| bigint::is_unit(z, n)) {
            return Err(ProofError::NotInGroup("Πmod z_i"));
        }
        let mut t = transcript(ctx, n.as_ref(), &self.w);
        let ys = challenge_units(&mut t, n, REPETITIONS);
        let params = pk.params_n();
        // The k N-th roots (the costly checks: an exponentiation by N each), on the threads of
        // the pool in use; the error of the lowest index is reported.
        let z_checks: Vec<(usize, &U3072)> = self.z.iter().enumerate().collect();
        parallel::try_for_each(&z_checks, |&(index, z)| {
            let y = ys.get(index).ok_or(ProofError::Length("Πmod challenges"))?;
            // Public values: variable time.
            if MontyN::new(z, params).pow_public(n.as_ref()) == MontyN::new(y, params) {
                Ok(())
            } else {
                Err(ProofError::Repetition {
                    index,
                    check: "Πmod z_i^N = y_i (Fig. 12)",
                })
            }
        })?;
        let w_m = MontyN::new(&self.w, params);
        for (index, ((y, x), (a, b))) in ys
            .iter()
            .zip(&self.x)
            .zip(self.a.iter().zip(&self.b))
            .enumerate()
        {
            let mut expected = MontyN::new(y, params);
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
