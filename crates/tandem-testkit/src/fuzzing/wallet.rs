//! `tandem-wallet`: the wallet record parser and the at-rest record format. Each returns
//! whether the input was accepted, so that the seeds can be checked.
//!
//! The record is read the way every operation reads it: by [`Wallet::info`] on a store that
//! holds only the server's `wallet.json` (parsed, validated, its keys decoded).

use tandem_curves::{Ed25519, Point, Scalar};
use tandem_protocol::hd::{ChainCode, DerivationPath, Derived};
use tandem_wallet::store::{Party, at_rest, names};
use tandem_wallet::xpub::Xpub;
use tandem_wallet::{FsStore, Store, StoreError, StoreLock, Wallet};
use zeroize::Zeroizing;

use super::Seed;

/// The at-rest key the `at_rest_record` target opens records with (public, test-only).
pub const FUZZ_AT_REST_KEY: [u8; 32] = [0x5a; 32];

/// A store holding the server's wallet record and nothing else; it refuses every write.
#[derive(Debug)]
struct RecordOnly<'a>(&'a [u8]);

impl Store for RecordOnly<'_> {
    fn read(&self, party: Party, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        Ok((party == Party::Server && name == names::WALLET)
            .then(|| Zeroizing::new(self.0.to_vec())))
    }
    fn write(&self, party: Party, name: &str, _: &[u8]) -> Result<(), StoreError> {
        Err(read_only(party, name))
    }
    fn remove(&self, party: Party, name: &str) -> Result<(), StoreError> {
        Err(read_only(party, name))
    }
    fn lock(&self) -> Result<StoreLock, StoreError> {
        Ok(StoreLock::new(()))
    }
    fn counter(&self, _: &str) -> Result<u64, StoreError> {
        Ok(0)
    }
    fn advance_counter(&self, name: &str, _: u64) -> Result<(), StoreError> {
        Err(read_only(Party::Server, name))
    }
}

fn read_only(party: Party, name: &str) -> StoreError {
    StoreError::Io {
        party,
        record: name.to_owned(),
        source: std::io::Error::other("read-only fuzz store"),
    }
}

/// Derivation paths and extended public keys, as text (a request's `path`, an `xpub` pasted
/// by a user): the first line is parsed as an `xpub` and as a path, the second as a path
/// below it. Whatever parses must print back to text that parses to the same value (a
/// path's text is canonical), and derivation must return (a key or an error) on both
/// curves.
///
/// # Panics
/// On a broken round trip: that is the finding.
pub fn hd(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let (first, second) = text.split_once('\n').unwrap_or((text, "m/0"));
    let below = second.parse::<DerivationPath>();
    if let Ok(x) = first.parse::<Xpub>() {
        assert_eq!(
            x.to_string().parse::<Xpub>().ok(),
            Some(x),
            "xpub round trip"
        );
        if let Ok(path) = &below
            && let Ok(child) = x.derive(path)
        {
            assert_eq!(child.to_string().parse::<Xpub>().ok(), Some(child));
        }
    }
    for path in [first.parse::<DerivationPath>(), below]
        .into_iter()
        .flatten()
    {
        assert_eq!(
            path.to_string().parse::<DerivationPath>().ok(),
            Some(path.clone())
        );
        let root = Derived::root(
            Scalar::<Ed25519>::from_u64(7).mul_base(),
            ChainCode::from_bytes([7; 32]),
        );
        if let Ok(d) = root.derive(&path) {
            assert_eq!(d.public_key, root.public_key + d.tweak.mul_base());
            assert!(d.public_key != Point::identity());
        }
    }
}

/// Parses and validates a wallet record (the server's `wallet.json` plaintext).
pub fn wallet_record(data: &[u8]) -> bool {
    Wallet::new(RecordOnly(data)).info().is_ok()
}

/// Opens an at-rest record under [`FUZZ_AT_REST_KEY`] and parses the plaintext as a wallet
/// record.
pub fn at_rest_record(data: &[u8]) -> bool {
    match open(data) {
        Some(plain) => wallet_record(&plain),
        None => false,
    }
}

fn open(data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    at_rest::open(&FUZZ_AT_REST_KEY, Party::Server, names::WALLET, data).ok()
}

/// The wallet seeds (`corpus/<target>/seed-v1`), from the server's wallet record of the v2
/// fixture store: the record, and the record sealed under [`FUZZ_AT_REST_KEY`] (a fresh
/// nonce each time: a sealed seed is current while it opens to the same record).
pub(crate) fn seeds() -> Result<Vec<Seed>, String> {
    let dir = crate::fixtures::wallet_store::v2_dir().join("store");
    let store = FsStore::open(&dir).map_err(|e| format!("{dir:?}: {e}"))?;
    let record = store
        .read(Party::Server, names::WALLET)
        .map_err(|e| e.to_string())?
        .ok_or("the v2 fixture store has no wallet record")?;
    let sealed = at_rest::seal(
        &FUZZ_AT_REST_KEY,
        Party::Server,
        names::WALLET,
        &record,
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .map_err(|e| e.to_string())?;
    Ok(vec![
        Seed::named("wallet_record", "seed-v1", record.to_vec()),
        // BIP32 test vector 1's m/0H/1/2H and a path below it.
        Seed::named(
            "hd",
            "xpub-and-path",
            b"xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5\nm/2/1000000000".to_vec(),
        ),
        Seed::named("hd", "path", b"m/44/501/0/2147483647".to_vec()),
        Seed {
            same: |old, new| open(old).is_some() && open(old) == open(new),
            ..Seed::named("at_rest_record", "seed-v1", sealed)
        },
    ])
}
