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

/// One problem at its place in an input: `roles[0].trustPolicy`, `user
/// arn:aws:iam::111111111111:user/alice`, `plan.json: resource_changes[2]`. The
/// place is kept apart from the words, so a tool can point at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    place: String,
    message: String,
}

impl Placed {
    /// `message` at `place` (empty when the problem is of the whole input).
    pub fn new(place: impl fmt::Display, message: impl fmt::Display) -> Self {
        Self {
            place: place.to_string(),
            message: message.to_string(),
        }
    }

    /// A problem of the whole input, or one whose sentence names its subject
    /// (`group ops of 111111111111 is already in the world`).
    pub fn unplaced(message: impl fmt::Display) -> Self {
        Self::new("", message)
    }

    /// Where the problem is.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same problem seen from the place that holds this one's input:
    /// `roles[0]` around `role arn:...` reads `roles[0]: role arn:...: ...`.
    pub fn within(mut self, outer: &str) -> Self {
        self.place = match (outer.is_empty(), self.place.is_empty()) {
            (true, _) => self.place,
            (false, true) => outer.to_owned(),
            (false, false) => format!("{outer}: {}", self.place),
        };
        self
    }
}

impl fmt::Display for Placed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

impl Problems<Placed> {
    /// The problems seen from `outer` ([`Placed::within`]).
    pub fn within(self, outer: &str) -> Self {
        Self {
            subject: self.subject,
            problems: self.problems.into_iter().map(|p| p.within(outer)).collect(),
        }
    }

    /// The problems, moved out.
    pub fn into_problems(self) -> Vec<Placed> {
        self.problems
    }
}
