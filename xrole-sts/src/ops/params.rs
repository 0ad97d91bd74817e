//! The parameters the credential-issuing operations share, decoded and checked as
//! STS checks them: required and optional grammar values, session tags, and
//! session policies with their packed size.

use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{
    AccountId, PolicyArn, PolicyArns, RoleArn, SessionDuration, SessionName, SessionPolicy,
    SessionTag, SessionTags,
};

use super::super::error::{ErrorCode, StsError};
use super::super::query::{Query, constraint, echo};
use xrole_iam::eval::CompiledPolicy;
use xrole_iam::world::World;

/// An operation's parameters, decoded once at the door into a typed input. Every
/// constraint STS checks before authorization is checked here; each broken one is
/// added to `problems`, so that the answer lists them all.
pub(super) trait Decode: Sized {
    /// The input, or `None` with at least one problem said.
    fn decode(query: &Query, problems: &mut Vec<String>) -> Option<Self>;
}

/// An operation's decoded input, or every problem found at once (STS's
/// `ValidationError`).
pub(super) fn decoded<T>(input: Option<T>, problems: &[String]) -> Result<T, StsError> {
    if !problems.is_empty() {
        return Err(StsError::validation(problems));
    }
    // Decoding yields no input only with a problem to say.
    input.ok_or_else(|| StsError::of(ErrorCode::InternalFailure))
}

/// A member of an operation's query: its name on the wire, its name in STS's
/// messages, and whether STS requires it.
#[derive(Clone, Copy)]
pub(super) struct Member {
    name: &'static str,
    field: &'static str,
    required: bool,
}

/// A member STS requires.
pub(super) const fn required(name: &'static str, field: &'static str) -> Member {
    Member {
        name,
        field,
        required: true,
    }
}

/// A member STS takes when sent.
pub(super) const fn optional(name: &'static str, field: &'static str) -> Member {
    Member {
        name,
        field,
        required: false,
    }
}

impl Member {
    /// The member's value parsed with its grammar type; a missing required
    /// member or a value the type refuses is a problem.
    pub(super) fn parse<T>(
        self,
        query: &Query,
        parse: impl Fn(&str) -> Result<T, xrole_core::Error>,
        problems: &mut Vec<String>,
    ) -> Option<T> {
        let Some(t) = query.get(self.name) else {
            if self.required {
                problems.push(format!(
                    "Value null at '{}' failed to satisfy constraint: Member must not be null",
                    self.field
                ));
            }
            return None;
        };
        parse(t)
            .map_err(|e| problems.push(constraint(t, self.field, &e)))
            .ok()
    }
}

/// `RoleArn` and `RoleSessionName`, which every operation that assumes a role
/// requires.
pub(super) fn role_and_session_name(
    query: &Query,
    problems: &mut Vec<String>,
) -> (Option<RoleArn>, Option<SessionName>) {
    let role = required("RoleArn", "roleArn").parse(query, RoleArn::parse, problems);
    let session_name =
        required("RoleSessionName", "roleSessionName").parse(query, SessionName::parse, problems);
    (role, session_name)
}

/// `DurationSeconds` of the operations that assume a role: 900 seconds to 12
/// hours (the role's maximum is checked after), an hour when not sent.
pub(super) fn role_duration(query: &Query, problems: &mut Vec<String>) -> Option<SessionDuration> {
    let Some(text) = query.get("DurationSeconds") else {
        return Some(SessionDuration::DEFAULT);
    };
    match text.parse::<u64>() {
        Ok(n) => SessionDuration::from_secs(n)
            .map_err(|e| problems.push(constraint(text, "durationSeconds", &e)))
            .ok(),
        Err(_) => {
            problems.push(format!(
                "Value '{}' at 'durationSeconds' failed to satisfy constraint: Member must be a number",
                echo(text)
            ));
            None
        }
    }
}

/// `DurationSeconds` of GetSessionToken and GetFederationToken: 900 seconds to 36
/// hours, 12 hours when not sent.
pub(super) fn long_duration(query: &Query, problems: &mut Vec<String>) -> Option<u64> {
    let range = SessionDuration::SESSION_TOKEN_SECS;
    let Some(text) = query.get("DurationSeconds") else {
        return Some(u64::from(SessionDuration::MAX.as_secs()));
    };
    match text.parse::<u64>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            problems.push(format!(
                "Value '{}' at 'durationSeconds' failed to satisfy constraint: Member must have value between {} and {}",
                echo(text),
                range.start(),
                range.end()
            ));
            None
        }
    }
}

