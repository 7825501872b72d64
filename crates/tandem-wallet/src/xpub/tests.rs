#![allow(clippy::unwrap_used)]

use super::*;

/// BIP32's test vectors 1 and 2: every non-hardened step, from the published parent `xpub`
/// to the published child `xpub` (hardened steps need the private key and are not ours).
const PUBLIC_STEPS: &[(&str, &str, &str)] = &[
    // Test vector 1: m/0H -> m/0H/1
    (
        "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
        "m/1",
        "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ",
    ),
    // Test vector 1: m/0H/1/2H -> m/0H/1/2H/2
    (
        "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
        "m/2",
        "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV",
    ),
    // Test vector 1: m/0H/1/2H/2 -> m/0H/1/2H/2/1000000000
    (
        "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV",
        "m/1000000000",
        "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy",
    ),
    // Test vector 1: two steps at once, m/0H/1/2H -> m/0H/1/2H/2/1000000000
    (
        "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
        "m/2/1000000000",
        "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy",
    ),
    // Test vector 2: m -> m/0
    (
        "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
        "m/0",
        "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH",
    ),
    // Test vector 2: m/0/2147483647H -> m/0/2147483647H/1
    (
        "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a",
        "m/1",
        "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon",
    ),
    // Test vector 2: m/0/2147483647H/1/2147483646H -> m/0/2147483647H/1/2147483646H/2
    (
        "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
        "m/2",
        "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt",
    ),
];

#[test]
fn bip32_public_derivation_matches_the_published_vectors() {
    for (parent, path, child) in PUBLIC_STEPS {
        let parent: Xpub = parent.parse().unwrap();
        let derived = parent.derive(&path.parse().unwrap()).unwrap();
        assert_eq!(derived.to_string(), *child, "{path}");
        // And the published child reads back to the same key.
        assert_eq!(child.parse::<Xpub>().unwrap(), derived);
    }
}

#[test]
fn published_xpubs_round_trip() {
    for (parent, _, child) in PUBLIC_STEPS {
        for text in [parent, child] {
            assert_eq!(text.parse::<Xpub>().unwrap().to_string(), *text);
        }
    }
    // The master key of test vector 1.
    let m = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8";
    let x: Xpub = m.parse().unwrap();
    assert_eq!(x.depth(), 0);
    assert_eq!(x.to_string(), m);
    // `m` below a key is the key itself, in its place in the tree.
    assert_eq!(x.derive(&DerivationPath::master()).unwrap(), x);
}

#[test]
fn bip32_invalid_extended_keys_are_refused() {
    // BIP32 test vector 5 (the public ones, and private ones given where a public key is
    // expected), each with the reason BIP32 gives.
    for (text, error) in [
        // pubkey version / prvkey mismatch
        (
            "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7mnzBBsz4wKY5fTtTQBm",
            XpubError::PublicKey,
        ),
        // invalid pubkey prefix 04
        (
            "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4McvMGcAUjeuwZdduYEvFn",
            XpubError::PublicKey,
        ),
        // invalid pubkey prefix 01
        (
            "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpzZS4HS2fxvyYUA4q2Xe4",
            XpubError::PublicKey,
        ),
        // invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007
        (
            "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefsM58PgBMrvdYre8QyULY",
            XpubError::PublicKey,
        ),
        // zero depth with non-zero parent fingerprint
        (
            "xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCEebj6znwMfQkhRYHRLpJ",
            XpubError::Root,
        ),
        // zero depth with non-zero index
        (
            "xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmXzSZe4c7mnTK97pTvGS8",
            XpubError::Root,
        ),
        // unknown extended key version
        (
            "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHPmHJiEDXkTiJTVV9rHEBUem2mwVbbNfvT2MTcAqj3nesx8uBf9",
            XpubError::Version([0x01, 0x01, 0x01, 0x01]),
        ),
        // a private key where a public one is expected (test vector 1's master xprv)
        (
            "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
            XpubError::Private,
        ),
        // invalid checksum
        (
            "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHL",
            XpubError::Checksum,
        ),
    ] {
        assert_eq!(text.parse::<Xpub>(), Err(error), "{text}");
    }
    for text in ["", "0OIl", &"1".repeat(MAX_TEXT + 1)] {
        assert_eq!(text.parse::<Xpub>(), Err(XpubError::Encoding), "{text:?}");
    }
    // Valid Base58Check of the wrong length.
    let short = bs58::encode([1u8, 2, 3]).with_check().into_string();
    assert_eq!(short.parse::<Xpub>(), Err(XpubError::Length(3)));
    // A hardened child cannot be derived from an xpub.
    let m: Xpub = PUBLIC_STEPS[0].0.parse().unwrap();
    assert!(matches!(
        "m/0'".parse::<DerivationPath>().map(|p| m.derive(&p)),
        Err(HdError::Hardened { position: 1 })
    ));
}
