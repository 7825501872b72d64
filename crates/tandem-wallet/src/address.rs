//! Wallet addresses derived from the wallet's public keys.
//!
//! One wallet has one secp256k1 key and one Ed25519 key; each chain below turns one of them
//! into the text form its users paste around:
//!
//! - **Ethereum** (secp256k1): `0x` and 40 hex digits, the last 20 bytes of Keccak-256 of
//!   the 64-byte uncompressed key `x ‖ y`, with the mixed-case checksum of [EIP-55]
//!   (42 characters).
//! - **Bitcoin** (secp256k1): native SegWit version 0 pay-to-witness-public-key-hash
//!   (P2WPKH, [BIP-141]). The witness program is HASH160 (SHA-256, then RIPEMD-160) of the
//!   33-byte compressed key, written in Bech32 with the mainnet prefix `bc` ([BIP-173]):
//!   `bc1q…`, 42 characters.
//! - **Bitcoin Taproot** (secp256k1): SegWit version 1 pay-to-Taproot with the wallet's key
//!   as the internal key and no script tree ([BIP-86]): the witness program is the 32-byte
//!   x-only output key `Q = P + int(hash_TapTweak(x(P)))·G` of [BIP-341], written in Bech32m
//!   ([BIP-350]): `bc1p…`, 62 characters. The wallet signs for it with BIP340 Schnorr
//!   signatures ([`tandem_protocol::taproot`]).
//! - **Tron** (secp256k1): Base58Check (Bitcoin alphabet; the checksum is the first 4 bytes
//!   of double SHA-256) of the byte `0x41` followed by the same 20 bytes as the Ethereum
//!   address, as specified in Tron's developer documentation ([Tron accounts]): `T…`,
//!   34 characters.
//! - **Solana** (Ed25519): the 32-byte public key (RFC 8032 encoding) in Base58, Bitcoin
//!   alphabet, no checksum ([Solana accounts]): 32 to 44 characters.
//! - **Stellar** (Ed25519): the [SEP-23] strkey of an account ID: version byte `6 << 3`
//!   (0x30), the 32-byte key, then CRC16-XModem of those 33 bytes in little-endian order,
//!   all in RFC 4648 Base32 without padding: `G…`, 56 characters.
//!
//! The functions take keys that have already been validated by their types
//! ([`k256::PublicKey`] is a non-identity point of the curve, [`ed25519_dalek::VerifyingKey`]
//! a decoded Edwards point), so every encoding here is infallible but the Taproot one, whose
//! BIP341 tweak can fail with probability about `2^-128` (an `Option`): nothing returns a
//! `Result` and nothing can panic.
//!
//! Public keys and addresses are public data: the code here is variable-time on purpose
//! and must never be handed secret material.
//!
//! [EIP-55]: https://eips.ethereum.org/EIPS/eip-55
//! [BIP-141]: https://github.com/bitcoin/bips/blob/master/bip-0141.mediawiki
//! [BIP-173]: https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki
//! [BIP-86]: https://github.com/bitcoin/bips/blob/master/bip-0086.mediawiki
//! [BIP-341]: https://github.com/bitcoin/bips/blob/master/bip-0341.mediawiki
//! [BIP-350]: https://github.com/bitcoin/bips/blob/master/bip-0350.mediawiki
//! [Tron accounts]: https://developers.tron.network/docs/account
//! [Solana accounts]: https://solana.com/docs/core/accounts
//! [SEP-23]: https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0023.md

use bech32::{Bech32, Bech32m, ByteIterExt as _, Fe32, Fe32IterExt as _};
use k256::elliptic_curve::sec1::ToSec1Point as _;
use ripemd::Ripemd160;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use sha3::Keccak256;
use tandem_curves::Point;
use tandem_protocol::taproot::bip340::TapTweak;

/// Tron's address prefix byte (mainnet): addresses start with `T`.
const TRON_PREFIX: u8 = 0x41;

