//! Policy snapshots: the three documents of a declared role, rendered for review
//! and stored with insta (see [`assert_role_policies!`](crate::assert_role_policies)).

use xrole_core::RoleSpec;

pub use xrole_core::render_role_policies;
use xrole_iam::lint::{LintConfig, lint_spec};

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
