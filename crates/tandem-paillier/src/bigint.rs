//! Big-integer plumbing over `crypto-bigint`: the fixed sizes used everywhere, strict
//! fixed-width encodings, sampling in the ranges the paper states, range checks, and signed
//! exponentiation.
//!
//! Every integer has a fixed width chosen from its range (see the table in
//! [`crate::params`]), so decoding bounds its size by construction: no value from a peer can
//! be larger than its type, and every range of the paper is checked explicitly on top.
//!
//! Constant time: functions that take secrets (`pow_secret`, the samplers, CRT code in
//! [`crate::paillier`]) use crypto-bigint's constant-time routines; their running time
//! depends only on public sizes. Functions named `*_vartime` or taking public values only
//! (verification) say so in their documentation.

use crate::monty::MontyPow as _;
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Choice, Int, NonZero, Odd, Random, RandomMod, Uint};
use rand_core::CryptoRng;
use serde::{Deserializer, Serializer, de};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use crypto_bigint::{U1536, U3072, U6144};

/// Integers of up to 1024 bits: plaintexts in `±2^(ℓ+ε)`, challenges.
pub type I1024 = Int<{ crypto_bigint::U1024::LIMBS }>;
/// Integers of up to 2048 bits: `±2^(ℓ'+ε)`.
pub type I2048 = Int<{ crypto_bigint::U2048::LIMBS }>;
/// Integers of up to 4096 bits: `±2^(ℓ+ε)·N`.
pub type I4096 = Int<{ crypto_bigint::U4096::LIMBS }>;
/// Integers of up to 8192 bits: `±2^(ℓ+ε)·N·N` (Πfac).
pub type I8192 = Int<{ crypto_bigint::U8192::LIMBS }>;

/// Montgomery form modulo a 1536-bit prime.
pub type MontyP = FixedMontyForm<{ U1536::LIMBS }>;
/// Montgomery form modulo a 3072-bit modulus (N, p², q²).
pub type MontyN = FixedMontyForm<{ U3072::LIMBS }>;
/// Montgomery form modulo N² (6144 bits).
pub type MontyN2 = FixedMontyForm<{ U6144::LIMBS }>;

/// Serde for `Uint<L>`: exactly `L * 8` big-endian bytes.
pub mod serde_uint {
    use super::{Deserializer, Serializer, Uint, de};

    /// Serializes as fixed-width big-endian bytes.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer, const L: usize>(v: &Uint<L>, s: S) -> Result<S::Ok, S::Error> {
        // Also for secrets (stored primes, λ, saved masks): the bytes are wiped after use.
        let bytes = zeroize::Zeroizing::new(v.to_be_bytes());
        tandem_curves::encoding::serialize_bytes(bytes.as_ref(), s)
    }

    /// Deserializes fixed-width big-endian bytes; any other length is refused.
    ///
    /// # Errors
    /// A wrong length or malformed input.
    pub fn deserialize<'de, D: Deserializer<'de>, const L: usize>(
        d: D,
    ) -> Result<Uint<L>, D::Error> {
        let bytes = tandem_curves::encoding::deserialize_bytes(d)?;
        super::uint_from_be(&bytes)
            .ok_or_else(|| de::Error::invalid_length(bytes.len(), &"the integer's fixed width"))
    }
}

/// Serde for `Vec<Uint<L>>` (each element fixed width; the length is checked by the caller).
pub mod serde_uint_vec {
    use super::{Deserializer, Serializer, Uint, de};
    use serde::ser::SerializeSeq;

    struct Elem<'a, const L: usize>(&'a Uint<L>);
    impl<const L: usize> serde::Serialize for Elem<'_, L> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::serde_uint::serialize(self.0, s)
        }
    }

    struct Owned<const L: usize>(Uint<L>);
    impl<'de, const L: usize> serde::Deserialize<'de> for Owned<L> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::serde_uint::deserialize(d).map(Owned)
        }
    }

    /// Serializes the elements in order.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer, const L: usize>(
        v: &[Uint<L>],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&Elem(x))?;
        }
        seq.end()
    }

    /// Deserializes the elements; the sequence length is bounded by the input size.
    ///
    /// # Errors
    /// Malformed input.
    pub fn deserialize<'de, D: Deserializer<'de>, const L: usize>(
        d: D,
    ) -> Result<Vec<Uint<L>>, D::Error> {
        let v: Vec<Owned<L>> = serde::Deserialize::deserialize(d)?;
        if v.len() > crate::params::MAX_REPETITIONS {
            return Err(de::Error::invalid_length(
                v.len(),
                &"at most the number of proof repetitions",
            ));
        }
        Ok(v.into_iter().map(|o| o.0).collect())
    }
}

