//! The scanner every ARN family shares: the six sections, the IAM/STS checks of
//! service, region and account, paths and names, and the resource type.

use crate::charset::{self, Charset, Violation};
use crate::{Error, ErrorKind, Subject};

use super::account::AccountViolation;
use super::partition::unknown_partition;
use super::*;

/// The six sections of an ARN, as spans of its text.
#[derive(Clone, Copy)]
pub(super) struct ArnSections {
    pub(super) partition: Partition,
    pub(super) service: Span,
    pub(super) region: Span,
    pub(super) account: Span,
    pub(super) resource: Span,
}

/// Why an ARN was rejected; `describe` turns it into words with the offending part.
#[derive(Clone, Copy, Debug)]
pub(super) enum ArnViolation {
    TooLong,
    NotArn,
    Sections,
    Partition(Span),
    Service {
        span: Span,
        expected: &'static str,
    },
    Region(Span),
    Account {
        span: Span,
        why: AccountViolation,
    },
    ResourceType {
        span: Span,
        expected: &'static str,
    },
    Name {
        span: Span,
        what: &'static str,
        why: Violation,
    },
    Path(Span),
    Principal,
}

impl ArnViolation {
    /// The error for `s`, which broke this rule as `subject`.
    pub(super) fn into_error(self, subject: Subject, s: &str) -> Error {
        let kind = match self {
            ArnViolation::TooLong => ErrorKind::Length,
            ArnViolation::Partition(_) => ErrorKind::Unknown,
            ArnViolation::Account { why, .. } => why.kind(),
            ArnViolation::Name { why, .. } => why.kind(),
            ArnViolation::NotArn
            | ArnViolation::Sections
            | ArnViolation::Service { .. }
            | ArnViolation::Region(_)
            | ArnViolation::ResourceType { .. }
            | ArnViolation::Path(_)
            | ArnViolation::Principal => ErrorKind::Format,
        };
        Error::new(subject, kind, self.describe(s))
    }

    pub(super) fn describe(self, s: &str) -> String {
        match self {
            ArnViolation::TooLong => format!(
                "must be at most {MAX_ARN_LEN} characters long, found {}",
                s.chars().count()
            ),
            ArnViolation::NotArn => format!("must start with \"arn:\" ({s:?})"),
            ArnViolation::Sections => {
                format!("must have the form arn:partition:service:region:account:resource ({s:?})")
            }
            ArnViolation::Partition(span) => unknown_partition(span.of(s)),
            ArnViolation::Service { span, expected } => {
                format!("service must be {expected:?}, found {:?}", span.of(s))
            }
            ArnViolation::Region(span) => {
                format!("region must be empty in an IAM ARN, found {:?}", span.of(s))
            }
            ArnViolation::Account { span, why } => why.describe(span.of(s)),
            ArnViolation::ResourceType { span, expected } => {
                format!("resource must be {expected}, found {:?}", span.of(s))
            }
            ArnViolation::Name { span, what, why } => {
                format!("{what} {}", why.describe(span.of(s)))
            }
            ArnViolation::Path(span) => format!(
                "path must start and end with '/', hold only printable ASCII and be at most 512 characters, found {:?}",
                span.of(s)
            ),
            ArnViolation::Principal => format!(
                "expected \"*\", a 12-digit account id, an ARN, or a service principal such as \"ec2.amazonaws.com\", found {s:?}"
            ),
        }
    }
}

