//! BIP340 Schnorr signatures and BIP341's key-path tweak over secp256k1: the public-value
//! half of Taproot (x-only keys, tagged hashes, `lift_x`, the TapTweak, verification).
//!
//! Everything here works on public values (keys, tweaks, signatures) and is variable time
//! on purpose; secret arithmetic is in [`super::frost`], in constant time.

use k256::FieldBytes;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::point::AffineCoordinates;
use sha2::{Digest, Sha256};
use tandem_curves::{Point, Scalar, Secp256k1};
use thiserror::Error;

/// Why a BIP340 signature or key is refused (BIP340, "Verification").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Bip340Error {
    /// The public key is not the x coordinate of a curve point (`lift_x` fails: `x ≥ p`
    /// or `x³ + 7` has no square root).
    #[error("public key is not an x coordinate on secp256k1")]
    PublicKey,
    /// `s ≥ n`.
    #[error("s is not below the group order")]
    S,
    /// `R = s·G − e·P` is the point at infinity, has an odd `y`, or its `x` is not `r`
    /// (this includes every `r ≥ p`, which no `x` coordinate equals).
    #[error("signature does not verify")]
    Equation,
}

/// BIP340's tagged hash: `SHA-256(SHA-256(tag) ‖ SHA-256(tag) ‖ parts…)`.
#[must_use]
pub fn tagged_hash(tag: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let tag = Sha256::digest(tag);
    let mut h = Sha256::new();
    h.update(tag);
    h.update(tag);
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// `int(bytes) mod n` (BIP340's challenge `e`, BIP341's tweak before its range check).
fn reduce(bytes: [u8; 32]) -> Scalar<Secp256k1> {
    Scalar::new(<k256::Scalar as Reduce<FieldBytes>>::reduce(
        &FieldBytes::from(bytes),
    ))
}

/// Whether `p` has an even `y` (BIP340's `has_even_y`). The identity has no `y`: `false`.
#[must_use]
pub fn has_even_y(p: &Point<Secp256k1>) -> bool {
    x_and_parity(p).is_some_and(|(_, odd)| !odd)
}

/// `bytes(P)`: the 32-byte x coordinate (BIP340's x-only encoding).
#[must_use]
pub fn x_only(p: &Point<Secp256k1>) -> [u8; 32] {
    p.inner().to_affine().x().into()
}

/// `bytes(P)` and whether `y` is odd, from one conversion to affine coordinates (one field
/// inversion); `None` for the point at infinity.
#[must_use]
pub fn x_and_parity(p: &Point<Secp256k1>) -> Option<([u8; 32], bool)> {
    if p.is_identity() {
        return None;
    }
    let affine = p.inner().to_affine();
    Some((affine.x().into(), bool::from(affine.y_is_odd())))
}

/// `lift_x(x)`: the point with x coordinate `x` and an even `y`, if there is one.
///
/// # Errors
/// [`Bip340Error::PublicKey`] if `x ≥ p` or `x` is not on the curve.
pub fn lift_x(x: &[u8; 32]) -> Result<Point<Secp256k1>, Bip340Error> {
    let mut sec1 = [0u8; 33];
    let (tag, rest) = sec1.split_at_mut(1);
    tag.copy_from_slice(&[0x02]);
    rest.copy_from_slice(x);
    // SEC1 decoding refuses x >= p and an x with no square root; the tag 0x02 picks the even y.
    Point::from_bytes(&sec1).map_err(|_| Bip340Error::PublicKey)
}

/// The point with the `x` of `p` and an even `y` (`p` or `−p`), and whether `p` was negated.
#[must_use]
pub fn with_even_y(p: &Point<Secp256k1>) -> (Point<Secp256k1>, bool) {
    if has_even_y(p) {
        (*p, false)
    } else {
        (-*p, true)
    }
}

/// BIP341's key-path tweak for an output with no script tree (BIP86): with `P` the internal
/// key made even (`lift_x(x(P))`), `t = int(hash_TapTweak(bytes(P)))` and `Q = P + t·G`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TapTweak {
    /// The internal key as BIP341 uses it: `lift_x(x(P))`.
    pub internal_key: Point<Secp256k1>,
    /// Whether the key given had an odd `y` (and was negated into `internal_key`).
    pub internal_negated: bool,
    /// `t`.
    pub tweak: Scalar<Secp256k1>,
    /// `t·G`.
    pub tweak_point: Point<Secp256k1>,
    /// `Q = internal_key + t·G`, with its own `y` (its x coordinate is the output key).
    pub output_point: Point<Secp256k1>,
}

impl TapTweak {
    /// The tweak of the internal key `key`.
    ///
    /// `None` when `t ≥ n` or `Q` is the point at infinity (BIP341 `taproot_tweak_pubkey`
    /// fails; probability about `2^-128`, and no one can spend such an output by key path).
    /// The point at infinity (no key) gives `None` too.
    #[must_use]
    pub fn of(key: &Point<Secp256k1>) -> Option<Self> {
        // lift_x(x(P)) has the x of P and an even y: P or -P (the point at infinity: none).
        let (x, internal_negated) = x_and_parity(key)?;
        let internal_key = if internal_negated { -*key } else { *key };
        let hash = tagged_hash(b"TapTweak", &[&x]);
        // BIP341: "if t >= SECP256K1_ORDER: raise ValueError".
        let tweak = Scalar::<Secp256k1>::from_bytes(&hash).ok()?;
        let tweak_point = tweak.mul_base();
        let output_point = internal_key + tweak_point;
        if output_point.is_identity() {
            return None;
        }
        Some(Self {
            internal_key,
            internal_negated,
            tweak,
            tweak_point,
            output_point,
        })
    }

    /// The 32-byte output key (the witness program of the `bc1p` address).
    #[must_use]
    pub fn output_key(&self) -> [u8; 32] {
        x_only(&self.output_point)
    }
}

/// BIP340's challenge `e = int(hash_BIP0340/challenge(bytes(R) ‖ bytes(P) ‖ m)) mod n`.
#[must_use]
pub fn challenge(r_x: &[u8; 32], p_x: &[u8; 32], message: &[u8]) -> Scalar<Secp256k1> {
    reduce(tagged_hash(b"BIP0340/challenge", &[r_x, p_x, message]))
}

/// BIP340 `Verify(pk, m, sig)` for a message of any length. Variable time (public values).
///
/// # Errors
/// [`Bip340Error`] naming the failed step.
pub fn verify(
    public_key: &[u8; 32],
    message: &[u8],
    signature: &[u8; 64],
) -> Result<(), Bip340Error> {
    // BIP340 Verification: P = lift_x(int(pk)); fail if that fails.
    let p = lift_x(public_key)?;
    let (r_bytes, s_bytes) = signature.split_at(32);
    let mut r = [0u8; 32];
    r.copy_from_slice(r_bytes);
    // s = int(sig[32:64]); fail if s >= n.
    let s = Scalar::<Secp256k1>::from_bytes(s_bytes).map_err(|_| Bip340Error::S)?;
    // e = int(hash_BIP0340/challenge(bytes(r) || bytes(P) || m)) mod n.
    let e = challenge(&r, public_key, message);
    // R = s·G − e·P; fail if infinite, if not has_even_y(R), or if x(R) != r. A value r >= p
    // is no field element's encoding, so the last comparison refuses it too.
    // public: the key, the signature and the challenge are public
    #[allow(clippy::disallowed_methods)]
    let big_r = p.mul_base_add_vartime(&s, &(-e));
    match x_and_parity(&big_r) {
        Some((x, false)) if x == r => Ok(()),
        _ => Err(Bip340Error::Equation),
    }
}
