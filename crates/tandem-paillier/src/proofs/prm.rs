//! Πprm: the ring-Pedersen parameters are well formed, `s ∈ ⟨t⟩` (CGGMP24 Fig. 13,
//! Section 5.3; CGGMP21 Fig. 17).
//!
//! Relation: `s = t^λ mod N̂`. Prover: `a_i ← Z_φ(N̂)`, `A_i = t^a_i`; binary challenges
//! `e_i ∈ {0,1}`, `i = 1..m`; responses `z_i = a_i + e_i·λ mod φ(N̂)`. Verifier: exactly `m`
//! pairs, `A_i ∈ Z*_N̂`, `0 <= z_i < N̂` (bounds the exponent before use), then
//! `t^z_i = A_i · s^e_i (mod N̂)`. Binary challenges with `m = 128` repetitions: a single large
//! challenge here is what TSSHOCK's c-split attack broke.

use crypto_bigint::NonZero;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tandem_curves::Transcript;
use zeroize::{Zeroize, Zeroizing};

use super::{ProofError, append_uint, challenge_bits, start};
use crate::bigint::{self, U1536, U3072};
use crate::fixed_base::{FixedBaseTable, PublicPowers};
use crate::paillier::SecretKey;
use crate::parallel;
use crate::params::{MODULUS_BITS, PRIME_BITS, REPETITIONS};
use crate::ring_pedersen::{Params, Trapdoor};

const NAME: &str = "tandem/cggmp24/pi-prm/fig13/v1";

/// A Πprm proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrmProof {
    /// `A_i = t^a_i`.
    #[serde(with = "bigint::serde_uint_vec")]
    pub commitments: Vec<U3072>,
    /// `z_i`.
    #[serde(with = "bigint::serde_uint_vec")]
    pub responses: Vec<U3072>,
}

fn transcript(ctx: &Transcript, params: &Params, commitments: &[U3072]) -> Transcript {
    let mut t = start(ctx, NAME);
    append_uint(&mut t, "N", params.n().as_ref());
    append_uint(&mut t, "s", params.s());
    append_uint(&mut t, "t", params.t());
    for a in commitments {
        append_uint(&mut t, "A_i", a);
    }
    t
}

/// Proves knowledge of `λ` with `s = t^λ` for our own parameters.
#[must_use]
pub fn prove<R: CryptoRng + ?Sized>(
    params: &Params,
    trapdoor: &Trapdoor,
    sk: &SecretKey,
    ctx: &Transcript,
    rng: &mut R,
) -> PrmProof {
    prove_with_lambda(params, trapdoor.lambda(), sk, ctx, rng)
}

/// The prover with a raw `λ`: the honest entry point is [`prove`]; this one also lets tests
/// play a prover whose `s` is not a power of `t`.
#[doc(hidden)]
#[must_use]
pub fn prove_with_lambda<R: CryptoRng + ?Sized>(
    params: &Params,
    lambda: &U3072,
    sk: &SecretKey,
    ctx: &Transcript,
    rng: &mut R,
) -> PrmProof {
    let phi = NonZero::new(*sk.phi()).unwrap_or(NonZero::<U3072>::ONE);
    // The a_i are secret (z_i = a_i + e_i·λ): wiped when the proof is made.
    let nonces: Zeroizing<Vec<U3072>> = Zeroizing::new(
        (0..REPETITIONS)
            // φ(N) is secret: constant-time sampling (no rejection loop keyed on φ).
            .map(|_| {
                bigint::random_mod_secret::<{ U3072::LIMBS }, { crypto_bigint::U4096::LIMBS }, _>(
                    rng, &phi,
                )
            })
            .collect(),
    );
    let commitments = commit_nonces(params, sk, &nonces);
    let mut t = transcript(ctx, params, &commitments);
    let e = challenge_bits(&mut t, REPETITIONS);
    let responses = nonces
        .iter()
        .zip(&e)
        .map(|(a, bit)| {
            // Constant time in λ and a_i: the bit selects λ or 0 without branching.
            let added = a.add_mod(lambda, &phi);
            let choice = subtle::Choice::from(u8::from(*bit));
            subtle::ConditionallySelectable::conditional_select(a, &added, choice)
        })
        .collect();
    PrmProof {
        commitments,
        responses,
    }
}

