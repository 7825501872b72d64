//! Ring-Pedersen parameters `(N̂, s, t)` with `t = τ² mod N̂` and `s = t^λ mod N̂`
//! (CGGMP24 Section 2.2 "Ring-Pedersen commitments"; generation as in Fig. 7 / CGGMP21
//! Fig. 6).
//!
//! Each party's parameters use its own Paillier modulus as `N̂` (as in CGGMP21 Fig. 6): one
//! safe-prime pair per party carries both roles, and that modulus is proved a Paillier-Blum
//! modulus without small factors (Πmod, Πfac) in addition to Πprm. Commitments
//! `s^x · t^y mod N̂` made by the *other* party are binding for it (it knows neither `λ` nor
//! the factorisation) and hiding for it as long as `s ∈ ⟨t⟩`, which Πprm proves.
//!
//! The owner of the parameters verifies commitments with its trapdoor:
//! `s^a · t^b = t^(λa + b mod φ(N̂))`, one exponentiation with CRT instead of two full ones
//! ([`Trapdoor::commit`]).

use core::fmt;

use crypto_bigint::{Int, NonZero, Odd};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

use std::sync::{Arc, OnceLock};

use crate::bigint::{self, MontyN, U3072, U6144};
use crate::fixed_base::FixedBaseTable;
use crate::paillier;
use crate::params::MODULUS_BITS;

/// Why ring-Pedersen parameters were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RingPedersenError {
    /// `N̂` does not have exactly 3072 bits or is even.
    #[error("modulus has the wrong size or is even")]
    Modulus,
    /// `s` or `t` is not a unit of `Z_N̂`.
    #[error("s or t is not a unit modulo N")]
    NotUnit,
    /// `s == t`, or one of them is `1` or `N̂ - 1` (elements of order at most 2).
    #[error("s or t is degenerate")]
    Degenerate,
}

/// Public ring-Pedersen parameters `(N̂, s, t)`, checked on construction: `N̂` of exactly 3072
/// bits and odd, `s, t ∈ Z*_N̂`, `s ≠ t`, `s, t ∉ {1, N̂-1}`. That `s ∈ ⟨t⟩` is what Πprm
/// proves.
#[derive(Clone)]
pub struct Params {
    n: Odd<U3072>,
    s: U3072,
    t: U3072,
    params: crypto_bigint::modular::FixedMontyParams<{ U3072::LIMBS }>,
    s_m: MontyN,
    t_m: MontyN,
    s_inv: MontyN,
    t_inv: MontyN,
    /// Window tables for `s` and `t`, built on first use by a prover (about 9 MB, shared by
    /// clones): commitments then cost a quarter of a plain exponentiation.
    tables: Arc<OnceLock<CommitTables>>,
}

/// Fixed-base tables for `s` (exponents up to [`S_TABLE_BITS`]) and `t` (up to
/// [`T_TABLE_BITS`]); longer exponents (only Πfac's `r`) use plain exponentiation.
struct CommitTables {
    s: FixedBaseTable<{ U3072::LIMBS }>,
    t: FixedBaseTable<{ U3072::LIMBS }>,
}

/// Covers every `s` exponent of the proofs: `±2^(ℓ+ε)·√N` (Πfac) is the longest, 2306 bits.
pub const S_TABLE_BITS: u32 = 2308;
/// Covers every `t` exponent but Πfac's `r`: `±2^(ℓ+ε)·N̂` is the longest, 3842 bits.
pub const T_TABLE_BITS: u32 = 3844;

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RingPedersenParams(..)")
    }
}

impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.s == other.s && self.t == other.t
    }
}
impl Eq for Params {}

/// Serialized form of [`Params`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamsWire {
    /// `N̂`.
    #[serde(with = "bigint::serde_uint")]
    pub n: U3072,
    /// `s`.
    #[serde(with = "bigint::serde_uint")]
    pub s: U3072,
    /// `t`.
    #[serde(with = "bigint::serde_uint")]
    pub t: U3072,
}

impl Params {
    /// Checks and builds the parameters.
    ///
    /// # Errors
    /// A [`RingPedersenError`] naming the failed check.
    // public: N̂, s, t are published ring-Pedersen parameters
    #[allow(clippy::disallowed_methods)]
    pub fn new(n: U3072, s: U3072, t: U3072) -> Result<Self, RingPedersenError> {
        if n.bits_vartime() != MODULUS_BITS {
            return Err(RingPedersenError::Modulus);
        }
        let n: Odd<U3072> = Option::from(Odd::new(n)).ok_or(RingPedersenError::Modulus)?;
        // Public values: variable-time checks.
        if !bigint::is_unit(&s, &n) || !bigint::is_unit(&t, &n) {
            return Err(RingPedersenError::NotUnit);
        }
        let minus_one = n.as_ref().wrapping_sub(&U3072::ONE);
        if s == t || s == U3072::ONE || t == U3072::ONE || s == minus_one || t == minus_one {
            return Err(RingPedersenError::Degenerate);
        }
        let params = bigint::public_params(&n);
        let s_m = MontyN::new(&s, &params);
        let t_m = MontyN::new(&t, &params);
        let s_inv = Option::from(s_m.invert_vartime()).ok_or(RingPedersenError::NotUnit)?;
        let t_inv = Option::from(t_m.invert_vartime()).ok_or(RingPedersenError::NotUnit)?;
        Ok(Self {
            n,
            s,
            t,
            params,
            s_m,
            t_m,
            s_inv,
            t_inv,
            tables: Arc::new(OnceLock::new()),
        })
    }