/// `Tags.member.N`, in order, checked by xrole-core's rules (the runtime's and
/// the attribute's too): the set when every tag is valid (otherwise each
/// problem is said).
pub(super) fn session_tags(query: &Query, problems: &mut Vec<String>) -> Option<SessionTags> {
    let tags = query.member_pairs("Tags.member.");
    let parsed: Vec<SessionTag> = tags
        .iter()
        .filter_map(|(k, v)| {
            SessionTag::new(k, v)
                .map_err(|e| {
                    problems.push(format!("Value at 'tags' failed to satisfy constraint: {e}"))
                })
                .ok()
        })
        .collect();
    SessionTags::new(parsed)
        .map_err(|e| {
            problems.push(format!(
                "Value at 'tags' failed to satisfy constraint: {}",
                e.message()
            ))
        })
        .ok()
}

/// A new session's principal tags: the identity's own `tags`, each overridden by
/// a session tag of the same key (compared as IAM compares keys, ignoring case).
pub(super) fn principal_tags(mut tags: Vec<SessionTag>, session: &[SessionTag]) -> Vec<SessionTag> {
    for tag in session {
        tags.retain(|t| !SessionTag::same_key(t.key(), tag.key()));
        tags.push(tag.clone());
    }
    tags
}

/// `Policy` and `PolicyArns.member.N.arn` as sent, their sizes checked.
pub(super) struct SessionPolicies {
    pub(super) policy: Option<String>,
    pub(super) arns: Vec<String>,
}

impl SessionPolicies {
    pub(super) fn decode(query: &Query, problems: &mut Vec<String>) -> Self {
        let arns = query.member_values("PolicyArns.member.", ".arn");
        if arns.len() > PolicyArns::MAX {
            problems.push(format!(
                "Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to {}, found {}",
                PolicyArns::MAX,
                arns.len()
            ));
        }
        let policy = query.get("Policy");
        if let Some(p) = policy
            && p.chars().count() > SessionPolicy::MAX_LEN
        {
            problems.push(format!(
                "Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to {}",
                SessionPolicy::MAX_LEN
            ));
        }
        Self {
            policy: policy.map(str::to_owned),
            arns,
        }
    }

    /// Whether no session policy was sent.
    pub(super) fn is_empty(&self) -> bool {
        self.policy.is_none() && self.arns.is_empty()
    }

    /// The inline document, compiled; a document that is not a valid session policy
    /// is STS's `MalformedPolicyDocument`.
    pub(super) fn inline(&self) -> Result<Option<CompiledPolicy>, StsError> {
        let Some(text) = &self.policy else {
            return Ok(None);
        };
        let malformed = |e: String| StsError::new(ErrorCode::MalformedPolicyDocument, e);
        let doc = PolicyDocument::from_json(text).map_err(|e| malformed(e.to_string()))?;
        CompiledPolicy::new("session policy", &doc, PolicyKind::Session)
            .map(Some)
            .map_err(|e| malformed(e.to_string()))
    }

    /// The managed session policies, from the world. Each must be AWS-managed or
    /// of `account`, the session's (the role's for AssumeRole, the user's for
    /// GetFederationToken: STS API reference, `PolicyArns`); any other is STS's
    /// `InvalidParameterValue`.
    pub(super) fn managed(
        &self,
        world: &World,
        account: AccountId,
    ) -> Result<Vec<CompiledPolicy>, StsError> {
        self.arns
            .iter()
            .map(|arn| {
                let attachable = PolicyArn::parse(arn)
                    .is_ok_and(|a| a.is_aws_managed() || a.owner() == Some(account));
                match world.managed(arn) {
                    Some(c) if attachable => Ok(c.clone()),
                    _ => Err(StsError::new(
                        ErrorCode::InvalidParameterValue,
                        format!("Policy {arn} does not exist or is not attachable."),
                    )),
                }
            })
            .collect()
    }

    /// How full the packed session policies and `tags` are, in percent, refused
    /// past 100. STS packs them in a compressed binary form it does not document;
    /// this counts their characters against a 4096-character budget, so a maximal
    /// inline policy plus a few tags fits.
    pub(super) fn packed_percent(&self, tags: &[SessionTag]) -> Result<u64, StsError> {
        let chars = self
            .policy
            .as_deref()
            .map_or(0, |p| p.chars().filter(|c| !c.is_whitespace()).count())
            + self.arns.iter().map(|a| a.len()).sum::<usize>()
            + tags
                .iter()
                .map(|t| t.key().chars().count() + t.value().chars().count())
                .sum::<usize>();
        let percent = (chars as u64 * 100).div_ceil(4096);
        if percent > 100 {
            return Err(StsError::new(
                ErrorCode::PackedPolicyTooLarge,
                format!(
                    "Packed policy consumes {percent}% of allotted space, please use smaller policy."
                ),
            ));
        }
        Ok(percent)
    }
}
