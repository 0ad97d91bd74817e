//! STS's errors, rendered in its `ErrorResponse` shape so the SDK surfaces the code.

use std::fmt;

use http::StatusCode;

/// The error codes the embedded STS returns (and can inject).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 403: the policies do not allow the call, or MFA failed.
    AccessDenied,
    /// 400: a parameter breaks STS's rules.
    ValidationError,
    /// 400: the caller's temporary credentials have expired.
    ExpiredTokenException,
    /// 403: unknown access key, or a wrong session token.
    InvalidClientTokenId,
    /// 403: the signature does not match, or is too old.
    SignatureDoesNotMatch,
    /// 400: the Authorization header is malformed.
    IncompleteSignature,
    /// 403: no Authorization header.
    MissingAuthenticationToken,
    /// 400: rate exceeded.
    Throttling,
    /// 403: STS is not activated in the signing region for the account.
    RegionDisabledException,
    /// 400: session policies and tags do not fit.
    PackedPolicyTooLarge,
    /// 400: the session policy is not a valid document.
    MalformedPolicyDocument,
    /// 400: unknown action.
    InvalidAction,
    /// 400: a parameter value is not acceptable.
    InvalidParameterValue,
    /// 400: a web identity token that cannot be verified (signature, issuer,
    /// audience, format) or is not valid yet.
    InvalidIdentityToken,
    /// 500: internal failure.
    InternalFailure,
    /// 503: the service is unavailable.
    ServiceUnavailable,
}

impl ErrorCode {
    /// The code as STS writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::ValidationError => "ValidationError",
            ErrorCode::ExpiredTokenException => "ExpiredTokenException",
            ErrorCode::InvalidClientTokenId => "InvalidClientTokenId",
            ErrorCode::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            ErrorCode::IncompleteSignature => "IncompleteSignature",
            ErrorCode::MissingAuthenticationToken => "MissingAuthenticationToken",
            ErrorCode::Throttling => "Throttling",
            ErrorCode::RegionDisabledException => "RegionDisabledException",
            ErrorCode::PackedPolicyTooLarge => "PackedPolicyTooLarge",
            ErrorCode::MalformedPolicyDocument => "MalformedPolicyDocument",
            ErrorCode::InvalidAction => "InvalidAction",
            ErrorCode::InvalidParameterValue => "InvalidParameterValue",
            ErrorCode::InvalidIdentityToken => "InvalidIdentityToken",
            ErrorCode::InternalFailure => "InternalFailure",
            ErrorCode::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// The HTTP status STS answers with.
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorCode::AccessDenied
            | ErrorCode::InvalidClientTokenId
            | ErrorCode::SignatureDoesNotMatch
            | ErrorCode::MissingAuthenticationToken
            | ErrorCode::RegionDisabledException => StatusCode::FORBIDDEN,
            ErrorCode::InternalFailure => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The message STS gives when nothing more specific is known.
    pub const fn default_message(self) -> &'static str {
        match self {
            ErrorCode::AccessDenied => "Access denied",
            ErrorCode::ValidationError => "Validation error",
            ErrorCode::ExpiredTokenException => {
                "The security token included in the request is expired"
            }
            ErrorCode::InvalidClientTokenId => {
                "The security token included in the request is invalid."
            }
            ErrorCode::SignatureDoesNotMatch => {
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
            }
            ErrorCode::IncompleteSignature => {
                "The request signature does not conform to AWS standards."
            }
            ErrorCode::MissingAuthenticationToken => "Request is missing Authentication Token",
            ErrorCode::Throttling => "Rate exceeded",
            ErrorCode::RegionDisabledException => {
                "STS is not activated in this region for this account."
            }
            ErrorCode::PackedPolicyTooLarge => {
                "Packed policy consumes more than 100% of allotted space."
            }
            ErrorCode::MalformedPolicyDocument => "The policy document is malformed.",
            ErrorCode::InvalidAction => "Could not find operation",
            ErrorCode::InvalidParameterValue => "Invalid parameter value",
            ErrorCode::InvalidIdentityToken => {
                "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."
            }
            ErrorCode::InternalFailure => "An internal error occurred.",
            ErrorCode::ServiceUnavailable => "Service is unavailable. Please try again later.",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer: code and message, and for a refusal what the evaluator
/// found (sent in [`DENIAL_KIND_HEADER`](xrole_core::DENIAL_KIND_HEADER)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StsError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    pub(crate) denial: Option<xrole_core::DenialKind>,
    /// The organization policy that refused, with its level.
    pub(crate) denial_policy: Option<String>,
}

impl StsError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            denial: None,
            denial_policy: None,
        }
    }

    /// The refusal's kind, as the evaluator found it.
    pub(crate) fn denial(mut self, kind: xrole_core::DenialKind) -> Self {
        self.denial = Some(kind);
        self
    }

    /// The refusal as `evaluation` explains it: its kind, and the organization
    /// policy that refused with its level.
    pub(crate) fn denied_by(
        mut self,
        evaluation: &xrole_iam::eval::Evaluation,
        external_id_sent: bool,
    ) -> Self {
        self.denial = evaluation.denial_kind(external_id_sent);
        self.denial_policy = evaluation.org_denial_policy().map(str::to_owned);
        self
    }

    pub(crate) fn of(code: ErrorCode) -> Self {
        Self::new(code, code.default_message())
    }

    /// STS's ValidationError wording for one or more broken constraints.
    pub(crate) fn validation(problems: &[String]) -> Self {
        let n = problems.len();
        let noun = if n == 1 { "error" } else { "errors" };
        Self::new(
            ErrorCode::ValidationError,
            format!("{n} validation {noun} detected: {}", problems.join("; ")),
        )
    }
}
