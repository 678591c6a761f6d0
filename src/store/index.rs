//! `.queue-index`: a cache of the queue's summary of every case file, so
//! listing 100,000 cases reads one file and stats the rest instead of
//! parsing them all.
//!
//! It is never the source of truth. An entry is used only while its file's
//! size, modification time, change time and inode are exactly what they
//! were when it was read; anything else (a version or checksum mismatch, a
//! truncated file, an unknown byte) makes the whole index count as absent,
//! and it is rebuilt from the case files.
//!
//! Records are decoded only when looked up: the index stays one buffer
//! plus a table of offsets, and the listing built from it is the only
//! copy of the summaries in memory.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;

use time::{OffsetDateTime, UtcOffset};

use super::CaseSummary;
use crate::case::{Outcome, Status};

pub const INDEX_NAME: &str = ".queue-index";

const MAGIC: &[u8; 8] = b"UMDQIDX\0";
/// Bump on any change to the layout below.
const VERSION: u32 = 3;

/// File timestamps come from a coarse clock (a few milliseconds on many
/// kernels), so a file rewritten in place within one tick of being read
/// keeps its size and times. An entry whose file changed this close to the
/// moment the index was taken is not trusted and is read again next time
/// (the "racy clean" rule of git's index).
const RACY_NS: i128 = 2_000_000_000;

const NS: i128 = 1_000_000_000;

/// What identifies one version of a file without reading it. Times are
/// (seconds, nanoseconds) as the kernel gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKey {
    pub size: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub ino: u64,
}

impl FileKey {
    pub fn of(meta: &Metadata) -> FileKey {
        FileKey {
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
        }
    }

    /// Whether the file changed too close to `at` (ns since the epoch) for
    /// its key to prove that it has not changed since.
    pub fn is_racy(&self, at: i128) -> bool {
        let ns = |(s, n): (i64, i64)| i128::from(s) * NS + i128::from(n);
        ns(self.mtime).max(ns(self.ctime)) + RACY_NS > at
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

/// The whole index: the summaries, and (file name, reason) of each
/// unreadable file.
pub type Everything = (Vec<CaseSummary>, Vec<(String, String)>);

/// One entry to write: a case is stored under `<id>.json`.
pub enum Entry<'a> {
    Case(&'a CaseSummary, &'a FileKey),
    Unreadable {
        name: &'a str,
        reason: &'a str,
        key: &'a FileKey,
    },
}

pub struct Index {
    bytes: Vec<u8>,
    /// When the files were looked at for this index, in ns since the epoch.
    taken_at: i128,
    count: usize,
    /// Hash of a file name to its record's offset; `AMBIGUOUS` where two
    /// names share a hash, so neither is trusted.
    offsets: HashMap<u64, u32>,
}

const AMBIGUOUS: u32 = u32::MAX;

impl Index {
    pub fn empty() -> Index {
        Index {
            bytes: Vec::new(),
            taken_at: 0,
            count: 0,
            offsets: HashMap::new(),
        }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// The index in `bytes`, or None if it is not one this version wrote
    /// whole.
    pub fn decode(bytes: Vec<u8>) -> Option<Index> {
        let (mut r, taken_at, count) = open(&bytes)?;
        let mut offsets = HashMap::with_capacity(count);
        for _ in 0..count {
            let at = u32::try_from(r.at).ok()?;
            let name = r.skip_record()?;
            offsets
                .entry(name_hash(name))
                .and_modify(|o| *o = AMBIGUOUS)
                .or_insert(at);
        }
        if r.at != r.bytes.len() {
            return None;
        }
        Some(Index {
            bytes,
            taken_at,
            count,
            offsets,
        })
    }

    /// Everything in the index in `bytes`, in the order it was written (the
    /// queue's order), in one pass: `(summaries, (name, reason))`.
    pub fn decode_all(bytes: &[u8]) -> Option<Everything> {
        let (mut r, _, count) = open(bytes)?;
        let mut cases = Vec::with_capacity(count);
        let mut unreadable = Vec::new();
        for _ in 0..count {
            let record = r.record()?;
            match record.owned()? {
                Cached::Case(summary) => cases.push(summary),
                Cached::Unreadable(reason) => unreadable.push((record.name.to_string(), reason)),
            }
        }
        if r.at != r.bytes.len() {
            return None;
        }
        Some((cases, unreadable))
    }

    fn record_at(&self, offset: u32) -> Option<Record<'_>> {
        let body = &self.bytes[..self.bytes.len().saturating_sub(8)];
        let mut r = Reader {
            bytes: body,
            at: offset as usize,
        };
        r.record()
    }

