//! Policy snapshots: the three documents of a declared role, rendered for review
//! and stored with insta (see [`assert_role_policies!`](crate::assert_role_policies)).

use xrole_core::{RoleArn, RoleSpec};
use xrole_iam::least::{Options, declared_vs_used, minimal_policy, replay};
use xrole_iam::recording::Recording;

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

/// The minimal policy of `role` for its calls in `recording`, rendered for
/// review, once proved: replaying the recording under it allows every call,
/// and no statement can go without refusing one. Panics, naming what failed,
/// otherwise (see [`assert_least_privilege!`](crate::assert_least_privilege)).
#[track_caller]
#[allow(clippy::panic, reason = "an assertion: its failure is the test's")]
pub fn least_privilege(recording: &Recording, role: &RoleArn, options: &Options) -> String {
    let minimal = match minimal_policy(recording, role, options) {
        Ok(m) => m,
        Err(e) => panic!("no least privilege for {role}: {e}"),
    };
    let replayed = replay(recording, role, &minimal.document);
    assert!(
        replayed.refused.is_empty(),
        "the minimal policy of {role} refuses recorded calls: {:?}",
        replayed.refused
    );
    assert!(
        replayed.removable.is_empty(),
        "the minimal policy of {role} has statements no call needs: {:?}",
        replayed.removable
    );
    minimal.render()
}

/// Snapshots with insta the least privilege of a role: the identity policy
/// its sessions' recorded calls need (an
/// [`EmbeddedSts::recording`](crate::sts::EmbeddedSts::recording)), proved by
/// replay first (every call allowed, no statement removable), beside
/// [`assert_role_policies!`](crate::assert_role_policies)'s snapshot of the
/// declared one. Options (`xrole_test::least::Options`) fold objects and make
/// constant values conditions.
///
/// ```no_run
/// # fn demo(sts: &xrole_test::sts::EmbeddedSts, role: xrole_core::RoleArn) {
/// let recording = sts.recording().unwrap();
/// xrole_test::assert_least_privilege!(recording, role);
/// xrole_test::assert_least_privilege!("worker", recording, role);
/// let folded = xrole_test::least::Options::new().fold_past(10);
/// xrole_test::assert_least_privilege!("worker_folded", recording, role, folded);
/// # }
/// ```
#[macro_export]
macro_rules! assert_least_privilege {
    ($recording:expr, $role:expr $(,)?) => {
        $crate::__private::insta::assert_snapshot!(
            ::std::option::Option::None::<&str>,
            $crate::snapshot::least_privilege(&$recording, &$role, &$crate::least::Options::new()),
            ::std::concat!("least privilege of ", ::std::stringify!($role))
        )
    };
    ($name:expr, $recording:expr, $role:expr $(,)?) => {
        $crate::__private::insta::assert_snapshot!(
            $name,
            $crate::snapshot::least_privilege(&$recording, &$role, &$crate::least::Options::new()),
            ::std::concat!("least privilege of ", ::std::stringify!($role))
        )
    };
    ($name:expr, $recording:expr, $role:expr, $options:expr $(,)?) => {
        $crate::__private::insta::assert_snapshot!(
            $name,
            $crate::snapshot::least_privilege(&$recording, &$role, &$options),
            ::std::concat!("least privilege of ", ::std::stringify!($role))
        )
    };
}

/// Asserts that a declared role's permission policy is what its sessions'
/// recorded calls used: no statement, action or resource unused, no call
/// refused. The failure lists each, with the statement's place, and the
/// statements that would admit the refused calls (see
/// [`assert_used_as_declared!`](crate::assert_used_as_declared)).
#[track_caller]
#[allow(clippy::panic, reason = "an assertion: its failure is the test's")]
pub fn assert_used_as_declared(recording: &Recording, spec: &RoleSpec) {
    let policy = match spec.permission_policy() {
        Ok(p) => p,
        Err(e) => panic!("{}'s permission policy cannot be built: {e}", spec.role()),
    };
    let usage = declared_vs_used(recording, spec.role(), &policy);
    assert!(
        usage.is_exact(),
        "{} is not declared as used:\n{usage}",
        spec.role()
    );
}

/// Asserts that a declared role (a [`RoleSpec`](xrole_core::RoleSpec), an
/// `#[assume_role]` struct's `ROLE_SPEC`) is given exactly what its recorded
/// calls used: over-privilege (statements, actions, resources no call needed,
/// with their places) and under-privilege (calls its policy refuses, with the
/// statements that would admit exactly them) each fail the test.
///
/// ```no_run
/// # fn demo(sts: &xrole_test::sts::EmbeddedSts, spec: xrole_core::RoleSpec) {
/// xrole_test::assert_used_as_declared!(sts.recording().unwrap(), spec);
/// # }
/// ```
#[macro_export]
macro_rules! assert_used_as_declared {
    ($recording:expr, $spec:expr $(,)?) => {
        $crate::snapshot::assert_used_as_declared(&$recording, &$spec)
    };
}
