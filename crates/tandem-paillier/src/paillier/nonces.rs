//! Encryption nonces from fixed-base tables.
//!
//! A Paillier encryption costs one exponentiation `r^N mod N²` with a 3072-bit exponent. Both
//! kinds of encrypting party replace it with fixed-base exponentiations from tables built
//! once per key:
//! - the key's owner ([`SecretKey::random_nonce`](super::SecretKey::random_nonce)): per prime,
//!   a generator of `Z*_p` and its `p`-th power modulo `p²` (exact uniform nonces);
//! - anyone else ([`PublicKey::random_nonce`](super::PublicKey::random_nonce)): a random base
//!   `g` modulo `N` and `g^N` modulo `N²` (nonces uniform in `<g>`).

use crate::monty::MontyPow as _;
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{NonZero, Odd, RandomBits, U4096};
use rand_core::CryptoRng;
use zeroize::Zeroize as _;

use super::{Nonce, PublicKey};
use crate::bigint::{self, MontyN, MontyN2, U1536, U3072, U6144};
use crate::fixed_base::FixedBaseTable;
use crate::params::{MODULUS_BITS, PRIME_BITS};

/// Per prime `p`: a table for a generator `h` of `Z*_p` and one for `H = h^p mod p²`, the
/// generator of the order-`(p-1)` subgroup of `Z*_{p²}` (the `p`-th powers).
pub(super) struct PrimeTables {
    generator: FixedBaseTable<{ U1536::LIMBS }>,
    lifted: FixedBaseTable<{ U3072::LIMBS }>,
}

pub(super) struct NonceTables {
    pub(super) p: PrimeTables,
    pub(super) q: PrimeTables,
}

impl Drop for NonceTables {
    fn drop(&mut self) {
        for t in [&mut self.p, &mut self.q] {
            t.generator.wipe();
            t.lifted.wipe();
        }
    }
}

/// The tables for one prime: a random generator `h` of `Z*_p` (for a safe prime `p = 2p'+1`,
/// exactly the quadratic non-residues other than `-1`) and `H = h^p mod p²`.
pub(super) fn prime_tables<R: CryptoRng + ?Sized>(
    prime: &Odd<U1536>,
    params: &FixedMontyParams<{ U1536::LIMBS }>,
    params_sq: &FixedMontyParams<{ U3072::LIMBS }>,
    rng: &mut R,
) -> PrimeTables {
    let minus_one = prime.as_ref().wrapping_sub(&U1536::ONE);
    let h = loop {
        // Constant time: the prime is secret (a wide draw reduced mod p, not `random_unit`).
        let h = bigint::random_unit_mod_secret_prime::<
            { U1536::LIMBS },
            { crypto_bigint::U2048::LIMBS },
            _,
        >(rng, prime);
        // Constant-time symbol (the prime is secret); only the accept/reject is observable.
        if matches!(
            h.jacobi_symbol(prime),
            crypto_bigint::JacobiSymbol::MinusOne
        ) && h != minus_one
        {
            break h;
        }
    };
    let lifted = FixedMontyForm::new(&h.resize::<{ U3072::LIMBS }>(), params_sq)
        .pow_ct(prime.as_ref(), PRIME_BITS);
    PrimeTables {
        generator: FixedBaseTable::new(&FixedMontyForm::new(&h, params), PRIME_BITS),
        lifted: FixedBaseTable::new(&lifted, PRIME_BITS),
    }
}

/// A fresh uniform exponent `k ∈ [0, p-1)` for [`half_nonce`].
pub(super) fn half_nonce_exponent<R: CryptoRng + ?Sized>(prime: &Odd<U1536>, rng: &mut R) -> U1536 {
    let p1 =
        NonZero::new(prime.as_ref().wrapping_sub(&U1536::ONE)).unwrap_or(NonZero::<U1536>::ONE);
    // p - 1 is secret: constant-time sampling (no rejection loop keyed on p).
    bigint::random_mod_secret::<{ U1536::LIMBS }, { crypto_bigint::U2048::LIMBS }, _>(rng, &p1)
}

/// `(h^k mod p, H^(k·other mod (p-1)) mod p²)` for `k` from [`half_nonce_exponent`].
pub(super) fn half_nonce(
    tables: &PrimeTables,
    prime: &Odd<U1536>,
    other: &U1536,
    k: &U1536,
) -> (U1536, U3072) {
    let p1 =
        NonZero::new(prime.as_ref().wrapping_sub(&U1536::ONE)).unwrap_or(NonZero::<U1536>::ONE);
    let mut kq: U3072 = k.widening_mul(other).into();
    let mut e = kq.rem(&p1);
    let rho = tables
        .generator
        .pow_secret(k, PRIME_BITS)
        .map_or(U1536::ONE, |v| v.retrieve());
    let big = tables
        .lifted
        .pow_secret(&e, PRIME_BITS)
        .map_or(U3072::ONE, |v| v.retrieve());
    kq.zeroize();
    e.zeroize();
    (rho, big)
}

/// Exponent length for nonces under a key whose factors we do not know: the order of the
/// base is below `N < 2^3072`, and 128 more bits make `g^a` statistically uniform in `<g>`.
const FOREIGN_EXPONENT_BITS: u32 = MODULUS_BITS + 128;

/// Tables for nonces under one public key: `g mod N` and `G = g^N mod N²`.
pub(super) struct KeyTables {
    base: FixedBaseTable<{ U3072::LIMBS }>,
    lifted: FixedBaseTable<{ U6144::LIMBS }>,
}

impl Drop for KeyTables {
    fn drop(&mut self) {
        // The base is not secret, but the tables are wiped like every nonce source.
        self.base.wipe();
        self.lifted.wipe();
    }
}

impl KeyTables {
    pub(super) fn new<R: CryptoRng + ?Sized>(key: &PublicKey, rng: &mut R) -> Self {
        // public: N is the peer's public modulus, and the tables' base g is not secret
        #[allow(clippy::disallowed_methods)]
        let g = bigint::random_unit(rng, key.n());
        let g_n = MontyN::new(&g, key.params_n());
        // G = g^N mod N²: N is public (variable time in N only).
        // public: the exponent N is public (constant time in g)
        #[allow(clippy::disallowed_methods)]
        let lifted = MontyN2::new(&g.resize(), key.params_n2()).pow_public(key.n().as_ref());
        Self {
            base: FixedBaseTable::new(&g_n, FOREIGN_EXPONENT_BITS),
            lifted: FixedBaseTable::new(&lifted, FOREIGN_EXPONENT_BITS),
        }
    }

    /// A fresh uniform exponent `a < 2^(3072+128)` for [`KeyTables::nonce`].
    pub(super) fn exponent<R: CryptoRng + ?Sized>(rng: &mut R) -> U4096 {
        U4096::random_bits(rng, FOREIGN_EXPONENT_BITS)
    }

    /// `(g^a mod N, G^a mod N²)`. Constant time in `a`.
    pub(super) fn nonce(&self, a: &U4096) -> (Nonce, U6144) {
        let r = self
            .base
            .pow_secret(a, FOREIGN_EXPONENT_BITS)
            .map_or(U3072::ONE, |v| v.retrieve());
        let r_n = self
            .lifted
            .pow_secret(a, FOREIGN_EXPONENT_BITS)
            .map_or(U6144::ONE, |v| v.retrieve());
        (Nonce(r), r_n)
    }
}
