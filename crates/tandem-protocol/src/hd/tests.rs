#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use serde::Deserialize;
use tandem_curves::{Ed25519, Point, Scalar, Secp256k1};

use super::*;

fn hex32(s: &str) -> [u8; 32] {
    base16ct::lower::decode_vec(s).unwrap().try_into().unwrap()
}

fn point<C: Curve>(s: &str) -> Point<C> {
    Point::from_bytes(&base16ct::lower::decode_vec(s).unwrap()).unwrap()
}

#[test]
fn paths_parse_strictly_and_print_back() {
    for (text, indices) in [
        ("m", vec![]),
        ("m/0", vec![0]),
        ("m/44/0/7", vec![44, 0, 7]),
        ("m/2147483647", vec![HARDENED - 1]),
    ] {
        let path: DerivationPath = text.parse().unwrap();
        assert_eq!(path.indices(), indices.as_slice());
        assert_eq!(path.to_string(), text);
    }
    let deepest = format!("m{}", "/1".repeat(MAX_DEPTH));
    assert_eq!(
        deepest.parse::<DerivationPath>().unwrap().indices().len(),
        MAX_DEPTH
    );
    for (text, error) in [
        ("", HdError::Syntax { position: 0 }),
        ("M/0", HdError::Syntax { position: 0 }),
        ("0/1", HdError::Syntax { position: 0 }),
        ("m/", HdError::Syntax { position: 1 }),
        ("m//1", HdError::Syntax { position: 1 }),
        ("m/1/", HdError::Syntax { position: 2 }),
        ("m/+1", HdError::Syntax { position: 1 }),
        ("m/-1", HdError::Syntax { position: 1 }),
        ("m/01", HdError::Syntax { position: 1 }),
        ("m/1a", HdError::Syntax { position: 1 }),
        ("m/ 1", HdError::Syntax { position: 1 }),
        ("m/１", HdError::Syntax { position: 1 }),
        ("m/1''", HdError::Syntax { position: 1 }),
        ("m/'", HdError::Syntax { position: 1 }),
        ("m/99999999999", HdError::Syntax { position: 1 }),
        ("m/0'", HdError::Hardened { position: 1 }),
        ("m/1/2h", HdError::Hardened { position: 2 }),
        ("m/1/2H", HdError::Hardened { position: 2 }),
        ("m/2147483648", HdError::Hardened { position: 1 }),
        ("m/4294967295", HdError::Hardened { position: 1 }),
        ("m/4294967296", HdError::Hardened { position: 1 }),
    ] {
        assert_eq!(text.parse::<DerivationPath>(), Err(error), "{text:?}");
    }
    let too_deep = format!("m{}", "/1".repeat(MAX_DEPTH + 1));
    assert_eq!(
        too_deep.parse::<DerivationPath>(),
        Err(HdError::TooDeep {
            depth: MAX_DEPTH + 1
        })
    );
    // Text far too long: too many components, or one component too long.
    let huge = format!("m{}", "/1".repeat(1 << 20));
    assert_eq!(
        huge.parse::<DerivationPath>(),
        Err(HdError::TooDeep {
            depth: MAX_DEPTH + 1
        })
    );
    let long = format!("m/1/{}", "7".repeat(1 << 20));
    assert_eq!(
        long.parse::<DerivationPath>(),
        Err(HdError::Syntax { position: 2 })
    );
    assert_eq!(
        DerivationPath::from_indices(&[1, HARDENED]),
        Err(HdError::Hardened { position: 2 })
    );
}

/// BIP32 test vector 1, chain m: the master public key and chain code.
const TV1_MASTER_KEY: &str = "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2";
const TV1_MASTER_CHAIN: &str = "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508";

