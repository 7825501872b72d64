//! All-or-nothing writes: an operation's writes go through a [`Tx`], which remembers what each
//! record held before; a failed operation puts every record back.
//!
//! Every check (statuses, passwords, share validation, the protocols themselves) runs before
//! the first write, so a *refused* operation never reaches the store at all; the undo log is
//! for failures of the store itself halfway through an operation's writes.

use zeroize::Zeroizing;

use crate::error::WalletError;
use crate::store::{Party, Store, StoreError};

type Before = Option<Zeroizing<Vec<u8>>>;

pub(crate) struct Tx<'s, S: Store + ?Sized> {
    store: &'s S,
    undo: Vec<(Party, &'static str, Before)>,
}

impl<'s, S: Store + ?Sized> Tx<'s, S> {
    pub(crate) fn new(store: &'s S) -> Self {
        Self {
            store,
            undo: Vec::new(),
        }
    }

    fn remember(&mut self, party: Party, name: &'static str) -> Result<(), StoreError> {
        if !self.undo.iter().any(|(p, n, _)| *p == party && *n == name) {
            let before = self.store.read(party, name)?;
            self.undo.push((party, name, before));
        }
        Ok(())
    }

    pub(crate) fn write(
        &mut self,
        party: Party,
        name: &'static str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.remember(party, name)?;
        self.store.write(party, name, bytes)
    }

    pub(crate) fn remove(&mut self, party: Party, name: &'static str) -> Result<(), StoreError> {
        self.remember(party, name)?;
        self.store.remove(party, name)
    }

    /// Puts every record back as it was, newest write first.
    fn rollback(self) -> Result<(), StoreError> {
        let mut first_error = None;
        for (party, name, before) in self.undo.into_iter().rev() {
            let result = match before {
                Some(bytes) => self.store.write(party, name, &bytes),
                None => self.store.remove(party, name),
            };
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Runs `body` with a transaction; if it fails, undoes its writes.
pub(crate) fn atomically<S: Store + ?Sized, T>(
    store: &S,
    body: impl FnOnce(&mut Tx<'_, S>) -> Result<T, WalletError>,
) -> Result<T, WalletError> {
    let mut tx = Tx::new(store);
    match body(&mut tx) {
        Ok(value) => Ok(value),
        Err(original) => match tx.rollback() {
            Ok(()) => Err(original),
            Err(undo) => Err(WalletError::RollbackFailed {
                original: Box::new(original),
                undo,
            }),
        },
    }
}
