//! `umdesk policy show` and `umdesk policy check FILE`.

use super::args::PolicyCommand;
use super::commands::to_pretty;
use super::output::{clean, emit, emit_json, indent_rest, warn};
use super::{Env, Failure, display_name, exit, read_text};
use crate::case::Product;
use crate::policy::{CriterionInput, Policy, check_json};

pub(crate) fn run(env: &Env, command: PolicyCommand) -> Result<(), Failure> {
    match command {
        PolicyCommand::Show { json } => {
            let loaded = env.policy()?;
            if json {
                emit_json(&format!("{}\n", to_pretty(&loaded.policy)))?;
            } else {
                emit(&render(&loaded.policy, &loaded.origin, &loaded.digest))?;
            }
            Ok(())
        }
        PolicyCommand::Check { file } => {
            let name = display_name(&file);
            let text = read_text(&file)?;
            let (policy, problems) = check_json(&text);
            match policy {
                Some(policy) if problems.is_empty() => {
                    let codes =
                        policy.coding.procedure_codes.len() + policy.coding.diagnosis_codes.len();
                    emit(&format!(
                        "{name}: valid ({} criteria, {} definitions, {codes} codes)\n",
                        policy.criteria.len(),
                        policy.definitions.len()
                    ))?;
                    Ok(())
                }
                _ => {
                    for problem in &problems {
                        warn(&format!(
                            "{name}: {}: {}",
                            clean(&problem.path, false),
                            clean(&problem.message, false)
                        ));
                    }
                    Err(Failure::new(
                        exit::BAD_INPUT,
                        format!("{name}: invalid ({} problem(s))", problems.len().max(1)),
                    ))
                }
            }
        }
    }
}

/// The policy in text, everything taken from the pack.
fn render(policy: &Policy, origin: &str, digest: &str) -> String {
    let c = |text: &str| clean(text, false).into_owned();
    let mut out = format!(
        "{} {}\n{}, effective {}\nPack: {} (sha256 {})\n",
        c(&policy.number),
        c(&policy.title),
        c(&policy.issuer),
        c(&policy.effective_date),
        c(origin),
        digest
    );
    out.push_str(&format!(
        "\nCriteria (all must be met; section {}):\n",
        policy
            .criteria
            .first()
            .map(|k| c(&k.section))
            .unwrap_or_default()
    ));
    for (i, criterion) in policy.criteria.iter().enumerate() {
        out.push_str(&format!("\n  {}. {}\n", i + 1, c(&criterion.name)));
        out.push_str(&format!("     Wording:     {}\n", c(&criterion.text)));
        out.push_str(&format!("     Section:     {}\n", c(&criterion.section)));
        if !criterion.definitions.is_empty() {
            let terms: Vec<String> = criterion.definitions.iter().map(|t| c(t)).collect();
            out.push_str(&format!("     Definitions: {}\n", terms.join(", ")));
        }
        match &criterion.input {
            CriterionInput::Choice { prompt, options } => {
                let options: Vec<String> = options
                    .iter()
                    .map(|o| format!("{} ({})", c(&o.label), o.answer.label().to_lowercase()))
                    .collect();
                out.push_str(&format!(
                    "     Input:       {}: {}\n",
                    c(prompt),
                    options.join("; ")
                ));
            }
            CriterionInput::Measurements {
                prompt,
                unit,
                below,
            } => {
                out.push_str(&format!(
                    "     Input:       {}: met when every value is below {below} {}\n",
                    c(prompt),
                    c(unit)
                ));
            }
        }
    }
    out.push_str(&format!(
        "\n  Otherwise (section {}): {}\n",
        c(&policy.fall_through.section),
        indent_rest(&policy.fall_through.text, "  ")
    ));
    out.push_str("\nDefinitions (section V):\n");
    for definition in &policy.definitions {
        out.push_str(&format!(
            "  {}: {}\n",
            c(&definition.term),
            indent_rest(&definition.text, "    ")
        ));
    }
    out.push_str("\nProcedure codes (CPT):\n");
    for code in &policy.coding.procedure_codes {
        out.push_str(&code_line(&code.code, &code.description));
    }
    out.push_str("\nDiagnosis codes (ICD-10-CM):\n");
    for code in &policy.coding.diagnosis_codes {
        out.push_str(&code_line(&code.code, &code.description));
    }
    out.push_str("\nProduct variations:\n");
    if policy.product_variations.is_empty() {
        out.push_str("  none\n");
    }
    for variation in &policy.product_variations {
        let product = Product::ALL
            .iter()
            .find(|p| p.key() == variation.product)
            .map(|p| p.label().to_string())
            .unwrap_or_else(|| c(&variation.product));
        out.push_str(&format!(
            "  {product}: refer to {}\n    {}\n",
            c(&variation.refer_to),
            indent_rest(&variation.text, "    ")
        ));
    }
    out.push_str("\nCross-references:\n");
    if policy.cross_references.is_empty() {
        out.push_str("  none\n");
    }
    for reference in &policy.cross_references {
        out.push_str(&format!(
            "  {} {}",
            c(&reference.number),
            c(&reference.title)
        ));
        if !reference.procedure_codes.is_empty() {
            let codes: Vec<String> = reference.procedure_codes.iter().map(|k| c(k)).collect();
            out.push_str(&format!(" (procedure codes {})", codes.join(", ")));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "\nBenefit statement (section {}): {}\n",
        c(&policy.benefit_statement.section),
        indent_rest(&policy.benefit_statement.text, "  ")
    ));
    out
}

fn code_line(code: &str, description: &str) -> String {
    let line = format!("  {:<8} {}", clean(code, false), clean(description, false));
    format!("{}\n", line.trim_end())
}