/// Serde for `Int<L>`: two's complement, exactly `L * 8` big-endian bytes.
pub mod serde_int {
    use super::{Deserializer, Int, Serializer};

    /// Serializes as fixed-width two's complement bytes.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer, const L: usize>(v: &Int<L>, s: S) -> Result<S::Ok, S::Error> {
        super::serde_uint::serialize(v.as_uint(), s)
    }

    /// Deserializes fixed-width two's complement bytes.
    ///
    /// # Errors
    /// A wrong length or malformed input.
    pub fn deserialize<'de, D: Deserializer<'de>, const L: usize>(
        d: D,
    ) -> Result<Int<L>, D::Error> {
        super::serde_uint::deserialize::<D, L>(d).map(|u| *u.as_int())
    }
}

/// Decodes exactly `L * 8` big-endian bytes.
#[must_use]
pub fn uint_from_be<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    (bytes.len() == Uint::<L>::BYTES).then(|| Uint::from_be_slice(bytes))
}

/// `2^bits` as a `Uint<L>` (`bits < L * 64`).
#[must_use]
// public: bits is a public bit count (variable time in the shift only)
#[allow(clippy::disallowed_methods)]
pub fn pow2<const L: usize>(bits: u32) -> Uint<L> {
    Uint::ONE.shl_vartime(bits)
}

/// `2^bits * n` as a `Uint<L>`; `None` if it does not fit.
#[must_use]
// public: bits and n are public (the callers pass moduli N0, N̂ and √N0)
#[allow(clippy::disallowed_methods)]
pub fn pow2_times<const L: usize, const M: usize>(bits: u32, n: &Uint<M>) -> Option<Uint<L>> {
    if n.bits_vartime() + bits >= Uint::<L>::BITS {
        return None;
    }
    Some(n.resize::<L>().shl_vartime(bits))
}

/// Whether `|z| <= bound`. Variable time: for public values (proof responses).
#[must_use]
pub fn abs_le_vartime<const L: usize>(z: &Int<L>, bound: &Uint<L>) -> bool {
    z.abs() <= *bound
}

/// A secret signed integer (a witness, a proof nonce, an MtA mask), wiped on drop and
/// printed as `<redacted>`: crypto-bigint's `Int` is `Copy` and has no `Zeroize`, so a secret
/// kept in a bare `Int` stays in memory after use. Serialized (in saved protocol states) as
/// [`serde_int`] does.
pub struct SecretInt<const L: usize>(pub Int<L>);

impl<const L: usize> core::ops::Deref for SecretInt<L> {
    type Target = Int<L>;
    fn deref(&self) -> &Int<L> {
        &self.0
    }
}

impl<const L: usize> Zeroize for SecretInt<L> {
    fn zeroize(&mut self) {
        self.0.as_mut_words().zeroize();
    }
}

impl<const L: usize> Drop for SecretInt<L> {
    fn drop(&mut self) {
        self.zeroize();
    }
}
impl<const L: usize> ZeroizeOnDrop for SecretInt<L> {}

impl<const L: usize> core::fmt::Debug for SecretInt<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretInt(<redacted>)")
    }
}

impl<const L: usize> serde::Serialize for SecretInt<L> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_int::serialize(&self.0, s)
    }
}

impl<'de, const L: usize> serde::Deserialize<'de> for SecretInt<L> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_int::deserialize(d).map(Self)
    }
}

