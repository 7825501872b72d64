//! Two-party ECDSA on secp256k1 following CGGMP24 (eprint 2021/060, 2024 revision):
//! key generation ([`crate::keygen`]), auxiliary information ([`aux_info`]), presigning
//! ([`presign`]), signing from a presignature ([`sign`]) and full signing ([`full_sign`]).

use core::ops::ControlFlow;

use rand_core::CryptoRng;
use tandem_paillier::paillier::SecretKey;
use tandem_paillier::primes::{self, PrimeGenError, PrimeProgress};

pub mod aux_info;
pub mod full_sign;
pub mod key_share;
pub mod pool;
pub mod presign;
pub mod sign;
#[cfg(test)]
pub(crate) mod tests;

pub use key_share::{EcdsaKeyShare, OwnAux, PeerAux};
pub use pool::PresignaturePool;
pub use presign::Presignature;
pub use sign::EcdsaSignature;

/// Generates a fresh Paillier key: two 1536-bit safe primes (the progress callback sees both
/// searches, in order, and can cancel).
///
/// # Errors
/// [`PrimeGenError::Cancelled`] if the callback stops the search.
pub fn generate_paillier_key<R: CryptoRng + ?Sized>(
    rng: &mut R,
    progress: &mut dyn FnMut(usize, PrimeProgress) -> ControlFlow<()>,
) -> Result<SecretKey, PrimeGenError> {
    loop {
        let p = primes::generate_safe_prime(rng, &mut |pr| progress(0, pr))?;
        let q = primes::generate_safe_prime(rng, &mut |pr| progress(1, pr))?;
        // Distinct primes: equal ones have probability ~2^-1500, but the check is free.
        if let Ok(sk) = SecretKey::from_primes_unchecked(p, q) {
            return Ok(sk);
        }
    }
}
