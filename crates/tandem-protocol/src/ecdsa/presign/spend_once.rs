//! The server's presigning state between messages 2 and 3, saved for a stateless server:
//! a **spend-once** record, not a [`SessionState`](crate::stored::SessionState).
//!
//! [`ServerAwaitingClient`] holds the server's presigning nonces `k_s`, `γ_s`, fixed by
//! message 2 (CGGMP24 Fig. 8 round 1). Restored twice and driven with two different client
//! messages 3 it makes two presignatures under one nonce, and one signature with each reveals
//! the key: the rule of `SessionState` (two restorations must be harmless) cannot hold for
//! it. A stored [`Presignature`](super::Presignature) has the same property, and the same
//! remedy applies to both: the saved bytes are spent by **one atomic take** of the store
//! that holds them (in SQL, `DELETE … RETURNING` inside the transaction that then commits
//! before any answer computed from them leaves), never read and kept. A store restored from
//! an older copy re-enables what it had spent, for presignatures and these states alike: the
//! store must refuse to serve such a copy (the server's rollback anchor).
//!
//! Hence a separate, narrow API: [`save`] consumes the state; [`restore`] checks the header
//! (version, kind, protocol, role, round, curve) and the context. Nothing else serializes the
//! state (no public serde implementation).

use serde::{Deserialize, Serialize};
use tandem_curves::CurveId;
use zeroize::Zeroizing;

use super::rounds::{EncryptedNoncesMsg, MtaMsg, Round1Secrets, Round2Secrets};
use super::{ServerAwaitingClient, round};
use crate::error::DecodeError;
use crate::message::{ProtocolId, Role, SessionContext};
use crate::stored::{self, StoredKind};

/// The stored body: the state's fields, crate-private.
#[derive(Serialize, Deserialize)]
struct Stored {
    ctx: SessionContext,
    #[serde(with = "tandem_curves::encoding::fixed")]
    sharing_id: [u8; 32],
    secrets: Round1Secrets,
    secrets2: Round2Secrets,
    client_r1: EncryptedNoncesMsg,
    own_r1: EncryptedNoncesMsg,
    own_r2: MtaMsg,
}

const KIND: StoredKind = StoredKind::SpendOnceSession {
    protocol: ProtocolId::Presign,
    role: Role::Server,
    awaiting_round: round::CLIENT_MTA_DELTA,
};

/// Saves the server's presigning state, consuming it. The caller stores the bytes where one
/// atomic take spends them (see the module docs), encrypted like a key share.
///
/// # Errors
/// If the state cannot be encoded.
pub fn save(state: ServerAwaitingClient) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    let ServerAwaitingClient {
        ctx,
        sharing_id,
        secrets,
        secrets2,
        client_r1,
        own_r1,
        own_r2,
    } = state;
    let stored = Stored {
        ctx,
        sharing_id,
        secrets,
        secrets2,
        client_r1,
        own_r1,
        own_r2,
    };
    stored::encode(KIND, CurveId::Secp256k1, &stored)
}

/// Restores a state saved by [`save`], taken (deleted) from its store in the same step.
///
/// # Errors
/// A [`DecodeError`]: wrong version, kind, protocol, role, round or curve, malformed values,
/// or a context that is not the server's presigning context.
pub fn restore(bytes: &[u8]) -> Result<ServerAwaitingClient, DecodeError> {
    let s: Stored = stored::decode(KIND, CurveId::Secp256k1, bytes)?;
    if s.ctx.protocol != ProtocolId::Presign
        || s.ctx.me != Role::Server
        || s.ctx.curve != CurveId::Secp256k1
    {
        return Err(DecodeError::Inconsistent);
    }
    Ok(ServerAwaitingClient {
        ctx: s.ctx,
        sharing_id: s.sharing_id,
        secrets: s.secrets,
        secrets2: s.secrets2,
        client_r1: s.client_r1,
        own_r1: s.own_r1,
        own_r2: s.own_r2,
    })
}
