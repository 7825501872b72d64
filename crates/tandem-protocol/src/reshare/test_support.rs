//! Helpers of this crate's unit tests (which cannot use `tandem-testkit`: it depends on this
//! crate).

#![allow(clippy::unwrap_used)]

use crate::KeyShare;
use crate::driver::{self, NoTap};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_curves::{Curve, Ed25519};

use crate::BackupShare;
use crate::reshare::Backup;

pub(crate) fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A signing pair from key generation with seeds `seed`, `seed + 1`.
pub(crate) fn signing_pair<C: Curve>(seed: u64) -> (KeyShare<C>, KeyShare<C>) {
    driver::keygen::<C, _, _, _>(&mut rng(seed), &mut rng(seed + 1), &mut NoTap).unwrap()
}

/// An Ed25519 backup pair (client backup, custodian backup).
pub(crate) fn backup_pair() -> (BackupShare<Ed25519>, BackupShare<Ed25519>) {
    let (c, s) = signing_pair::<Ed25519>(30);
    driver::reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng(32), &mut rng(33), &mut NoTap)
        .unwrap()
}