/// Splits `arn:partition:service:region:account:resource`.
pub(super) const fn split_arn(s: &str) -> Result<ArnSections, ArnViolation> {
    let b = s.as_bytes();
    if b.len() > MAX_ARN_LEN {
        return Err(ArnViolation::TooLong);
    }
    if !charset::starts_with(b, b"arn:") {
        return Err(ArnViolation::NotArn);
    }
    let mut bounds = [0usize; 5];
    let mut from = 4;
    let mut n = 0;
    while n < 4 {
        match charset::find(b, b':', from) {
            Some(i) => {
                bounds[n] = i;
                from = i + 1;
            }
            None => return Err(ArnViolation::Sections),
        }
        n += 1;
    }
    let partition_span = Span::new(4, bounds[0]);
    let partition = match Partition::from_name(charset::slice(s, 4, bounds[0]).as_bytes()) {
        Some(p) => p,
        None => return Err(ArnViolation::Partition(partition_span)),
    };
    Ok(ArnSections {
        partition,
        service: Span::new(bounds[0] + 1, bounds[1]),
        region: Span::new(bounds[1] + 1, bounds[2]),
        account: Span::new(bounds[2] + 1, bounds[3]),
        resource: Span::new(bounds[3] + 1, b.len()),
    })
}

pub(super) const fn span_eq(s: &str, span: Span, expected: &[u8]) -> bool {
    charset::bytes_eq(
        charset::slice(s, span.start(), span.end()).as_bytes(),
        expected,
    )
}

/// Checks the IAM/STS sections: `service` as expected, empty region, 12-digit account.
pub(super) const fn check_global(
    s: &str,
    a: &ArnSections,
    service: &'static str,
) -> Result<AccountId, ArnViolation> {
    if !span_eq(s, a.service, service.as_bytes()) {
        return Err(ArnViolation::Service {
            span: a.service,
            expected: service,
        });
    }
    if a.region.len() != 0 {
        return Err(ArnViolation::Region(a.region));
    }
    match AccountId::check(charset::slice(s, a.account.start(), a.account.end()).as_bytes()) {
        Ok(id) => Ok(id),
        Err(why) => Err(ArnViolation::Account {
            span: a.account,
            why,
        }),
    }
}

/// Splits `/path/Name` (what follows `role` or `user`) into path and name and checks
/// both: path `/` or `/x/.../`, at most 512; name 1-64 of `[\w+=,.@-]`.
pub(super) const fn path_and_name(
    s: &str,
    rest: Span,
    what: &'static str,
) -> Result<(Span, Span), ArnViolation> {
    let b = charset::slice(s, rest.start(), rest.end()).as_bytes();
    let last = match charset::rfind(b, b'/') {
        Some(i) => i,
        None => return Err(ArnViolation::Path(rest)),
    };
    let path = Span::new(rest.start(), rest.start() + last + 1);
    let name = Span::new(rest.start() + last + 1, rest.end());
    if path.len() > 512 {
        return Err(ArnViolation::Path(path));
    }
    if let Err(why) = charset::check(
        charset::slice(s, path.start(), path.end()),
        1,
        512,
        Charset::Path,
    ) {
        let _ = why;
        return Err(ArnViolation::Path(path));
    }
    match checked_name(s, name, 1, 64, Charset::Name, what) {
        Ok(name) => Ok((path, name)),
        Err(e) => Err(e),
    }
}

/// `name` when it holds `min` to `max` characters of `charset`; else the violation
/// naming `what`.
pub(super) const fn checked_name(
    s: &str,
    name: Span,
    min: usize,
    max: usize,
    charset: Charset,
    what: &'static str,
) -> Result<Span, ArnViolation> {
    match charset::check(
        charset::slice(s, name.start(), name.end()),
        min,
        max,
        charset,
    ) {
        Ok(()) => Ok(name),
        Err(why) => Err(ArnViolation::Name {
            span: name,
            what,
            why,
        }),
    }
}

/// Checks that `resource` starts with `ty` followed by `/`, and returns what follows
/// `ty` (starting at the slash).
pub(super) const fn after_type(
    s: &str,
    resource: Span,
    ty: &'static str,
    expected: &'static str,
) -> Result<Span, ArnViolation> {
    let b = charset::slice(s, resource.start(), resource.end()).as_bytes();
    let t = ty.as_bytes();
    if b.len() > t.len() && charset::starts_with(b, t) && b[t.len()] == b'/' {
        Ok(Span::new(resource.start() + t.len(), resource.end()))
    } else {
        Err(ArnViolation::ResourceType {
            span: resource,
            expected,
        })
    }
}
