//! A pool of presignatures made ahead of time, each handed out at most once.
//!
//! A presignature used for two signatures reveals the key (two linear equations in the two
//! secret shares `k̃`, `χ̃`). The type system keeps one in-memory [`Presignature`] from being
//! used twice (not `Clone`, consumed by signing); this pool keeps its *stored* form from being
//! used twice:
//! - [`PresignaturePool::take`] removes a presignature and records its id as spent, so the
//!   server answers a second request for the same id with [`Refusal::PresignatureSpent`];
//! - [`PresignaturePool::insert`] refuses an id the pool has seen before (held or spent): a
//!   presignature read twice from storage cannot come back (presigning states themselves
//!   are not saveable, so a run cannot be resumed twice into twin presignatures:
//!   [`crate::stored::SessionState`]);
//! - the stored form ([`PresignaturePool::to_bytes`]) keeps the spent ids, so all of this
//!   survives a restart. The caller must persist the pool after a `take` and before the
//!   partial signature made with it leaves the process.
//!
//! The pool is shared between threads (`&self` methods, one lock): concurrent signers never
//! get the same presignature.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use tandem_curves::CurveId;

use super::{EcdsaKeyShare, Presignature};
use crate::error::{DecodeError, Error, Misuse, Refusal};
use crate::message::{Role, SessionId};
use crate::stored::{self, StoredKind};

/// Most presignatures a stored pool may hold (bounds decoding).
pub const MAX_HELD: usize = 4096;
/// Most spent ids a stored pool may record (about 33 bytes each).
pub const MAX_SPENT: usize = 1 << 20;
/// Size limit of a stored pool.
pub const MAX_STORED_LEN: usize = 40 << 20;

/// Presignatures of one party for one sharing, and the ids already spent.
pub struct PresignaturePool {
    sharing_id: [u8; 32],
    role: Role,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    held: BTreeMap<SessionId, Presignature>,
    spent: BTreeSet<SessionId>,
}

impl core::fmt::Debug for PresignaturePool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let inner = self.lock();
        f.debug_struct("PresignaturePool")
            .field("role", &self.role)
            .field("held", &inner.held.len())
            .field("spent", &inner.spent.len())
            .finish_non_exhaustive()
    }
}

/// The stored form.
#[derive(Serialize, Deserialize)]
struct Body {
    #[serde(with = "tandem_curves::encoding::fixed")]
    sharing_id: [u8; 32],
    role: Role,
    held: Vec<Presignature>,
    spent: Vec<SessionId>,
}

/// The pool's size limits, each reported with its own limit.
fn check_limits(held: usize, spent: usize) -> Result<(), Error> {
    for (got, limit) in [(held, MAX_HELD), (spent, MAX_SPENT)] {
        if got > limit {
            return Err(Error::Storage(DecodeError::TooLarge { got, limit }));
        }
    }
    Ok(())
}