    /// From the serialized form, with the same checks.
    ///
    /// # Errors
    /// As [`Params::new`].
    pub fn from_wire(w: &ParamsWire) -> Result<Self, RingPedersenError> {
        Self::new(w.n, w.s, w.t)
    }

    /// The serialized form.
    #[must_use]
    pub fn to_wire(&self) -> ParamsWire {
        ParamsWire {
            n: *self.n.as_ref(),
            s: self.s,
            t: self.t,
        }
    }

    /// `N̂`.
    #[must_use]
    pub fn n(&self) -> &Odd<U3072> {
        &self.n
    }

    /// `s`.
    #[must_use]
    pub fn s(&self) -> &U3072 {
        &self.s
    }

    /// `t`.
    #[must_use]
    pub fn t(&self) -> &U3072 {
        &self.t
    }

    /// Montgomery parameters modulo `N̂`.
    #[must_use]
    pub fn monty_params(&self) -> &crypto_bigint::modular::FixedMontyParams<{ U3072::LIMBS }> {
        &self.params
    }

    /// `t` in Montgomery form.
    #[must_use]
    pub fn t_monty(&self) -> &MontyN {
        &self.t_m
    }

    /// `s` in Montgomery form.
    #[must_use]
    pub fn s_monty(&self) -> &MontyN {
        &self.s_m
    }

    /// The commitment `s^x · t^y mod N̂` for secret signed `x, y` with `|x| < 2^x_bits`,
    /// `|y| < 2^y_bits`. Constant time (the prover's side).
    #[must_use]
    pub fn commit<const A: usize, const B: usize>(
        &self,
        x: &Int<A>,
        x_bits: u32,
        y: &Int<B>,
        y_bits: u32,
    ) -> MontyN {
        let tables = self.tables.get_or_init(|| CommitTables {
            s: FixedBaseTable::new(&self.s_m, S_TABLE_BITS),
            t: FixedBaseTable::new(&self.t_m, T_TABLE_BITS),
        });
        let sx = signed_table_pow(&tables.s, x, x_bits)
            .unwrap_or_else(|| bigint::pow_secret(&self.s_m, &self.s_inv, x, x_bits));
        let ty = signed_table_pow(&tables.t, y, y_bits)
            .unwrap_or_else(|| bigint::pow_secret(&self.t_m, &self.t_inv, y, y_bits));
        sx.mul(&ty)
    }

    /// `s^x · t^y mod N̂` for public `x, y`, in variable time (a verifier without the trapdoor).
    #[must_use]
    // public: a disallowed `*_vartime` wrapper: each caller says why its values are public
    #[allow(clippy::disallowed_methods)]
    pub fn commit_vartime<const A: usize, const B: usize>(&self, x: &Int<A>, y: &Int<B>) -> MontyN {
        let sx = bigint::pow_signed_vartime(&self.s_m, x).unwrap_or(self.s_m);
        let ty = bigint::pow_signed_vartime(&self.t_m, y).unwrap_or(self.t_m);
        sx.mul(&ty)
    }

    /// A value modulo `N̂` in Montgomery form.
    #[must_use]
    pub fn to_monty(&self, x: &U3072) -> MontyN {
        MontyN::new(x, &self.params)
    }
}

/// The owner's trapdoor: `λ` with `s = t^λ`, and the Paillier secret key of `N̂` (for `φ` and
/// CRT). Wiped on drop.
pub struct Trapdoor {
    lambda: U3072,
}

impl Drop for Trapdoor {
    fn drop(&mut self) {
        self.lambda.zeroize();
    }
}
impl ZeroizeOnDrop for Trapdoor {}

impl fmt::Debug for Trapdoor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RingPedersenTrapdoor(<redacted>)")
    }
}

impl Trapdoor {
    /// Rebuilds the trapdoor from a stored `λ`, checking `s = t^λ` against the parameters.
    #[must_use]
    pub fn from_lambda(lambda: U3072, params: &Params, sk: &paillier::SecretKey) -> Option<Self> {
        (sk.public().n() == params.n()
            && lambda < *sk.phi()
            && sk.pow_mod_n(params.t(), &lambda) == *params.s())
        .then_some(Self { lambda })
    }

    /// `λ` (secret).
    #[must_use]
    pub fn lambda(&self) -> &U3072 {
        &self.lambda
    }

