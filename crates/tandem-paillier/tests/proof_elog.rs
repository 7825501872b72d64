//! Πelog (CGGMP24 Fig. 23): completeness, tampering, statement binding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::mod_module_files
)]

mod support;

use proptest::prelude::*;
use support::{ctx, rng};
use tandem_curves::{Point, Scalar, Secp256k1, SecretScalar};
use tandem_paillier::proofs::ProofError;
use tandem_paillier::proofs::elog::{self, ElogProof, Statement};

struct Case {
    l: Point<Secp256k1>,
    m: Point<Secp256k1>,
    x: Point<Secp256k1>,
    y: Point<Secp256k1>,
    h: Point<Secp256k1>,
    proof: ElogProof,
}

impl Case {
    fn st(&self) -> Statement<'_> {
        Statement {
            l: &self.l,
            m: &self.m,
            x: &self.x,
            y: &self.y,
            h: &self.h,
        }
    }
}

fn make(seed: u64) -> Case {
    let mut r = rng(seed);
    let lambda = SecretScalar::<Secp256k1>::random(&mut r);
    let y = SecretScalar::<Secp256k1>::random(&mut r);
    let x = SecretScalar::<Secp256k1>::random(&mut r).public_point();
    let h = SecretScalar::<Secp256k1>::random(&mut r).public_point();
    let (l, m, yy) = (
        lambda.public_point(),
        y.public_point() + x.mul_secret(&lambda),
        h.mul_secret(&y),
    );
    let st = Statement {
        l: &l,
        m: &m,
        x: &x,
        y: &yy,
        h: &h,
    };
    let proof = elog::prove(&st, &lambda, &y, &ctx(b"s1"), &mut r);
    Case {
        l,
        m,
        x,
        y: yy,
        h,
        proof,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn honest_proofs_verify(seed in any::<u64>()) {
        let c = make(seed);
        prop_assert_eq!(c.proof.verify(&c.st(), &ctx(b"s1")), Ok(()));
    }
}

#[test]
fn tampering_and_binding() {
    let c = make(1);
    type Tamper = fn(&mut ElogProof);
    let cases: [(&str, Tamper); 5] = [
        ("A", |p| p.a = p.a + Point::generator()),
        ("N", |p| p.n = p.n + Point::generator()),
        ("B", |p| p.b = p.b + Point::generator()),
        ("z", |p| p.z = p.z + Scalar::one()),
        ("u", |p| p.u = p.u + Scalar::one()),
    ];
    for (name, f) in cases {
        let mut p = c.proof.clone();
        f(&mut p);
        assert!(
            matches!(p.verify(&c.st(), &ctx(b"s1")), Err(ProofError::Equation(_))),
            "{name}"
        );
    }
    assert!(c.proof.verify(&c.st(), &ctx(b"s2")).is_err(), "session");
    let other = make(2);
    for (name, st) in [
        (
            "L",
            Statement {
                l: &other.l,
                ..c.st()
            },
        ),
        (
            "M",
            Statement {
                m: &other.m,
                ..c.st()
            },
        ),
        (
            "X",
            Statement {
                x: &other.x,
                ..c.st()
            },
        ),
        (
            "Y",
            Statement {
                y: &other.y,
                ..c.st()
            },
        ),
        (
            "H",
            Statement {
                h: &other.h,
                ..c.st()
            },
        ),
    ] {
        assert!(c.proof.verify(&st, &ctx(b"s1")).is_err(), "{name}");
    }
}