impl PresignaturePool {
    /// An empty pool for `share`'s party and sharing.
    #[must_use]
    pub fn new(share: &EcdsaKeyShare) -> Self {
        Self {
            sharing_id: share.sharing_id(),
            role: share.role(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the maps consistent, so a poisoned lock is usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a fresh presignature.
    ///
    /// # Errors
    /// [`Misuse::KeyShareChanged`] for a presignature of another party or sharing;
    /// [`Misuse::PresignatureReused`] if the pool has seen its id before.
    pub fn insert(&self, presignature: Presignature) -> Result<(), Error> {
        if presignature.role != self.role || presignature.sharing_id != self.sharing_id {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        let mut inner = self.lock();
        let id = presignature.id;
        if inner.spent.contains(&id) || inner.held.contains_key(&id) {
            return Err(Error::Misuse(Misuse::PresignatureReused));
        }
        inner.held.insert(id, presignature);
        Ok(())
    }

    /// Removes the presignature `id` (the server, for the id the client names) and records
    /// it as spent.
    ///
    /// # Errors
    /// [`Refusal::PresignatureSpent`] if it was spent before, [`Refusal::PresignatureMismatch`]
    /// if the pool never held it; both name the peer that asked.
    pub fn take(&self, id: SessionId) -> Result<Presignature, Error> {
        let mut inner = self.lock();
        match inner.held.remove(&id) {
            Some(p) => {
                inner.spent.insert(id);
                Ok(p)
            }
            None => Err(Error::Refused {
                sender: self.role.peer(),
                reason: if inner.spent.contains(&id) {
                    Refusal::PresignatureSpent
                } else {
                    Refusal::PresignatureMismatch
                },
            }),
        }
    }

    /// Removes any held presignature (the client, which picks) and records it as spent;
    /// `None` when the pool is empty.
    #[must_use]
    pub fn take_any(&self) -> Option<Presignature> {
        let mut inner = self.lock();
        let (id, p) = inner.held.pop_first()?;
        inner.spent.insert(id);
        Some(p)
    }

    /// Presignatures held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().held.len()
    }

    /// Whether no presignature is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids of the presignatures held, in order.
    #[must_use]
    pub fn held_ids(&self) -> Vec<SessionId> {
        self.lock().held.keys().copied().collect()
    }

    /// Ids spent so far.
    #[must_use]
    pub fn spent_count(&self) -> usize {
        self.lock().spent.len()
    }

    /// Stored form: the held presignatures and every spent id, in a buffer wiped on drop.
    ///
    /// # Errors
    /// [`Error::Storage`] if the pool is over its size limits.
    pub fn to_bytes(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        let inner = self.lock();
        check_limits(inner.held.len(), inner.spent.len())?;
        // Serialised by reference: the presignatures stay in the pool.
        #[derive(Serialize)]
        struct BodyRef<'a> {
            #[serde(with = "tandem_curves::encoding::fixed")]
            sharing_id: [u8; 32],
            role: Role,
            held: Vec<&'a Presignature>,
            spent: &'a BTreeSet<SessionId>,
        }
        let body = BodyRef {
            sharing_id: self.sharing_id,
            role: self.role,
            held: inner.held.values().collect(),
            spent: &inner.spent,
        };
        stored::encode_with_limit(
            StoredKind::PresignaturePool,
            CurveId::Secp256k1,
            &body,
            MAX_STORED_LEN,
        )
        .map_err(Error::Storage)
    }

    /// Reads a stored pool for `share`, checking every presignature against its commitments
    /// and that no id is both held and spent.
    ///
    /// # Errors
    /// [`Error::Storage`] for malformed or inconsistent bytes; [`Misuse::KeyShareChanged`] if
    /// the pool belongs to another party or sharing.
    pub fn from_bytes(bytes: &[u8], share: &EcdsaKeyShare) -> Result<Self, Error> {
        let body: Body = stored::decode_with_limit(
            StoredKind::PresignaturePool,
            CurveId::Secp256k1,
            bytes,
            MAX_STORED_LEN,
        )
        .map_err(Error::Storage)?;
        if body.sharing_id != share.sharing_id() || body.role != share.role() {
            return Err(Error::Misuse(Misuse::KeyShareChanged));
        }
        check_limits(body.held.len(), body.spent.len())?;
        let spent: BTreeSet<SessionId> = body.spent.into_iter().collect();
        let mut held = BTreeMap::new();
        for p in body.held {
            p.validate().map_err(Error::Storage)?;
            if p.role != body.role || p.sharing_id != body.sharing_id || spent.contains(&p.id) {
                return Err(Error::Storage(DecodeError::Inconsistent));
            }
            if held.insert(p.id, p).is_some() {
                return Err(Error::Storage(DecodeError::Inconsistent));
            }
        }
        Ok(Self {
            sharing_id: body.sharing_id,
            role: body.role,
            inner: Mutex::new(Inner { held, spent }),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use tandem_curves::{CurveId, Point};

    use super::{Body, MAX_HELD, MAX_SPENT, MAX_STORED_LEN, PresignaturePool};
    use crate::ecdsa::Presignature;
    use crate::ecdsa::tests::{fixture_presignature, fixture_shares, shows};
    use crate::error::{DecodeError, Error, Misuse};
    use crate::message::{Role, SessionId};
    use crate::stored::{STORED_VERSION, StoredHeader, StoredKind};

    fn pool_bytes(body: &Body) -> Vec<u8> {
        // Written without the size limit of `stored::encode` (a pool may be larger).
        let header = StoredHeader {
            version: STORED_VERSION,
            kind: StoredKind::PresignaturePool,
            curve: CurveId::Secp256k1,
        };
        postcard::to_allocvec(&(header, body)).unwrap()
    }

    fn server_pool(held: Vec<Presignature>, spent: Vec<SessionId>) -> Vec<u8> {
        let server = fixture_presignature("server");
        pool_bytes(&Body {
            sharing_id: server.sharing_id,
            role: Role::Server,
            held,
            spent,
        })
    }

    #[test]
    fn pool_over_its_limit_is_not_written() {
        // MAX_HELD + 1 presignatures (distinct ids) in memory: the stored form is refused.
        let (_, server) = fixture_shares();
        let pool = PresignaturePool::new(&server);
        for i in 0..=MAX_HELD {
            let mut p = fixture_presignature("server");
            p.id.0[..8].copy_from_slice(&(i as u64).to_be_bytes());
            pool.insert(p).unwrap();
        }
        assert!(matches!(
            pool.to_bytes(),
            Err(Error::Storage(DecodeError::TooLarge { .. }))
        ));
    }

    #[test]
    fn stored_pool_refusals() {
        let (client, server) = fixture_shares();
        let storage = |bytes: &[u8]| PresignaturePool::from_bytes(bytes, &server).err();
        let sp = || fixture_presignature("server");
        let inconsistent = Some(Error::Storage(DecodeError::Inconsistent));
        assert!(storage(&server_pool(vec![sp()], vec![])).is_none());
        // A pool of the server read with the client's share.
        let bytes = server_pool(vec![sp()], vec![]);
        assert_eq!(
            PresignaturePool::from_bytes(&bytes, &client).err(),
            Some(Error::Misuse(Misuse::KeyShareChanged))
        );
        // A held id that is also recorded as spent.
        let id = sp().id;
        assert_eq!(storage(&server_pool(vec![sp()], vec![id])), inconsistent);
        // The same id held twice.
        assert_eq!(
            storage(&server_pool(vec![sp(), sp()], vec![])),
            inconsistent
        );
        // The client's half inside the server's pool.
        let client_half = fixture_presignature("client");
        assert_eq!(
            storage(&server_pool(vec![client_half], vec![])),
            inconsistent
        );
        // A held presignature that fails its own consistency check.
        let mut bad = sp();
        bad.client.big_delta = bad.client.big_delta + Point::generator();
        assert_eq!(storage(&server_pool(vec![bad], vec![])), inconsistent);
        // More than MAX_STORED_LEN bytes (the header is read first, then the size).
        let mut huge = server_pool(vec![sp()], vec![]);
        huge.resize(MAX_STORED_LEN + 1, 0);
        assert_eq!(
            storage(&huge),
            Some(Error::Storage(DecodeError::TooLarge {
                got: MAX_STORED_LEN + 1,
                limit: MAX_STORED_LEN
            }))
        );
        // A stored presignature offered as a pool.
        let stored = sp().to_bytes().unwrap();
        assert_eq!(
            storage(&stored),
            Some(Error::Storage(DecodeError::WrongKind))
        );
        // More than MAX_SPENT spent ids.
        let spent: Vec<SessionId> = (0..=MAX_SPENT as u64)
            .map(|i| {
                let mut id = [0u8; 32];
                id[..8].copy_from_slice(&i.to_be_bytes());
                SessionId(id)
            })
            .collect();
        match storage(&server_pool(vec![], spent)) {
            Some(Error::Storage(DecodeError::TooLarge { got, limit })) => {
                assert_eq!((got, limit), (MAX_SPENT + 1, MAX_SPENT));
            }
            other => panic!("{other:?}"),
        }
        // More than MAX_HELD presignatures: refused before any is validated.
        let many: Vec<Presignature> = (0..=MAX_HELD).map(|_| sp()).collect();
        match storage(&server_pool(many, vec![])) {
            Some(Error::Storage(DecodeError::TooLarge { got, .. })) => {
                assert_eq!(got, MAX_HELD + 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pools_print_no_secret() {
        let (_, server) = fixture_shares();
        let p = fixture_presignature("server");
        let (k, chi) = (p.k.to_bytes(), p.chi.to_bytes());
        let pool = PresignaturePool::new(&server);
        pool.insert(p).unwrap();
        for text in [format!("{pool:?}"), format!("{pool:#?}")] {
            assert!(!shows(&text, &k[..]) && !shows(&text, &chi[..]), "{text}");
        }
    }
}
