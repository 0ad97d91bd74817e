//! [`Problems`]: every problem found in one input, reported at once. The policy
//! parser ([`PolicyError`](crate::PolicyError)), [`RoleSpec::validate`](crate::RoleSpec::validate)
//! ([`SpecError`](crate::SpecError)) and the test harness's worlds share it.

use std::fmt;

/// Every problem found in one input (a policy document, a role spec, a world), in
/// the order found; never empty. One problem reads as itself; several as
/// `N problems in SUBJECT` and one line each.
#[derive(Clone, PartialEq, Eq)]
pub struct Problems<P> {
    subject: &'static str,
    problems: Vec<P>,
}

impl<P> Problems<P> {
    /// The problems of `subject` (`"policy"`, `"role spec"`, `"world"`, ...).
    pub fn new(subject: &'static str, problems: Vec<P>) -> Self {
        Self { subject, problems }
    }

    /// One problem of `subject`.
    pub fn one(subject: &'static str, problem: P) -> Self {
        Self::new(subject, vec![problem])
    }

    /// What the problems are in.
    pub fn subject(&self) -> &'static str {
        self.subject
    }

    /// The problems, in the order found.
    pub fn problems(&self) -> &[P] {
        &self.problems
    }
}

impl<P: fmt::Display> fmt::Display for Problems<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems in {}", many.len(), self.subject)?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl<P: fmt::Display> fmt::Debug for Problems<P> {
    /// The same words as `Display`: `?` in `main` stays readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<P: fmt::Display> std::error::Error for Problems<P> {}
