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
//! The cases are written in the queue's order, after the few unreadable
//! files, so the first screen of the queue is the first records of the
//! file. It is read as a stream, never whole: the summaries decoded from it
//! are the only copy in memory.

use std::fs::Metadata;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use time::{OffsetDateTime, UtcOffset};

use super::{CaseSummary, FigureParts, QaVerdicts, SummaryParts};
use crate::case::{Outcome, Status};

pub const INDEX_NAME: &str = ".queue-index";

const MAGIC: &[u8; 8] = b"UMDQIDX\0";
/// Bump on any change to the layout below, or to what a field means (6:
/// the reviewer is the assigned one only).
const VERSION: u32 = 6;

/// File timestamps come from a coarse clock (a few milliseconds on many
/// kernels), so a file rewritten in place within one tick of being read
/// keeps its size and times. An entry whose file changed this close to the
/// moment the index was taken is not trusted and is read again next time
/// (the "racy clean" rule of git's index).
const RACY_NS: i128 = 2_000_000_000;

const NS: i128 = 1_000_000_000;

/// How much of the file is read at a time.
const CHUNK: usize = 256 * 1024;

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

/// A file that is not a readable case, remembered with why, so it is not
/// re-read on every listing.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredUnreadable {
    pub name: String,
    pub reason: String,
    pub key: FileKey,
}

/// What an index holds (or its first cases, from [`read`] with a limit).
#[derive(Debug, Default)]
pub struct Stored {
    /// When the files were looked at for this index, in ns since the epoch.
    pub taken_at: i128,
    /// In the queue's order; `<id>.json` is each one's file.
    pub cases: Vec<CaseSummary>,
    /// The key of each case's file, entry for entry.
    pub case_keys: Vec<FileKey>,
    pub unreadable: Vec<StoredUnreadable>,
    /// Cases in the index after those decoded.
    pub more: usize,
}

/// The index at `path`: every case, or only the first `first`; None if it
/// is missing or not one this version wrote whole. Either way the whole
/// file is checked against its checksum.
pub fn read(path: &Path, first: Option<usize>) -> Option<Stored> {
    // A FIFO or link in its place is no index: never waited on or followed.
    let file = super::fsutil::open_private(path, super::fsutil::Access::Read).ok()?;
    let len = file.metadata().ok()?.len();
    decode(file, len, first)
}

/// [`read`] over any reader of `len` bytes.
fn decode(source: impl Read, len: u64, first: Option<usize>) -> Option<Stored> {
    decode_in_chunks(source, len, first, CHUNK)
}

fn decode_in_chunks(
    source: impl Read,
    len: u64,
    first: Option<usize>,
    chunk: usize,
) -> Option<Stored> {
    let mut stream = Stream::new(source, len, chunk)?;
    let header = stream.next(|r| {
        if r.take(MAGIC.len())? != MAGIC || r.varint()? != u64::from(VERSION) {
            return None;
        }
        let taken_at = i128::from(r.signed()?);
        let cases = usize::try_from(r.varint()?).ok()?;
        let unreadable = usize::try_from(r.varint()?).ok()?;
        Some((taken_at, cases, unreadable))
    })?;
    let (taken_at, count, bad_count) = header;
    // A case record takes at least 19 bytes and an unreadable one 8: a
    // count beyond that is damage, and must not size an allocation.
    let least = (count as u64)
        .saturating_mul(19)
        .saturating_add((bad_count as u64).saturating_mul(8));
    if least > len {
        return None;
    }
    let mut unreadable = Vec::with_capacity(bad_count);
    for _ in 0..bad_count {
        unreadable.push(stream.next(|r| r.unreadable())?);
    }
    let wanted = first.unwrap_or(count).min(count);
    let mut cases = Vec::with_capacity(wanted);
    let mut case_keys = Vec::with_capacity(wanted);
    for _ in 0..wanted {
        let (key, summary) = stream.next(|r| r.case())?;
        cases.push(summary);
        case_keys.push(key);
    }
    // Read whole, nothing may follow the last record; read in part, the
    // checksum alone vouches for the rest.
    stream.finish(wanted == count)?;
    Some(Stored {
        taken_at,
        cases,
        case_keys,
        unreadable,
        more: count - wanted,
    })
}

