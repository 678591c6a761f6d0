//! Search across the whole policy text.

use super::Policy;

/// One match: the section (by index) and the byte range in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    pub section: usize,
    pub start: usize,
    pub end: usize,
}

/// Every case-insensitive occurrence of `query` in the sections, in reading
/// order. ASCII folding keeps byte offsets valid in the original text.
pub fn search(policy: &Policy, query: &str) -> Vec<SearchHit> {
    let needle = query.trim().to_ascii_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (index, section) in policy.sections.iter().enumerate() {
        let haystack = section.text.to_ascii_lowercase();
        let mut from = 0;
        while let Some(found) = haystack[from..].find(&needle) {
            let start = from + found;
            let end = start + needle.len();
            hits.push(SearchHit {
                section: index,
                start,
                end,
            });
            from = end;
        }
    }
    hits
}