    /// The cached reading of `name`, if its file is provably unchanged.
    pub fn fresh(&self, name: &str, key: &FileKey) -> Option<Cached> {
        let offset = *self.offsets.get(&name_hash(name.as_bytes()))?;
        if offset == AMBIGUOUS || key.is_racy(self.taken_at) {
            return None;
        }
        let record = self.record_at(offset)?;
        if record.name != name || record.key != *key {
            return None;
        }
        record.owned()
    }
}

/// Checks the checksum and header of `bytes`; returns a reader at the
/// first record, with the time the index was taken and its record count.
fn open(bytes: &[u8]) -> Option<(Reader<'_>, i128, usize)> {
    let body_len = bytes.len().checked_sub(8)?;
    if body_len >= AMBIGUOUS as usize {
        return None;
    }
    let (body, sum) = bytes.split_at(body_len);
    if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader { bytes: body, at: 0 };
    if r.take(MAGIC.len())? != MAGIC || r.varint()? != u64::from(VERSION) {
        return None;
    }
    let taken_at = i128::from(r.signed()?);
    let count = usize::try_from(r.varint()?).ok()?;
    // Every record takes more than a byte.
    if count > body.len() {
        return None;
    }
    Some((r, taken_at, count))
}

/// A record as it lies in the buffer.
struct Record<'a> {
    name: &'a str,
    key: FileKey,
    body: Body<'a>,
}

enum Body<'a> {
    Case {
        id: &'a str,
        member: &'a str,
        member_id: &'a str,
        status: Status,
        outcome: Option<Outcome>,
        received_at: OffsetDateTime,
        due_at: OffsetDateTime,
        reviewer: Option<&'a str>,
        decided_at: Option<OffsetDateTime>,
    },
    Unreadable(&'a str),
}

impl Record<'_> {
    fn owned(&self) -> Option<Cached> {
        Some(match &self.body {
            Body::Case {
                id,
                member,
                member_id,
                status,
                outcome,
                received_at,
                due_at,
                reviewer,
                decided_at,
            } => {
                // A case is only ever stored under its own id.
                if self.name.strip_suffix(".json") != Some(*id) {
                    return None;
                }
                Cached::Case(CaseSummary {
                    id: id.to_string(),
                    member: member.to_string(),
                    member_id: member_id.to_string(),
                    status: *status,
                    outcome: *outcome,
                    received_at: *received_at,
                    due_at: *due_at,
                    reviewer: reviewer.map(str::to_string),
                    decided_at: *decided_at,
                })
            }
            Body::Unreadable(reason) => Cached::Unreadable(reason.to_string()),
        })
    }
}

pub fn encode<'a>(taken_at: i128, entries: impl ExactSizeIterator<Item = Entry<'a>>) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + entries.len() * 128));
    w.0.extend_from_slice(MAGIC);
    w.varint(u64::from(VERSION));
    // Nanoseconds fit an i64 until 2262; past that, 0 makes every entry
    // racy, which is slow but right.
    w.signed(i64::try_from(taken_at).unwrap_or(0));
    w.varint(entries.len() as u64);
    for entry in entries {
        match entry {
            Entry::Case(s, key) => {
                w.varint(s.id.len() as u64 + 5);
                w.0.extend_from_slice(s.id.as_bytes());
                w.0.extend_from_slice(b".json");
                w.key(key);
                w.0.push(0);
                w.str(&s.id);
                w.str(&s.member);
                w.str(&s.member_id);
                w.0.push(status_code(s.status));
                w.0.push(s.outcome.map_or(u8::MAX, outcome_code));
                w.time(s.received_at);
                w.time(s.due_at);
                match &s.reviewer {
                    Some(r) => {
                        w.0.push(1);
                        w.str(r);
                    }
                    None => w.0.push(0),
                }
                match s.decided_at {
                    Some(at) => {
                        w.0.push(1);
                        w.time(at);
                    }
                    None => w.0.push(0),
                }
            }
            Entry::Unreadable { name, reason, key } => {
                w.str(name);
                w.key(key);
                w.0.push(1);
                w.str(reason);
            }
        }
    }
    let sum = checksum(&w.0);
    w.0.extend_from_slice(&sum.to_le_bytes());
    w.0
}

fn status_code(status: Status) -> u8 {
    Status::ALL.iter().position(|s| *s == status).unwrap_or(0) as u8
}

fn outcome_code(outcome: Outcome) -> u8 {
    Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0) as u8
}

struct Writer(Vec<u8>);