/// The index of `cases` (in the queue's order, with their files' keys)
/// and `unreadable`, taken at `taken_at`.
pub fn encode<'a>(
    taken_at: i128,
    cases: impl ExactSizeIterator<Item = (&'a CaseSummary, &'a FileKey)>,
    unreadable: &[(&str, &str, &FileKey)],
) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(
        64 + (cases.len() + unreadable.len()) * 128,
    ));
    w.0.extend_from_slice(MAGIC);
    w.varint(u64::from(VERSION));
    // Nanoseconds fit an i64 until 2262; past that, 0 makes every entry
    // racy, which is slow but right.
    w.signed(i64::try_from(taken_at).unwrap_or(0));
    w.varint(cases.len() as u64);
    w.varint(unreadable.len() as u64);
    for (name, reason, key) in unreadable {
        w.str(name);
        w.key(key);
        w.str(reason);
    }
    for (s, key) in cases {
        w.key(key);
        w.str(&s.id);
        w.str(s.member());
        w.str(s.member_id());
        w.0.push(status_code(s.status));
        w.0.push(s.outcome.map_or(u8::MAX, outcome_code));
        w.time(s.received_at);
        w.time(s.due_at);
        match s.reviewer() {
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
        w.figures(&s.figure_parts(), s.reviewer());
    }
    let mut sum = Checksum::new(w.0.len() as u64);
    sum.update(&w.0);
    let sum = sum.finish();
    w.0.extend_from_slice(&sum.to_le_bytes());
    w.0
}

fn status_code(status: Status) -> u8 {
    Status::ALL.iter().position(|s| *s == status).unwrap_or(0) as u8
}

fn outcome_code(outcome: Outcome) -> u8 {
    Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0) as u8
}

/// The index file read a chunk at a time, every byte of its body through
/// the checksum.
struct Stream<R> {
    source: R,
    /// Body bytes not read yet.
    left: u64,
    /// Bytes read and not yet decoded, from `at`.
    buf: Vec<u8>,
    at: usize,
    sum: Checksum,
    /// The source ended early or failed.
    broken: bool,
    chunk: usize,
}

impl<R: Read> Stream<R> {
    fn new(source: R, len: u64, chunk: usize) -> Option<Stream<R>> {
        let body = len.checked_sub(8)?;
        let chunk = chunk.max(1);
        Some(Stream {
            source,
            left: body,
            buf: Vec::with_capacity(usize::try_from(body).map_or(chunk, |b| b.min(chunk))),
            at: 0,
            sum: Checksum::new(body),
            broken: false,
            chunk,
        })
    }

    /// Appends the next chunk of the body to the buffer; false at its end.
    fn more(&mut self) -> bool {
        if self.left == 0 || self.broken {
            return false;
        }
        self.buf.drain(..self.at);
        self.at = 0;
        let start = self.buf.len();
        let want = usize::try_from(self.left).map_or(self.chunk, |left| left.min(self.chunk));
        self.buf.reserve_exact(want);
        // Read into the spare capacity: zeroing a buffer first would cost
        // as much as the checksum.
        let read = (&mut self.source)
            .take(want as u64)
            .read_to_end(&mut self.buf);
        if read.ok() != Some(want) {
            self.broken = true;
            self.buf.truncate(start);
            return false;
        }
        self.sum.update(&self.buf[start..]);
        self.left -= want as u64;
        true
    }

