//! ECDSA end to end: keygen, aux info (fixture primes), presign, sign; verification with
//! k256 and public-key recovery.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::mod_module_files
)]

mod support;

use std::time::Instant;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use support::rng;
use tandem_curves::Secp256k1;
use tandem_paillier::test_fixtures;
use tandem_protocol::driver::{self, NoTap};

#[test]
fn keygen_aux_presign_sign_verifies_and_recovers() {
    let t = Instant::now();
    let (c, s) =
        driver::keygen::<Secp256k1, _, _, _>(&mut rng(1), &mut rng(2), &mut NoTap).unwrap();
    let public_key = c.public_key();
    let (cs, ss) = driver::aux_info(
        c,
        s,
        test_fixtures::paillier_key(0).unwrap(),
        test_fixtures::paillier_key(1).unwrap(),
        &mut rng(3),
        &mut rng(4),
        &mut NoTap,
    )
    .unwrap();
    eprintln!("keygen + aux {:?}", t.elapsed());
    let t = Instant::now();
    let (cp, sp) = driver::presign(&cs, &ss, &mut rng(5), &mut rng(6), &mut NoTap).unwrap();
    eprintln!("presign {:?}", t.elapsed());
    let digest = [7u8; 32];
    let t = Instant::now();
    let (sig_c, sig_s) = driver::ecdsa_sign(
        &cs,
        &ss,
        cp,
        sp,
        &digest,
        &mut rng(7),
        &mut rng(8),
        &mut NoTap,
    )
    .unwrap();
    eprintln!("sign {:?}", t.elapsed());
    assert_eq!(sig_c, sig_s);
    let vk = k256::ecdsa::VerifyingKey::from_affine(public_key.inner().to_affine()).unwrap();
    let sig = sig_c.to_k256().unwrap();
    vk.verify_prehash(&digest, &sig).unwrap();
    assert!(sig.normalize_s() == sig, "low s");
    let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(
        &digest,
        &sig,
        sig_c.k256_recovery_id().unwrap(),
    )
    .unwrap();
    assert_eq!(recovered, vk);
    let t = Instant::now();
    let (fc, fs) =
        driver::ecdsa_full_sign(&cs, &ss, &digest, &mut rng(9), &mut rng(10), &mut NoTap).unwrap();
    eprintln!("full sign {:?}", t.elapsed());
    assert_eq!(fc, fs);
    vk.verify_prehash(&digest, &fc.to_k256().unwrap()).unwrap();
}
