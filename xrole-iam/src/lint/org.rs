//! Lints for organization policies: what Organizations refuses to attach or what
//! never takes effect in a service control policy (SCP) or a resource control
//! policy (RCP), from the Organizations guide's syntax pages
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html>,
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html>).

use xrole_core::policy::{Effect, OneOrMany, PolicyDocument, PolicyKind, Principal, rcp_governs};

use super::{
    Document, Lint, LintConfig, LintFinding, LintReport, ORG_POLICY_TOO_LARGE, RCP_ALLOW,
    RCP_PRINCIPAL_NOT_ANY, RCP_UNSUPPORTED_ACTION, SCP_NOT_ACTION_ALLOW, SCP_PRINCIPAL,
    statement_path,
};

/// `path` of the `i`th value of a list element, with `[i]` when written as a list.
fn item<T>(path: &str, values: &OneOrMany<T>, i: usize) -> String {
    match values {
        OneOrMany::One(_) => path.to_owned(),
        OneOrMany::Many(_) => format!("{path}[{i}]"),
    }
}

/// A finding about `document`, from its lint, path and message.
fn finder(document: Document) -> impl Fn(Lint, String, String) -> LintFinding {
    move |lint, path, message| LintFinding {
        lint,
        document,
        path,
        message,
    }
}

/// The size lint, shared by both kinds: Organizations' quota, the one
/// [`PolicyKind::max_len`] states.
fn size(
    doc: &PolicyDocument,
    kind: PolicyKind,
    document: Document,
    config: &LintConfig,
    report: &mut LintReport,
) {
    let n = doc.to_compact_json().chars().count();
    if n > kind.max_len() {
        report.push(
            config,
            LintFinding {
                lint: ORG_POLICY_TOO_LARGE,
                document,
                path: String::new(),
                message: format!(
                    "{n} characters even without white space, over the {} Organizations accepts for {}; split it or shorten its lists with wildcards",
                    kind.max_len(),
                    kind.name()
                ),
            },
        );
    }
}

/// Lints a service control policy.
pub fn lint_scp(doc: &PolicyDocument, config: &LintConfig, report: &mut LintReport) {
    let document = Document::ServiceControl;
    let finding = finder(document);
    size(doc, PolicyKind::ServiceControl, document, config, report);
    for (i, st) in doc.statements().iter().enumerate() {
        let path = statement_path(doc, i);
        for (field, present) in [
            ("Principal", st.principal.is_some()),
            ("NotPrincipal", st.not_principal.is_some()),
        ] {
            if present {
                report.push(config, finding(SCP_PRINCIPAL, format!("{path}.{field}"),
                    format!("an SCP governs every principal of the accounts below it and Organizations refuses {field}; narrow it with a condition on aws:PrincipalArn")));
            }
        }
        if st.effect == Effect::Allow && st.not_action.is_some() {
            report.push(config, finding(SCP_NOT_ACTION_ALLOW, format!("{path}.NotAction"),
                "NotAction with Allow lets the accounts below use every other action, of every service AWS adds later too; list the allowed actions, or deny with NotAction instead".into()));
        }
    }
}

/// Lints a resource control policy.
pub fn lint_rcp(doc: &PolicyDocument, config: &LintConfig, report: &mut LintReport) {
    let document = Document::ResourceControl;
    let finding = finder(document);
    size(doc, PolicyKind::ResourceControl, document, config, report);
    for (i, st) in doc.statements().iter().enumerate() {
        let path = statement_path(doc, i);
        if st.effect == Effect::Allow {
            report.push(config, finding(RCP_ALLOW, format!("{path}.Effect"),
                "Organizations accepts Allow only in its own RCPFullAWSAccess, which is attached everywhere already; an RCP can only deny".into()));
        }
        if st.not_principal.is_some() {
            report.push(config, finding(RCP_PRINCIPAL_NOT_ANY, format!("{path}.NotPrincipal"),
                "Organizations refuses NotPrincipal in an RCP; write \"Principal\": \"*\" and exclude principals with a condition (aws:PrincipalOrgID, aws:PrincipalArn)".into()));
        }
        if let Some(Principal::Typed(_)) = &st.principal {
            report.push(config, finding(RCP_PRINCIPAL_NOT_ANY, format!("{path}.Principal"),
                "an RCP's Principal must be \"*\"; say whom it applies to with conditions (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalIsAWSService)".into()));
        }
        if let Some(actions) = &st.action {
            for (j, a) in actions.iter().enumerate() {
                if a != "*" && !rcp_governs(a) {
                    report.push(config, finding(RCP_UNSUPPORTED_ACTION, item(&format!("{path}.Action"), actions, j),
                        format!("RCPs govern only {}; {a:?} never takes effect here (an SCP governs the principals instead)",
                            xrole_core::policy::RCP_SERVICES.join(", "))));
                }
            }
        }
    }
}