    /// The next item, decoded by `parse` from the buffered bytes, reading
    /// more until it decodes or the body ends.
    fn next<T>(&mut self, parse: impl Fn(&mut Reader<'_>) -> Option<T>) -> Option<T> {
        loop {
            let mut r = Reader {
                bytes: &self.buf[self.at..],
                at: 0,
                short: false,
            };
            if let Some(item) = parse(&mut r) {
                self.at += r.at;
                return Some(item);
            }
            // Bytes that do not decode are damage; more of them would not help.
            if !r.short || !self.more() {
                return None;
            }
        }
    }

    /// Reads the rest of the body through the checksum and compares it
    /// with the stored one; with `whole`, nothing may be left undecoded.
    fn finish(mut self, whole: bool) -> Option<()> {
        if whole && (self.at != self.buf.len() || self.left != 0) {
            return None;
        }
        self.buf.clear();
        self.at = 0;
        while self.more() {
            self.buf.clear();
        }
        let mut stored = [0u8; 8];
        if self.broken || self.source.read_exact(&mut stored).is_err() {
            return None;
        }
        (self.sum.finish() == u64::from_le_bytes(stored)).then_some(())
    }
}

struct Writer(Vec<u8>);

impl Writer {
    /// The dashboard's parts of a summary. A person is 0 (nobody), 1 (the
    /// queue's reviewer again, the usual case) or 2 and the name.
    fn figures(&mut self, figures: &FigureParts<'_>, reviewer: Option<&str>) {
        self.person(figures.decided_by, reviewer);
        match figures.first_final {
            Some((by, at)) => {
                self.0.push(1);
                self.person(Some(by), reviewer);
                self.time(at);
            }
            None => self.0.push(0),
        }
        match figures.latest_qa {
            Some((reviewed, qa)) => {
                self.0.push(1);
                self.person(Some(reviewed), reviewer);
                self.0.push(u8::from(qa.outcome_agrees));
                self.varint(u64::from(qa.criteria));
                self.varint(u64::from(qa.criteria_agreed));
            }
            None => self.0.push(0),
        }
    }

    fn person(&mut self, name: Option<&str>, reviewer: Option<&str>) {
        match name {
            None => self.0.push(0),
            Some(name) if Some(name) == reviewer => self.0.push(1),
            Some(name) => {
                self.0.push(2);
                self.str(name);
            }
        }
    }
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
    /// A read ran past the end of `bytes`: the item may go on in the part
    /// of the file not read yet.
    short: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.saturating_add(n);
        let Some(slice) = self.bytes.get(self.at..end) else {
            self.short = true;
            return None;
        };
        self.at = end;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        let Some(&b) = self.bytes.get(self.at) else {
            self.short = true;
            return None;
        };
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

    fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.varint()?).ok()?;
        std::str::from_utf8(self.take(len)?).ok()
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

    fn unreadable(&mut self) -> Option<StoredUnreadable> {
        let name = self.str()?.to_string();
        let key = self.key()?;
        let reason = self.str()?.to_string();
        Some(StoredUnreadable { name, reason, key })
    }

    fn case(&mut self) -> Option<(FileKey, CaseSummary)> {
        let key = self.key()?;
        let parts = SummaryParts {
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
        };
        let figures = self.figures(parts.reviewer)?;
        Some((key, CaseSummary::with_figures(parts, figures)))
    }

