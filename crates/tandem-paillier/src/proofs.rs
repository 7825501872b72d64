//! The zero-knowledge proofs of CGGMP24, non-interactive through the Fiat-Shamir transform
//! over Tandem's [`Transcript`].
//!
//! Every proof takes a transcript from the caller that already binds the protocol, the
//! session id and the prover's role (and the joint random id where the protocol has one);
//! the proof then binds its own name, the security level, the full statement and every first
//! message before it draws its challenge. Challenges have full size: `e ∈ ±q` (257 bits) for
//! the range proofs, `e ∈ ±2^ℓ` for Πfac, `m = 128` bits for Πprm, `m = 128` elements of `Z*_N`
//! for Πmod.
//!
//! Verifiers check, in this order: lengths, group membership of every element (units of the
//! right modulus, valid points), the range of every response used as an exponent, and only
//! then the equations — so no exponentiation ever runs on an unchecked value.
//!
//! | proof | module | CGGMP24 |
//! |---|---|---|
//! | Πmod, Paillier-Blum modulus | [`modulus`] | Fig. 12 |
//! | Πprm, ring-Pedersen parameters | [`prm`] | Fig. 13, Section 5.3 |
//! | Πfac, no small factor | [`factor`] | Fig. 26, Appendix A.4 |
//! | Πenc, Paillier encryption in range | [`enc`] | Fig. 11 |
//! | Πenc-elg, range with ElGamal commitment | [`enc_elg`] | Fig. 24, Appendix A.2 |
//! | Πaff-g, affine operation with group commitment | [`aff_g`] | Fig. 25 |
//! | Πelog, discrete log with ElGamal commitment | [`elog`] | Fig. 23, Appendix A.1 |
//! | Πsch, Schnorr | `tandem_curves::schnorr` | Fig. 22 (CGGMP21 numbering) |
//!
//! CGGMP24 replaces CGGMP21's Πlog* with Πelog (and Πenc with Πenc-elg) in presigning; Πlog*
//! is therefore not implemented.

use crypto_bigint::{Int, NonZero, Odd, Uint};
use k256::Scalar as K256Scalar;
use tandem_curves::{Point, Scalar, Secp256k1, SecretScalar, Transcript};
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use crate::bigint::{self, I1024, SecretInt, U3072};
use crate::params::LEVEL_128;

pub mod aff_g;
pub mod batch;
pub mod elog;
pub mod enc;
pub mod enc_elg;
pub mod factor;
pub mod modulus;
pub mod prm;
mod range;

