//! ARNs and principals: [`Partition`], [`AccountId`], [`RoleArn`], [`PrincipalArn`],
//! [`PolicyArn`].
//!
//! Each keeps the text it was parsed from, so `Display` round-trips exactly, and
//! remembers where its parts are. Parsing is one `const fn` per type, shared by
//! `parse` (run time) and `from_static` (compile time).

use std::borrow::Cow;
use std::fmt;

use crate::Error;
use crate::text::{self, Charset, Violation};

/// The longest ARN or principal accepted: IAM's own limit on ARNs is 2048.
const MAX_ARN_LEN: usize = 2048;

/// A byte range of an ARN's text. ARNs are at most [`MAX_ARN_LEN`] long, so `u16`
/// keeps the types that hold spans small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
struct Span {
    start_at: u16,
    end_at: u16,
}

impl Span {
    const fn new(start: usize, end: usize) -> Self {
        Self {
            start_at: start as u16,
            end_at: end as u16,
        }
    }
    const fn start(self) -> usize {
        self.start_at as usize
    }
    const fn end(self) -> usize {
        self.end_at as usize
    }
    const fn len(self) -> usize {
        self.end() - self.start()
    }
    fn of(self, s: &str) -> &str {
        s.get(self.start()..self.end()).unwrap_or("")
    }
}

/// An AWS partition: the first section of every ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Partition {
    /// `aws`: the commercial regions.
    Aws,
    /// `aws-cn`: the China regions.
    AwsCn,
    /// `aws-us-gov`: AWS GovCloud (US).
    AwsUsGov,
    /// `aws-iso`: US ISO East/West.
    AwsIso,
    /// `aws-iso-b`: US ISOB East.
    AwsIsoB,
    /// `aws-iso-e`: EU ISOE West.
    AwsIsoE,
    /// `aws-iso-f`: US ISOF.
    AwsIsoF,
    /// `aws-eusc`: AWS European Sovereign Cloud.
    AwsEusc,
}

impl Partition {
    /// Every partition, in the order AWS lists them.
    pub const ALL: [Partition; 8] = [
        Partition::Aws,
        Partition::AwsCn,
        Partition::AwsUsGov,
        Partition::AwsIso,
        Partition::AwsIsoB,
        Partition::AwsIsoE,
        Partition::AwsIsoF,
        Partition::AwsEusc,
    ];

    /// The partition's name as it appears in ARNs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsIso => "aws-iso",
            Partition::AwsIsoB => "aws-iso-b",
            Partition::AwsIsoE => "aws-iso-e",
            Partition::AwsIsoF => "aws-iso-f",
            Partition::AwsEusc => "aws-eusc",
        }
    }

    const fn from_name(s: &[u8]) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if text::bytes_eq(Self::ALL[i].as_str().as_bytes(), s) {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// Parses a partition name (`aws`, `aws-cn`, ...).
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::from_name(s.as_bytes()).ok_or_else(|| Error::new("partition", unknown_partition(s)))
    }
}

fn unknown_partition(s: &str) -> String {
    let names: Vec<&str> = Partition::ALL.iter().map(|p| p.as_str()).collect();
    format!(
        "unknown partition {s:?} (expected one of {})",
        names.join(", ")
    )
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::macros::string_traits!(Partition);

/// A 12-digit AWS account id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId([u8; 12]);

/// Why an account id was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AccountViolation {
    Length,
    NonDigit { at: usize },
}

impl AccountViolation {
    fn describe(self, value: &str) -> String {
        match self {
            AccountViolation::Length => format!(
                "account id must be 12 digits, found {} ({value:?})",
                value.chars().count()
            ),
            AccountViolation::NonDigit { at } => {
                let ch = value
                    .get(at..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                format!("account id must be 12 digits, found {ch:?} ({value:?})")
            }
        }
    }
}

impl AccountId {
    const fn check(s: &[u8]) -> Result<Self, AccountViolation> {
        let mut digits = [0u8; 12];
        let mut i = 0;
        while i < s.len() {
            if !s[i].is_ascii_digit() {
                return Err(AccountViolation::NonDigit { at: i });
            }
            if i < 12 {
                digits[i] = s[i];
            }
            i += 1;
        }
        if s.len() != 12 {
            return Err(AccountViolation::Length);
        }
        Ok(Self(digits))
    }

