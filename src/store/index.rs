//! `.queue-index`: a cache of the queue's summary of every case file, so
//! listing 100,000 cases reads one file and stats the rest instead of
//! parsing them all.
//!
//! It is never the source of truth. An entry is used only while its file's
//! size, modification time, change time and inode are exactly what they
//! were when it was read; anything else (a version or checksum mismatch, a
//! truncated file, an unknown byte) makes the whole index count as absent,
//! and it is rebuilt from the case files.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;

use time::{OffsetDateTime, UtcOffset};

use super::CaseSummary;
use crate::case::{Outcome, Status};

pub const INDEX_NAME: &str = ".queue-index";

const MAGIC: &[u8; 8] = b"UMDQIDX\0";
/// Bump on any change to the layout below.
const VERSION: u32 = 1;

/// File timestamps come from a coarse clock (a few milliseconds), so a
/// file rewritten in place within one tick of being read keeps its size
/// and times. An entry whose file changed this close to the moment the
/// index was written is not trusted and is read again next time (the
/// "racy clean" rule git uses for its index).
const RACY_NS: i128 = 2_000_000_000;

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKey {
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub ino: u64,
}

impl FileKey {
    pub fn of(meta: &Metadata) -> FileKey {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileKey {
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
        }
    }

    fn changed_at(&self) -> i128 {
        self.mtime_ns.max(self.ctime_ns)
    }

    /// Whether the file changed too close to `at` for its key to prove
    /// that it has not changed since.
    pub fn is_racy(&self, at: i128) -> bool {
        self.changed_at() + RACY_NS > at
    }
}

/// What was read from one file.
#[derive(Debug, Clone)]
pub enum Cached {
    Case(CaseSummary),
    /// Not a readable case, and why; kept so a bad file is not re-read on
    /// every listing.
    Unreadable(String),
}

#[derive(Debug, Default)]
pub struct Index {
    /// When the files were looked at for this index, in ns since the epoch.
    pub taken_at: i128,
    pub entries: HashMap<String, (FileKey, Cached)>,
}

impl Index {
    /// The cached reading of `name`, if its file is provably unchanged.
    pub fn take_fresh(&mut self, name: &str, key: &FileKey) -> Option<Cached> {
        let (cached_key, _) = self.entries.get(name)?;
        if cached_key != key || key.is_racy(self.taken_at) {
            return None;
        }
        self.entries.remove(name).map(|(_, cached)| cached)
    }
}

pub fn encode<'a>(
    taken_at: i128,
    entries: impl ExactSizeIterator<Item = (&'a str, &'a FileKey, &'a Cached)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + entries.len() * 160);
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, VERSION);
    out.extend_from_slice(&taken_at.to_le_bytes());
    put_u64(&mut out, entries.len() as u64);
    for (name, key, cached) in entries {
        put_str(&mut out, name);
        put_u64(&mut out, key.size);
        out.extend_from_slice(&key.mtime_ns.to_le_bytes());
        out.extend_from_slice(&key.ctime_ns.to_le_bytes());
        put_u64(&mut out, key.ino);
        match cached {
            Cached::Case(s) => {
                out.push(0);
                put_str(&mut out, &s.id);
                put_str(&mut out, &s.member);
                put_str(&mut out, &s.member_id);
                out.push(status_code(s.status));
                out.push(s.outcome.map_or(u8::MAX, outcome_code));
                put_time(&mut out, s.received_at);
                put_time(&mut out, s.due_at);
                match &s.reviewer {
                    Some(r) => {
                        out.push(1);
                        put_str(&mut out, r);
                    }
                    None => out.push(0),
                }
                match s.decided_at {
                    Some(at) => {
                        out.push(1);
                        put_time(&mut out, at);
                    }
                    None => out.push(0),
                }
            }
            Cached::Unreadable(reason) => {
                out.push(1);
                put_str(&mut out, reason);
            }
        }
    }
    let sum = checksum(&out);
    put_u64(&mut out, sum);
    out
}

