//! A generic field mutator for message payloads, working through serde.
//!
//! A payload of type `T` is decoded with the strict codec, converted to a
//! [`serde_json::Value`] (byte strings become lowercase hex strings there), and every leaf is
//! enumerated: numbers, bools, strings, each sampled byte of a byte string, each sampled
//! element of a sequence (first, middle and last of long ones), nested structs. Each leaf is
//! changed (number `+1` or a flipped high bit, byte `^ 1` or `^ 0x80`, bool negated), and each
//! sequence or byte string gets an element dropped, duplicated, or two elements swapped.
//! The mutated value is converted back to `T` and re-encoded; a mutation that no longer
//! deserializes is kept, for byte strings, as a raw byte substitution in the encoded
//! payload (so the receiver's decoder must refuse it), and dropped otherwise.
//! [`mutations_with`] takes [`Options`]: fewer byte edits per byte string
//! ([`ByteEdits::Ends`]), for protocols whose every case costs a proof verification, and raw
//! substitutions for sequence edits that no longer decode.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tandem_protocol::{Message, codec};

/// One mutated payload.
#[derive(Clone, Debug)]
pub struct Mutation {
    /// What was changed (path and operation).
    pub desc: String,
    /// The new payload bytes.
    pub payload: Vec<u8>,
    /// `true` if the bytes are a raw substitution that does not decode as `T`.
    pub raw: bool,
}

/// Counts of what [`mutations`] produced and skipped.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Mutations that decode as the payload type.
    pub typed: usize,
    /// Raw byte substitutions.
    pub raw: usize,
    /// Edits dropped (neither).
    pub skipped: usize,
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Idx(usize),
}

fn path_str(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Idx(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() { ".".into() } else { s }
}

fn at<'a>(v: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()).unwrap(),
        Seg::Idx(i) => v.get_mut(*i).unwrap(),
    })
}

/// Indices to look at in a sequence of `len`: all of a short one, else first, middle, last.
fn sample_indices(len: usize) -> Vec<usize> {
    if len <= 3 {
        (0..len).collect()
    } else {
        vec![0, len / 2, len - 1]
    }
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    base16ct::lower::decode_vec(s).ok()
}

fn hex(b: &[u8]) -> String {
    base16ct::lower::encode_string(b)
}

/// Which edits each byte string gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteEdits {
    /// First, middle and last byte `^ 0x01` and `^ 0x80`, the last byte dropped, the first
    /// duplicated, the first and last swapped ([`mutations`]).
    Full,
    /// First byte `^ 0x80` and last byte `^ 0x01` (of a big-endian integer: the top bit, often
    /// out of range, and the low bit, in range), the last byte dropped, the first duplicated.
    Ends,
}

/// What [`mutations_with`] produces.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The edits of each byte string.
    pub byte_edits: ByteEdits,
    /// A sequence of byte strings or bools with an element dropped or duplicated that no
    /// longer decodes (e.g. over the decoder's length bound) is kept as a raw substitution of
    /// its encoding, like a byte string.
    pub raw_sequences: bool,
}

impl Options {
    /// What [`mutations`] produces.
    pub const FULL: Self = Self {
        byte_edits: ByteEdits::Full,
        raw_sequences: false,
    };
}

/// Byte-level edits of a byte string: `(description, new bytes)`.
fn byte_edits(b: &[u8], edits: ByteEdits) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let flips: Vec<(usize, u8)> = match edits {
        ByteEdits::Full => sample_indices(b.len())
            .into_iter()
            .flat_map(|i| [(i, 0x01u8), (i, 0x80)])
            .collect(),
        ByteEdits::Ends => vec![(0, 0x80), (b.len() - 1, 0x01)],
    };
    for (i, mask) in flips {
        let mut m = b.to_vec();
        m[i] ^= mask;
        out.push((format!("byte[{i}] ^= {mask:#04x}"), m));
    }
    let mut m = b.to_vec();
    m.pop();
    out.push(("last byte dropped".into(), m));
    let mut m = b.to_vec();
    m.insert(0, b[0]);
    out.push(("first byte duplicated".into(), m));
    if edits == ByteEdits::Full && b.len() > 1 && b[0] != b[b.len() - 1] {
        let mut m = b.to_vec();
        m.swap(0, b.len() - 1);
        out.push(("first and last bytes swapped".into(), m));
    }
    out
}