/// A uniform integer in `[-bound, bound]`. Rejection sampling: the number of draws varies,
/// but (crypto-bigint's guarantee for `random_mod_vartime` with a CSPRNG) nothing about the
/// value returned leaks. The bound is public; the draw is wiped before returning.
///
/// # Panics
/// Never for the bounds used in this crate: `2 * bound + 1` must fit in `L` limbs, which the
/// callers' types guarantee (`bound` is at most half the width).
#[must_use]
// public: the bound is public; rejection sampling leaks nothing about the value drawn
#[allow(clippy::disallowed_methods)]
pub fn random_signed<const L: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    bound: &Uint<L>,
) -> Int<L> {
    // u uniform in [0, 2*bound], result u - bound.
    let width = bound.shl_vartime(1).wrapping_add(&Uint::ONE);
    let modulus = NonZero::new(width).unwrap_or(NonZero::<Uint<L>>::ONE);
    let mut u = Uint::random_mod_vartime(rng, &modulus);
    let signed = *u.wrapping_sub(bound).as_int();
    u.zeroize();
    signed
}

/// A uniform integer in `[-2^bits, 2^bits]`.
#[must_use]
pub fn random_signed_bits<const L: usize, R: CryptoRng + ?Sized>(rng: &mut R, bits: u32) -> Int<L> {
    random_signed(rng, &pow2::<L>(bits))
}

/// A uniform integer in `[0, m)` for a **secret** modulus `m` (`φ(N)`, `p - 1`), in constant
/// time. Rejection sampling (`random_mod_vartime`) would run a number of rounds that depends
/// on `m` (crypto-bigint documents it as variable time in the modulus), so that over many
/// draws the timing estimates `m / 2^bits`, i.e. the top bits of a secret prime. Instead a
/// `W`-limb uniform value is reduced modulo `m` with crypto-bigint's constant-time division;
/// the result is within statistical distance `m / 2^(64·W) <= 2^(-64·(W - L))` of uniform
/// (`2^-512` and below for the sizes used here: `W >= L + 8`).
#[must_use]
pub fn random_mod_secret<const L: usize, const W: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    modulus: &NonZero<Uint<L>>,
) -> Uint<L> {
    const { assert!(W >= L + 8, "the wide draw needs at least 512 more bits") };
    let mut wide = Uint::<W>::random_from_rng(rng);
    let reduced = wide.rem(modulus);
    wide.zeroize();
    reduced
}

/// A uniform element of `Z*_p` for a **secret prime** `p` (a Paillier factor), in constant
/// time. [`random_unit`] must not be used here: its rejection loop (`random_mod_vartime`)
/// runs a number of rounds that depends on the top bits of `p`, and its `gcd_vartime` runs in
/// time depending on `p`. Instead a `W`-limb draw is reduced modulo `p` in constant time
/// ([`random_mod_secret`], statistical distance `2^-512` or less from uniform on `[0, p)`);
/// for a prime every non-zero residue is a unit, so no gcd is needed and only zero is
/// rejected: probability `1/p < 2^-1535` per draw, so the loop runs once except with
/// negligible probability, and a rejection says nothing about `p`.
#[must_use]
pub fn random_unit_mod_secret_prime<const L: usize, const W: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    p: &Odd<Uint<L>>,
) -> Uint<L> {
    loop {
        let x = random_mod_secret::<L, W, R>(rng, p.as_nz_ref());
        // Only the (negligible) rejection of zero is observable.
        if !bool::from(x.is_zero()) {
            return x;
        }
    }
}

/// A uniform element of `Z*_n` for a **public** modulus `n` (a peer's or our published `N`,
/// `N̂`): rejection sampling on `[1, n)` until `gcd(x, n) = 1`, both in variable time in `n`
/// and the gcd in variable time in `x` too, so only for a unit that is published (Πmod's `w`)
/// or public by design; for a secret unit use [`random_secret_unit`], for a secret prime
/// [`random_unit_mod_secret_prime`]. For an RSA modulus a rejection has probability about
/// `2^-1535`.
#[must_use]
pub fn random_unit<const L: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    n: &Odd<Uint<L>>,
) -> Uint<L> {
    draw_unit(rng, n, |x| is_unit(x, n))
}

/// A uniform element of `Z*_n` that stays **secret** (ring-Pedersen's `τ`), for a public
/// modulus `n`: the same draws as [`random_unit`] (so seeded runs give the same values), but
/// the unit test is crypto-bigint's constant-time gcd, so its time says nothing about `x`.
/// Only the accept/reject of each draw is observable.
#[must_use]
pub fn random_secret_unit<const L: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    n: &Odd<Uint<L>>,
) -> Uint<L> {
    // Constant time in x: `Uint::gcd` (not `gcd_vartime`).
    draw_unit(rng, n, |x| {
        !bool::from(x.is_zero()) && x.gcd(n.as_ref()) == Uint::ONE
    })
}

