//! Property tests over RNG seeds: the resharing invariants on both curves.
//!
//! For any seed: backup, recover and refresh keep the key (`x_c + x_s = b_c + b_k = x`, the
//! public key unchanged, each pair combining to `x` checked against the public key), produce
//! fresh shares (no new share equals an old one), keep the pairs mismatched (a share of one pair
//! with the other side of another pair gives a different point than the public key), and the
//! stored forms round-trip byte for byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_backup::eject::combine;
use tandem_curves::{Curve, Ed25519, Secp256k1};
use tandem_protocol::BackupShare;
use tandem_protocol::KeyShare;
use tandem_protocol::backup_share::Sharing;
use tandem_protocol::driver::reshare;
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::reshare::{Backup, Recover, Refresh};

fn rng(seed: u64, stream: u64) -> ChaCha20Rng {
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// `a`'s secret plus `b`'s secret, as a public point (for pairs `combine` refuses on purpose).
fn sum_point<C: Curve>(a: &KeyShare<C>, b: &KeyShare<C>) -> tandem_curves::Point<C> {
    (a.secret() + b.secret()).public_point()
}

fn invariants<C: Curve>(seed: u64) {
    let (mut c, mut s) = (rng(seed, 1), rng(seed, 2));
    let (xc, xs) = driver::keygen::<C, _, _, _>(&mut c, &mut s, &mut NoTap).unwrap();
    let x = combine(&xc, &xs).unwrap();
    let public = xc.public_key();

    // Backup: a fresh pair of the same key, mismatched with the signing pair.
    let (bc, bk): (BackupShare<C>, BackupShare<C>) =
        reshare::<Backup, C, _, _, _>(&xc, &xs, &mut c, &mut s, &mut NoTap).unwrap();
    assert_eq!(bc.public_key(), public);
    let b = combine(&bc, &bk).unwrap();
    assert_eq!(b.public_point(), x.public_point());
    assert_ne!(bc.sharing_id(), xc.sharing_id());
    for (old, new) in [(&xc, bc.key_share()), (&xs, bk.key_share())] {
        assert_ne!(
            old.public_shares().of(old.role()),
            new.public_shares().of(new.role())
        );
    }
    assert_ne!(sum_point(&xc, bk.key_share()), public, "x_c + b_k");
    assert_ne!(sum_point(bc.key_share(), &xs), public, "b_c + x_s");

    // Stored forms round-trip.
    assert_eq!(
        BackupShare::<C>::from_bytes(&bc.to_bytes().unwrap())
            .unwrap()
            .to_bytes()
            .unwrap(),
        bc.to_bytes().unwrap()
    );

    // Recover: a new signing pair of the same key, matching neither old pair.
    let (rc, rs) = reshare::<Recover, C, _, _, _>(&bc, &bk, &mut c, &mut s, &mut NoTap).unwrap();
    assert_eq!(rc.public_key(), public);
    assert_eq!(combine(&rc, &rs).unwrap().public_point(), x.public_point());
    assert_ne!(rc.sharing_id(), xc.sharing_id());
    assert_ne!(rc.sharing_id(), bc.sharing_id());
    assert_ne!(
        sum_point(&xc, &rs),
        public,
        "old device share with the new server share"
    );
    assert!(combine(&xc, &rs).is_err());

    // Refresh: again a new pair of the same key.
    let (fc, fs) = reshare::<Refresh, C, _, _, _>(&rc, &rs, &mut c, &mut s, &mut NoTap).unwrap();
    assert_eq!(combine(&fc, &fs).unwrap().public_point(), x.public_point());
    assert_ne!(sum_point(&rc, &fs), public);
    assert_eq!(
        KeyShare::<C>::from_bytes(&fc.to_bytes().unwrap())
            .unwrap()
            .sharing_id(),
        fc.sharing_id()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn resharing_keeps_the_key_and_mismatches_the_pairs_ed25519(seed in any::<u64>()) {
        invariants::<Ed25519>(seed);
    }

    #[test]
    fn resharing_keeps_the_key_and_mismatches_the_pairs_secp256k1(seed in any::<u64>()) {
        invariants::<Secp256k1>(seed);
    }

    /// The same seeds give the same transcript outputs (deterministic protocol given the RNG).
    #[test]
    fn resharing_is_deterministic_given_the_rngs(seed in any::<u64>()) {
        let run = || {
            let (mut c, mut s) = (rng(seed, 1), rng(seed, 2));
            let (xc, xs) = driver::keygen::<Ed25519, _, _, _>(&mut c, &mut s, &mut NoTap).unwrap();
            let (bc, bk) = reshare::<Backup, Ed25519, _, _, _>(&xc, &xs, &mut c, &mut s, &mut NoTap).unwrap();
            (bc.to_bytes().unwrap(), bk.to_bytes().unwrap())
        };
        prop_assert_eq!(run(), run());
    }
}
