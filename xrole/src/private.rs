//! What `#[assume_role]` expands to. Not a public API: its shape follows the macro.

pub use xrole_core::StaticSpec;
use xrole_core::{
    ExternalId, MfaSerial, Permission, PrincipalArn, Region, RoleArn, RoleSpec, SessionDuration,
    SessionName, SessionPolicy, SessionTag, SessionTags, SourceIdentity, TransitiveTagKeys,
};

pub use crate::Source;
use crate::{AssumeRole, AssumedRole, EnvProblem, Error, TokenProvider, WebIdentity};

/// A value of the declaration: a literal (checked at compile time) or the name of an
/// environment variable (read and checked at run time).
#[derive(Clone, Copy, Debug)]
pub enum Src {
    /// A literal.
    Lit(&'static str),
    /// `env("VAR")`.
    Env(&'static str),
}

/// One `allow(...)`.
#[derive(Debug)]
pub struct AllowSource {
    /// Actions.
    pub actions: &'static [Src],
    /// Resources.
    pub resources: &'static [Src],
}

/// The declaration as the attribute wrote it.
#[derive(Debug)]
#[allow(
    missing_docs,
    reason = "each field is the attribute key of the same name"
)]
pub struct SpecSource {
    pub arn: Src,
    pub session_name: Option<Src>,
    pub external_id: Option<Src>,
    pub duration: Option<Src>,
    pub region: Option<Src>,
    pub mfa_serial: Option<Src>,
    pub tags: &'static [(&'static str, Src)],
    pub transitive_tag_keys: &'static [Src],
    pub source_identity: Option<Src>,
    pub session_policy: Option<Src>,
    pub trusted: &'static [Src],
    pub allow: &'static [AllowSource],
    pub chained: bool,
}

/// The text of a value; an `env(...)` that is unset is an error naming it.
fn text(src: Src, key: &'static str) -> Result<String, Error> {
    match src {
        Src::Lit(t) => Ok(t.to_owned()),
        Src::Env(var) => std::env::var(var).map_err(|e| Error::Env {
            variable: var.to_owned(),
            key,
            problem: match e {
                std::env::VarError::NotPresent => EnvProblem::NotSet { help: None },
                std::env::VarError::NotUnicode(_) => EnvProblem::NotUnicode,
            },
        }),
    }
}

/// A value parsed with its grammar type; a bad `env(...)` value names the variable.
fn read<T>(
    src: Src,
    key: &'static str,
    parse: impl Fn(&str) -> Result<T, xrole_core::Error>,
) -> Result<T, Error> {
    let t = text(src, key)?;
    parse(&t).map_err(|e| match src {
        Src::Env(var) => Error::Env {
            variable: var.to_owned(),
            key,
            problem: EnvProblem::Invalid(e),
        },
        Src::Lit(_) => Error::Invalid(e),
    })
}

/// Builds the `RoleSpec` of a declaration, reading `env(...)` values now.
pub fn spec(source: &SpecSource) -> Result<RoleSpec, Error> {
    let mut b = RoleSpec::builder(read(source.arn, "arn", RoleArn::parse)?);
    if let Some(s) = source.session_name {
        b = b.session_name(read(s, "session_name", SessionName::parse)?);
    }
    if let Some(s) = source.external_id {
        b = b.external_id(read(s, "external_id", ExternalId::parse)?);
    }
    if let Some(s) = source.duration {
        b = b.duration(read(s, "duration", SessionDuration::parse)?);
    }
    if let Some(s) = source.region {
        b = b.region(read(s, "region", Region::parse)?);
    }
    if let Some(s) = source.mfa_serial {
        b = b.mfa_serial(read(s, "mfa_serial", MfaSerial::parse)?);
    }
    if let Some(s) = source.source_identity {
        b = b.source_identity(read(s, "source_identity", SourceIdentity::parse)?);
    }
    if let Some(s) = source.session_policy {
        b = b.session_policy(read(s, "session_policy", SessionPolicy::parse)?);
    }
    if !source.tags.is_empty() {
        let tags = source
            .tags
            .iter()
            .map(|(k, v)| {
                let value = text(*v, "tags")?;
                SessionTag::new(k, &value).map_err(Error::Invalid)
            })
            .collect::<Result<Vec<_>, _>>()?;
        b = b.tags(SessionTags::new(tags)?);
    }
    if !source.transitive_tag_keys.is_empty() {
        let keys = source
            .transitive_tag_keys
            .iter()
            .map(|s| text(*s, "transitive_tag_keys"))
            .collect::<Result<Vec<_>, _>>()?;
        b = b.transitive_tag_keys(TransitiveTagKeys::new(keys)?);
    }
    for s in source.trusted {
        b = b.trusted(read(*s, "trusted", PrincipalArn::parse)?);
    }
    for a in source.allow {
        let actions = a
            .actions
            .iter()
            .map(|s| text(*s, "allow"))
            .collect::<Result<Vec<_>, _>>()?;
        let resources = a
            .resources
            .iter()
            .map(|s| text(*s, "allow"))
            .collect::<Result<Vec<_>, _>>()?;
        b = b.allow(Permission::new(actions, resources));
    }
    Ok(b.chained(source.chained).build()?)
}

/// The shared session of `spec` on `source`, loaded now: a refusal is the
/// `assume` call's error, not the first request's.
pub async fn assume(spec: &RoleSpec, source: Source<'_>) -> Result<AssumedRole, Error> {
    AssumeRole::from_spec(spec)
        .eager(true)
        .shared(true)
        .assume(source)
        .await
}

/// [`assume`] for a spec declared with `web_identity`: from `Source::Default`, the
/// declared web identity (made only then); from another source, that source.
pub async fn assume_web_identity(
    spec: &RoleSpec,
    source: Source<'_>,
    web_identity: impl FnOnce() -> Result<WebIdentity, Error>,
) -> Result<AssumedRole, Error> {
    match source {
        Source::Default => {
            let w = web_identity()?;
            assume(spec, Source::WebIdentity(&w)).await
        }
        other => assume(spec, other).await,
    }
}

/// `web_identity = env("VAR")`: the token file the variable names.
pub fn web_identity_file(var: &'static str) -> Result<WebIdentity, Error> {
    text(Src::Env(var), "web_identity").map(WebIdentity::token_file)
}

/// What `web_identity = EXPR` may give: a source, or the result of making one.
pub trait IntoWebIdentity {
    /// The source, or why it could not be made.
    fn into_web_identity(self) -> Result<WebIdentity, Error>;
}

impl IntoWebIdentity for WebIdentity {
    fn into_web_identity(self) -> Result<WebIdentity, Error> {
        Ok(self)
    }
}

impl IntoWebIdentity for Result<WebIdentity, Error> {
    fn into_web_identity(self) -> Result<WebIdentity, Error> {
        self
    }
}

/// [`assume`] for a spec with an MFA device, whose codes `tokens` supplies.
pub async fn assume_mfa(
    spec: &RoleSpec,
    source: Source<'_>,
    tokens: impl TokenProvider + 'static,
) -> Result<AssumedRole, Error> {
    let mut request = AssumeRole::from_spec(spec).eager(true).shared(true);
    if spec.mfa_serial().is_some() {
        request = request.mfa_token(tokens);
    }
    request.assume(source).await
}
