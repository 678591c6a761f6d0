//! The PAS profile rules that matter, checked on a response Bundle we
//! write (and on one a test breaks on purpose): required elements and
//! extensions with their URLs, the fixed codes, the ClaimResponse first,
//! every reference resolved inside the bundle, every checklist answer with
//! its information origin. Each problem names its FHIR path.

use serde_json::Value;

use super::terms;

/// Every problem found; empty when the bundle conforms.
pub fn check_response(bundle: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    need(
        &mut problems,
        bundle["resourceType"] == "Bundle",
        "Bundle.resourceType",
        "must be Bundle",
    );
    need(
        &mut problems,
        bundle["type"] == "collection",
        "Bundle.type",
        "must be 'collection'",
    );
    need(
        &mut problems,
        non_empty(&bundle["identifier"]["value"]),
        "Bundle.identifier.value",
        "is required (it echoes the request's)",
    );
    need(
        &mut problems,
        non_empty(&bundle["timestamp"]),
        "Bundle.timestamp",
        "is required",
    );
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    need(
        &mut problems,
        !entries.is_empty(),
        "Bundle.entry",
        "is required",
    );
    for (i, entry) in entries.iter().enumerate() {
        need(
            &mut problems,
            non_empty(&entry["fullUrl"]),
            format!("Bundle.entry[{i}].fullUrl"),
            "is required",
        );
        need(
            &mut problems,
            non_empty(&entry["resource"]["resourceType"]),
            format!("Bundle.entry[{i}].resource"),
            "is required",
        );
    }
    if let Some(first) = entries.first() {
        let resource = &first["resource"];
        if resource["resourceType"] == "ClaimResponse" {
            problems.extend(claim_response(resource));
        } else {
            problems
                .push("Bundle.entry[0].resource: the ClaimResponse must come first".to_string());
        }
    }
    for (i, entry) in entries.iter().enumerate() {
        let resource = &entry["resource"];
        let at = format!(
            "Bundle.entry[{i}].resource({})",
            resource["resourceType"].as_str().unwrap_or("?")
        );
        references(resource, &at, &entries, &mut problems);
        if resource["resourceType"] == "QuestionnaireResponse" {
            problems.extend(answers_have_origin(resource, &at));
        }
    }
    problems
}

fn need(problems: &mut Vec<String>, ok: bool, path: impl AsRef<str>, what: &str) {
    if !ok {
        problems.push(format!("{}: {what}", path.as_ref()));
    }
}

fn non_empty(value: &Value) -> bool {
    value.as_str().is_some_and(|s| !s.trim().is_empty())
}

fn extensions<'v>(value: &'v Value, url: &'v str) -> impl Iterator<Item = &'v Value> + 'v {
    value["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |e| e["url"] == url)
}

