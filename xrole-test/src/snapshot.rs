//! Policy snapshots: the three documents of a declared role, rendered for review
//! and stored with insta (see [`assert_role_policies!`](crate::assert_role_policies)).

use std::fmt::Write;

use xrole_core::PrincipalKind;
use xrole_core::RoleSpec;

use crate::lint::{LintConfig, lint_spec};

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

/// Asserts that the lints find nothing in `spec`'s documents; the failure lists every
/// finding with its code and path.
#[track_caller]
pub fn assert_lint_clean(spec: &RoleSpec, config: &LintConfig) {
    let report = lint_spec(spec, config);
    assert!(
        report.is_clean(),
        "lint findings for {}:\n{report}",
        spec.role()
    );
}

/// Snapshots the trust policy, permission policy and caller policy of a
/// [`RoleSpec`](xrole_core::RoleSpec) with insta, in canonical JSON. The snapshot
/// lives in `snapshots/` beside the test file; review changes with `cargo insta review`.
///
/// ```no_run
/// # use xrole_core::*;
/// let spec = RoleSpec::builder(RoleArn::from_static("arn:aws:iam::222222222222:role/R"))
///     .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
///     .build()
///     .unwrap();
/// xrole_test::assert_role_policies!(spec);            // named after the test
/// xrole_test::assert_role_policies!("my_role", spec); // or named
/// ```
#[macro_export]
macro_rules! assert_role_policies {
    ($spec:expr $(,)?) => {
        $crate::__private::insta::assert_snapshot!(
            ::std::option::Option::None::<&str>,
            $crate::snapshot::render_role_policies(&$spec),
            ::std::concat!("role policies of ", ::std::stringify!($spec))
        )
    };
    ($name:expr, $spec:expr $(,)?) => {
        $crate::__private::insta::assert_snapshot!(
            $name,
            $crate::snapshot::render_role_policies(&$spec),
            ::std::concat!("role policies of ", ::std::stringify!($spec))
        )
    };
}

/// Asserts that the lints find nothing in a [`RoleSpec`](xrole_core::RoleSpec)'s
/// documents, optionally with a [`LintConfig`](crate::lint::LintConfig) (own
/// accounts, suppressions with reasons).
#[macro_export]
macro_rules! assert_lint_clean {
    ($spec:expr $(,)?) => {
        $crate::snapshot::assert_lint_clean(&$spec, &$crate::lint::LintConfig::new())
    };
    ($spec:expr, $config:expr $(,)?) => {
        $crate::snapshot::assert_lint_clean(&$spec, &$config)
    };
}