/// An edit of the value tree.
type Edit = Box<dyn Fn(&mut Value)>;
/// `(path, description, edit, (old encoding, new encoding) of a byte-string edit or, with
/// [`Options::raw_sequences`], of a sequence edit)`.
type Edits = Vec<(String, String, Edit, Option<(Vec<u8>, Vec<u8>)>)>;

fn varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = u8::try_from(n & 0x7f).unwrap();
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The postcard encoding of a sequence of byte strings or bools (`None` for other elements).
fn seq_encoding(a: &[Value]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    varint(&mut out, a.len());
    for e in a {
        match e {
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::String(s) => {
                let b = hex_bytes(s)?;
                varint(&mut out, b.len());
                out.extend_from_slice(&b);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// `(old, new)` encodings of sequence `a` edited by `f`, if wanted and known.
fn seq_edit(
    a: &[Value],
    opts: Options,
    f: impl FnOnce(&mut Vec<Value>),
) -> Option<(Vec<u8>, Vec<u8>)> {
    if !opts.raw_sequences {
        return None;
    }
    let mut b = a.to_vec();
    f(&mut b);
    Some((seq_encoding(a)?, seq_encoding(&b)?))
}

fn collect(v: &Value, path: &mut Vec<Seg>, opts: Options, out: &mut Edits) {
    let p = path.clone();
    let here = path_str(path);
    match v {
        Value::Null => {}
        Value::Bool(b) => {
            let nb = !*b;
            out.push((
                here,
                "negated".into(),
                Box::new(move |v| *at(v, &p) = Value::Bool(nb)),
                None,
            ));
        }
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                for (d, nu) in [("+1", u.wrapping_add(1)), ("bit 7 flipped", u ^ 0x80)] {
                    let p = p.clone();
                    out.push((
                        here.clone(),
                        d.into(),
                        Box::new(move |v| *at(v, &p) = Value::from(nu)),
                        None,
                    ));
                }
            } else if let Some(i) = n.as_i64() {
                let ni = i.wrapping_add(1);
                out.push((
                    here,
                    "+1".into(),
                    Box::new(move |v| *at(v, &p) = Value::from(ni)),
                    None,
                ));
            }
        }
        Value::String(s) => {
            if let Some(b) = hex_bytes(s) {
                for (d, nb) in byte_edits(&b, opts.byte_edits) {
                    let p = p.clone();
                    let ns = hex(&nb);
                    out.push((
                        here.clone(),
                        d,
                        Box::new(move |v| *at(v, &p) = Value::String(ns.clone())),
                        Some((b.clone(), nb)),
                    ));
                }
            } else {
                let ns = format!("{s}x");
                out.push((
                    here,
                    "char appended".into(),
                    Box::new(move |v| *at(v, &p) = Value::String(ns.clone())),
                    None,
                ));
            }
        }
        Value::Array(a) => {
            let len = a.len();
            for i in sample_indices(len) {
                path.push(Seg::Idx(i));
                collect(&a[i], path, opts, out);
                path.pop();
            }
            for i in sample_indices(len)
                .into_iter()
                .filter(|&i| i == 0 || i + 1 == len)
            {
                let p1 = p.clone();
                out.push((
                    here.clone(),
                    format!("element {i} dropped"),
                    Box::new(move |v| {
                        at(v, &p1).as_array_mut().unwrap().remove(i);
                    }),
                    seq_edit(a, opts, |b| {
                        b.remove(i);
                    }),
                ));
                let p2 = p.clone();
                out.push((
                    here.clone(),
                    format!("element {i} duplicated"),
                    Box::new(move |v| {
                        let a = at(v, &p2).as_array_mut().unwrap();
                        let e = a[i].clone();
                        a.insert(i, e);
                    }),
                    seq_edit(a, opts, |b| b.insert(i, b[i].clone())),
                ));
            }
            if len >= 2 && a[0] != a[1] {
                let p3 = p.clone();
                out.push((
                    here,
                    "elements 0 and 1 swapped".into(),
                    Box::new(move |v| {
                        at(v, &p3).as_array_mut().unwrap().swap(0, 1);
                    }),
                    None,
                ));
            }
        }
        Value::Object(o) => {
            for (k, child) in o {
                path.push(Seg::Key(k.clone()));
                collect(child, path, opts, out);
                path.pop();
            }
        }
    }
}

/// Replaces the unique occurrence of `from` in `hay` by `to`.
fn substitute(hay: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    if from.len() < 4 {
        return None;
    }
    let mut found = hay
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from);
    let (pos, _) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let mut out = hay[..pos].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&hay[pos + from.len()..]);
    Some(out)
}

