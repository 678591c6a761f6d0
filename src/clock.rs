//! The local time of day, with its offset, for timestamps in cases, locks
//! and the access log.
//!
//! `time` refuses to read the local offset once other threads exist (the
//! libc call behind it is not thread-safe), so it is read once at start.

use std::sync::OnceLock;

use time::{OffsetDateTime, UtcOffset};

static OFFSET: OnceLock<UtcOffset> = OnceLock::new();

/// Reads the local UTC offset. Call it from `main` before any thread
/// starts; later calls change nothing.
pub fn init() {
    let offset = UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC);
    let _ = OFFSET.set(offset);
}

/// The offset timestamps carry: the local one if `init` ran, else UTC.
pub fn offset() -> UtcOffset {
    OFFSET.get().copied().unwrap_or(UtcOffset::UTC)
}

/// Now, at the local offset, to the second: records read
/// "2026-12-01T09:14:03-05:00", not a string of nanoseconds.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc().to_offset(offset());
    now.replace_nanosecond(0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_carries_the_captured_offset() {
        init();
        assert_eq!(now().offset(), offset());
        assert_eq!(now().nanosecond(), 0);
    }
}