    /// Parses a 12-digit account id.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::check(s.as_bytes()).map_err(|v| Error::new("account id", v.describe(s)))
    }

    /// An account id from a literal, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// If `s` is not 12 digits (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        match Self::check(s.as_bytes()) {
            Ok(id) => id,
            Err(_) => panic!("invalid account id literal: must be 12 digits"),
        }
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000000000")
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccountId").field(&self.as_str()).finish()
    }
}

crate::macros::string_traits!(AccountId);

/// The six sections of an ARN, as spans of its text.
#[derive(Clone, Copy)]
struct ArnSections {
    partition: Partition,
    service: Span,
    region: Span,
    account: Span,
    resource: Span,
}

/// Why an ARN was rejected; `describe` turns it into words with the offending part.
#[derive(Clone, Copy, Debug)]
enum ArnViolation {
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
    fn describe(self, s: &str) -> String {
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
const fn split_arn(s: &str) -> Result<ArnSections, ArnViolation> {
    let b = s.as_bytes();
    if b.len() > MAX_ARN_LEN {
        return Err(ArnViolation::TooLong);
    }
    if !text::starts_with(b, b"arn:") {
        return Err(ArnViolation::NotArn);
    }
    let mut bounds = [0usize; 5];
    let mut from = 4;
    let mut n = 0;
    while n < 4 {
        match text::find(b, b':', from) {
            Some(i) => {
                bounds[n] = i;
                from = i + 1;
            }
            None => return Err(ArnViolation::Sections),
        }
        n += 1;
    }
    let partition_span = Span::new(4, bounds[0]);
    let partition = match Partition::from_name(text::slice(s, 4, bounds[0]).as_bytes()) {
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

const fn span_eq(s: &str, span: Span, expected: &[u8]) -> bool {
    text::bytes_eq(
        text::slice(s, span.start(), span.end()).as_bytes(),
        expected,
    )
}

/// Checks the IAM/STS sections: `service` as expected, empty region, 12-digit account.
const fn check_global(
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
    match AccountId::check(text::slice(s, a.account.start(), a.account.end()).as_bytes()) {
        Ok(id) => Ok(id),
        Err(why) => Err(ArnViolation::Account {
            span: a.account,
            why,
        }),
    }
}

/// Splits `/path/Name` (what follows `role` or `user`) into path and name and checks
/// both: path `/` or `/x/.../`, at most 512; name 1-64 of `[\w+=,.@-]`.
const fn path_and_name(
    s: &str,
    rest: Span,
    what: &'static str,
) -> Result<(Span, Span), ArnViolation> {
    let b = text::slice(s, rest.start(), rest.end()).as_bytes();
    let last = match text::rfind(b, b'/') {
        Some(i) => i,
        None => return Err(ArnViolation::Path(rest)),
    };
    let path = Span::new(rest.start(), rest.start() + last + 1);
    let name = Span::new(rest.start() + last + 1, rest.end());
    if path.len() > 512 {
        return Err(ArnViolation::Path(path));
    }
    if let Err(why) = text::check(
        text::slice(s, path.start(), path.end()),
        1,
        512,
        Charset::Path,
    ) {
        let _ = why;
        return Err(ArnViolation::Path(path));
    }
    if let Err(why) = text::check(
        text::slice(s, name.start(), name.end()),
        1,
        64,
        Charset::Name,
    ) {
        return Err(ArnViolation::Name {
            span: name,
            what,
            why,
        });
    }
    Ok((path, name))
}

/// Checks that `resource` starts with `ty` followed by `/`, and returns what follows
/// `ty` (starting at the slash).
const fn after_type(
    s: &str,
    resource: Span,
    ty: &'static str,
    expected: &'static str,
) -> Result<Span, ArnViolation> {
    let b = text::slice(s, resource.start(), resource.end()).as_bytes();
    let t = ty.as_bytes();
    if b.len() > t.len() && text::starts_with(b, t) && b[t.len()] == b'/' {
        Ok(Span::new(resource.start() + t.len(), resource.end()))
    } else {
        Err(ArnViolation::ResourceType {
            span: resource,
            expected,
        })
    }
}

/// An IAM role ARN: `arn:partition:iam::account:role/path/Name`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleArn {
    text: Cow<'static, str>,
    partition: Partition,
    account: AccountId,
    path: Span,
    name: Span,
}

struct RoleParts {
    partition: Partition,
    account: AccountId,
    path: Span,
    name: Span,
}

impl RoleArn {
    const fn check(s: &str) -> Result<RoleParts, ArnViolation> {
        let a = match split_arn(s) {
            Ok(a) => a,
            Err(e) => return Err(e),
        };
        let account = match check_global(s, &a, "iam") {
            Ok(id) => id,
            Err(e) => return Err(e),
        };
        let rest = match after_type(s, a.resource, "role", "role/NAME or role/PATH/NAME") {
            Ok(r) => r,
            Err(e) => return Err(e),
        };
        match path_and_name(s, rest, "role name") {
            Ok((path, name)) => Ok(RoleParts {
                partition: a.partition,
                account,
                path,
                name,
            }),
            Err(e) => Err(e),
        }
    }

    /// Parses a role ARN.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match Self::check(s) {
            Ok(p) => Ok(Self {
                text: Cow::Owned(s.to_owned()),
                partition: p.partition,
                account: p.account,
                path: p.path,
                name: p.name,
            }),
            Err(v) => Err(Error::new("role ARN", v.describe(s))),
        }
    }

    /// A role ARN from a literal, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// If `s` is not a valid role ARN (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        match Self::check(s) {
            Ok(p) => Self {
                text: Cow::Borrowed(s),
                partition: p.partition,
                account: p.account,
                path: p.path,
                name: p.name,
            },
            Err(_) => panic!("invalid role ARN literal"),
        }
    }

    /// The ARN of role `name` (path `/`) in `account`.
    pub fn new(partition: Partition, account: AccountId, name: &str) -> Result<Self, Error> {
        Self::parse(&format!("arn:{partition}:iam::{account}:role/{name}"))
    }

    /// The partition.
    pub fn partition(&self) -> Partition {
        self.partition
    }
    /// The account that owns the role (the trusting account).
    pub fn account(&self) -> AccountId {
        self.account
    }
    /// The path, `/` when none was given.
    pub fn path(&self) -> &str {
        self.path.of(&self.text)
    }
    /// The role's name.
    pub fn name(&self) -> &str {
        self.name.of(&self.text)
    }
    /// The ARN as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