/// SEP-23 version byte of an Ed25519 public key (account ID): `6 << 3`, encodes as `G`.
const STELLAR_ACCOUNT_ID_VERSION: u8 = 6 << 3;

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection), the strkey checksum.
const STELLAR_CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// The addresses of one wallet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addresses {
    /// Ethereum address of the secp256k1 key, EIP-55 checksummed (`0x…`, 42 characters).
    pub ethereum: String,
    /// Bitcoin mainnet native SegWit v0 P2WPKH address of the secp256k1 key (`bc1q…`).
    pub bitcoin: String,
    /// Bitcoin mainnet Taproot address (BIP86: key path only) with the secp256k1 key as its
    /// internal key (`bc1p…`, 62 characters); `None` only for a key whose BIP341 tweak fails
    /// (probability about `2^-128`: no key-path spend exists). Absent from JSON then, and
    /// read as `None` from JSON written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcoin_taproot: Option<String>,
    /// Tron address of the secp256k1 key (`T…`, 34 characters).
    pub tron: String,
    /// Solana address of the Ed25519 key (Base58 of the 32 key bytes).
    pub solana: String,
    /// Stellar account ID of the Ed25519 key (SEP-23 strkey, `G…`, 56 characters).
    pub stellar: String,
}

impl Addresses {
    /// From the validated public keys.
    ///
    /// The secp256k1 key gives the Ethereum, Bitcoin (P2WPKH and Taproot) and Tron
    /// addresses; the Ed25519 key
    /// gives the Solana and Stellar addresses.
    #[must_use]
    pub fn new(secp256k1: &k256::PublicKey, ed25519: &ed25519_dalek::VerifyingKey) -> Self {
        Self {
            ethereum: ethereum(secp256k1),
            bitcoin: bitcoin_p2wpkh(secp256k1),
            bitcoin_taproot: bitcoin_taproot(secp256k1),
            tron: tron(secp256k1),
            solana: solana(ed25519),
            stellar: stellar(ed25519),
        }
    }
}

/// The EIP-55 checksummed Ethereum address of a secp256k1 public key.
///
/// The address is the last 20 bytes of Keccak-256 of the uncompressed key `x ‖ y`
/// (64 bytes, without the SEC1 `0x04` tag), written by [`eip55_checksum`]:
/// `0x` followed by 40 mixed-case hex digits.
#[must_use]
pub fn ethereum(key: &k256::PublicKey) -> String {
    eip55_checksum(&keccak_address(key))
}

/// The EIP-55 text form of a 20-byte Ethereum address.
///
/// `0x` and 40 hex digits, where the letter digit at position `i` is upper-case exactly
/// when nibble `i` of Keccak-256 of the lower-case hex string (without `0x`) is 8 or more.
#[must_use]
pub fn eip55_checksum(address_20_bytes: &[u8; 20]) -> String {
    let lower = base16ct::lower::encode_string(address_20_bytes);
    let hash: [u8; 32] = Keccak256::digest(lower.as_bytes()).into();
    // Nibble i of the hash, most significant nibble of each byte first.
    let nibbles = hash.iter().flat_map(|byte| [byte >> 4, byte & 0x0f]);
    let mut out = String::with_capacity(2 + lower.len());
    out.push_str("0x");
    out.extend(lower.chars().zip(nibbles).map(|(digit, nibble)| {
        if nibble >= 8 {
            digit.to_ascii_uppercase()
        } else {
            digit
        }
    }));
    out
}

/// The Bitcoin mainnet native SegWit v0 P2WPKH address of a secp256k1 public key.
///
/// The witness program is HASH160 (RIPEMD-160 of SHA-256) of the 33-byte compressed key
/// (BIP-141); it is written in Bech32 (BIP-173) with the human-readable part `bc` and
/// witness version 0, giving 42 lower-case characters `bc1q…`.
#[must_use]
pub fn bitcoin_p2wpkh(key: &k256::PublicKey) -> String {
    let compressed = key.to_compressed_point();
    let program = hash160(compressed.as_slice());
    // The iterator encoder cannot fail: the HRP is the constant `bc`, the witness version
    // is 0 and a 20-byte program is the length BIP-141 prescribes for version 0, so the
    // string is the 42 characters a v0 P2WPKH address always has (well under the Bech32
    // limit of 90). `bech32::segwit::encode_v0` would check exactly these facts and return
    // a `Result` that could never be an error.
    program
        .iter()
        .copied()
        .bytes_to_fes()
        .with_checksum::<Bech32>(&bech32::hrp::BC)
        .with_witness_version(Fe32::Q)
        .chars()
        .collect()
}

