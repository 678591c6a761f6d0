//! A PAS request Bundle becomes the facts of a new case and the request
//! record the response answers. Every refusal names the FHIR path of what
//! is wrong or missing, e.g.
//! `Bundle.entry[0].resource(Claim).item[1].productOrService.coding`.

use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::request::{
    Bundle, Claim, CodeableConcept, Coverage, Document, Identifier, Party, Patient, Reference,
};
use super::terms;
use crate::case::{
    FhirIdentifier, Member, PasItem, PasParty, PasRequest, PasSource, Product, Provider,
    RequestFacts, Service, Urgency, iso_date, npi,
};
use crate::policy::codes::{cpt_problem, icd10_problem};

/// Why a bundle cannot become a case: where (a FHIR path) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ImportError {
    pub path: String,
    pub message: String,
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError {
        path: path.into(),
        message: message.into(),
    }
}

/// What an import gives: the request facts the intake would give, and the
/// request record the case keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub facts: RequestFacts,
    pub request: PasRequest,
}

/// One resource of the bundle: where it is and what it is.
struct Found<'a> {
    index: usize,
    full_url: Option<&'a str>,
    resource_type: &'a str,
    id: &'a str,
    resource: &'a Value,
}

impl Found<'_> {
    fn path(&self) -> String {
        format!(
            "Bundle.entry[{}].resource({})",
            self.index, self.resource_type
        )
    }
}

struct Resources<'a>(Vec<Found<'a>>);

impl<'a> Resources<'a> {
    /// The entry a reference names: by its fullUrl, by "Type/id", or by a
    /// fullUrl ending in "/Type/id".
    fn resolve(&self, reference: &str) -> Option<&Found<'a>> {
        self.0.iter().find(|found| {
            let type_id = format!("{}/{}", found.resource_type, found.id);
            found.full_url == Some(reference)
                || type_id == reference
                || found
                    .full_url
                    .is_some_and(|url| url.ends_with(&format!("/{reference}")))
        })
    }

    /// The resource at `reference`, which must be one of `types`.
    fn follow(
        &self,
        reference: Option<&Reference>,
        at: &str,
        types: &[&str],
    ) -> Result<&Found<'a>, ImportError> {
        let text = reference
            .and_then(|r| r.reference.as_deref())
            .ok_or_else(|| problem(format!("{at}.reference"), "is missing"))?;
        let found = self.resolve(text).ok_or_else(|| {
            problem(
                format!("{at}.reference"),
                format!("'{text}' is not a resource in the bundle"),
            )
        })?;
        if !types.contains(&found.resource_type) {
            return Err(problem(
                format!("{at}.reference"),
                format!(
                    "'{text}' is a {}, not a {}",
                    found.resource_type,
                    types.join(" or ")
                ),
            ));
        }
        Ok(found)
    }
}

/// Reads `value` as `T`; an error names the path below `at`.
fn typed<T: DeserializeOwned>(value: &Value, at: &str) -> Result<T, ImportError> {
    serde_path_to_error::deserialize(value.clone()).map_err(|err| {
        let inner = err.path().to_string();
        let path = if inner == "." || inner.is_empty() {
            at.to_string()
        } else {
            format!("{at}.{inner}")
        };
        problem(path, err.inner().to_string())
    })
}