crate::macros::arn_text_traits!(RoleArn);

/// What kind of principal a [`PrincipalArn`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PrincipalKind {
    /// `*`: anyone.
    Any,
    /// A bare 12-digit account id: the same as the account's `:root`.
    Account,
    /// `arn:aws:iam::111111111111:root`: the account, which delegates to its identity policies.
    AccountRoot,
    /// `arn:aws:iam::111111111111:user/path/Name`.
    User,
    /// `arn:aws:iam::111111111111:role/path/Name`.
    Role,
    /// `arn:aws:sts::111111111111:assumed-role/RoleName/SessionName`.
    AssumedRole,
    /// `arn:aws:sts::111111111111:federated-user/Name`.
    FederatedUser,
    /// An AWS service, e.g. `ec2.amazonaws.com`.
    Service,
    /// An identity provider: a SAML or OIDC provider ARN, or a well-known web
    /// identity provider (`accounts.google.com`, `cognito-identity.amazonaws.com`, ...).
    Federated,
}

/// Web identity providers that are named by host rather than by ARN.
const WEB_IDENTITY_PROVIDERS: [&str; 4] = [
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
];

/// A principal as policies and STS name it: `*`, an account (bare id or `:root`), a
/// user, a role, an assumed-role session, a federated user, a service, or an
/// identity provider.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrincipalArn {
    text: Cow<'static, str>,
    kind: PrincipalKind,
    partition: Option<Partition>,
    account: Option<AccountId>,
    /// User or role path (`/...`/), empty for other kinds.
    path: Span,
    /// User, role, federated user or provider name; the service for services.
    name: Span,
    /// The session name of an assumed-role session.
    session: Span,
}