/// Draws on `[0, n)` until `unit` accepts.
fn draw_unit<const L: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    n: &Odd<Uint<L>>,
    unit: impl Fn(&Uint<L>) -> bool,
) -> Uint<L> {
    loop {
        // public: n is a public modulus; rejection sampling leaks nothing about x
        #[allow(clippy::disallowed_methods)]
        let x = Uint::random_mod_vartime(rng, n.as_nz_ref());
        if unit(&x) {
            return x;
        }
    }
}

/// Whether `0 < x < n` and `gcd(x, n) = 1` (membership in `Z*_n`).
#[must_use]
// public: x, n are peer values, published ones, or draws that are published
#[allow(clippy::disallowed_methods)]
pub fn is_unit<const L: usize>(x: &Uint<L>, n: &Odd<Uint<L>>) -> bool {
    // Public inputs only (peer values, or our own sampled units where only the final
    // accept/reject is observable).
    !bool::from(x.is_zero()) && x < n.as_ref() && x.gcd_vartime(n.as_ref()) == Uint::ONE
}

/// `base^e` for a public signed exponent, in variable time (verification only). Negative
/// exponents use the inverse of `base`; `None` if it has none.
#[must_use]
// public: a disallowed `*_vartime` wrapper: each caller says why its values are public
#[allow(clippy::disallowed_methods)]
pub fn pow_signed_vartime<const L: usize, const E: usize>(
    base: &FixedMontyForm<L>,
    e: &Int<E>,
) -> Option<FixedMontyForm<L>> {
    let (magnitude, negative) = e.abs_sign();
    let b = if bool::from(negative) {
        Option::from(base.invert_vartime())?
    } else {
        *base
    };
    Some(b.pow_public(&magnitude))
}

/// `base^e` for a secret signed exponent with `|e| < 2^bits`, in constant time: the inverse
/// is selected by the sign without branching, and the exponentiation runs over `bits` bits
/// whatever `e` is. `base_inv` must be `base^-1`.
#[must_use]
pub fn pow_secret<const L: usize, const E: usize>(
    base: &FixedMontyForm<L>,
    base_inv: &FixedMontyForm<L>,
    e: &Int<E>,
    bits: u32,
) -> FixedMontyForm<L> {
    let (magnitude, negative) = e.abs_sign();
    let b = select(base, base_inv, negative);
    b.pow_ct(&magnitude, bits)
}

/// Constant-time `if choice { b } else { a }` for Montgomery-form values.
#[must_use]
pub fn select<const L: usize>(
    a: &FixedMontyForm<L>,
    b: &FixedMontyForm<L>,
    choice: Choice,
) -> FixedMontyForm<L> {
    use subtle::ConditionallySelectable;
    FixedMontyForm::conditional_select(a, b, ct(choice))
}

/// crypto-bigint's `Choice` as a `subtle::Choice`, without branching.
#[must_use]
pub fn ct(choice: Choice) -> subtle::Choice {
    subtle::Choice::from(choice.to_u8())
}

/// Montgomery parameters for a public modulus (variable-time setup).
#[must_use]
// public: n is a public modulus (this wrapper is itself disallowed: callers say why)
#[allow(clippy::disallowed_methods)]
pub fn public_params<const L: usize>(n: &Odd<Uint<L>>) -> FixedMontyParams<L> {
    FixedMontyParams::new_vartime(*n)
}

/// Reduces a signed integer modulo `n` into `[0, n)`. Constant time.
#[must_use]
pub fn reduce_signed<const L: usize, const M: usize>(z: &Int<L>, n: &NonZero<Uint<M>>) -> Uint<M> {
    let (magnitude, negative) = z.abs_sign();
    use subtle::ConditionallySelectable;
    let r = magnitude.rem(n);
    // -r mod n = n - r when r != 0.
    let neg = n.as_ref().wrapping_sub(&r);
    let neg = Uint::conditional_select(&neg, &Uint::ZERO, ct(r.is_zero()));
    Uint::conditional_select(&r, &neg, ct(negative))
}