impl Writer {
    /// LEB128: most numbers here are small, and every byte read is time.
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    /// Zigzag, so small negative numbers stay short too.
    fn signed(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn key(&mut self, key: &FileKey) {
        self.varint(key.size);
        self.signed(key.mtime.0);
        self.signed(key.mtime.1);
        self.signed(key.ctime.0);
        self.signed(key.ctime.1);
        self.varint(key.ino);
    }

    /// The instant and the offset it was written with: a summary shows the
    /// time as the case file has it.
    fn time(&mut self, at: OffsetDateTime) {
        self.signed(at.unix_timestamp());
        self.varint(u64::from(at.nanosecond()));
        self.signed(i64::from(at.offset().whole_seconds()));
    }
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
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn signed(&mut self) -> Option<i64> {
        let v = self.varint()?;
        Some(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        self.take(len)
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    fn time(&mut self) -> Option<OffsetDateTime> {
        let seconds = self.signed()?;
        let nanos = u32::try_from(self.varint()?).ok()?;
        let offset = i32::try_from(self.signed()?).ok()?;
        let offset = UtcOffset::from_whole_seconds(offset).ok()?;
        Some(
            OffsetDateTime::from_unix_timestamp(seconds)
                .ok()?
                .replace_nanosecond(nanos)
                .ok()?
                .to_offset(offset),
        )
    }

    fn key(&mut self) -> Option<FileKey> {
        Some(FileKey {
            size: self.varint()?,
            mtime: (self.signed()?, self.signed()?),
            ctime: (self.signed()?, self.signed()?),
            ino: self.varint()?,
        })
    }

    fn flag(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn record(&mut self) -> Option<Record<'a>> {
        let name = self.str()?;
        let key = self.key()?;
        let body = match self.u8()? {
            0 => Body::Case {
                id: self.str()?,
                member: self.str()?,
                member_id: self.str()?,
                status: *Status::ALL.get(usize::from(self.u8()?))?,
                outcome: match self.u8()? {
                    u8::MAX => None,
                    code => Some(*Outcome::ALL.get(usize::from(code))?),
                },
                received_at: self.time()?,
                due_at: self.time()?,
                reviewer: if self.flag()? {
                    Some(self.str()?)
                } else {
                    None
                },
                decided_at: if self.flag()? {
                    Some(self.time()?)
                } else {
                    None
                },
            },
            1 => Body::Unreadable(self.str()?),
            _ => return None,
        };
        Some(Record { name, key, body })
    }

    /// Steps over a record, returning its name's bytes: how the table of
    /// offsets is built without decoding what may never be looked up.
    /// A record that does not decode is caught when it is looked up.
    fn skip_record(&mut self) -> Option<&'a [u8]> {
        let name = self.bytes()?;
        for _ in 0..6 {
            self.varint()?;
        }
        match self.u8()? {
            0 => {
                for _ in 0..3 {
                    self.bytes()?;
                }
                self.take(2)?;
                for _ in 0..6 {
                    self.varint()?;
                }
                if self.flag()? {
                    self.bytes()?;
                }
                if self.flag()? {
                    for _ in 0..3 {
                        self.varint()?;
                    }
                }
            }
            1 => {
                self.bytes()?;
            }
            _ => return None,
        }
        Some(name)
    }
}

/// FNV-1a: names are short, and this only spreads them over the table.
fn name_hash(name: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &b in name {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    h
}

/// A fast 64-bit checksum. It guards against torn or damaged caches, not
/// forgery: a forged index can only mislead the queue view of the owner's
/// own store, and opening a case always reads the case file. Every step is
/// a bijection of the running value, so any single changed word changes
/// the result.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0xCBF2_9CE4_8422_2325 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
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

    fn summary(id: &str) -> CaseSummary {
        CaseSummary {
            id: id.into(),
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

    const OLD: FileKey = FileKey {
        size: 10,
        mtime: (5, 999_999_999),
        ctime: (-6, 0),
        ino: 7,
    };

    fn sample() -> Vec<u8> {
        let a = summary("UM-1");
        let entries = vec![
            Entry::Case(&a, &OLD),
            Entry::Unreadable {
                name: "b.json",
                reason: "line 1",
                key: &OLD,
            },
        ];
        encode(i128::from(i64::MAX), entries.into_iter())
    }

    #[test]
    fn round_trips() {
        let index = Index::decode(sample()).unwrap();
        assert_eq!(index.count(), 2);
        match index.fresh("UM-1.json", &OLD) {
            Some(Cached::Case(s)) => {
                assert_eq!(s, summary("UM-1"));
                assert_eq!(s.due_at.offset(), summary("UM-1").due_at.offset());
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(index.fresh("b.json", &OLD), Some(Cached::Unreadable(r)) if r == "line 1")
        );
        let (cases, bad) = Index::decode_all(&sample()).unwrap();
        assert_eq!(cases, [summary("UM-1")]);
        assert_eq!(bad, [("b.json".to_string(), "line 1".to_string())]);
    }

    #[test]
    fn a_changed_or_racy_file_is_not_fresh() {
        let index = Index::decode(sample()).unwrap();
        let mut other = OLD;
        other.size += 1;
        assert!(index.fresh("UM-1.json", &other).is_none());
        assert!(index.fresh("UM-2.json", &OLD).is_none());

        let taken_at = 10_000_000_000;
        let a = summary("UM-1");
        let bytes = encode(taken_at, vec![Entry::Case(&a, &OLD)].into_iter());
        let index = Index::decode(bytes).unwrap();
        assert!(index.fresh("UM-1.json", &OLD).is_some());
        let mut just_before = OLD;
        just_before.mtime = (9, 999_000_000);
        let bytes = encode(taken_at, vec![Entry::Case(&a, &just_before)].into_iter());
        let index = Index::decode(bytes).unwrap();
        assert!(
            index.fresh("UM-1.json", &just_before).is_none(),
            "changed within the racy window"
        );
    }

    #[test]
    fn any_damage_is_rejected() {
        let bytes = sample();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(Index::decode(bad).is_none(), "byte {i}");
            assert!(Index::decode(bytes[..i].to_vec()).is_none(), "cut at {i}");
            assert!(Index::decode_all(&bytes[..i]).is_none(), "cut at {i}");
        }
    }
}
