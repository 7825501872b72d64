//! Hedged randomness for the proofs a party makes after a state may have been restored.
//!
//! A saved state can be restored twice ([`crate::stored::SessionState`]); each copy then
//! draws its proof nonces from the RNG its caller passes. With a CSPRNG the two copies draw
//! independent nonces. If the two restorations replay one RNG stream (a virtual machine
//! resumed twice from one snapshot, a seeded RNG restored with the state) and the peer sends
//! each copy a different message, the copies would make the same nonces under two
//! challenges: for Πfac, `z1 = α + e·p` twice under one `α` gives `p`. The hedge derives the
//! proof RNG from the caller's RNG *and* the party's secret *and* everything the proof is
//! bound to (session, prover, the joint `ρ`, the peer's parameters), so a replayed stream
//! still gives other nonces for any other peer message, and a good RNG keeps them uniform
//! (the construction of RFC 6979 §3.6 and of BIP-340's `aux_rand`, applied to a seed).

use chacha20::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use tandem_curves::Transcript;
use zeroize::Zeroizing;

/// A ChaCha20 RNG (wiped on drop) seeded from 32 bytes of `rng`, `secret` and `context`, the
/// transcript the proof is bound to.
pub(crate) fn rng<R: CryptoRng + ?Sized>(
    rng: &mut R,
    secret: &[u8],
    mut context: Transcript,
) -> ChaCha20Rng {
    let mut fresh = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut fresh[..]);
    context.append("hedge/fresh", &fresh[..]);
    context.append("hedge/secret", secret);
    let mut seed = Zeroizing::new([0u8; 32]);
    context.challenge_bytes("hedge/seed", &mut seed[..]);
    ChaCha20Rng::from_seed(*seed)
}