struct PrincipalParts {
    kind: PrincipalKind,
    partition: Option<Partition>,
    account: Option<AccountId>,
    path: Span,
    name: Span,
    session: Span,
}

impl PrincipalParts {
    const fn simple(kind: PrincipalKind, name: Span) -> Self {
        Self {
            kind,
            partition: None,
            account: None,
            path: Span::new(0, 0),
            name,
            session: Span::new(0, 0),
        }
    }
}

impl PrincipalArn {
    const fn check(s: &str) -> Result<PrincipalParts, ArnViolation> {
        let b = s.as_bytes();
        if b.len() > MAX_ARN_LEN {
            return Err(ArnViolation::TooLong);
        }
        let whole = Span::new(0, b.len());
        if text::bytes_eq(b, b"*") {
            return Ok(PrincipalParts::simple(PrincipalKind::Any, whole));
        }
        if !text::starts_with(b, b"arn:") {
            let all_digits =
                !b.is_empty() && text::check(s, 1, usize::MAX, Charset::Digits).is_ok();
            match AccountId::check(b) {
                Ok(id) => {
                    let mut p = PrincipalParts::simple(PrincipalKind::Account, whole);
                    p.account = Some(id);
                    return Ok(p);
                }
                Err(why) if all_digits => return Err(ArnViolation::Account { span: whole, why }),
                Err(_) => {}
            }
            let mut i = 0;
            while i < WEB_IDENTITY_PROVIDERS.len() {
                if text::bytes_eq(b, WEB_IDENTITY_PROVIDERS[i].as_bytes()) {
                    return Ok(PrincipalParts::simple(PrincipalKind::Federated, whole));
                }
                i += 1;
            }
            if text::check(s, 1, 256, Charset::Host).is_ok()
                && (text::ends_with(b, b".amazonaws.com")
                    || text::ends_with(b, b".amazonaws.com.cn"))
                && b[0] != b'.'
            {
                return Ok(PrincipalParts::simple(PrincipalKind::Service, whole));
            }
            return Err(ArnViolation::Principal);
        }
        let a = match split_arn(s) {
            Ok(a) => a,
            Err(e) => return Err(e),
        };
        let is_sts = span_eq(s, a.service, b"sts");
        let account = match check_global(s, &a, if is_sts { "sts" } else { "iam" }) {
            Ok(id) => id,
            Err(e) => return Err(e),
        };
        let res = a.resource;
        let mut p = PrincipalParts::simple(PrincipalKind::AccountRoot, Span::new(0, 0));
        p.partition = Some(a.partition);
        p.account = Some(account);
        if is_sts {
            if let Ok(rest) = after_type(s, res, "assumed-role", "") {
                // assumed-role/RoleName/SessionName: role names carry no path here.
                let r = text::slice(s, rest.start() + 1, rest.end()).as_bytes();
                let slash = match text::find(r, b'/', 0) {
                    Some(i) => i,
                    None => {
                        return Err(ArnViolation::ResourceType {
                            span: res,
                            expected: "assumed-role/ROLE/SESSION",
                        });
                    }
                };
                let role = Span::new(rest.start() + 1, rest.start() + 1 + slash);
                let session = Span::new(rest.start() + 2 + slash, rest.end());
                if let Err(why) = text::check(
                    text::slice(s, role.start(), role.end()),
                    1,
                    64,
                    Charset::Name,
                ) {
                    return Err(ArnViolation::Name {
                        span: role,
                        what: "role name",
                        why,
                    });
                }
                if let Err(why) = text::check(
                    text::slice(s, session.start(), session.end()),
                    2,
                    64,
                    Charset::Name,
                ) {
                    return Err(ArnViolation::Name {
                        span: session,
                        what: "session name",
                        why,
                    });
                }
                p.kind = PrincipalKind::AssumedRole;
                p.name = role;
                p.session = session;
                return Ok(p);
            }
            if let Ok(rest) = after_type(s, res, "federated-user", "") {
                let name = Span::new(rest.start() + 1, rest.end());
                if let Err(why) = text::check(
                    text::slice(s, name.start(), name.end()),
                    2,
                    32,
                    Charset::Name,
                ) {
                    return Err(ArnViolation::Name {
                        span: name,
                        what: "federated user name",
                        why,
                    });
                }
                p.kind = PrincipalKind::FederatedUser;
                p.name = name;
                return Ok(p);
            }
            return Err(ArnViolation::ResourceType {
                span: res,
                expected: "assumed-role/ROLE/SESSION or federated-user/NAME",
            });
        }
        if span_eq(s, res, b"root") {
            return Ok(p);
        }
        let mut kind = PrincipalKind::User;
        let mut found = after_type(s, res, "user", "");
        if found.is_err() {
            kind = PrincipalKind::Role;
            found = after_type(s, res, "role", "");
        }
        if let Ok(rest) = found {
            return match path_and_name(
                s,
                rest,
                if matches!(kind, PrincipalKind::User) {
                    "user name"
                } else {
                    "role name"
                },
            ) {
                Ok((path, name)) => {
                    p.kind = kind;
                    p.path = path;
                    p.name = name;
                    Ok(p)
                }
                Err(e) => Err(e),
            };
        }
        let mut provider = after_type(s, res, "saml-provider", "");
        if provider.is_err() {
            provider = after_type(s, res, "oidc-provider", "");
        }
        if let Ok(rest) = provider {
            let name = Span::new(rest.start() + 1, rest.end());
            if let Err(why) = text::check(
                text::slice(s, name.start(), name.end()),
                1,
                1024,
                Charset::ExternalId,
            ) {
                return Err(ArnViolation::Name {
                    span: name,
                    what: "identity provider",
                    why,
                });
            }
            p.kind = PrincipalKind::Federated;
            p.name = name;
            return Ok(p);
        }
        Err(ArnViolation::ResourceType {
            span: res,
            expected: "root, user/NAME, role/NAME, saml-provider/NAME or oidc-provider/HOST",
        })
    }