fn claim_response(resource: &Value) -> Vec<String> {
    let t = terms();
    let at = "Bundle.entry[0].resource(ClaimResponse)";
    let mut problems = Vec::new();
    let profiles = resource["meta"]["profile"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    need(
        &mut problems,
        profiles
            .iter()
            .any(|p| p == t.profiles.claim_response.as_str()),
        format!("{at}.meta.profile"),
        "must name the PAS ClaimResponse profile",
    );
    need(
        &mut problems,
        resource["status"] == "active",
        format!("{at}.status"),
        "must be 'active'",
    );
    need(
        &mut problems,
        resource["use"] == "preauthorization",
        format!("{at}.use"),
        "must be 'preauthorization'",
    );
    need(
        &mut problems,
        resource["outcome"] == "complete" || resource["outcome"] == "partial",
        format!("{at}.outcome"),
        "must be 'complete' or 'partial'",
    );
    need(
        &mut problems,
        non_empty(&resource["identifier"][0]["value"]),
        format!("{at}.identifier"),
        "must echo the request's Claim identifier",
    );
    need(
        &mut problems,
        non_empty(&resource["request"]["identifier"]["value"])
            || non_empty(&resource["request"]["reference"]),
        format!("{at}.request"),
        "must name the request",
    );
    for field in ["patient", "insurer"] {
        need(
            &mut problems,
            non_empty(&resource[field]["reference"]),
            format!("{at}.{field}"),
            "is required",
        );
    }
    need(
        &mut problems,
        non_empty(&resource["created"]),
        format!("{at}.created"),
        "is required",
    );

    let reviewers: Vec<&Value> =
        extensions(resource, &t.extensions.claim_response_reviewer).collect();
    let human = reviewers
        .iter()
        .any(|r| extensions(r, "wasHumanReviewedFlag").any(|f| f["valueBoolean"].is_boolean()));
    need(
        &mut problems,
        human,
        format!("{at}.extension({})", t.extensions.claim_response_reviewer),
        "must carry wasHumanReviewedFlag",
    );
    let has_npi = reviewers.iter().any(|r| {
        extensions(r, "reviewerNPI").any(|n| {
            n["valueIdentifier"]["system"] == t.systems.npi.as_str()
                && non_empty(&n["valueIdentifier"]["value"])
        })
    });

    let items = resource["item"].as_array().cloned().unwrap_or_default();
    need(
        &mut problems,
        !items.is_empty(),
        format!("{at}.item"),
        "one per requested item is required",
    );
    let mut codes = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_at = format!("{at}.item[{i}]");
        need(
            &mut problems,
            item["itemSequence"].is_u64(),
            format!("{item_at}.itemSequence"),
            "is required",
        );
        match review_action(item, &format!("{item_at}.adjudication[0]")) {
            Ok(code) => codes.push(code),
            Err(problem) => problems.push(problem),
        }
    }
    let known = [
        &t.review_actions.certified,
        &t.review_actions.not_certified,
        &t.review_actions.pended,
        &t.review_actions.modified,
    ];
    for code in &codes {
        if !known.iter().any(|k| &k.code == code) {
            problems.push(format!(
                "{at}.item: review action '{code}' is not one umdesk ships"
            ));
        }
    }
    let denied = codes.contains(&t.review_actions.not_certified.code);
    let modified = codes.contains(&t.review_actions.modified.code);
    let notes = resource["processNote"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if denied || modified || codes.contains(&t.review_actions.pended.code) {
        need(
            &mut problems,
            notes.iter().any(|n| non_empty(&n["text"])),
            format!("{at}.processNote"),
            "must give the specific reason in plain words",
        );
    }
    if denied {
        need(
            &mut problems,
            has_npi,
            format!(
                "{at}.extension({}).reviewerNPI",
                t.extensions.claim_response_reviewer
            ),
            "a denial names the reviewing physician's NPI",
        );
    }
    if modified {
        need(
            &mut problems,
            resource["addItem"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            format!("{at}.addItem"),
            "a partial certification (A6) lists what is certified",
        );
        need(
            &mut problems,
            resource["outcome"] == "partial",
            format!("{at}.outcome"),
            "a partial certification is 'partial'",
        );
    }
    problems
}

/// The X12 306 code of an item's first adjudication, or what is wrong.
fn review_action(item: &Value, at: &str) -> Result<String, String> {
    let t = terms();
    let adjudication = &item["adjudication"][0];
    if adjudication["category"]["coding"][0]["code"]
        .as_str()
        .is_none()
    {
        return Err(format!("{at}.category: is required"));
    }
    let action = extensions(adjudication, &t.extensions.review_action)
        .next()
        .ok_or_else(|| {
            format!(
                "{at}.extension({}): is required",
                t.extensions.review_action
            )
        })?;
    let code = extensions(action, &t.extensions.review_action_code)
        .next()
        .ok_or_else(|| {
            format!(
                "{at}.extension(reviewAction).extension({}): is required",
                t.extensions.review_action_code
            )
        })?;
    let coding = &code["valueCodeableConcept"]["coding"][0];
    if coding["system"] != t.systems.review_action.as_str() {
        return Err(format!(
            "{at}.extension(reviewAction).extension(code).valueCodeableConcept.coding[0].system: must be {}",
            t.systems.review_action
        ));
    }
    if extensions(action, "number").next().is_none() {
        return Err(format!(
            "{at}.extension(reviewAction).extension(number): the review number is required"
        ));
    }
    coding["code"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{at}.extension(reviewAction).extension(code): has no code"))
}

/// Every `reference` inside `value` names an entry of the bundle.
fn references(value: &Value, at: &str, entries: &[Value], problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "reference"
                    && let Some(text) = inner.as_str()
                    && !resolves(text, entries)
                {
                    problems.push(format!(
                        "{at}: reference '{text}' is not resolved inside the bundle"
                    ));
                }
                references(inner, &format!("{at}.{key}"), entries, problems);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                references(inner, &format!("{at}[{i}]"), entries, problems);
            }
        }
        _ => {}
    }
}

fn resolves(reference: &str, entries: &[Value]) -> bool {
    entries.iter().any(|entry| {
        let url = entry["fullUrl"].as_str().unwrap_or_default();
        let resource = &entry["resource"];
        let type_id = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        );
        url == reference || type_id == reference || url.ends_with(&format!("/{reference}"))
    })
}

fn answers_have_origin(resource: &Value, at: &str) -> Vec<String> {
    let url = &terms().extensions.information_origin;
    let mut problems = Vec::new();
    for (i, item) in resource["item"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, answer) in item["answer"].as_array().into_iter().flatten().enumerate() {
            let origin = extensions(answer, url).next();
            let source = origin.and_then(|o| extensions(o, "source").next());
            let ok = source.is_some_and(|s| {
                matches!(
                    s["valueCode"].as_str(),
                    Some("auto" | "override" | "manual")
                )
            }) && origin.is_some_and(|o| extensions(o, "author").next().is_some());
            if !ok {
                problems.push(format!(
                    "{at}.item[{i}].answer[{j}]: every answer carries its information origin ({url}) with source and author"
                ));
            }
        }
    }
    problems
}