    /// `s^a · t^b mod N̂ = t^(λa + b mod φ(N̂))` with CRT: the owner's fast evaluation of a
    /// commitment, for verifying proofs made against its own parameters. Constant time
    /// (`λ` and `φ` are secret); `a, b` may be negative.
    #[must_use]
    pub fn commit<const A: usize, const B: usize>(
        &self,
        params: &Params,
        sk: &paillier::SecretKey,
        a: &Int<A>,
        b: &Int<B>,
    ) -> U3072 {
        let phi = NonZero::new(*sk.phi()).unwrap_or(NonZero::<U3072>::ONE);
        let a_mod = bigint::reduce_signed(a, &phi);
        let b_mod = bigint::reduce_signed(b, &phi);
        let product: U6144 = self.lambda.widening_mul(&a_mod).into();
        let la = product.rem(&phi);
        let exponent = la.add_mod(&b_mod, &phi);
        sk.pow_mod_n(params.t(), &exponent)
    }
}

/// Generates ring-Pedersen parameters on the modulus of `sk` (CGGMP24 Fig. 7 / CGGMP21
/// Fig. 6): `τ ← Z*_N`, `t = τ² mod N`, `λ ← Z_φ(N)`, `s = t^λ mod N`.
///
/// # Errors
/// [`RingPedersenError`] with negligible probability (degenerate `s` or `t`); retry.
pub fn generate<R: CryptoRng + ?Sized>(
    sk: &paillier::SecretKey,
    rng: &mut R,
) -> Result<(Params, Trapdoor), RingPedersenError> {
    let n = sk.public().n();
    // τ is secret: drawn on the public N, checked with a constant-time gcd.
    let tau = bigint::random_secret_unit(rng, n);
    let t = sk.pow_mod_n(&tau, &U3072::from_u8(2));
    let phi = NonZero::new(*sk.phi()).unwrap_or(NonZero::<U3072>::ONE);
    // φ(N) is secret: constant-time sampling (no rejection loop keyed on φ).
    let lambda = bigint::random_mod_secret::<{ U3072::LIMBS }, { crypto_bigint::U4096::LIMBS }, _>(
        rng, &phi,
    );
    let s = sk.pow_mod_n(&t, &lambda);
    let params = Params::new(*n.as_ref(), s, t)?;
    Ok((params, Trapdoor { lambda }))
}

/// How a verifier evaluates ring-Pedersen expressions modulo `N̂`.
///
/// The verifier of a range proof is the owner of the parameters the proof was made against
/// (CGGMP24: proofs use the verifier's `(N̂, s, t)`), so it can use its trapdoor and CRT
/// ([`Verifier::Owner`]). [`Verifier::Public`] checks the same equations without secrets,
/// in variable time (an auditor, or tests cross-checking the owner's shortcut).
#[derive(Clone, Copy, Debug)]
pub enum Verifier<'a> {
    /// The owner: parameters, trapdoor and the Paillier secret key of `N̂`.
    Owner {
        /// The parameters.
        params: &'a Params,
        /// `λ`.
        trapdoor: &'a Trapdoor,
        /// The factorisation of `N̂`.
        sk: &'a paillier::SecretKey,
    },
    /// Anyone: public parameters only.
    Public(&'a Params),
}

impl Verifier<'_> {
    /// The parameters.
    #[must_use]
    pub fn params(&self) -> &Params {
        match self {
            Self::Owner { params, .. } | Self::Public(params) => params,
        }
    }

    /// `s^a · t^b mod N̂` for public `a, b`.
    #[must_use]
    pub fn commit<const A: usize, const B: usize>(&self, a: &Int<A>, b: &Int<B>) -> MontyN {
        match self {
            Self::Owner {
                params,
                trapdoor,
                sk,
            } => params.to_monty(&trapdoor.commit(params, sk, a, b)),
            // public: a, b are public proof responses (a verifier without the trapdoor)
            #[allow(clippy::disallowed_methods)]
            Self::Public(params) => params.commit_vartime(a, b),
        }
    }

    /// `base^e mod N̂` for a public unit `base` and public signed `e`.
    #[must_use]
    pub fn pow<const E: usize>(&self, base: &U3072, e: &Int<E>) -> MontyN {
        match self {
            Self::Owner { params, sk, .. } => {
                // base is a unit, so base^e = base^(e mod φ); CRT (constant time in φ).
                let phi = NonZero::new(*sk.phi()).unwrap_or(NonZero::<U3072>::ONE);
                params.to_monty(&sk.pow_mod_n(base, &bigint::reduce_signed(e, &phi)))
            }
            // public: base and e are public (a verifier without the trapdoor)
            #[allow(clippy::disallowed_methods)]
            Self::Public(params) => {
                let b = params.to_monty(base);
                bigint::pow_signed_vartime(&b, e).unwrap_or(b)
            }
        }
    }
}

/// `g^e` for a secret signed `e` from the table of `g`: `g^|e|`, then the inverse selected by
/// the sign in constant time (one inversion instead of a second table). `None` (decided on
/// the public `bits`) if the table is too short.
fn signed_table_pow<const E: usize>(
    table: &FixedBaseTable<{ U3072::LIMBS }>,
    e: &Int<E>,
    bits: u32,
) -> Option<MontyN> {
    let (magnitude, negative) = e.abs_sign();
    let power = table.pow_secret(&magnitude, bits)?;
    let inverse = Option::<MontyN>::from(power.invert()).unwrap_or(power);
    Some(bigint::select(&power, &inverse, negative))
}
