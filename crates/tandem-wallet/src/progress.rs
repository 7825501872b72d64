//! Progress reports of long operations.

use tandem_curves::CurveId;

use crate::status::Status;
use crate::store::Party;

/// A step of a long operation (the steps named in `docs/design.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Reading a share from the store.
    ReadingShare,
    /// Running a protocol that makes new shares (key generation, aux info, resharing).
    GeneratingShare,
    /// Decoding and validating a share.
    ParsingShare,
    /// Sealing a share (the client backup share, under the user's key or password).
    EncryptingShare,
    /// Writing shares to the store.
    StoringShare,
    /// Making presignatures.
    Presigning,
    /// Running a signing protocol.
    Signing,
}

impl Step {
    /// A short human-readable name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Step::ReadingShare => "reading share",
            Step::GeneratingShare => "generating share",
            Step::ParsingShare => "parsing share",
            Step::EncryptingShare => "encrypting share",
            Step::StoringShare => "storing share",
            Step::Presigning => "presigning",
            Step::Signing => "signing",
        }
    }
}

/// One progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// A step starts, for a curve (if it is about one) and a party.
    Step {
        /// The step.
        step: Step,
        /// The curve it is about, if one.
        curve: Option<CurveId>,
        /// Whose data.
        party: Party,
    },
    /// A lifecycle status was reached and stored.
    Status(Status),
    /// Safe-prime search for a party's Paillier key (`prime` is 0 or 1).
    Prime {
        /// Whose key.
        party: Party,
        /// Which of the two primes.
        prime: usize,
        /// Candidates tested so far.
        candidates: u64,
    },
    /// A party's Paillier key is ready.
    PaillierKeyReady {
        /// Whose key.
        party: Party,
    },
}

/// A progress callback. It may be called from the prime-generation threads (one per party),
/// hence `Send`.
pub type ProgressFn<'a> = dyn FnMut(Progress) + Send + 'a;
