//! The embedded policy pack (assets/policies/mp-1.121.json): it loads, its
//! wording is the policy's own, and `policy check` names what is wrong with a
//! broken pack by its JSON path.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use umdesk::policy::{
    Answer, CriterionInput, EMBEDDED_MP_1_121, LoadedPolicy, Policy, Problem, check_json,
};

const SECTION_IDS: [&str; 10] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];
const SECTION_TITLES: [&str; 10] = [
    "Policy",
    "Product Variations",
    "Description/Background",
    "Rationale",
    "Definitions",
    "Benefit Variations",
    "Disclaimer",
    "Coding Information",
    "References",
    "Policy History",
];
const CRITERION_IDS: [&str; 5] = [
    "unresectable",
    "tumor_origin",
    "tumor_size",
    "no_extrahepatic",
    "amenable",
];

fn embedded() -> Policy {
    match LoadedPolicy::from_json(EMBEDDED_MP_1_121, "embedded mp-1.121.json") {
        Ok(loaded) => loaded.policy,
        Err(err) => panic!("the embedded pack does not load:\n{err}"),
    }
}

fn source_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/policies/mp-1.121.source.txt"
    );
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("reading {path}: {err}"))
}

fn is_page_header(line: &str) -> bool {
    line.trim() == "MEDICAL POLICY"
        || line.starts_with("POLICY TITLE\t")
        || line.starts_with("POLICY NUMBER\t")
}

/// Drops the angle brackets of markdown autolinks: `<https://x>` -> `https://x`.
fn strip_url_brackets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let is_url = after.starts_with("http://") || after.starts_with("https://");
        match (is_url, after.find('>')) {
            (true, Some(close)) => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The same normal form for the source and the pack: no page headers, no
/// "[Top](#)" links, no emphasis markers, no URL brackets, single spaces.
fn normalize(text: &str) -> String {
    let kept: Vec<&str> = text.lines().filter(|line| !is_page_header(line)).collect();
    let joined = kept
        .join("\n")
        .replace("[Top](#)", " ")
        .replace("[TOP](#)", " ")
        .replace("**", "")
        .replace('*', "");
    strip_url_brackets(&joined)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The app loads the built-in pack without the checker (it is checked
/// here); what it gets must be exactly the pack the checker passes.
#[test]
fn the_app_loads_the_same_pack_the_checker_passes() {
    let checked = LoadedPolicy::from_json(EMBEDDED_MP_1_121, "embedded mp-1.121.json")
        .expect("the embedded pack passes the checker");
    let loaded = LoadedPolicy::embedded();
    assert_eq!(loaded.policy, checked.policy);
    assert_eq!(loaded.digest, checked.digest);
    assert_eq!(loaded.origin, checked.origin);
}

#[test]
fn embedded_pack_loads_without_problems() {
    let (parsed, problems) = check_json(EMBEDDED_MP_1_121);
    assert!(
        parsed.is_some(),
        "the embedded pack does not parse: {problems:?}"
    );
    assert!(
        problems.is_empty(),
        "policy check finds problems in the embedded pack:\n{}",
        problems
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );

    let policy = embedded();
    assert_eq!(policy.number, "MP 1.121");
    assert_eq!(
        policy.title,
        "Cryosurgical Ablation of Primary or Metastatic Liver Tumors"
    );
    assert_eq!(policy.issuer, "Capital Blue Cross");
    assert_eq!(policy.effective_date, "2024-05-01");

    let ids: Vec<&str> = policy.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, SECTION_IDS, "sections must be I..X in order");
    let titles: Vec<&str> = policy.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, SECTION_TITLES);

    let criteria: Vec<&str> = policy.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        criteria, CRITERION_IDS,
        "the five criteria of section I, in order"
    );
    for criterion in &policy.criteria {
        assert_eq!(criterion.section, "I", "criterion {}", criterion.id);
    }
}

#[test]
fn clinical_benefit_flags_are_those_of_the_source() {
    let policy = embedded();
    let flags: Vec<(String, bool)> = policy
        .clinical_benefit
        .iter()
        .map(|b| (b.label.to_lowercase(), b.checked))
        .collect();
    let expected = [
        ("minimize safety risk or concern", true),
        ("minimize harmful or ineffective interventions", true),
        ("assure appropriate level of care", false),
        (
            "assure appropriate duration of service for interventions",
            false,
        ),
        (
            "assure that recommended medical prerequisites have been met",
            true,
        ),
        ("assure appropriate site of treatment or service", false),
    ];
    let expected: Vec<(String, bool)> = expected
        .iter()
        .map(|(label, checked)| (label.to_string(), *checked))
        .collect();
    assert_eq!(flags, expected);
}

