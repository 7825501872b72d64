//! Secrets lifted to big integers are wiped (docs/security-checklist.md, "Secrets at rest and in
//! memory"): the types that hold them are checked here; which temporaries use them (Πfac's `p, q,
//! α…`, Πaff-g's and the range proofs' nonces, presigning's lifted scalars) is checked by reading
//! (CHECKS.md, MEM rows).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crypto_bigint::Random;
use serde::{Deserialize, Serialize};
use tandem_paillier::bigint::{self, I1024, I2048, SecretInt};
use tandem_paillier::proofs::{scalar_from_int, secret_scalar_from_int};
use zeroize::{Zeroize, ZeroizeOnDrop};

fn assert_wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}

#[test]
fn secret_integers_are_wiped_and_keep_the_bare_integers_encoding() {
    let mut r = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(7);
    let x = I2048::random_from_rng(&mut r);
    let mut secret = SecretInt(x);
    assert_wiped_on_drop(&secret);
    // Saved presigning states hold β as a SecretInt: the same bytes as the bare integer
    // under `serde_int` (the layout of the stored state is unchanged).
    #[derive(Serialize, Deserialize)]
    struct Bare(#[serde(with = "bigint::serde_int")] I2048);
    let bytes = postcard::to_allocvec(&secret).unwrap();
    assert_eq!(bytes, postcard::to_allocvec(&Bare(x)).unwrap());
    let back: SecretInt<{ I2048::LIMBS }> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back.0, x);
    secret.zeroize();
    assert_eq!(secret.0, I2048::ZERO);
}

#[test]
fn secret_integers_reach_the_curve_as_secret_scalars() {
    // The same reduction mod q as the public `scalar_from_int`, into a wiped type.
    let mut r = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(8);
    let mut values = vec![
        I1024::ZERO,
        I1024::ONE,
        I1024::MINUS_ONE,
        I1024::from_i64(-987),
    ];
    values.extend((0..8).map(|_| I1024::random_from_rng(&mut r)));
    for z in values {
        let secret = secret_scalar_from_int(&z);
        assert_wiped_on_drop(&secret);
        assert_eq!(secret.reveal(), scalar_from_int(&z));
    }
}