#[test]
fn bip32_invalid_children_are_refused() {
    // BIP32: "In case parse256(IL) >= n or Ki is the point at infinity, the resulting key is
    // invalid". No real index hits either (probability below 2^-127), so the HMAC outputs
    // are crafted: I_L = n, and I_L = n - k of test vector 1's master key (the one tweak
    // that gives the identity).
    let n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
    let mut i = [0u8; 64];
    i[..32].copy_from_slice(&hex32(n));
    assert!(secp256k1::split(&i).is_none());
    let minus_k = "170cd18dc2130bfae5105371d36c3639089aabae977af021ab3da57507f2d60c";
    i[..32].copy_from_slice(&hex32(minus_k));
    let (t, _) = secp256k1::split(&i).unwrap();
    let parent = point::<Secp256k1>(TV1_MASTER_KEY);
    assert!((parent + t.mul_base()).is_identity());
    // The largest valid tweak, n - 1, is accepted.
    let mut n_minus_1 = hex32(n);
    n_minus_1[31] -= 1;
    i[..32].copy_from_slice(&n_minus_1);
    assert!(secp256k1::split(&i).is_some());
}

#[test]
fn bip32_public_derivation_from_the_published_master() {
    // BIP32 test vector 2 has a non-hardened first step (m/0); its xpubs are checked byte
    // for byte in tandem-wallet's `xpub` tests. Here: the tweak law on test vector 1's
    // master, `child = parent + t·G`, and the derived chain codes differ per index.
    let root = Derived::root(
        point::<Secp256k1>(TV1_MASTER_KEY),
        ChainCode::from_bytes(hex32(TV1_MASTER_CHAIN)),
    );
    let a = root.child(0).unwrap();
    let b = root.child(1).unwrap();
    assert_ne!(a.public_key, b.public_key);
    assert_ne!(a.chain_code, b.chain_code);
    assert_eq!(a.public_key, root.public_key + a.tweak.mul_base());
    assert_eq!(a.parent, Some(root.public_key));
    assert_eq!((a.depth, a.child_number), (1, 0));
    assert_eq!(root.child(HARDENED), Err(HdError::Hardened { position: 1 }));
}

/// One child of `test-vectors/v1/hd/ed25519.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EdChild {
    path: String,
    public_key: String,
    chain_code: String,
    tweak: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EdVectors {
    #[allow(dead_code)]
    comment: String,
    public_key: String,
    chain_code: String,
    children: Vec<EdChild>,
}

#[test]
fn ed25519_derivation_matches_the_frozen_vectors() {
    // Computed by an independent implementation (the Python script next to the vectors:
    // its own Edwards arithmetic and hashlib's HMAC), and frozen: a change here is a change
    // of every Ed25519 child account of every wallet.
    let text = include_str!("../../../../test-vectors/v1/hd/ed25519.json");
    let v: EdVectors = serde_json::from_str(text).unwrap();
    let root = Derived::root(
        point::<Ed25519>(&v.public_key),
        ChainCode::from_bytes(hex32(&v.chain_code)),
    );
    assert!(v.children.len() >= 5);
    for child in &v.children {
        let path: DerivationPath = child.path.parse().unwrap();
        let d = root.derive(&path).unwrap();
        assert_eq!(
            base16ct::lower::encode_string(&d.public_key.to_bytes().unwrap()),
            child.public_key,
            "{}",
            child.path
        );
        assert_eq!(
            base16ct::lower::encode_string(&d.chain_code.to_bytes()),
            child.chain_code
        );
        assert_eq!(
            base16ct::lower::encode_string(&d.tweak.to_bytes()),
            child.tweak
        );
        assert_eq!(usize::from(d.depth), path.indices().len());
    }
}

fn tweak_law<C: Hd>(seed: u64, path: &[u32]) {
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(seed);
    let x = Scalar::<C>::random(&mut rng);
    let mut chain = [0u8; 32];
    rng.fill_bytes(&mut chain);
    let root = Derived::root(x.mul_base(), ChainCode::from_bytes(chain));
    let path = DerivationPath::from_indices(path).unwrap();
    let d = root.derive(&path).unwrap();
    // The child's private key is the parent's plus the summed tweak.
    assert_eq!(d.public_key, (x + d.tweak).mul_base());
    // Deriving step by step gives the same key.
    let stepwise = path
        .indices()
        .iter()
        .fold(root, |k, &i| k.child(i).unwrap());
    assert_eq!(stepwise, d);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn a_child_key_is_the_parent_key_plus_the_tweak(
        seed in any::<u64>(),
        path in proptest::collection::vec(0..HARDENED, 0..6),
    ) {
        tweak_law::<Secp256k1>(seed, &path);
        tweak_law::<Ed25519>(seed, &path);
    }
}