    /// What [`Writer::figures`] wrote.
    fn figures(&mut self, reviewer: Option<&'a str>) -> Option<FigureParts<'a>> {
        let decided_by = self.person(reviewer)?;
        let first_final = if self.flag()? {
            let by = self.person(reviewer)??;
            Some((by, self.time()?))
        } else {
            None
        };
        let latest_qa = if self.flag()? {
            let reviewed = self.person(reviewer)??;
            let verdicts = QaVerdicts {
                outcome_agrees: self.flag()?,
                criteria: u32::try_from(self.varint()?).ok()?,
                criteria_agreed: u32::try_from(self.varint()?).ok()?,
            };
            Some((reviewed, verdicts))
        } else {
            None
        };
        Some(FigureParts {
            decided_by,
            first_final,
            latest_qa,
        })
    }

    /// None when the bytes are bad; Some(None) for nobody.
    fn person(&mut self, reviewer: Option<&'a str>) -> Option<Option<&'a str>> {
        match self.u8()? {
            0 => Some(None),
            1 => reviewer.map(Some),
            2 => Some(Some(self.str()?)),
            _ => None,
        }
    }
}

/// A fast 64-bit checksum. It guards against torn or damaged caches, not
/// forgery: a forged index can only mislead the queue view of the owner's
/// own store, and opening a case always reads the case file. Words go
/// round four lanes, so the multiplications do not wait on each other;
/// every step is a bijection of its lane, and the lanes are folded by
/// bijections too, so any single changed word changes the result.
struct Checksum {
    lanes: [u64; 4],
    /// The start of a 32-byte block not yet complete.
    pending: [u8; 32],
    pending_len: usize,
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Checksum {
    fn new(len: u64) -> Checksum {
        let seed = 0xCBF2_9CE4_8422_2325 ^ len;
        Checksum {
            lanes: [
                seed,
                seed ^ K,
                seed ^ K.rotate_left(16),
                seed ^ K.rotate_left(32),
            ],
            pending: [0; 32],
            pending_len: 0,
        }
    }

    fn block(&mut self, block: &[u8]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            *lane = (*lane ^ u64::from_le_bytes(bytes))
                .wrapping_mul(K)
                .rotate_left(29);
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        if self.pending_len > 0 {
            let n = (32 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + n].copy_from_slice(&bytes[..n]);
            self.pending_len += n;
            bytes = &bytes[n..];
            if self.pending_len < 32 {
                return;
            }
            let block = self.pending;
            self.block(&block);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            self.block(block);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// The sum. The length went into the seed, so the zeros that pad the
    /// last block cannot be confused with data.
    fn finish(mut self) -> u64 {
        if self.pending_len > 0 {
            let mut block = [0u8; 32];
            block[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
            self.block(&block);
        }
        let mut h = self.lanes[0];
        for lane in &self.lanes[1..] {
            h = (h.wrapping_mul(K).rotate_left(29)) ^ lane;
        }
        h ^ (h >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn summary(id: &str) -> CaseSummary {
        CaseSummary::new(SummaryParts {
            id,
            member: "Ana Példa",
            member_id: "M1",
            status: Status::Pended,
            outcome: Some(Outcome::InformationNeeded),
            received_at: datetime!(2026-12-01 09:14:03 -5),
            due_at: datetime!(2026-12-15 09:14:03.5 -5),
            reviewer: Some("Dana"),
            decided_at: None,
        })
    }

    const OLD: FileKey = FileKey {
        size: 10,
        mtime: (5, 999_999_999),
        ctime: (-6, 0),
        ino: 7,
    };

    fn cases() -> Vec<CaseSummary> {
        (1..=5).map(|i| summary(&format!("UM-{i}"))).collect()
    }

    fn sample() -> Vec<u8> {
        let cases = cases();
        let keys = vec![OLD; cases.len()];
        encode(
            i128::from(i64::MAX),
            cases.iter().zip(&keys),
            &[("b.json", "line 1", &OLD)],
        )
    }

    fn decode_all(bytes: &[u8]) -> Option<Stored> {
        decode(bytes, bytes.len() as u64, None)
    }

    #[test]
    fn round_trips() {
        let stored = decode_all(&sample()).unwrap();
        assert_eq!(stored.cases, cases());
        assert_eq!(stored.case_keys, vec![OLD; 5]);
        assert_eq!(stored.more, 0);
        assert_eq!(stored.taken_at, i128::from(i64::MAX));
        let due = stored.cases[0].due_at;
        assert_eq!(due.offset(), summary("UM-1").due_at.offset());
        assert_eq!(
            stored.unreadable,
            [StoredUnreadable {
                name: "b.json".into(),
                reason: "line 1".into(),
                key: OLD
            }]
        );
        let s = &stored.cases[0];
        assert_eq!(
            (s.member(), s.member_id(), s.reviewer()),
            ("Ana Példa", "M1", Some("Dana"))
        );
    }

    /// The dashboard's figures come from the index too, whoever each
    /// person is: nobody, the queue's reviewer, or someone else.
    #[test]
    fn the_figures_round_trip() {
        let verdicts = QaVerdicts {
            outcome_agrees: false,
            criteria: 5,
            criteria_agreed: 3,
        };
        let figures = [
            FigureParts::default(),
            FigureParts {
                decided_by: Some("Dana"),
                first_final: Some(("Olive, MD", datetime!(2026-12-02 10:00 -5))),
                latest_qa: Some(("Dana", verdicts)),
            },
            FigureParts {
                decided_by: Some("Olive, MD"),
                first_final: Some(("Dana", datetime!(2026-12-03 10:00 UTC))),
                latest_qa: Some(("Pat, RN", verdicts)),
            },
        ];
        let cases: Vec<CaseSummary> = figures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let base = summary(&format!("UM-{i}"));
                let parts = SummaryParts {
                    id: &base.id,
                    member: base.member(),
                    member_id: base.member_id(),
                    status: base.status,
                    outcome: base.outcome,
                    received_at: base.received_at,
                    due_at: base.due_at,
                    reviewer: base.reviewer(),
                    decided_at: base.decided_at,
                };
                CaseSummary::with_figures(parts, *f)
            })
            .collect();
        let keys = vec![OLD; cases.len()];
        let bytes = encode(0, cases.iter().zip(&keys), &[]);
        let stored = decode_all(&bytes).unwrap();
        assert_eq!(stored.cases, cases);
        for (case, f) in stored.cases.iter().zip(&figures) {
            assert_eq!(case.figure_parts(), *f);
        }
    }

    #[test]
    fn the_first_cases_alone_come_in_order_with_the_count_of_the_rest() {
        let bytes = sample();
        let head = decode(&bytes[..], bytes.len() as u64, Some(2)).unwrap();
        assert_eq!(head.cases, cases()[..2]);
        assert_eq!(head.more, 3);
        assert_eq!(
            head.unreadable.len(),
            1,
            "every unreadable file comes first"
        );
        let all = decode(&bytes[..], bytes.len() as u64, Some(99)).unwrap();
        assert_eq!((all.cases.len(), all.more), (5, 0));
    }

    #[test]
    fn records_that_straddle_the_chunks_read_the_same() {
        let bytes = sample();
        for chunk in [1, 2, 3, 7, 31, 64] {
            let all = decode_in_chunks(&bytes[..], bytes.len() as u64, None, chunk).unwrap();
            assert_eq!(all.cases, cases(), "chunks of {chunk}");
            assert_eq!(all.unreadable.len(), 1);
            let head = decode_in_chunks(&bytes[..], bytes.len() as u64, Some(1), chunk).unwrap();
            assert_eq!((head.cases.len(), head.more), (1, 4));
            let mut bad = bytes.clone();
            let last = bad.len() - 9;
            bad[last] ^= 1;
            assert!(decode_in_chunks(&bad[..], bad.len() as u64, Some(1), chunk).is_none());
        }
    }

    #[test]
    fn a_changed_or_racy_file_is_not_fresh() {
        let taken_at = 10_000_000_000;
        assert!(!OLD.is_racy(taken_at));
        let mut just_before = OLD;
        just_before.mtime = (9, 999_000_000);
        assert!(
            just_before.is_racy(taken_at),
            "changed within the racy window"
        );
        let mut changed_status = OLD;
        changed_status.ctime = (9, 0);
        assert!(changed_status.is_racy(taken_at));
    }

    #[test]
    fn any_damage_is_rejected() {
        let bytes = sample();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(decode_all(&bad).is_none(), "byte {i}");
            assert!(
                decode(&bad[..], bad.len() as u64, Some(1)).is_none(),
                "byte {i}, first case only"
            );
            assert!(decode_all(&bytes[..i]).is_none(), "cut at {i}");
            // A file that ends before its length said.
            assert!(decode(&bytes[..i], bytes.len() as u64, None).is_none());
        }
    }

    #[test]
    fn the_checksum_sees_every_word_whatever_the_chunks() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = {
            let mut sum = Checksum::new(data.len() as u64);
            sum.update(&data);
            sum.finish()
        };
        for split in [1, 7, 31, 32, 33, 500] {
            let mut sum = Checksum::new(data.len() as u64);
            for part in data.chunks(split) {
                sum.update(part);
            }
            assert_eq!(sum.finish(), whole, "chunks of {split}");
        }
        let mut other = data.clone();
        other[999] ^= 1;
        let mut sum = Checksum::new(other.len() as u64);
        sum.update(&other);
        assert_ne!(sum.finish(), whole);
    }
}