/// The Taproot output key (32-byte x-only, BIP340) of a key-path-only output with `key` as
/// its internal key (BIP86: no script tree): BIP341's `Q = P + int(hash_TapTweak(x(P)))·G`,
/// where `P` is `key` with an even `y` ([`TapTweak`], the tweak the wallet signs with).
/// `None` when the tweak is not below the group order or `Q` is the point at infinity
/// (probability about `2^-128`; BIP341 makes such a key unspendable by key path).
/// Public values only: variable time.
#[must_use]
pub fn taproot_output_key(key: &k256::PublicKey) -> Option<[u8; 32]> {
    TapTweak::of(&Point::new(key.to_projective())).map(|tweak| tweak.output_key())
}

/// The Bitcoin mainnet Taproot (SegWit v1, BIP341) address of a key-path-only output with
/// `key` as its internal key (BIP86): the 32-byte output key ([`taproot_output_key`]) in
/// Bech32m (BIP350) with the human-readable part `bc` and witness version 1, 62 lower-case
/// characters `bc1p…`. `None` in the (about `2^-128`) case [`taproot_output_key`] refuses.
#[must_use]
pub fn bitcoin_taproot(key: &k256::PublicKey) -> Option<String> {
    let program = taproot_output_key(key)?;
    // As for P2WPKH: a constant HRP, witness version 1 and a 32-byte program (BIP341's
    // length for version 1) cannot fail to encode.
    Some(
        program
            .iter()
            .copied()
            .bytes_to_fes()
            .with_checksum::<Bech32m>(&bech32::hrp::BC)
            .with_witness_version(Fe32::P)
            .chars()
            .collect(),
    )
}

/// The Tron address of a secp256k1 public key.
///
/// Base58Check of the 21 bytes `0x41 ‖ keccak256(x ‖ y)[12..]` (the Ethereum address bytes
/// behind the Tron prefix byte), giving 34 characters starting with `T`.
#[must_use]
pub fn tron(key: &k256::PublicKey) -> String {
    // `with_check_version` puts the version byte in front of the payload, inside the
    // checksummed data.
    bs58::encode(keccak_address(key))
        .with_check_version(TRON_PREFIX)
        .into_string()
}

/// The Solana address of an Ed25519 public key: the 32 key bytes in Base58 (Bitcoin
/// alphabet, no checksum).
#[must_use]
pub fn solana(key: &ed25519_dalek::VerifyingKey) -> String {
    bs58::encode(key.as_bytes()).into_string()
}

/// The Stellar account ID of an Ed25519 public key: the SEP-23 strkey `G…` (56 characters).
///
/// Version byte `6 << 3`, the 32 key bytes, and the CRC16-XModem of those 33 bytes
/// (little-endian), encoded in RFC 4648 Base32 without padding (35 bytes are exactly
/// 56 Base32 characters, so there would be no padding anyway).
#[must_use]
pub fn stellar(key: &ed25519_dalek::VerifyingKey) -> String {
    let mut strkey = Vec::with_capacity(35);
    strkey.push(STELLAR_ACCOUNT_ID_VERSION);
    strkey.extend_from_slice(key.as_bytes());
    let crc = STELLAR_CRC.checksum(&strkey);
    strkey.extend_from_slice(&crc.to_le_bytes());
    data_encoding::BASE32_NOPAD.encode(&strkey)
}

/// The last 20 bytes of Keccak-256 of the 64-byte uncompressed key `x ‖ y`: the address
/// bytes shared by Ethereum and Tron.
fn keccak_address(key: &k256::PublicKey) -> [u8; 20] {
    let uncompressed: [u8; 65] = key.to_uncompressed_point().into();
    // Drop the SEC1 tag byte 0x04; the pattern is checked at compile time.
    let [_tag, xy @ ..] = uncompressed;
    let hash: [u8; 32] = Keccak256::digest(xy).into();
    // Keep bytes 12..32; the pattern is checked at compile time.
    let [_, _, _, _, _, _, _, _, _, _, _, _, address @ ..] = hash;
    address
}

/// HASH160: RIPEMD-160 of SHA-256.
fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}
