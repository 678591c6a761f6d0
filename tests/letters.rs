//! Letters: the notice of each decision to the member and the provider,
//! refused when incomplete, in plain words for the member, and as a PDF
//! whose text `pdftotext` gives back, the same bytes on every render.

use std::process::Command;

use umdesk::case::{Case, LineOfBusiness, Status};
use umdesk::fixtures::sample_cases;
use umdesk::letter::completeness::contains_word;
use umdesk::letter::{
    Element, Kind, Letter, LetterWords, NoLetter, NoticeSettings, Recipient, checked_letter,
    compose, pdf, text,
};
use umdesk::policy::LoadedPolicy;

fn policy() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

/// The first sample case with `status`.
fn sample(status: Status) -> Case {
    sample_cases(&policy())
        .into_iter()
        .find(|c| c.status == status)
        .unwrap_or_else(|| panic!("a sample case is {}", status.label()))
}

fn letter_for(case: &Case, to: Recipient) -> Letter {
    let policy = policy();
    let words = LetterWords::embedded();
    let letter = compose(
        &policy.policy,
        &words,
        &NoticeSettings::embedded(),
        case,
        to,
    )
    .expect("the case has a decision to write about");
    checked_letter(letter, &policy.policy, &words, case)
        .unwrap_or_else(|refusal| panic!("{refusal}"))
}

/// The refusal of a letter composed with these settings and words.
fn refusal(
    case: &Case,
    to: Recipient,
    settings: &NoticeSettings,
    words: &LetterWords,
) -> Vec<String> {
    let policy = policy();
    let letter = compose(&policy.policy, words, settings, case, to).expect("a decision");
    match checked_letter(letter, &policy.policy, words, case) {
        Ok(_) => panic!("the letter should have been refused"),
        Err(incomplete) => incomplete.problems,
    }
}

const KINDS: [(Status, &str); 3] = [
    (Status::Approved, "approval"),
    (Status::Denied, "denial"),
    (Status::Pended, "pend"),
];

#[test]
fn each_letter_kind_to_each_recipient_reads_as_its_golden_file() {
    for (status, kind) in KINDS {
        let case = sample(status);
        for to in [Recipient::Member, Recipient::Provider] {
            let letter = letter_for(&case, to);
            assert_eq!(letter.kind.label(), kind);
            insta::assert_snapshot!(format!("{kind}_to_{}", to.label()), text::render(&letter));
        }
    }
}

#[test]
fn a_denial_carries_every_required_element() {
    let case = sample(Status::Denied);
    for to in [Recipient::Member, Recipient::Provider] {
        let letter = letter_for(&case, to);
        for element in [
            Element::SpecificReason,
            Element::PolicyRelied,
            Element::FreeCopy,
            Element::AppealRights,
            Element::ExpeditedAppeal,
            Element::PeerToPeer,
            Element::Reviewer,
        ] {
            assert!(
                letter.section(element).is_some_and(|s| !s.is_empty()),
                "{} letter lacks {element:?}",
                to.label()
            );
        }
        let words = letter.words();
        let decided_by = &case.determination.as_ref().unwrap().decided_by.name;
        let (name, _) = decided_by.split_once(',').unwrap();
        assert!(words.contains(name), "{words}");
        assert!(
            words.contains("65 calendar days"),
            "Medicare Advantage appeal deadline: {words}"
        );
        assert!(words.contains("72 hours"), "{words}");
        assert!(
            words.contains("1-800-555-0101"),
            "how to reach the reviewer: {words}"
        );
        assert!(words.contains("free copy"), "{words}");
    }
    let provider = letter_for(&case, Recipient::Provider).words();
    assert!(
        provider.contains("Criterion 2, Tumor of an eligible origin"),
        "{provider}"
    );
    assert!(
        provider.contains("MP 1.121") && provider.contains("section I"),
        "{provider}"
    );
    let member = letter_for(&case, Recipient::Member).words();
    assert!(
        member.contains("The tumor started in the liver cells"),
        "{member}"
    );
}

#[test]
fn a_pend_letter_lists_each_missing_document() {
    let case = sample(Status::Pended);
    let missing = &case.determination.as_ref().unwrap().missing_information;
    assert!(missing.len() >= 2, "the sample pends for two documents");
    for to in [Recipient::Member, Recipient::Provider] {
        let letter = letter_for(&case, to);
        let section = letter
            .section(Element::MissingDocuments)
            .expect("documents listed");
        assert_eq!(section.items.len(), missing.len(), "{}", to.label());
        assert!(letter.section(Element::SendBy).is_some());
    }
}