/// Why a proof was refused. The `&'static str` names the value or equation and the figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// A repeated field does not have exactly the required number of entries.
    #[error("{0}: wrong number of entries")]
    Length(&'static str),
    /// The statement is refused before the proof is looked at (e.g. a prime or even modulus).
    #[error("statement refused: {0}")]
    Statement(&'static str),
    /// A value is not in its group (not a unit of the modulus, out of `[1, N)`).
    #[error("{0} is not in its group")]
    NotInGroup(&'static str),
    /// A response is outside the interval the paper requires (checked before any
    /// exponentiation).
    #[error("{0} is outside its range")]
    OutOfRange(&'static str),
    /// A verification equation does not hold.
    #[error("verification equation failed: {0}")]
    Equation(&'static str),
    /// A verification equation does not hold in repetition `index`.
    #[error("verification equation failed in repetition {index}: {check}")]
    Repetition {
        /// Which repetition (0-based).
        index: usize,
        /// Which equation.
        check: &'static str,
    },
}

/// Starts a proof's transcript from the caller's context: proof name and security level.
pub(crate) fn start(ctx: &Transcript, proof: &'static str) -> Transcript {
    let mut t = ctx.clone();
    t.append("proof", proof.as_bytes());
    t.append("security-level", &LEVEL_128.transcript_bytes());
    t
}

pub(crate) fn append_uint<const L: usize>(t: &mut Transcript, label: &'static str, v: &Uint<L>) {
    t.append(label, v.to_be_bytes().as_ref());
}

pub(crate) fn append_point(t: &mut Transcript, label: &'static str, p: &Point<Secp256k1>) {
    t.append_point(label, p);
}

/// A uniform integer in `[0, bound]` from the transcript, by rejection sampling on
/// `bits(bound)`-bit strings (each draw is a fresh challenge frame).
fn uniform_up_to<const L: usize>(
    t: &mut Transcript,
    label: &'static str,
    bound: &Uint<L>,
) -> Uint<L> {
    // public: the bound is a public range bound
    #[allow(clippy::disallowed_methods)]
    let bits = bound.bits_vartime();
    let mut buf = vec![0u8; Uint::<L>::BYTES];
    loop {
        t.challenge_bytes(label, &mut buf);
        let candidate = Uint::<L>::from_be_slice(&buf);
        // public: the shift depends on the public bound only
        #[allow(clippy::disallowed_methods)]
        let masked = candidate.bitand(&Uint::<L>::MAX.shr_vartime(Uint::<L>::BITS - bits));
        if masked <= *bound {
            return masked;
        }
    }
}

/// The challenge `e` uniform in `[-q, q]` (CGGMP24 range proofs), as an integer.
pub(crate) fn challenge_pm_q(t: &mut Transcript) -> I1024 {
    let q: Uint<{ I1024::LIMBS }> = k256_order().resize();
    // public: q is the curve order
    #[allow(clippy::disallowed_methods)]
    let two_q = q.shl_vartime(1);
    let u = uniform_up_to(t, "challenge-pm-q", &two_q);
    *u.wrapping_sub(&q).as_int()
}

/// The challenge `e` uniform in `[-2^bits, 2^bits]` (Πfac: `±2^ℓ`).
pub(crate) fn challenge_pm_pow2(t: &mut Transcript, bits: u32) -> I1024 {
    let b = bigint::pow2::<{ I1024::LIMBS }>(bits);
    // public: b = 2^bits is a public bound
    #[allow(clippy::disallowed_methods)]
    let u = uniform_up_to(t, "challenge-pm-pow2", &b.shl_vartime(1));
    *u.wrapping_sub(&b).as_int()
}

/// `m` challenge bits (Πprm).
pub(crate) fn challenge_bits(t: &mut Transcript, m: usize) -> Vec<bool> {
    let mut buf = vec![0u8; m.div_ceil(8)];
    t.challenge_bytes("challenge-bits", &mut buf);
    (0..m)
        .map(|i| {
            buf.get(i / 8)
                .is_some_and(|byte| (byte >> (i % 8)) & 1 == 1)
        })
        .collect()
}

/// `m` challenges uniform in `Z*_N` (Πmod), each by rejection sampling in `[0, N)` followed by
/// a unit check.
pub(crate) fn challenge_units(t: &mut Transcript, n: &Odd<U3072>, m: usize) -> Vec<U3072> {
    let n_minus_one = n.as_ref().wrapping_sub(&U3072::ONE);
    (0..m)
        .map(|_| {
            loop {
                let y = uniform_up_to(t, "challenge-unit", &n_minus_one);
                if bigint::is_unit(&y, n) {
                    break y;
                }
            }
        })
        .collect()
}

/// The secp256k1 group order `q`.
pub(crate) fn k256_order() -> crypto_bigint::U256 {
    // n = FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFE BAAEDCE6 AF48A03B BFD25E8C D0364141
    crypto_bigint::U256::from_be_hex(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
    )
}

/// A signed integer modulo `q`, as a secp256k1 scalar (the curve side of a mixed proof uses
/// `e mod q` where the integer side uses `e`). Constant time. For a public integer; a secret
/// one goes through [`secret_scalar_from_int`].
pub fn scalar_from_int<const L: usize>(z: &Int<L>) -> Scalar<Secp256k1> {
    secret_scalar_from_int(z).reveal()
}

/// [`scalar_from_int`] for a secret integer (a decrypted MtA share, a proof nonce `α` lifted
/// to the curve): straight into a [`SecretScalar`], its named intermediates wiped. Constant
/// time.
pub fn secret_scalar_from_int<const L: usize>(z: &Int<L>) -> SecretScalar<Secp256k1> {
    let q = NonZero::new(k256_order()).unwrap_or(NonZero::<crypto_bigint::U256>::ONE);
    let mut r = bigint::reduce_signed(z, &q);
    let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(r.to_be_bytes().into());
    r.zeroize();
    let mut s: Option<K256Scalar> =
        k256::elliptic_curve::PrimeField::from_repr((*bytes).into()).into();
    let out = SecretScalar::new(s.unwrap_or(K256Scalar::ZERO));
    s.zeroize();
    out
}

/// A secp256k1 scalar as a non-negative integer `< q` (the caller wipes it if it is secret;
/// the intermediates here are wiped).
pub(crate) fn int_from_scalar<const L: usize>(s: &K256Scalar) -> Int<L> {
    let mut bytes = s.to_bytes();
    let mut u = crypto_bigint::U256::from_be_slice(bytes.as_slice());
    bytes.as_mut_slice().zeroize();
    let out = *u.resize::<L>().as_int();
    u.zeroize();
    out
}

/// The signed representative in `[-(q-1)/2, (q-1)/2]` of a secp256k1 scalar: secret
/// plaintexts are encrypted in this form so that they lie in `±2^ℓ` (CGGMP24 Section 2).
/// Constant time; the intermediates are wiped, the caller wipes the result (a
/// [`bigint::SecretInt`]) when the scalar is secret.
pub fn signed_from_scalar(s: &K256Scalar) -> I1024 {
    use subtle::ConditionallySelectable;
    let q: Uint<{ I1024::LIMBS }> = k256_order().resize();
    let v = SecretInt::<{ I1024::LIMBS }>(int_from_scalar(s));
    // public: q is the curve order (and the shift 1 is fixed)
    #[allow(clippy::disallowed_methods)]
    let half = q.shr_vartime(1);
    let high = bigint::ct(crypto_bigint::CtGt::ct_gt(v.as_uint(), &half));
    let shifted = SecretInt::<{ I1024::LIMBS }>(*v.as_uint().wrapping_sub(&q).as_int());
    I1024::conditional_select(&v.0, &shifted.0, high)
}
