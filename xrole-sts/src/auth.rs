//! Authentication: the SigV4 signature of every request, verified with aws-sigv4 by
//! signing the same request again with the key the caller claims.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use http::HeaderMap;
use time::PrimitiveDateTime;
use time::macros::format_description;

use super::error::{ErrorCode, StsError};
use super::query::echo;

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...`.
#[derive(Clone, Debug)]
pub(crate) struct Authorization {
    pub(crate) key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

/// How far a request's time may be from the server's.
pub(crate) const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

pub(crate) fn parse_authorization(headers: &HeaderMap) -> Result<Authorization, StsError> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Err(StsError::of(ErrorCode::MissingAuthenticationToken));
    };
    let incomplete = |why: &str| {
        StsError::new(
            ErrorCode::IncompleteSignature,
            format!("{} {why}", ErrorCode::IncompleteSignature.default_message()),
        )
    };
    let text = value.to_str().map_err(|_| incomplete("(not ASCII)"))?;
    let rest = text
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| incomplete("(only AWS4-HMAC-SHA256 is supported)"))?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(incomplete(
            "(Credential, SignedHeaders and Signature are required)",
        ));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, "aws4_request"] = scope.as_slice() else {
        return Err(incomplete(
            "(Credential must be KEY/DATE/REGION/SERVICE/aws4_request)",
        ));
    };
    Ok(Authorization {
        key_id: (*key_id).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers: signed.split(';').map(str::to_owned).collect(),
        signature: signature.to_owned(),
    })
}

/// `20240101T000000Z`, as `X-Amz-Date` writes a time.
fn basic_format(t: SystemTime) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::OffsetDateTime::from(t)
        .format(format)
        .unwrap_or_default()
}

pub(crate) fn request_time(headers: &HeaderMap) -> Result<(SystemTime, String), StsError> {
    let text = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| StsError::new(ErrorCode::IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."))?;
    Ok((parse_time(text)?, text.to_owned()))
}

/// A time in `X-Amz-Date`'s ISO-8601 basic format.
pub(crate) fn parse_time(text: &str) -> Result<SystemTime, StsError> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    let t = PrimitiveDateTime::parse(text, format)
        .map_err(|_| {
            StsError::new(
                ErrorCode::IncompleteSignature,
                format!(
                    "Date must be in ISO-8601 'basic format'. Got '{}'.",
                    echo(text)
                ),
            )
        })?
        .assume_utc();
    Ok(SystemTime::from(t))
}

/// What authentication needs of an HTTP request.
pub(crate) struct HttpRequest<'a> {
    pub(crate) method: &'a str,
    /// The full URI as the client addressed it (`http://host/path?query`).
    pub(crate) uri: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
    pub(crate) peer: std::net::SocketAddr,
}

/// Verifies the request's signature with `secret` (and the session token, for
/// temporary credentials), and its time against `now`.
pub(crate) fn verify(
    auth: &Authorization,
    req: &HttpRequest<'_>,
    secret: &str,
    session_token: Option<&str>,
    now: SystemTime,
) -> Result<(), StsError> {
    let (time, text) = request_time(req.headers)?;
    check_time(time, &text, &auth.date, now)?;
    let expected = signature_of(
        &Resign {
            method: req.method,
            uri: req.uri,
            headers: signed_headers(auth, req.headers),
            body: SignableBody::Bytes(req.body),
            settings: SigningSettings::default(),
        },
        auth,
        secret,
        session_token,
        time,
    );
    if expected.as_deref() == Some(auth.signature.as_str()) {
        Ok(())
    } else {
        Err(StsError::of(ErrorCode::SignatureDoesNotMatch))
    }
}

/// Whether a request signed at `time` (`text`, as sent; its credential scope's
/// `date`) may be served at `now`: within 15 minutes either way, and scoped to
/// its own day. STS's words, with the bound it broke: "(NOW - 15 min.)" or
/// "(NOW + 15 min.)".
pub(crate) fn check_time(
    time: SystemTime,
    text: &str,
    date: &str,
    now: SystemTime,
) -> Result<(), StsError> {
    if time + MAX_SKEW < now {
        return Err(StsError::new(
            ErrorCode::SignatureDoesNotMatch,
            format!(
                "Signature expired: {text} is now earlier than {} ({} - 15 min.)",
                basic_format(now - MAX_SKEW),
                basic_format(now)
            ),
        ));
    }
    if time > now + MAX_SKEW {
        return Err(StsError::new(
            ErrorCode::SignatureDoesNotMatch,
            format!(
                "Signature not yet current: {text} is still later than {} ({} + 15 min.)",
                basic_format(now + MAX_SKEW),
                basic_format(now)
            ),
        ));
    }
    check_scope(text, date)
}

/// Whether the credential scope's `date` is the day of the request's time `text`.
pub(crate) fn check_scope(text: &str, date: &str) -> Result<(), StsError> {
    if text.starts_with(date) {
        Ok(())
    } else {
        Err(StsError::new(
            ErrorCode::SignatureDoesNotMatch,
            format!(
                "Credential should be scoped to a valid date, not '{}'.",
                echo(date)
            ),
        ))
    }
}

/// The headers the client signed, as the signer is to see them again: minus
/// the ones the signer adds itself (date and token).
pub(crate) fn signed_headers<'h>(
    auth: &'h Authorization,
    headers: &'h HeaderMap,
) -> Vec<(&'h str, &'h str)> {
    auth.signed_headers
        .iter()
        .filter(|h| {
            !matches!(
                h.as_str(),
                "x-amz-date" | "x-amz-security-token" | "authorization"
            )
        })
        .filter_map(|h| {
            headers
                .get(h.as_str())
                .and_then(|v| v.to_str().ok())
                .map(|v| (h.as_str(), v))
        })
        .collect()
}

/// A request to sign again, as its client signed it.
pub(crate) struct Resign<'a> {
    pub(crate) method: &'a str,
    pub(crate) uri: &'a str,
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    pub(crate) body: SignableBody<'a>,
    pub(crate) settings: SigningSettings,
}

/// The signature `auth`'s key makes of `request` at `time` (aws-sigv4 signs
/// it again), or `None` when the request cannot be signed at all.
pub(crate) fn signature_of(
    request: &Resign<'_>,
    auth: &Authorization,
    secret: &str,
    session_token: Option<&str>,
    time: SystemTime,
) -> Option<String> {
    let signable = SignableRequest::new(
        request.method,
        request.uri,
        request.headers.iter().copied(),
        request.body.clone(),
    )
    .ok()?;
    let identity = credentials(auth, secret, session_token).into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(request.settings.clone())
        .build()
        .ok()?
        .into();
    let output = sign(signable, &params).ok()?;
    Some(output.signature().to_owned())
}

/// The caller's credentials, as the server knows them, to sign with.
pub(crate) fn credentials(
    auth: &Authorization,
    secret: &str,
    session_token: Option<&str>,
) -> Credentials {
    Credentials::new(
        &auth.key_id,
        secret,
        session_token.map(str::to_owned),
        None,
        "xrole-embedded-sts",
    )
}