/// Reads a PAS request Bundle (JSON text).
pub fn import_request(text: &str) -> Result<Imported, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|err| {
        problem(
            "Bundle",
            format!(
                "not JSON (line {}, column {}): {err}",
                err.line(),
                err.column()
            ),
        )
    })?;
    if !value.is_object() {
        return Err(problem("Bundle", "is not a FHIR resource (a JSON object)"));
    }
    let bundle: Bundle = typed(&value, "Bundle")?;
    if bundle.resource_type != "Bundle" {
        return Err(problem(
            "Bundle.resourceType",
            format!("is '{}', not a Bundle", bundle.resource_type),
        ));
    }
    if bundle.kind.as_deref() != Some("collection") {
        return Err(problem(
            "Bundle.type",
            "a PAS request Bundle is a 'collection'",
        ));
    }
    let bundle_identifier = identifier(bundle.identifier.as_ref(), "Bundle.identifier")?;
    let received_at = received_at(bundle.timestamp.as_deref())?;
    let resources = index(&bundle)?;
    let first = resources
        .0
        .first()
        .ok_or_else(|| problem("Bundle.entry", "is empty: a PAS request has a Claim"))?;
    if first.resource_type != "Claim" {
        return Err(problem(
            "Bundle.entry[0].resource",
            format!(
                "is a {}: a PAS request Bundle starts with its Claim",
                first.resource_type
            ),
        ));
    }
    let claim_at = first.path();
    let claim: Claim = typed(first.resource, &claim_at)?;
    if claim.use_.as_deref() != Some("preauthorization") {
        return Err(problem(
            format!("{claim_at}.use"),
            "is not 'preauthorization': this is not a prior-authorization request",
        ));
    }
    let claim_identifier = identifier(
        claim.identifier.first(),
        &format!("{claim_at}.identifier[0]"),
    )?;
    let urgency = urgency(claim.priority.as_ref(), &format!("{claim_at}.priority"))?;

    let patient_found = resources.follow(
        claim.patient.as_ref(),
        &format!("{claim_at}.patient"),
        &["Patient"],
    )?;
    let patient: Patient = typed(patient_found.resource, &patient_found.path())?;
    let coverage_found = resources.follow(
        claim.insurance.first().and_then(|i| i.coverage.as_ref()),
        &format!("{claim_at}.insurance[0].coverage"),
        &["Coverage"],
    )?;
    let coverage: Coverage = typed(coverage_found.resource, &coverage_found.path())?;
    let product = product(&coverage, &coverage_found.path())?;
    let member = member(
        &patient,
        &patient_found.path(),
        &coverage,
        &coverage_found.path(),
        product,
    )?;
    if member.date_of_birth > received_at.date() {
        return Err(problem(
            format!("{}.birthDate", patient_found.path()),
            "is after the request was sent (Bundle.timestamp)",
        ));
    }

    let requestor_found = resources.follow(
        claim.provider.as_ref(),
        &format!("{claim_at}.provider"),
        &["Practitioner", "Organization", "PractitionerRole"],
    )?;
    let (provider, requestor_found) = provider(&resources, requestor_found)?;
    let insurer = {
        let found = resources.follow(
            claim.insurer.as_ref(),
            &format!("{claim_at}.insurer"),
            &["Organization"],
        )?;
        let party: Party = typed(found.resource, &found.path())?;
        Some(PasParty {
            resource_type: found.resource_type.to_string(),
            id: found.id.to_string(),
            name: party.name.first().map(|n| n.display()).unwrap_or_default(),
        })
    };

    let items = items(&claim, &claim_at)?;
    let icd10_codes = diagnoses(&claim, &claim_at)?;
    let planned_date = planned_date(&claim, &claim_at)?;
    let sources = sources(&claim, &claim_at, &resources)?;

    let request = PasRequest {
        bundle: bundle_identifier,
        claim: claim_identifier,
        items: items.clone(),
        patient: PasParty {
            resource_type: "Patient".to_string(),
            id: patient_found.id.to_string(),
            name: member.name.clone(),
        },
        requestor: PasParty {
            resource_type: requestor_found.resource_type.to_string(),
            id: requestor_found.id.to_string(),
            name: provider.name.clone(),
        },
        insurer,
        sources,
    };
    let facts = RequestFacts {
        member,
        provider,
        service: Service {
            cpt_codes: items.iter().map(|i| i.code.clone()).collect(),
            icd10_codes,
            planned_date,
        },
        received_at,
        urgency,
        lesions: Vec::new(),
    };
    Ok(Imported { facts, request })
}

/// Every entry's resource with its type and id; an entry without one is
/// named.
fn index(bundle: &Bundle) -> Result<Resources<'_>, ImportError> {
    let mut found = Vec::new();
    for (index, entry) in bundle.entry.iter().enumerate() {
        let at = format!("Bundle.entry[{index}].resource");
        let resource = entry
            .resource
            .as_ref()
            .ok_or_else(|| problem(&at, "is missing"))?;
        let resource_type = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .ok_or_else(|| problem(format!("{at}.resourceType"), "is missing"))?;
        let id = resource
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        found.push(Found {
            index,
            full_url: entry.full_url.as_deref(),
            resource_type,
            id,
            resource,
        });
    }
    Ok(Resources(found))
}

fn identifier(identifier: Option<&Identifier>, at: &str) -> Result<FhirIdentifier, ImportError> {
    let identifier =
        identifier.ok_or_else(|| problem(at, "is missing: the response must echo it"))?;
    let value = identifier
        .value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| problem(format!("{at}.value"), "is missing"))?;
    Ok(FhirIdentifier {
        system: identifier.system.clone().filter(|s| !s.trim().is_empty()),
        value: value.to_string(),
    })
}

fn received_at(timestamp: Option<&str>) -> Result<OffsetDateTime, ImportError> {
    let text = timestamp.ok_or_else(|| {
        problem(
            "Bundle.timestamp",
            "is missing: the clock of the review starts at it",
        )
    })?;
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        problem(
            "Bundle.timestamp",
            format!("'{text}' is not a date and time with a zone (2026-12-01T09:14:03-05:00)"),
        )
    })
}

fn codes_of<'c>(
    concept: Option<&'c CodeableConcept>,
    system: &str,
) -> impl Iterator<Item = &'c str> {
    concept
        .into_iter()
        .flat_map(|c| c.coding.iter())
        .filter(move |c| c.system.as_deref() == Some(system))
        .filter_map(|c| c.code.as_deref())
}

