//! The security level: every size and range of the protocol, fixed at 128-bit security.
//!
//! Values from CGGMP24 (eprint 2021/060, 2024 revision), Appendix C.1 "Concrete Security":
//! `ℓ = κ`, `ε = 2κ`, `ℓ' = 5κ` with `κ = 256` (the bit length of the secp256k1 group order),
//! `m = 128` repetitions for the binary-challenge proofs, and a 3072-bit Paillier modulus
//! (two 1536-bit safe primes), which matches secp256k1's 128-bit security. The constraints of
//! Appendix C.1 (`ℓ ≥ κ`, `ε ≥ ℓ + κ`, `ℓ' ≥ 3ℓ + ε`, `log N ≥ ℓ' + ε`) and Πfac's
//! `log N ≥ 4ℓ + 2ε` are checked by the test suite.
//!
//! There is one level and no weaker "test mode": tests use pregenerated primes of the same
//! size (the fixture primes of the unpublished `tandem-testkit`), never smaller parameters.
//!
//! | quantity | range | bits | type |
//! |---|---|---|---|
//! | `x` (secret plaintext) | `±2^ℓ` | 257 | [`I1024`](crate::bigint::I1024) |
//! | `y` (Πaff-g additive part) | `±2^ℓ'` | 1281 | [`I2048`](crate::bigint::I2048) |
//! | `α`, `z1` | `±2^(ℓ+ε)` | 769 | `I1024` |
//! | `β`, `z2` (Πaff-g) | `±2^(ℓ'+ε)` | 1793 | `I2048` |
//! | `μ`, `m` | `±2^ℓ·N` | 3329 | [`I4096`](crate::bigint::I4096) |
//! | `γ`, `δ`, `z3`, `z4` | `±2^(ℓ+ε)·N` | 3841 | `I4096` |
//! | Πfac `α`, `β`, `z1`, `z2` | `±2^(ℓ+ε)·√N` | 2305 | `I4096` |
//! | Πfac `r`, `v` | `±2^(ℓ+ε)·N·N` | 6913 | [`I8192`](crate::bigint::I8192) |
//! | challenge `e` | `±q` | 257 | `I1024` |

/// `κ`: bit length of the secp256k1 group order `q`.
pub const KAPPA: u32 = 256;
/// `ℓ`: the range of secret plaintexts, `±2^ℓ` (CGGMP24 App. C.1: `ℓ = κ`).
pub const ELL: u32 = 256;
/// `ℓ'`: the range of the additive mask `y` in Πaff-g, `±2^ℓ'` (App. C.1: `ℓ' = 5κ`).
pub const ELL_PRIME: u32 = 1280;
/// `ε`: the slack of range proofs (App. C.1: `ε = 2κ`).
pub const EPSILON: u32 = 512;
/// `m`: repetitions of the binary-challenge proofs Πmod and Πprm (App. C.1: 128-bit
/// statistical soundness).
pub const REPETITIONS: usize = 128;
/// Πmod: the number of `N`-th roots (the `gcd(N, φ(N)) = 1` part). Goldberg, Reyzin, Sagga
/// and Baldimtsi (eprint 2018/057, Section 3; the protocol Πmod is built on, CGGMP21 Section
/// 6.3): when `N` has no prime factor below `α`, a non-square-free `N` makes at most a `1/α`
/// fraction of `Z*_N` into `N`-th powers, so `⌈128 / log2 α⌉` roots give `2^-128`. With
/// [`MOD_SMALL_FACTOR_BITS`] = 16 (trial division by every prime below `2^16`, the smallest
/// possible factor is then 65537), 8 roots. The fourth roots (soundness 1/2 each) keep all
/// [`REPETITIONS`].
pub const MOD_NTH_ROOTS: usize = 8;
/// Πmod: the verifier refuses a modulus with a prime factor below `2^MOD_SMALL_FACTOR_BITS`.
pub const MOD_SMALL_FACTOR_BITS: u32 = 16;
/// Upper bound on any repeated field decoded from a peer (the exact count is checked by each
/// verifier; this bounds allocation while decoding).
pub const MAX_REPETITIONS: usize = REPETITIONS;
/// Bit length of each Paillier prime (safe primes, top two bits set).
pub const PRIME_BITS: u32 = 1536;
/// Bit length of every Paillier / ring-Pedersen modulus: exactly this, no more, no less.
pub const MODULUS_BITS: u32 = 3072;

/// The security level as a value, for reports and for binding into proof transcripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityLevel {
    /// `κ`.
    pub kappa: u32,
    /// `ℓ`.
    pub ell: u32,
    /// `ℓ'`.
    pub ell_prime: u32,
    /// `ε`.
    pub epsilon: u32,
    /// `m`.
    pub repetitions: usize,
    /// Bits of each prime.
    pub prime_bits: u32,
    /// Bits of each modulus.
    pub modulus_bits: u32,
}

/// The one level this build supports: 128-bit security (CGGMP24 Appendix C.1).
pub const LEVEL_128: SecurityLevel = SecurityLevel {
    kappa: KAPPA,
    ell: ELL,
    ell_prime: ELL_PRIME,
    epsilon: EPSILON,
    repetitions: REPETITIONS,
    prime_bits: PRIME_BITS,
    modulus_bits: MODULUS_BITS,
};

impl SecurityLevel {
    /// Bytes that identify the level in every proof transcript.
    #[must_use]
    pub fn transcript_bytes(&self) -> [u8; 28] {
        let mut out = [0u8; 28];
        let fields = [
            self.kappa,
            self.ell,
            self.ell_prime,
            self.epsilon,
            u32::try_from(self.repetitions).unwrap_or(u32::MAX),
            self.prime_bits,
            self.modulus_bits,
        ];
        for (chunk, v) in out.chunks_exact_mut(4).zip(fields) {
            chunk.copy_from_slice(&v.to_be_bytes());
        }
        out
    }
}