/// What a member reads, without the identifiers it must quote and the
/// postal address.
fn member_reads(letter: &Letter, case: &Case) -> String {
    let mut text = letter.subject.clone();
    for section in &letter.sections {
        text.push('\n');
        text.push_str(&section.words());
    }
    text.replace(&case.id, "")
        .replace(&case.member.member_id, "")
}

#[test]
fn a_member_letter_names_no_code_and_no_unexplained_abbreviation() {
    let policy = policy();
    let words = LetterWords::embedded();
    let codes: Vec<&str> = policy
        .policy
        .coding
        .procedure_codes
        .iter()
        .chain(&policy.policy.coding.diagnosis_codes)
        .map(|c| c.code.as_str())
        .collect();
    for (status, _) in KINDS {
        let case = sample(status);
        let letter = letter_for(&case, Recipient::Member);
        let text = member_reads(&letter, &case);
        for code in codes
            .iter()
            .copied()
            .chain(case.service.cpt_codes.iter().map(String::as_str))
        {
            assert!(
                !contains_word(&text, code),
                "{code} in a member's letter:\n{text}"
            );
        }
        for short in &words.abbreviations {
            if contains_word(&text, short) {
                assert!(
                    text.contains(&format!("({short})")),
                    "{short} unexplained in a member's letter:\n{text}"
                );
            }
        }
        assert!(
            umdesk::rules::fitness::unexplained_acronyms(&text, "").is_empty(),
            "{text}"
        );
    }
}

#[test]
fn a_member_letter_with_a_code_or_an_abbreviation_is_refused() {
    let case = sample(Status::Denied);
    let mut settings = NoticeSettings::embedded();
    settings
        .wording
        .denial_member
        .push_str(" The procedure was CPT 47381.");
    let problems = refusal(
        &case,
        Recipient::Member,
        &settings,
        &LetterWords::embedded(),
    );
    assert!(
        problems.iter().any(|p| p.contains("code 47381")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("\"CPT\"")),
        "{problems:?}"
    );
    // The same wording goes to a provider, who reads codes.
    let policy = policy();
    let words = LetterWords::embedded();
    let letter = compose(
        &policy.policy,
        &words,
        &settings,
        &case,
        Recipient::Provider,
    )
    .unwrap();
    assert!(checked_letter(letter, &policy.policy, &words, &case).is_ok());
}

#[test]
fn a_letter_lacking_a_required_element_is_refused_with_what_is_missing() {
    let case = sample(Status::Denied);
    let words = LetterWords::embedded();

    let mut no_line = NoticeSettings::embedded();
    no_line
        .lines_of_business
        .retain(|l| l.line_of_business != LineOfBusiness::MedicareAdvantage);
    let problems = refusal(&case, Recipient::Member, &no_line, &words);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("appeal rights with their deadline")
                && p.contains("no appeal deadline for Medicare Advantage")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("expedited appeal path")),
        "{problems:?}"
    );

    let mut no_plain_words = words.clone();
    no_plain_words
        .criteria
        .retain(|c| c.criterion != "tumor_origin");
    let problems = refusal(
        &case,
        Recipient::Member,
        &NoticeSettings::embedded(),
        &no_plain_words,
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("specific reason") && p.contains("criterion 2")),
        "{problems:?}"
    );

    let mut uncredentialed = case.clone();
    uncredentialed
        .determination
        .as_mut()
        .unwrap()
        .decided_by
        .name = "Olive Imaginary".to_string();
    for to in [Recipient::Member, Recipient::Provider] {
        let problems = refusal(&uncredentialed, to, &NoticeSettings::embedded(), &words);
        assert_eq!(
            problems,
            [
                "missing the reviewer's name and credentials: the reviewer \"Olive Imaginary\" is recorded without credentials (\"Name, MD\")"
            ]
        );
    }
}

#[test]
fn a_pend_without_its_documents_is_refused() {
    let mut case = sample(Status::Pended);
    case.determination
        .as_mut()
        .unwrap()
        .missing_information
        .clear();
    let problems = refusal(
        &case,
        Recipient::Provider,
        &NoticeSettings::embedded(),
        &LetterWords::embedded(),
    );
    assert!(
        problems.iter().any(|p| p.contains("each missing document")),
        "{problems:?}"
    );
}