fn urgency(priority: Option<&CodeableConcept>, at: &str) -> Result<Urgency, ImportError> {
    let table = &terms().urgency;
    let system = &terms().systems.process_priority;
    let code = codes_of(priority, system).next().ok_or_else(|| {
        problem(
            format!("{at}.coding"),
            format!("has no code of {system} (stat, normal, deferred)"),
        )
    })?;
    if table.expedited.iter().any(|c| c == code) {
        return Ok(Urgency::Expedited);
    }
    if table.standard.iter().any(|c| c == code) {
        return Ok(Urgency::Standard);
    }
    Err(problem(
        format!("{at}.coding"),
        format!("priority '{code}' is none of stat, normal, deferred"),
    ))
}

/// The product follows from the Coverage: an FEP plan by its class, else
/// the payer type.
fn product(coverage: &Coverage, at: &str) -> Result<Product, ImportError> {
    let table = &terms().coverage;
    let is_fep = coverage.class.iter().any(|class| {
        [class.value.as_deref(), class.name.as_deref()]
            .into_iter()
            .flatten()
            .any(|text| {
                table
                    .fep_plan_markers
                    .iter()
                    .any(|marker| text.to_lowercase().contains(&marker.to_lowercase()))
            })
    });
    if is_fep {
        return Ok(Product::FepPpo);
    }
    let system = &terms().systems.payer_type;
    for code in codes_of(coverage.kind.as_ref(), system) {
        if let Some(key) = table.payer_types.get(code)
            && let Some(product) = Product::ALL.iter().find(|p| p.key() == key)
        {
            return Ok(*product);
        }
    }
    Err(problem(
        format!("{at}.type"),
        format!(
            "names no product umdesk knows (a payer type of {system}: {}; or an FEP plan in Coverage.class)",
            table
                .payer_types
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

fn member(
    patient: &Patient,
    patient_at: &str,
    coverage: &Coverage,
    coverage_at: &str,
    product: Product,
) -> Result<Member, ImportError> {
    let name = patient
        .name
        .first()
        .map(|n| n.display())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| problem(format!("{patient_at}.name"), "is missing"))?;
    let birth = patient
        .birth_date
        .as_deref()
        .ok_or_else(|| problem(format!("{patient_at}.birthDate"), "is missing"))?;
    let date_of_birth = iso_date::parse(birth)
        .map_err(|err| problem(format!("{patient_at}.birthDate"), err.to_string()))?;
    let member_id = coverage
        .subscriber_id
        .clone()
        .or_else(|| coverage.identifier.first().and_then(|i| i.value.clone()))
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| {
            problem(
                format!("{coverage_at}.subscriberId"),
                "is missing (and the Coverage has no identifier): the member id",
            )
        })?;
    Ok(Member {
        name,
        member_id: member_id.trim().to_string(),
        date_of_birth,
        product,
    })
}

/// The requesting provider and its NPI: a Practitioner, an Organization,
/// or a PractitionerRole's practitioner (else organization).
fn provider<'r, 'a>(
    resources: &'r Resources<'a>,
    found: &'r Found<'a>,
) -> Result<(Provider, &'r Found<'a>), ImportError> {
    let at = found.path();
    let party: Party = typed(found.resource, &at)?;
    if found.resource_type == "PractitionerRole" {
        let (reference, field) = match (&party.practitioner, &party.organization) {
            (Some(p), _) => (p, "practitioner"),
            (None, Some(o)) => (o, "organization"),
            (None, None) => {
                return Err(problem(format!("{at}.practitioner"), "is missing"));
            }
        };
        let inner = resources.follow(
            Some(reference),
            &format!("{at}.{field}"),
            &["Practitioner", "Organization"],
        )?;
        return provider(resources, inner);
    }
    let name = party
        .name
        .first()
        .map(|n| n.display())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| problem(format!("{at}.name"), "is missing"))?;
    let system = &terms().systems.npi;
    let (index, npi) = party
        .identifier
        .iter()
        .enumerate()
        .find(|(_, i)| i.system.as_deref() == Some(system))
        .and_then(|(index, i)| i.value.clone().map(|v| (index, v)))
        .ok_or_else(|| {
            problem(
                format!("{at}.identifier"),
                format!("has no NPI (an identifier of {system})"),
            )
        })?;
    if let Some(why) = npi::npi_problem(&npi) {
        return Err(problem(format!("{at}.identifier[{index}].value"), why));
    }
    Ok((Provider { name, npi }, found))
}

fn items(claim: &Claim, at: &str) -> Result<Vec<PasItem>, ImportError> {
    if claim.item.is_empty() {
        return Err(problem(
            format!("{at}.item"),
            "is missing: nothing is requested",
        ));
    }
    let system = &terms().systems.cpt;
    let mut items = Vec::new();
    for (i, item) in claim.item.iter().enumerate() {
        let item_at = format!("{at}.item[{i}]");
        let sequence = item
            .sequence
            .ok_or_else(|| problem(format!("{item_at}.sequence"), "is missing"))?;
        let code = codes_of(item.product_or_service.as_ref(), system)
            .next()
            .ok_or_else(|| {
                problem(
                    format!("{item_at}.productOrService.coding"),
                    format!("has no CPT code (system {system})"),
                )
            })?;
        if let Some(why) = cpt_problem(code.trim()) {
            return Err(problem(
                format!("{item_at}.productOrService.coding"),
                format!("CPT code '{code}': {why}"),
            ));
        }
        if items
            .iter()
            .any(|known: &PasItem| known.sequence == sequence)
        {
            return Err(problem(
                format!("{item_at}.sequence"),
                format!("{sequence} is used twice"),
            ));
        }
        items.push(PasItem {
            sequence,
            system: system.clone(),
            code: code.trim().to_string(),
        });
    }
    Ok(items)
}

fn diagnoses(claim: &Claim, at: &str) -> Result<Vec<String>, ImportError> {
    let system = &terms().systems.icd10cm;
    let mut codes = Vec::new();
    for (i, diagnosis) in claim.diagnosis.iter().enumerate() {
        let code = codes_of(diagnosis.diagnosis_codeable_concept.as_ref(), system)
            .next()
            .ok_or_else(|| {
                problem(
                    format!("{at}.diagnosis[{i}].diagnosisCodeableConcept.coding"),
                    format!("has no ICD-10-CM code (system {system})"),
                )
            })?;
        if let Some(why) = icd10_problem(code.trim()) {
            return Err(problem(
                format!("{at}.diagnosis[{i}].diagnosisCodeableConcept.coding"),
                format!("ICD-10-CM code '{code}': {why}"),
            ));
        }
        codes.push(code.trim().to_string());
    }
    if codes.is_empty() {
        return Err(problem(
            format!("{at}.diagnosis"),
            "is missing: a case needs an ICD-10-CM diagnosis",
        ));
    }
    Ok(codes)
}

/// The first item's date of service, when the request gives one.
fn planned_date(claim: &Claim, at: &str) -> Result<Option<time::Date>, ImportError> {
    for (i, item) in claim.item.iter().enumerate() {
        let (text, field) = match (&item.serviced_date, &item.serviced_period) {
            (Some(date), _) => (date.as_str(), "servicedDate"),
            (None, Some(period)) => match &period.start {
                Some(start) => (start.as_str(), "servicedPeriod.start"),
                None => continue,
            },
            (None, None) => continue,
        };
        let day = text.get(..10).unwrap_or(text);
        return iso_date::parse(day)
            .map(Some)
            .map_err(|err| problem(format!("{at}.item[{i}].{field}"), err.to_string()));
    }
    Ok(None)
}

/// The DocumentReferences and QuestionnaireResponses `supportingInfo`
/// points at, kept whole.
fn sources(claim: &Claim, at: &str, resources: &Resources) -> Result<Vec<PasSource>, ImportError> {
    let mut sources = Vec::new();
    for (i, info) in claim.supporting_info.iter().enumerate() {
        let Some(reference) = &info.value_reference else {
            continue;
        };
        let info_at = format!("{at}.supportingInfo[{i}].valueReference");
        let found = resources.follow(
            Some(reference),
            &info_at,
            &["DocumentReference", "QuestionnaireResponse"],
        )?;
        let document: Document = typed(found.resource, &found.path())?;
        let title = source_title(found.resource_type, &document, reference);
        sources.push(PasSource {
            sequence: info.sequence.unwrap_or(i as u32 + 1),
            resource_type: found.resource_type.to_string(),
            id: found.id.to_string(),
            title,
            resource: found.resource.clone(),
        });
    }
    Ok(sources)
}

fn source_title(resource_type: &str, document: &Document, reference: &Reference) -> String {
    let described = document
        .description
        .clone()
        .or_else(|| document.kind.as_ref().and_then(|k| k.text.clone()))
        .or_else(|| {
            document
                .kind
                .as_ref()
                .and_then(|k| k.coding.iter().find_map(|c| c.display.clone()))
        })
        .or_else(|| reference.display.clone());
    match (resource_type, described) {
        (_, Some(text)) if !text.trim().is_empty() => text.trim().to_string(),
        ("QuestionnaireResponse", _) => match &document.questionnaire {
            Some(q) => format!("Questionnaire answers ({q})"),
            None => "Questionnaire answers".to_string(),
        },
        _ => format!(
            "{resource_type} {}",
            document.id.as_deref().unwrap_or("without id")
        ),
    }
}