    fn from_parts(text: Cow<'static, str>, p: PrincipalParts) -> Self {
        Self {
            text,
            kind: p.kind,
            partition: p.partition,
            account: p.account,
            path: p.path,
            name: p.name,
            session: p.session,
        }
    }

    /// Parses a principal.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match Self::check(s) {
            Ok(p) => Ok(Self::from_parts(Cow::Owned(s.to_owned()), p)),
            Err(v) => Err(Error::new("principal", v.describe(s))),
        }
    }

    /// A principal from a literal, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// If `s` is not a valid principal (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        match Self::check(s) {
            Ok(p) => Self {
                text: Cow::Borrowed(s),
                kind: p.kind,
                partition: p.partition,
                account: p.account,
                path: p.path,
                name: p.name,
                session: p.session,
            },
            Err(_) => panic!("invalid principal literal"),
        }
    }

    /// The account root principal `arn:{partition}:iam::{account}:root`.
    pub fn account_root(partition: Partition, account: AccountId) -> Self {
        let text = format!("arn:{partition}:iam::{account}:root");
        let mut p = PrincipalParts::simple(PrincipalKind::AccountRoot, Span::new(0, 0));
        p.partition = Some(partition);
        p.account = Some(account);
        Self::from_parts(Cow::Owned(text), p)
    }

    /// What kind of principal this is.
    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }
    /// The partition, for ARN forms.
    pub fn partition(&self) -> Option<Partition> {
        self.partition
    }
    /// The account, for every kind but `*`, services and web identity providers.
    pub fn account(&self) -> Option<AccountId> {
        self.account
    }
    /// The user's or role's path (`/` by default); `None` for other kinds.
    pub fn path(&self) -> Option<&str> {
        matches!(self.kind, PrincipalKind::User | PrincipalKind::Role)
            .then(|| self.path.of(&self.text))
    }
    /// The name: of the user, the role (also the role of an assumed-role session), the
    /// federated user, the identity provider or the service.
    pub fn name(&self) -> Option<&str> {
        match self.kind {
            PrincipalKind::Any | PrincipalKind::Account | PrincipalKind::AccountRoot => None,
            _ => Some(self.name.of(&self.text)),
        }
    }
    /// The session name of an assumed-role session.
    pub fn session_name(&self) -> Option<&str> {
        (self.kind == PrincipalKind::AssumedRole).then(|| self.session.of(&self.text))
    }
    /// The role ARN, for a role principal.
    pub fn to_role_arn(&self) -> Option<RoleArn> {
        (self.kind == PrincipalKind::Role).then(|| RoleArn {
            text: self.text.clone(),
            partition: self.partition.unwrap_or(Partition::Aws),
            account: self.account.unwrap_or(AccountId([b'0'; 12])),
            path: self.path,
            name: self.name,
        })
    }
    /// The principal as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<RoleArn> for PrincipalArn {
    fn from(role: RoleArn) -> Self {
        Self {
            text: role.text,
            kind: PrincipalKind::Role,
            partition: Some(role.partition),
            account: Some(role.account),
            path: role.path,
            name: role.name,
            session: Span::new(0, 0),
        }
    }
}