/// The index in `bytes`, or None if it is not one this version wrote whole.
pub fn decode(bytes: &[u8]) -> Option<Index> {
    let body_len = bytes.len().checked_sub(8)?;
    let (body, sum) = bytes.split_at(body_len);
    if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader { bytes: body, at: 0 };
    if r.take(8)? != MAGIC || r.u32()? != VERSION {
        return None;
    }
    let taken_at = r.i128()?;
    let count = usize::try_from(r.u64()?).ok()?;
    // Each record takes well over 50 bytes; a larger count is a lie.
    if count > body.len() / 50 {
        return None;
    }
    let mut entries = HashMap::with_capacity(count);
    for _ in 0..count {
        let name = r.str()?;
        let key = FileKey {
            size: r.u64()?,
            mtime_ns: r.i128()?,
            ctime_ns: r.i128()?,
            ino: r.u64()?,
        };
        let cached = match r.u8()? {
            0 => Cached::Case(CaseSummary {
                id: r.str()?,
                member: r.str()?,
                member_id: r.str()?,
                status: *Status::ALL.get(usize::from(r.u8()?))?,
                outcome: match r.u8()? {
                    u8::MAX => None,
                    code => Some(*Outcome::ALL.get(usize::from(code))?),
                },
                received_at: r.time()?,
                due_at: r.time()?,
                reviewer: match r.u8()? {
                    0 => None,
                    1 => Some(r.str()?),
                    _ => return None,
                },
                decided_at: match r.u8()? {
                    0 => None,
                    1 => Some(r.time()?),
                    _ => return None,
                },
            }),
            1 => Cached::Unreadable(r.str()?),
            _ => return None,
        };
        entries.insert(name, (key, cached));
    }
    if r.at != body.len() {
        return None;
    }
    Some(Index { taken_at, entries })
}

fn status_code(status: Status) -> u8 {
    Status::ALL.iter().position(|s| *s == status).unwrap_or(0) as u8
}

fn outcome_code(outcome: Outcome) -> u8 {
    Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0) as u8
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// The instant and the offset it was written with: a summary shows the
/// time as the case file has it.
fn put_time(out: &mut Vec<u8>, at: OffsetDateTime) {
    out.extend_from_slice(&at.unix_timestamp_nanos().to_le_bytes());
    out.extend_from_slice(&at.offset().whole_seconds().to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn i128(&mut self) -> Option<i128> {
        Some(i128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<String> {
        let len = usize::try_from(self.u64()?).ok()?;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).ok().map(str::to_string)
    }

    fn time(&mut self) -> Option<OffsetDateTime> {
        let nanos = self.i128()?;
        let offset = i32::from_le_bytes(self.take(4)?.try_into().ok()?);
        let offset = UtcOffset::from_whole_seconds(offset).ok()?;
        Some(
            OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .ok()?
                .to_offset(offset),
        )
    }
}

/// A fast 64-bit checksum: this guards against torn or damaged caches,
/// not against forgery (a forged index can only mislead the queue view of
/// the owner's own store, and opening a case always reads the case file).
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0xCBF2_9CE4_8422_2325 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        h = (h ^ word).wrapping_mul(K).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn summary() -> CaseSummary {
        CaseSummary {
            id: "UM-20261201-0001".into(),
            member: "Ana Példa".into(),
            member_id: "M1".into(),
            status: Status::Pended,
            outcome: Some(Outcome::InformationNeeded),
            received_at: datetime!(2026-12-01 09:14:03 -5),
            due_at: datetime!(2026-12-15 09:14:03.5 -5),
            reviewer: Some("Dana".into()),
            decided_at: None,
        }
    }

    fn key() -> FileKey {
        FileKey {
            size: 10,
            mtime_ns: 5,
            ctime_ns: 6,
            ino: 7,
        }
    }

    #[test]
    fn round_trips() {
        let entries = [
            ("a.json".to_string(), key(), Cached::Case(summary())),
            (
                "b.json".to_string(),
                key(),
                Cached::Unreadable("line 1".into()),
            ),
        ];
        let bytes = encode(42, entries.iter().map(|(n, k, c)| (n.as_str(), k, c)));
        let index = decode(&bytes).unwrap();
        assert_eq!(index.taken_at, 42);
        match &index.entries["a.json"].1 {
            Cached::Case(s) => {
                assert_eq!(*s, summary());
                assert_eq!(s.due_at.offset(), summary().due_at.offset());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&index.entries["b.json"].1, Cached::Unreadable(r) if r == "line 1"));
    }

    #[test]
    fn any_damage_is_rejected() {
        let entries = [("a.json".to_string(), key(), Cached::Case(summary()))];
        let bytes = encode(42, entries.iter().map(|(n, k, c)| (n.as_str(), k, c)));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(decode(&bad).is_none(), "byte {i}");
            assert!(decode(&bytes[..i]).is_none(), "cut at {i}");
        }
    }
}
