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
const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

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

fn request_time(headers: &HeaderMap) -> Result<(SystemTime, String), StsError> {
    let text = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| StsError::new(ErrorCode::IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."))?;
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
    Ok((SystemTime::from(t), text.to_owned()))
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
    let headers = req.headers;
    let (time, text) = request_time(headers)?;
    // STS's wording, with the bound it broke: "(NOW - 15 min.)" or "(NOW + 15 min.)".
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
    if !text.starts_with(&auth.date) {
        return Err(StsError::new(
            ErrorCode::SignatureDoesNotMatch,
            format!(
                "Credential should be scoped to a valid date, not '{}'.",
                echo(&auth.date)
            ),
        ));
    }
    // Sign the same request again: the headers the client signed, minus the ones the
    // signer adds itself (date and token).
    let signed: Vec<(&str, &str)> = auth
        .signed_headers
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
        .collect();
    let mismatch = || StsError::of(ErrorCode::SignatureDoesNotMatch);
    let request = SignableRequest::new(
        req.method,
        req.uri,
        signed.into_iter(),
        SignableBody::Bytes(req.body),
    )
    .map_err(|_| mismatch())?;
    let identity = Credentials::new(
        &auth.key_id,
        secret,
        session_token.map(str::to_owned),
        None,
        "xrole-embedded-sts",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|_| mismatch())?
        .into();
    let output = sign(request, &params).map_err(|_| mismatch())?;
    if output.signature() == auth.signature {
        Ok(())
    } else {
        Err(mismatch())
    }
}