crate::macros::arn_text_traits!(PrincipalArn);

/// A managed policy ARN, as passed in AssumeRole's `PolicyArns`:
/// `arn:aws:iam::aws:policy/ReadOnlyAccess` or `arn:aws:iam::111111111111:policy/path/Name`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyArn {
    text: Cow<'static, str>,
    name: Span,
}

impl PolicyArn {
    const fn check(s: &str) -> Result<Span, ArnViolation> {
        let a = match split_arn(s) {
            Ok(a) => a,
            Err(e) => return Err(e),
        };
        if !span_eq(s, a.service, b"iam") {
            return Err(ArnViolation::Service {
                span: a.service,
                expected: "iam",
            });
        }
        if a.region.len() != 0 {
            return Err(ArnViolation::Region(a.region));
        }
        // AWS managed policies live in the pseudo-account `aws`.
        if !span_eq(s, a.account, b"aws")
            && let Err(why) =
                AccountId::check(text::slice(s, a.account.start(), a.account.end()).as_bytes())
        {
            return Err(ArnViolation::Account {
                span: a.account,
                why,
            });
        }
        let rest = match after_type(s, a.resource, "policy", "policy/NAME or policy/PATH/NAME") {
            Ok(r) => r,
            Err(e) => return Err(e),
        };
        // Policy names allow 1-128 characters of the same set as role names.
        let b = text::slice(s, rest.start(), rest.end()).as_bytes();
        let last = match text::rfind(b, b'/') {
            Some(i) => i,
            None => return Err(ArnViolation::Path(rest)),
        };
        let name = Span::new(rest.start() + last + 1, rest.end());
        if let Err(why) = text::check(
            text::slice(s, name.start(), name.end()),
            1,
            128,
            Charset::Name,
        ) {
            return Err(ArnViolation::Name {
                span: name,
                what: "policy name",
                why,
            });
        }
        if let Err(_why) = text::check(
            text::slice(s, rest.start(), name.start()),
            1,
            512,
            Charset::Path,
        ) {
            return Err(ArnViolation::Path(Span::new(rest.start(), name.start())));
        }
        Ok(name)
    }

    /// Parses a managed policy ARN.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match Self::check(s) {
            Ok(name) => Ok(Self {
                text: Cow::Owned(s.to_owned()),
                name,
            }),
            Err(v) => Err(Error::new("policy ARN", v.describe(s))),
        }
    }

    /// A policy ARN from a literal, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// If `s` is not a valid policy ARN (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        match Self::check(s) {
            Ok(name) => Self {
                text: Cow::Borrowed(s),
                name,
            },
            Err(_) => panic!("invalid policy ARN literal"),
        }
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        self.name.of(&self.text)
    }
    /// The ARN as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

crate::macros::arn_text_traits!(PolicyArn);
