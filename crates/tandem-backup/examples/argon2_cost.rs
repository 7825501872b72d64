//! The cost of opening a password envelope: one Argon2id evaluation at the minimum, the
//! default, the ceilings of `PasswordParams` and the ceiling before it was lowered, and one
//! whole `envelope::open` at the default and at the ceiling (timings are printed, medians of
//! a few runs, never asserted).
//!
//! `cargo run -p tandem-backup --example argon2_cost` (the dev profile builds `argon2` with
//! `opt-level = 3`, as a release build does).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tandem_backup::envelope::{self, KeySource, PasswordParams};
use tandem_curves::Ed25519;
use tandem_protocol::BackupKind;
use tandem_protocol::driver::reshare;
use tandem_protocol::driver::{NoTap, keygen};
use tandem_protocol::reshare::Backup;

const REPS: usize = 3;

fn median(mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..REPS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[REPS / 2]
}

fn argon2(p: PasswordParams) {
    let params = argon2::Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(32)).unwrap();
    let mut out = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(b"1234", &[7u8; 16], &mut out)
        .unwrap();
}

fn describe(p: PasswordParams) -> String {
    format!(
        "{:>3} MiB, t = {}, p = {} ({:>4} MiB·passes)",
        p.m_cost_kib / 1024,
        p.t_cost,
        p.p_cost,
        u64::from(p.m_cost_kib) * u64::from(p.t_cost) / 1024
    )
}

fn main() {
    let params = |m_mib: u32, t_cost: u32, p_cost: u32| PasswordParams {
        m_cost_kib: m_mib * 1024,
        t_cost,
        p_cost,
    };
    let old_max = params(256, 8, 4);
    let rows = [
        ("minimum", PasswordParams::MIN),
        ("default", PasswordParams::DEFAULT),
        ("default, 4 lanes", params(64, 3, 4)),
        ("ceiling: most memory", params(128, 3, 1)),
        ("ceiling: most memory, 4 lanes", params(128, 3, 4)),
        ("ceiling: most passes", params(96, 4, 1)),
        ("old ceiling (refused now)", old_max),
    ];
    println!("One Argon2id evaluation (median of {REPS}):");
    for (name, p) in rows {
        let accepted = if p.check().is_ok() {
            "accepted"
        } else {
            "refused"
        };
        println!(
            "  {name:<30} {}  {accepted:<8} {:>6} ms",
            describe(p),
            median(|| argon2(p)).as_millis()
        );
    }

    // A whole open (Argon2id, then AES-GCM and the share's checks) of a real envelope.
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut rng2 = ChaCha20Rng::seed_from_u64(2);
    let (c, s) = keygen::<Ed25519, _, _, _>(&mut rng, &mut rng2, &mut NoTap).unwrap();
    let (share, _) = reshare::<Backup, Ed25519, _, _, _>(&c, &s, &mut rng, &mut rng2, &mut NoTap)
        .expect("backup");
    let password = KeySource::Password(b"1234");
    println!("envelope::open (median of {REPS}):");
    for (name, p) in [
        ("default", PasswordParams::DEFAULT),
        ("ceiling", params(128, 3, 4)),
    ] {
        let sealed = envelope::seal_with(&share, "w", &password, p, &mut rng).unwrap();
        let took = median(|| {
            envelope::open::<Ed25519>(&sealed, "w", BackupKind::ClientBackup, &password).unwrap();
        });
        println!("  {name:<30} {}  {:>6} ms", describe(p), took.as_millis());
    }
}
