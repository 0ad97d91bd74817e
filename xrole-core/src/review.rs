//! A declared role's three documents rendered for review: what a snapshot keeps
//! (`xrole_test::assert_role_policies!`) and `xrole policy generate` prints.

use std::fmt::Write;

use crate::{PrincipalKind, RoleSpec};

/// The trust, permission and caller policies of `spec` in canonical JSON, each under
/// a heading that says which account it belongs in and what it attaches to.
pub fn render_role_policies(spec: &RoleSpec) -> String {
    let role = spec.role();
    let mut out = String::new();
    let section = |out: &mut String, heading: String, body: Result<String, String>| {
        let _ = writeln!(out, "# {heading}");
        match body {
            Ok(json) => {
                let _ = writeln!(out, "{json}");
            }
            Err(why) => {
                let _ = writeln!(out, "(none: {why})");
            }
        }
        out.push('\n');
    };
    section(
        &mut out,
        format!(
            "Trust policy: account {}, role {}",
            role.account(),
            role.name()
        ),
        spec.trust_policy()
            .map(|d| d.to_canonical_json())
            .map_err(|e| e.message().to_owned()),
    );
    section(
        &mut out,
        format!(
            "Permission policy: account {}, role {}",
            role.account(),
            role.name()
        ),
        spec.permission_policy()
            .map(|d| d.to_canonical_json())
            .map_err(|e| e.message().to_owned()),
    );
    // An identity policy goes on a user or a role: for a trusted account, on those
    // of its users or roles that assume the role, never on the account itself.
    let callers: Vec<String> = spec
        .trusted()
        .iter()
        .map(|p| match (p.kind(), p.account()) {
            (PrincipalKind::AccountRoot | PrincipalKind::Account, Some(account)) => {
                format!("the users or roles of account {account} that assume it")
            }
            _ => p.to_string(),
        })
        .collect();
    let providers: Vec<String> = spec
        .web_identities()
        .iter()
        .map(|w| format!("holders of {} tokens", w.provider()))
        .collect();
    let attach = if !callers.is_empty() {
        callers.join("; ")
    } else if !providers.is_empty() {
        providers.join("; ")
    } else {
        "the caller".to_owned()
    };
    section(
        &mut out,
        format!("Caller policy: attach to {attach}"),
        spec.caller_policy()
            .map(|d| d.to_canonical_json())
            .map_err(|e| e.message().to_owned()),
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