/// `A_i = t^a_i mod N̂` for every nonce, prime by prime: one window table for `t mod p` and
/// one for `t mod q` (1536-bit exponents `a_i mod (p-1)`), so each commitment costs two
/// fixed-base exponentiations without squarings instead of two full ones. The tables depend
/// on the secret primes: built and used in constant time, wiped afterwards.
fn commit_nonces(params: &Params, sk: &SecretKey, nonces: &[U3072]) -> Vec<U3072> {
    // `t mod p` reveals p (gcd(t - t_p, N)): the residues are wiped with the tables.
    let (mut t_p, mut t_q) = sk.residues(params.t());
    let (params_p, params_q) = sk.prime_params();
    let order = |prime: &crypto_bigint::Odd<U1536>| {
        NonZero::new(prime.as_ref().wrapping_sub(&U1536::ONE)).unwrap_or(NonZero::<U1536>::ONE)
    };
    let (order_p, order_q) = (order(params_p.modulus()), order(params_q.modulus()));
    let (mut table_p, mut table_q) = parallel::join(
        || FixedBaseTable::new(&t_p, PRIME_BITS),
        || FixedBaseTable::new(&t_q, PRIME_BITS),
    );
    // Independent commitments: on the threads of the pool in use, returned in order.
    let commitments = parallel::map(nonces, |a| {
        let x_p = table_p.pow_secret(&a.rem(&order_p), PRIME_BITS);
        let x_q = table_q.pow_secret(&a.rem(&order_q), PRIME_BITS);
        match (x_p, x_q) {
            (Some(x_p), Some(x_q)) => sk.combine(&x_p, &x_q),
            // Unreachable: both tables cover PRIME_BITS.
            _ => sk.pow_mod_n(params.t(), a),
        }
    });
    table_p.wipe();
    table_q.wipe();
    t_p.zeroize();
    t_q.zeroize();
    commitments
}

impl PrmProof {
    /// Verifies the proof for `params` (already checked by [`Params::new`]).
    ///
    /// # Errors
    /// A [`ProofError`] naming the first failed check.
    pub fn verify(&self, params: &Params, ctx: &Transcript) -> Result<(), ProofError> {
        if self.commitments.len() != REPETITIONS || self.responses.len() != REPETITIONS {
            return Err(ProofError::Length("Πprm repetitions (A_i, z_i)"));
        }
        let n = params.n();
        for (a, z) in self.commitments.iter().zip(&self.responses) {
            if !bigint::is_unit(a, n) {
                return Err(ProofError::NotInGroup("Πprm A_i"));
            }
            // z_i ∈ Z_φ(N̂) ⊂ [0, N̂): bounded before it is used as an exponent.
            if z >= n.as_ref() {
                return Err(ProofError::OutOfRange("Πprm z_i < N (Fig. 13)"));
            }
        }
        let mut t = transcript(ctx, params, &self.commitments);
        let e = challenge_bits(&mut t, REPETITIONS);
        // 128 exponentiations of the same base t with public exponents: Yao's method.
        // public: t is a published ring-Pedersen parameter
        #[allow(clippy::disallowed_methods)]
        let table = PublicPowers::new_vartime(params.t_monty(), MODULUS_BITS);
        let s = *params.s_monty();
        // Independent repetitions: on the threads of the pool in use; the error of the lowest
        // index is reported.
        let repetitions: Vec<(usize, (&U3072, &U3072), bool)> = self
            .commitments
            .iter()
            .zip(&self.responses)
            .zip(e)
            .enumerate()
            .map(|(index, (pair, bit))| (index, pair, bit))
            .collect();
        parallel::try_for_each(&repetitions, |&(index, (a, z), bit)| {
            // public: the z_i are public proof responses
            #[allow(clippy::disallowed_methods)]
            let lhs = table
                .pow_vartime(z)
                .ok_or(ProofError::OutOfRange("Πprm z_i"))?;
            let mut rhs = params.to_monty(a);
            if bit {
                rhs = rhs.mul(&s);
            }
            if lhs == rhs {
                Ok(())
            } else {
                Err(ProofError::Repetition {
                    index,
                    check: "Πprm t^z_i = A_i s^e_i (Fig. 13)",
                })
            }
        })?;
        Ok(())
    }
}
