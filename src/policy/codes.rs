//! The shapes of procedure and diagnosis codes, checked as typed and in packs.

/// A CPT or HCPCS Level I code: five digits, or four digits and a letter
/// (category II/III codes such as 0582T).
pub fn is_cpt(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() != 5 {
        return false;
    }
    let digits_first = bytes[..4].iter().all(u8::is_ascii_digit);
    let last = bytes[4];
    digits_first && (last.is_ascii_digit() || matches!(last, b'F' | b'T' | b'U'))
}

/// An ICD-10-CM code: a letter, a digit, a digit or letter, then optionally
/// a dot and one to four digits or letters ("C22.0", "C7B.02", "C20").
pub fn is_icd10(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() < 3 {
        return false;
    }
    let head = bytes[0].is_ascii_uppercase()
        && bytes[1].is_ascii_digit()
        && (bytes[2].is_ascii_digit() || bytes[2].is_ascii_uppercase());
    if !head {
        return false;
    }
    match &bytes[3..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=4).contains(&rest.len())
                && rest
                    .iter()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        }
        _ => false,
    }
}

/// Why a typed procedure code is not acceptable, in words for the field.
pub fn cpt_problem(code: &str) -> Option<String> {
    if is_cpt(code) {
        return None;
    }
    Some(format!(
        "'{code}' is not a CPT code (five digits, e.g. 47371)"
    ))
}

/// Why a typed diagnosis code is not acceptable, in words for the field.
pub fn icd10_problem(code: &str) -> Option<String> {
    if is_icd10(code) {
        return None;
    }
    Some(format!(
        "'{code}' is not an ICD-10-CM code (e.g. C22.0 or C7B.02)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpt_shapes() {
        for good in ["47371", "47399", "0582T"] {
            assert!(is_cpt(good), "{good}");
        }
        for bad in ["4737", "473711", "4737A", "abcde", "", "47 71"] {
            assert!(!is_cpt(bad), "{bad}");
        }
    }

    #[test]
    fn icd10_shapes() {
        for good in ["C22.0", "C7B.02", "C20", "C18.7", "C7A.1", "Z51.11"] {
            assert!(is_icd10(good), "{good}");
        }
        for bad in ["C2", "c22.0", "C22.", "C22.01234", "22.0", "C22-0", "CC2.0"] {
            assert!(!is_icd10(bad), "{bad}");
        }
    }
}