/// All field mutations of a payload of type `T`.
pub fn mutations<T: Serialize + DeserializeOwned>(payload: &[u8]) -> (Vec<Mutation>, Stats) {
    mutations_with::<T>(payload, Options::FULL)
}

/// The field mutations of a payload of type `T` that `opts` asks for.
pub fn mutations_with<T: Serialize + DeserializeOwned>(
    payload: &[u8],
    opts: Options,
) -> (Vec<Mutation>, Stats) {
    let value: T = codec::decode(payload).unwrap();
    let json = serde_json::to_value(&value).unwrap();
    // The JSON round trip must be exact, or the mutations would test the harness.
    let back: T = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(
        codec::encode(&back).unwrap(),
        payload,
        "serde_json round trip is not exact"
    );
    let mut edits = Vec::new();
    collect(&json, &mut Vec::new(), opts, &mut edits);
    let mut out = Vec::new();
    let mut stats = Stats::default();
    for (path, desc, edit, bytes) in edits {
        let mut v = json.clone();
        edit(&mut v);
        let desc = format!("{path}: {desc}");
        match serde_json::from_value::<T>(v) {
            Ok(t) => match codec::encode(&t) {
                Ok(p) if p != payload => {
                    stats.typed += 1;
                    out.push(Mutation {
                        desc,
                        payload: p,
                        raw: false,
                    });
                }
                _ => stats.skipped += 1,
            },
            Err(_) => match bytes.and_then(|(from, to)| substitute(payload, &from, &to)) {
                Some(p) => {
                    stats.raw += 1;
                    out.push(Mutation {
                        desc: format!("{desc} (raw, not decodable)"),
                        payload: p,
                        raw: true,
                    });
                }
                None => stats.skipped += 1,
            },
        }
    }
    (out, stats)
}

/// `n` evenly spread elements of `v` (all of them if there are fewer), raw ones included.
pub fn sample(v: Vec<Mutation>, n: usize) -> Vec<Mutation> {
    if v.len() <= n {
        return v;
    }
    let len = v.len();
    v.into_iter()
        .enumerate()
        .filter(|(i, _)| (i * n) % len < n)
        .map(|(_, m)| m)
        .collect()
}

/// The payload of an envelope.
pub fn payload_of(msg: &[u8]) -> Vec<u8> {
    Message::from_bytes(msg).unwrap().payload
}

/// The envelope `msg` with its payload replaced (header untouched).
pub fn rewrap(msg: &[u8], payload: Vec<u8>) -> Vec<u8> {
    let mut m = Message::from_bytes(msg).unwrap();
    m.payload = payload;
    m.to_bytes().unwrap()
}

/// Header mutations of an envelope (version, session, round, through the same mutator).
pub fn header_mutations(msg: &[u8]) -> Vec<Mutation> {
    let m = Message::from_bytes(msg).unwrap();
    let header = codec::encode(&m.header).unwrap();
    let (muts, _) = mutations::<tandem_protocol::Header>(&header);
    muts.into_iter()
        .filter(|h| !h.raw)
        .map(|h| {
            let header = codec::decode(&h.payload).unwrap();
            let bytes = Message {
                header,
                payload: m.payload.clone(),
            }
            .to_bytes()
            .unwrap();
            Mutation {
                desc: format!("header{}", h.desc),
                payload: bytes,
                raw: false,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The harness (`harness.rs`): runs a protocol once per mutation with one party dishonest and
// judges the honest party's behaviour.

mod harness;
pub use harness::*;

/// Evaluates `$e` as party `$who`; on error records it in `$run` and returns the run.
#[macro_export]
macro_rules! step {
    ($run:ident, $who:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                $run.err = Some(($who, e));
                return $run;
            }
        }
    };
}
