//! The serde layout of a stored presignature (`presign::Presignature`), to read or change
//! its private fields (`#[path]`-included by the tests that need it).

#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use tandem_curves::{CurveId, Point, Secp256k1, SecretScalar};
use tandem_protocol::ecdsa::presign::PartyCommitments;
use tandem_protocol::stored::{self, StoredKind};
use tandem_protocol::{Role, SessionId};

#[derive(Serialize, Deserialize)]
pub(crate) struct PresigMirror {
    pub(crate) id: SessionId,
    pub(crate) role: Role,
    #[serde(with = "tandem_curves::encoding::fixed")]
    pub(crate) sharing_id: [u8; 32],
    pub(crate) r: Point<Secp256k1>,
    pub(crate) k: SecretScalar<Secp256k1>,
    pub(crate) chi: SecretScalar<Secp256k1>,
    pub(crate) client: PartyCommitments,
    pub(crate) server: PartyCommitments,
}

pub(crate) fn presig_mirror(bytes: &[u8]) -> PresigMirror {
    stored::decode(StoredKind::Presignature, CurveId::Secp256k1, bytes).unwrap()
}

pub(crate) fn presig_bytes(m: &PresigMirror) -> Vec<u8> {
    stored::encode(StoredKind::Presignature, CurveId::Secp256k1, m)
        .unwrap()
        .to_vec()
}