#[test]
fn wording_comes_from_the_source() {
    let source = normalize(&source_text());
    let policy = embedded();

    let mut quoted: Vec<(String, String)> = Vec::new();
    let mut quote = |what: String, text: &str| quoted.push((what, text.to_string()));

    for (i, c) in policy.criteria.iter().enumerate() {
        quote(format!("criteria[{i}].text"), &c.text);
    }
    for (i, d) in policy.definitions.iter().enumerate() {
        quote(format!("definitions[{i}].text"), &d.text);
    }
    quote("coding.note".into(), &policy.coding.note);
    for (i, code) in policy.coding.procedure_codes.iter().enumerate() {
        quote(format!("coding.procedure_codes[{i}].code"), &code.code);
        if !code.description.is_empty() {
            quote(
                format!("coding.procedure_codes[{i}].description"),
                &code.description,
            );
        }
    }
    for (i, code) in policy.coding.diagnosis_codes.iter().enumerate() {
        quote(format!("coding.diagnosis_codes[{i}].code"), &code.code);
        quote(
            format!("coding.diagnosis_codes[{i}].description"),
            &code.description,
        );
        // The code and its description sit side by side in the source table.
        quote(
            format!("coding.diagnosis_codes[{i}] (row)"),
            &format!("{} {}", code.code, code.description),
        );
    }
    quote("fall_through.text".into(), &policy.fall_through.text);
    quote(
        "benefit_statement.text".into(),
        &policy.benefit_statement.text,
    );
    for (i, v) in policy.product_variations.iter().enumerate() {
        quote(format!("product_variations[{i}].text"), &v.text);
    }
    for (i, r) in policy.cross_references.iter().enumerate() {
        quote(format!("cross_references[{i}].number"), &r.number);
        quote(format!("cross_references[{i}].title"), &r.title);
        quote(
            format!("cross_references[{i}] (line)"),
            &format!("{} {}", r.number, r.title),
        );
    }
    for section in &policy.sections {
        for (j, paragraph) in section.text.split("\n\n").enumerate() {
            quote(format!("section {} paragraph {j}", section.id), paragraph);
        }
    }

    let missing: Vec<String> = quoted
        .iter()
        .filter(|(_, text)| {
            let text = normalize(text);
            text.is_empty() || !source.contains(&text)
        })
        .map(|(what, text)| format!("{what}: {text:?}"))
        .collect();
    assert!(
        missing.is_empty(),
        "{} pack string(s) not found in the source text:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn sections_hold_the_whole_source_in_order() {
    // Nothing of the source from "I. POLICY" on may be lost or reordered:
    // the headings and section texts, read in order, are the source itself.
    let source = normalize(&source_text());
    let start = source
        .find("I. POLICY")
        .expect("the source has a section I heading");
    let source = &source[start..];

    let policy = embedded();
    let rebuilt = policy
        .sections
        .iter()
        .map(|s| {
            format!(
                "{}. {} {}",
                s.id,
                s.title.to_uppercase(),
                normalize(&s.text)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");

    if rebuilt != source {
        let common = rebuilt
            .char_indices()
            .zip(source.chars())
            .find(|((_, a), b)| a != b)
            .map(|((i, _), _)| i)
            .unwrap_or(rebuilt.len().min(source.len()));
        let from = rebuilt[..common]
            .char_indices()
            .rev()
            .nth(60)
            .map_or(0, |(i, _)| i);
        let pack_tail: String = rebuilt[from..].chars().take(160).collect();
        let source_tail: String = source[from..].chars().take(160).collect();
        panic!(
            "the sections differ from the source at character {common}:\n  pack:   {pack_tail:?}\n  source: {source_tail:?}"
        );
    }
}

#[test]
fn section_texts_have_no_markup_or_page_headers() {
    let policy = embedded();
    for section in &policy.sections {
        let text = &section.text;
        for bad in [
            "**",
            "[Top](#)",
            "[TOP](#)",
            "\t",
            "POLICY NUMBER",
            "<https",
        ] {
            assert!(
                !text.contains(bad),
                "section {} contains {bad:?}",
                section.id
            );
        }
        assert!(
            !text.lines().any(|l| l.trim() == "MEDICAL POLICY"),
            "section {} contains a page header",
            section.id
        );
        assert!(
            !text.contains("\n\n\n"),
            "section {} has paragraphs separated by more than one blank line",
            section.id
        );
    }
    // The bullet list of section I stays a list.
    let policy_text = &policy.section("I").unwrap().text;
    let bullets = policy_text.lines().filter(|l| l.starts_with("- ")).count();
    assert_eq!(bullets, 5, "section I lists the five criteria as bullets");
    // The footer, cut by a page break in the source, is one paragraph.
    let history = &policy.section("X").unwrap().text;
    let footer = history.split("\n\n").last().unwrap();
    assert!(
        footer.starts_with(
            "Health care benefit programs issued or administered by Capital Blue Cross"
        ) && footer.ends_with("for all companies."),
        "the footer is the last paragraph of section X: {footer:?}"
    );
}

#[test]
fn criteria_inputs_follow_the_determination_rules() {
    use Answer::{Insufficient, Met, NotMet};
    let policy = embedded();
    let expected: BTreeMap<&str, Vec<(&str, Answer)>> = BTreeMap::from([
        (
            "unresectable",
            vec![
                ("resectable", NotMet),
                ("unresectable", Met),
                ("not_surgical_candidate", Met),
                ("not_documented", Insufficient),
            ],
        ),
        (
            "tumor_origin",
            vec![
                ("hcc", Met),
                ("colorectal_metastasis", Met),
                ("neuroendocrine_metastasis", Met),
                ("cholangiocarcinoma", NotMet),
                ("hepatoblastoma", NotMet),
                ("sarcoma", NotMet),
                ("other_metastasis", NotMet),
                ("not_documented", Insufficient),
            ],
        ),
        (
            "no_extrahepatic",
            vec![
                ("none_evident", Met),
                ("present", NotMet),
                ("not_documented", Insufficient),
            ],
        ),
        (
            "amenable",
            vec![
                ("documented_amenable", Met),
                ("documented_not_amenable", NotMet),
                ("not_documented", Insufficient),
            ],
        ),
    ]);
    for criterion in &policy.criteria {
        match (&criterion.input, expected.get(criterion.id.as_str())) {
            (CriterionInput::Choice { options, .. }, Some(want)) => {
                let got: Vec<(&str, Answer)> =
                    options.iter().map(|o| (o.id.as_str(), o.answer)).collect();
                assert_eq!(&got, want, "options of {}", criterion.id);
            }
            (CriterionInput::Measurements { unit, below, .. }, None) => {
                assert_eq!(criterion.id, "tumor_size");
                assert_eq!(unit, "cm");
                assert_eq!(*below, 5.0);
            }
            (input, want) => panic!(
                "criterion {} has input {input:?}, expected {want:?}",
                criterion.id
            ),
        }
    }

    let origin = policy.criterion("tumor_origin").unwrap();
    let terms: Vec<&str> = origin.definitions.iter().map(String::as_str).collect();
    assert_eq!(
        terms,
        ["HEPATIC", "METASTASIS", "NEUROENDOCRINE MALIGNANCIES"]
    );
    let extrahepatic = policy.criterion("no_extrahepatic").unwrap();
    assert_eq!(extrahepatic.definitions, ["EXTRAHEPATIC"]);
}

#[test]
fn documentation_requests_spell_out_acronyms() {
    // A provider reads these: every acronym must follow its expansion, "(CT)".
    let policy = embedded();
    for criterion in &policy.criteria {
        let text = &criterion.documentation_needed;
        assert!(!text.trim().is_empty(), "{}", criterion.id);
        for word in text.split(|c: char| c.is_whitespace() || c == ',') {
            let letters: String = word.chars().filter(|c| c.is_alphabetic()).collect();
            let is_acronym = letters.len() >= 2 && letters.chars().all(|c| c.is_uppercase());
            if is_acronym {
                let bare = word.trim_end_matches(['.', ';', ':']);
                assert!(
                    bare.starts_with('(') && bare.ends_with(')'),
                    "criterion {}: acronym {word:?} is not explained in parentheses after its expansion: {text:?}",
                    criterion.id
                );
            }
        }
    }
}

#[test]
fn coding_product_variations_and_cross_references() {
    let policy = embedded();
    let procedures: Vec<&str> = policy
        .coding
        .procedure_codes
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(procedures, ["47371", "47381", "47383", "47399"]);
    let diagnoses: Vec<&str> = policy
        .coding
        .diagnosis_codes
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(
        diagnoses,
        [
            "C22.0", "C22.1", "C22.2", "C22.3", "C22.4", "C22.7", "C22.8", "C22.9", "C78.7",
            "C7B.02"
        ]
    );

    let fep = policy
        .variation_for("fep_ppo")
        .expect("an FEP PPO variation");
    assert_eq!(fep.refer_to, "FEP Medical Policy Manual");

    let numbers: Vec<&str> = policy
        .cross_references
        .iter()
        .map(|r| r.number.as_str())
        .collect();
    assert_eq!(numbers, ["MP 1.088", "MP 1.055", "MP 1.084"]);
    for code in ["47370", "47380", "47382"] {
        let owner = policy
            .cross_reference_for_code(code)
            .map(|r| r.number.as_str());
        assert_eq!(owner, Some("MP 1.055"), "{code} belongs to MP 1.055");
    }
    for code in procedures {
        assert!(
            policy.cross_reference_for_code(code).is_none(),
            "{code} is this policy's own code"
        );
    }

    assert_eq!(policy.fall_through.section, "I");
    assert!(policy.fall_through.text.contains("investigational"));
    assert_eq!(policy.benefit_statement.section, "VI");
}

#[test]
fn diagnosis_suggestions_point_at_tumor_origin_options() {
    let policy = embedded();
    let got: Vec<(Vec<&str>, Vec<&str>, &str)> = policy
        .diagnosis_suggestions
        .iter()
        .map(|s| {
            assert_eq!(s.criterion, "tumor_origin");
            assert!(!s.reason.trim().is_empty());
            (
                s.codes.iter().map(String::as_str).collect(),
                s.with_any_of.iter().map(String::as_str).collect(),
                s.option.as_str(),
            )
        })
        .collect();
    let none: Vec<&str> = Vec::new();
    let expected = vec![
        (vec!["C22.0"], none.clone(), "hcc"),
        (vec!["C7B.02"], none.clone(), "neuroendocrine_metastasis"),
        (
            vec!["C78.7"],
            vec!["C18", "C19", "C20"],
            "colorectal_metastasis",
        ),
        (vec!["C78.7"], vec!["C7A"], "neuroendocrine_metastasis"),
        (vec!["C22.1"], none.clone(), "cholangiocarcinoma"),
        (vec!["C22.2"], none.clone(), "hepatoblastoma"),
        (vec!["C22.3", "C22.4"], none, "sarcoma"),
    ];
    assert_eq!(got, expected);
}

// ---- policy check: problems named by path -------------------------------

fn pack_value() -> Value {
    serde_json::from_str(EMBEDDED_MP_1_121).expect("the embedded pack is JSON")
}

fn problems_of(value: &Value) -> Vec<Problem> {
    check_json(&value.to_string()).1
}

fn describe(problems: &[Problem]) -> String {
    if problems.is_empty() {
        return "  (no problems)".to_string();
    }
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_problem_at(problems: &[Problem], path: &str) {
    assert!(
        problems.iter().any(|p| p.path == path),
        "expected a problem at {path}, got:\n{}",
        describe(problems)
    );
}

fn assert_problem_under(problems: &[Problem], prefix: &str, mentions: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.path.starts_with(prefix) && p.message.contains(mentions)),
        "expected a problem under {prefix} mentioning {mentions:?}, got:\n{}",
        describe(problems)
    );
}

#[test]
fn valid_pack_has_no_problems() {
    let problems = problems_of(&pack_value());
    assert!(problems.is_empty(), "{}", describe(&problems));
}

#[test]
fn empty_criterion_text_is_named() {
    let mut pack = pack_value();
    pack["criteria"][0]["text"] = json!("");
    assert_problem_at(&problems_of(&pack), "$.criteria[0].text");

    let mut pack = pack_value();
    pack["criteria"][0]["text"] = json!("   ");
    assert_problem_at(&problems_of(&pack), "$.criteria[0].text");
}

#[test]
fn missing_criterion_text_is_named() {
    let mut pack = pack_value();
    pack["criteria"][0]
        .as_object_mut()
        .unwrap()
        .remove("text")
        .expect("criteria[0] has a text");
    assert_problem_under(&problems_of(&pack), "$.criteria[0]", "text");
}

#[test]
fn duplicate_criterion_id_is_named() {
    let mut pack = pack_value();
    pack["criteria"][1]["id"] = pack["criteria"][0]["id"].clone();
    let problems = problems_of(&pack);
    assert_problem_at(&problems, "$.criteria[1].id");
    assert!(
        !problems.iter().any(|p| p.path == "$.criteria[0].id"),
        "the first use of an id is not a duplicate:\n{}",
        describe(&problems)
    );
}

#[test]
fn unknown_definition_is_named() {
    let mut pack = pack_value();
    pack["criteria"][1]["definitions"] = json!(["NOT A DEFINED TERM"]);
    assert_problem_at(&problems_of(&pack), "$.criteria[1].definitions[0]");

    // Terms are matched ignoring case, so this one is fine.
    let mut pack = pack_value();
    pack["criteria"][1]["definitions"] = json!(["hepatic"]);
    let problems = problems_of(&pack);
    assert!(problems.is_empty(), "{}", describe(&problems));
}

#[test]
fn malformed_diagnosis_code_is_named() {
    let mut pack = pack_value();
    pack["coding"]["diagnosis_codes"][0]["code"] = json!("C22-0");
    assert_problem_at(&problems_of(&pack), "$.coding.diagnosis_codes[0].code");
}

#[test]
fn malformed_procedure_code_is_named() {
    let mut pack = pack_value();
    pack["coding"]["procedure_codes"][0]["code"] = json!("4737");
    assert_problem_at(&problems_of(&pack), "$.coding.procedure_codes[0].code");
}

#[test]
fn unknown_field_is_named() {
    let mut pack = pack_value();
    pack["criteria"][2]
        .as_object_mut()
        .unwrap()
        .insert("colour".into(), json!("red"));
    assert_problem_under(&problems_of(&pack), "$.criteria[2]", "colour");
}

#[test]
fn text_that_is_not_json_is_named() {
    let (policy, problems) = check_json("this is not a policy pack");
    assert!(policy.is_none());
    assert!(
        problems
            .iter()
            .any(|p| p.path == "$" && p.message.contains("line")),
        "expected a problem at $ giving the line, got:\n{}",
        describe(&problems)
    );

    let err = LoadedPolicy::from_json("{", "broken.json").unwrap_err();
    assert_eq!(err.origin, "broken.json");
    assert!(!err.problems.is_empty());
}

#[test]
fn control_and_invisible_characters_are_named_by_path() {
    let mut pack = pack_value();
    pack["title"] = json!("Cryosurgical \u{1b}]0;owned\u{7}Ablation");
    pack["criteria"][0]["name"] = json!("Unresectable\u{202e}");
    pack["criteria"][1]["input"]["options"][0]["label"] = json!("zero\u{200b}width");
    pack["definitions"][0]["text"] = json!("soft\u{ad}hyphen and a tab\there");
    pack["coding"]["procedure_codes"][0]["description"] = json!("DEL\u{7f} and C1\u{9b}");
    let problems = problems_of(&pack);
    for (path, mentions) in [
        ("$.title", r"\u{1b}"),
        ("$.title", r"\u{7}"),
        ("$.criteria[0].name", r"\u{202e}"),
        ("$.criteria[1].input.options[0].label", r"\u{200b}"),
        ("$.definitions[0].text", r"\u{ad}"),
        ("$.definitions[0].text", r"\t"),
        ("$.coding.procedure_codes[0].description", r"\u{7f}"),
        ("$.coding.procedure_codes[0].description", r"\u{9b}"),
    ] {
        assert_problem_under(&problems, path, mentions);
    }
    // Each message is safe to print: it names the characters escaped.
    for problem in &problems {
        assert!(
            !problem.message.chars().any(umdesk::sanitize::is_hidden),
            "{problem:?}"
        );
    }
    // The loader refuses the same pack, so `--policy` never reviews with it.
    assert!(LoadedPolicy::from_json(&pack.to_string(), "hostile.json").is_err());
}

#[test]
fn a_hidden_character_in_a_key_is_named_too() {
    let mut pack = pack_value();
    pack["criteria"][0]
        .as_object_mut()
        .unwrap()
        .insert("name\u{202e}".into(), json!("x"));
    let problems = problems_of(&pack);
    assert!(
        problems
            .iter()
            .all(|p| !p.path.chars().any(umdesk::sanitize::is_hidden)
                && !p.message.chars().any(umdesk::sanitize::is_hidden)),
        "{}",
        describe(&problems)
    );
    assert_problem_under(&problems, "$.criteria[0]", r"\u{202e}");
}

#[test]
fn line_breaks_in_wording_are_allowed() {
    let mut pack = pack_value();
    pack["definitions"][0]["text"] = json!("first paragraph\n\nsecond paragraph");
    let problems = problems_of(&pack);
    assert!(problems.is_empty(), "{}", describe(&problems));
}
