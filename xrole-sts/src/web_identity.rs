//! Web identity tokens checked as STS checks them before any policy: the issuer
//! must be an OIDC provider of the role's account, the signature one of its keys',
//! the audience one of its client ids, and the token valid now by the world's
//! clock. The provider is looked up under the world's lock and copied out, so
//! that signatures are verified without holding it. jsonwebtoken checks the
//! signature, algorithm, issuer and audience; the times are checked here because
//! the clock is the world's, not the host's.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Header, Validation};
use serde_json::{Map, Value};
use xrole_core::{AccountId, PrincipalArn};

use super::error::{ErrorCode, StsError};
use xrole_iam::world::{ACCEPTED_ALGORITHMS, OidcProvider, World};

/// A token STS accepted: its provider, claims, subject and audience.
#[derive(Debug)]
pub(crate) struct VerifiedToken {
    pub(crate) provider: PrincipalArn,
    /// The issuer URL as the token names it (the answer's `Provider`).
    pub(crate) issuer_url: String,
    pub(crate) claims: Map<String, Value>,
    pub(crate) subject: String,
    /// The client id the token was issued to: `azp` if set, else its `aud`.
    pub(crate) audience: String,
}

fn invalid(message: impl Into<String>) -> StsError {
    StsError::new(ErrorCode::InvalidIdentityToken, message)
}

fn unverifiable() -> StsError {
    StsError::of(ErrorCode::InvalidIdentityToken)
}

/// The token's header and the issuer it names, read before any check: the issuer
/// names the provider whose keys verify the token, and is trusted only after.
pub(crate) fn unverified_issuer(token: &str) -> Result<(Header, String), StsError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| unverifiable())?;
    if !ACCEPTED_ALGORITHMS.contains(&header.alg) {
        return Err(invalid(format!(
            "The web identity token is signed with {:?}: AWS accepts RS256, RS384, RS512, ES256 and ES384 only.",
            header.alg
        )));
    }
    let unchecked: Map<String, Value> =
        jsonwebtoken::dangerous::insecure_decode_claims(token).map_err(|_| unverifiable())?;
    match unchecked.get("iss").and_then(Value::as_str) {
        Some(iss) => Ok((header, iss.to_owned())),
        None => Err(invalid("The web identity token has no iss claim.")),
    }
}

/// The OIDC provider of `account` for `iss`, or STS's refusal.
pub(crate) fn provider_of(
    world: &World,
    account: AccountId,
    iss: &str,
) -> Result<OidcProvider, StsError> {
    world.oidc_provider(account, iss).cloned().ok_or_else(|| {
        invalid(format!(
            "No OpenIDConnect provider found in your account for {}",
            super::query::echo(iss)
        ))
    })
}

/// Checks `token` (whose header and issuer [`unverified_issuer`] read) with the
/// keys of `provider` at `now`.
pub(crate) fn verify(
    provider: &OidcProvider,
    header: &Header,
    iss: &str,
    token: &str,
    now: SystemTime,
) -> Result<VerifiedToken, StsError> {
    // Only the key the token names is tried; a token that names none, only the
    // provider's one key of its algorithm: no token makes the server try many.
    let keys: Vec<_> = provider
        .keys()
        .iter()
        .filter(|k| header.kid.is_none() || k.kid == header.kid)
        .filter(|k| k.algorithm.is_none_or(|a| a == header.alg))
        .filter(|k| k.key.family() == header.alg.family())
        .collect();
    if keys.is_empty() || (header.kid.is_none() && keys.len() > 1) {
        return Err(invalid(
            "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
        ));
    }
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[iss]);
    validation.set_audience(provider.client_ids());
    validation.set_required_spec_claims(&["iss", "sub", "aud", "exp"]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let mut last = ErrorKind::InvalidSignature;
    let mut verified = None;
    for key in keys {
        match jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation) {
            Ok(data) => {
                verified = Some(data.claims);
                break;
            }
            Err(e) => last = e.into_kind(),
        }
    }
    let Some(claims) = verified else {
        return Err(match last {
            ErrorKind::InvalidAudience => invalid("Incorrect token audience"),
            ErrorKind::InvalidIssuer => invalid("Incorrect token issuer"),
            ErrorKind::MissingRequiredClaim(c) => {
                invalid(format!("The web identity token has no {c} claim."))
            }
            _ => unverifiable(),
        });
    };
    check_times(&claims, now)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let subject = text("sub").unwrap_or_default();
    let audience = text("azp")
        .or_else(|| match claims.get("aud") {
            Some(Value::String(a)) => Some(a.clone()),
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .find(|a| provider.client_ids().iter().any(|c| c == a))
                .map(str::to_owned),
            _ => None,
        })
        .unwrap_or_default();
    Ok(VerifiedToken {
        provider: provider.arn().clone(),
        issuer_url: iss.to_owned(),
        subject,
        audience,
        claims,
    })
}

/// `exp` must be after now, `nbf` and `iat` (when present) not after it.
fn check_times(claims: &Map<String, Value>, now: SystemTime) -> Result<(), StsError> {
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let time = |name: &str| -> Result<Option<u64>, StsError> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .map(Some)
                .ok_or_else(|| invalid(format!("The {name} claim is not a NumericDate."))),
        }
    };
    if let Some(exp) = time("exp")?
        && exp <= now
    {
        return Err(StsError::new(
            ErrorCode::ExpiredTokenException,
            format!(
                "Token expired: current date/time {now} must be before the expiration date/time {exp}"
            ),
        ));
    }
    if let Some(nbf) = time("nbf")?
        && nbf > now
    {
        return Err(invalid(format!(
            "Token is not yet valid: current date/time {now} must be after the not-before date/time {nbf}"
        )));
    }
    if let Some(iat) = time("iat")?
        && iat > now
    {
        return Err(invalid(format!(
            "Token was issued in the future: current date/time {now} must be after the issued-at date/time {iat}"
        )));
    }
    Ok(())
}
