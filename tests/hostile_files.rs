//! Whatever bytes a case file holds, loading it gives a case or a clear
//! error naming where it went wrong; it never panics.

use proptest::prelude::*;
use umdesk::case::parse_case;

fn sample() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/saved-cases");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    std::fs::read_to_string(&paths[0]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_give_an_error_with_a_position(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(err) = parse_case(&text) {
            prop_assert!(err.line >= 1);
            prop_assert!(err.path.starts_with('$'));
        }
    }

    #[test]
    fn a_mutated_sample_gives_a_case_or_an_error(at in 0usize..100_000, byte in any::<u8>(), cut in any::<bool>()) {
        let text = sample();
        let mut bytes = text.into_bytes();
        let at = at % bytes.len();
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] = byte;
        }
        let text = String::from_utf8_lossy(&bytes);
        match parse_case(&text) {
            Ok(case) => prop_assert!(umdesk::case::case_id_problem(&case.id).is_none()),
            Err(err) => prop_assert!(!err.message.is_empty()),
        }
    }
}

#[test]
fn an_unknown_field_is_named_by_its_path() {
    let mut value: serde_json::Value = serde_json::from_str(&sample()).unwrap();
    value["member"]["colour"] = serde_json::json!("blue");
    let err = parse_case(&value.to_string()).unwrap_err();
    assert_eq!(err.path, "$.member.colour");
    assert!(err.message.contains("colour"), "{}", err.message);
}