#[test]
fn an_undecided_or_not_applicable_case_has_no_letter() {
    let policy = policy();
    let (words, settings) = (LetterWords::embedded(), NoticeSettings::embedded());
    for status in [Status::InReview, Status::Referred] {
        let case = sample(status);
        let err = compose(&policy.policy, &words, &settings, &case, Recipient::Member).unwrap_err();
        assert!(matches!(err, NoLetter::Undecided { .. }), "{err}");
        assert!(err.to_string().contains("no decision"), "{err}");
    }
    let case = sample(Status::NotApplicable);
    let err = compose(&policy.policy, &words, &settings, &case, Recipient::Member).unwrap_err();
    assert!(matches!(err, NoLetter::NotApplicable { .. }), "{err}");
}

#[test]
fn the_bundled_settings_and_wording_parse_with_their_checks() {
    let settings = NoticeSettings::from_json(umdesk::letter::EMBEDDED_PLAN).expect("plan.json");
    for line in [
        LineOfBusiness::Commercial,
        LineOfBusiness::MedicareAdvantage,
        LineOfBusiness::Medicaid,
        LineOfBusiness::Chip,
    ] {
        assert!(settings.line(line).is_some(), "{}", line.label());
    }
    let words = LetterWords::from_json(umdesk::letter::EMBEDDED_MP_1_121_WORDS).expect("words");
    for criterion in &policy().policy.criteria {
        assert!(words.criterion(&criterion.id).is_some(), "{}", criterion.id);
    }
    let err = NoticeSettings::from_json("{\"plan_name\": 3}").unwrap_err();
    assert_eq!(err.path, "$.plan_name", "{err}");
}

/// A denial to a member whose name no Latin-1 font could print.
fn denial_to(name: &str) -> Letter {
    let mut case = sample(Status::Denied);
    case.member.name = name.to_string();
    letter_for(&case, Recipient::Member)
}

/// The text `pdftotext` reads from `bytes`. Missing pdftotext fails the
/// test: scripts/test.sh installs it (Debian's poppler-utils).
fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("pdftotext is needed (Debian poppler-utils; scripts/test.sh installs it): {e}")
        });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 text")
}

#[test]
fn a_pdf_prints_names_in_any_script_and_its_text_reads_back() {
    for name in [
        "Zoë Ångström-Nguyễn",
        "Αθηνά Παπαδοπούλου",
        "Людмила Шевчук",
    ] {
        let letter = denial_to(name);
        let text = pdftotext(&pdf::render(&letter).expect("a PDF"));
        assert!(text.contains(name), "{name} not in:\n{text}");
        assert!(text.contains("Request not approved"), "{text}");
        assert!(text.contains("65 calendar days"), "{text}");
    }
}

#[test]
fn a_pdf_embeds_its_font_and_is_the_same_bytes_on_every_render() {
    let letter = denial_to("Zoë Ångström-Nguyễn");
    let first = pdf::render(&letter).unwrap();
    let second = pdf::render(&letter).unwrap();
    assert!(first == second, "two renders of one letter differ");
    let raw = String::from_utf8_lossy(&first);
    assert!(raw.starts_with("%PDF-"));
    assert!(raw.contains("/FontFile2"), "the font is embedded");
    assert!(raw.contains("+DejaVuSans"), "as a subset, named as one");
    assert!(
        first.len() < 100_000,
        "a subset, not the whole font: {} bytes",
        first.len()
    );
    assert!(raw.contains("/ToUnicode"), "the text can be read back");
    assert!(
        !raw.contains("/CreationDate") && !raw.contains("/ID"),
        "no date, no random id"
    );
    // Another letter is other bytes: the render depends on the letter.
    assert!(pdf::render(&denial_to("Bo Fictive")).unwrap() != first);
}

#[test]
fn a_long_letter_runs_onto_further_pages() {
    let mut letter = denial_to("Bo Fictive");
    let many = (0..120).map(|i| format!("Document {i}")).collect();
    letter.sections[0].items = many;
    let text = pdftotext(&pdf::render(&letter).unwrap());
    assert!(
        text.contains("Document 0") && text.contains("Document 119"),
        "{text}"
    );
    assert!(text.matches('\u{c}').count() >= 2, "page breaks");
    assert_eq!(letter.kind, Kind::Denial);
}
