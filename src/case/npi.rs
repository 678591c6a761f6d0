//! National Provider Identifier check digit (Luhn over the 80840 prefix).

/// Why an NPI is not valid, or None when it is.
pub fn npi_problem(npi: &str) -> Option<String> {
    if npi.len() != 10 || !npi.bytes().all(|b| b.is_ascii_digit()) {
        return Some("an NPI is ten digits".to_string());
    }
    let digits: Vec<u32> = npi.bytes().map(|b| u32::from(b - b'0')).collect();
    let expected = check_digit(&digits[..9]);
    if digits[9] != expected {
        return Some(format!(
            "check digit does not match (last digit should be {expected})"
        ));
    }
    None
}

pub fn is_valid_npi(npi: &str) -> bool {
    npi_problem(npi).is_none()
}

/// The Luhn check digit of `80840` followed by the nine given digits.
pub fn check_digit(first_nine: &[u32]) -> u32 {
    let mut payload: Vec<u32> = vec![8, 0, 8, 4, 0];
    payload.extend_from_slice(first_nine);
    // Double every second digit from the right, the check digit's neighbour first.
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_npis() {
        // 1234567893 is CMS's published example of a valid NPI.
        assert!(is_valid_npi("1234567893"));
        assert!(is_valid_npi("1245319599"));
    }

    #[test]
    fn wrong_check_digit_is_named() {
        let problem = npi_problem("1234567890").unwrap();
        assert!(problem.contains("should be 3"), "{problem}");
    }

    #[test]
    fn wrong_shape() {
        assert!(npi_problem("123456789").is_some());
        assert!(npi_problem("12345678901").is_some());
        assert!(npi_problem("12345678a3").is_some());
    }
}
