//! A service request's SigV4 signature, verified with the key this server
//! issued (or a world user's): in its `Authorization` header or in a presigned
//! URL's query, its time, and its payload (the hash it declares, or each signed
//! chunk of an `aws-chunked` body).

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::HeaderMap;
use sha2::{Digest, Sha256};

use super::Refusal;
use super::chunked::{self, ChunkSigning};
use crate::auth::{self, Authorization, Resign};
use crate::caller;
use crate::error::{ErrorCode, StsError};
use crate::query::echo;
use crate::shapes::ErrorName;
use crate::state::Inner;

/// The query parameters of a presigned URL's signature: taken out before the
/// URL is signed again, and before it is forwarded.
pub(crate) const PRESIGN_PARAMETERS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// The longest a presigned URL may live: seven days, as SigV4 allows.
const MAX_PRESIGNED_SECS: u64 = 7 * 24 * 3600;

/// A request whose signature, time and payload are its signer's.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The key, scope and signature it was signed with.
    pub(crate) auth: Authorization,
    /// The session token it carried.
    pub(crate) token: Option<String>,
    /// `X-Amz-Date`, as sent.
    pub(crate) time: String,
    /// The URI without a presigned URL's signature parameters.
    pub(crate) uri: String,
    /// The payload: an `aws-chunked` body's, read back.
    pub(crate) payload: Bytes,
    /// The trailing headers of an `aws-chunked` body (its checksum).
    pub(crate) trailers: Vec<(String, String)>,
    /// Its body was `aws-chunked`.
    pub(crate) chunked: bool,
}

/// Why a request is not its signer's, in the words the STS uses for its own.
impl Refusal {
    fn of(e: StsError, service: Option<&str>) -> Self {
        let name = match e.code {
            ErrorCode::SignatureDoesNotMatch | ErrorCode::IncompleteSignature => {
                ErrorName::SIGNATURE_DOES_NOT_MATCH
            }
            ErrorCode::InvalidClientTokenId => ErrorName::INVALID_ACCESS_KEY_ID,
            ErrorCode::ExpiredTokenException => ErrorName::EXPIRED_TOKEN,
            ErrorCode::MissingAuthenticationToken => ErrorName::MISSING_AUTHENTICATION,
            ErrorCode::AccessDenied => ErrorName::ACCESS_DENIED,
            _ => ErrorName::BAD_REQUEST,
        };
        Self {
            status: e.code.status(),
            name,
            message: e.message,
            service: service.map(str::to_owned),
        }
    }
}

/// S3 and its kin sign paths as sent (single encoding, no normalization) and
/// presign with `UNSIGNED-PAYLOAD`.
pub(crate) fn is_s3(service: &str) -> bool {
    matches!(service, "s3" | "s3express" | "s3-object-lambda")
}

/// The signing settings a service's requests are signed with.
pub(crate) fn settings_for(service: &str) -> SigningSettings {
    let mut settings = SigningSettings::default();
    if is_s3(service) {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    settings
}

/// A presigned URL's signature: its scope, time, lifetime and token.
struct Presigned {
    auth: Authorization,
    time: String,
    expires: Duration,
    token: Option<String>,
}

fn presigned(query: &str) -> Result<Option<Presigned>, StsError> {
    let mut found: [Option<String>; 7] = Default::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(i) = PRESIGN_PARAMETERS.iter().position(|p| *p == name) {
            found[i] = Some(value.into_owned());
        }
    }
    let [
        algorithm,
        credential,
        date,
        expires,
        signed,
        signature,
        token,
    ] = found;
    let Some(signature) = signature else {
        return Ok(None);
    };
    let incomplete = |what: &str| {
        StsError::new(
            ErrorCode::IncompleteSignature,
            format!("A presigned URL needs {what}."),
        )
    };
    if algorithm.as_deref() != Some("AWS4-HMAC-SHA256") {
        return Err(incomplete("X-Amz-Algorithm=AWS4-HMAC-SHA256"));
    }
    let (Some(credential), Some(date), Some(expires), Some(signed)) =
        (credential, date, expires, signed)
    else {
        return Err(incomplete(
            "X-Amz-Credential, X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders",
        ));
    };
    let expires = expires
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_PRESIGNED_SECS).contains(s))
        .ok_or_else(|| {
            StsError::new(
                ErrorCode::AccessDenied,
                format!(
                    "X-Amz-Expires must be a number of seconds from 1 to {MAX_PRESIGNED_SECS}, not '{}'.",
                    echo(&expires)
                ),
            )
        })?;
    let header = format!(
        "AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed}, Signature={signature}"
    );
    let mut headers = HeaderMap::new();
    let value = http::HeaderValue::from_str(&header)
        .map_err(|_| incomplete("a readable X-Amz-Credential"))?;
    headers.insert(http::header::AUTHORIZATION, value);
    Ok(Some(Presigned {
        auth: auth::parse_authorization(&headers)?,
        time: date,
        expires: Duration::from_secs(expires),
        token,
    }))
}

/// `uri` without a presigned URL's signature parameters, the rest of its
/// query as sent.
fn without_presign_parameters(uri: &str) -> String {
    let Some((base, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !PRESIGN_PARAMETERS.contains(&name)
        })
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// Whether a request is signed with S3's Signature Version 2, which AWS
/// retired for new buckets in 2020: in its header or a presigned URL's query.
pub(crate) fn is_sigv2(headers: &HeaderMap, query: &str) -> bool {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS ") && !v.starts_with("AWS4-"));
    let in_query = |name: &str| form_urlencoded::parse(query.as_bytes()).any(|(n, _)| n == name);
    header || (in_query("AWSAccessKeyId") && in_query("Signature"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Verifies a request to a service: its signature in the header or the query,
/// its time, and its payload. `uri` is the full URI as the client addressed
/// it (`http://host/path?query`).
pub(crate) fn verify(
    inner: &Inner,
    method: &str,
    uri: &str,
    headers: &HeaderMap,
    body: &Bytes,
    now: SystemTime,
) -> Result<Verified, Refusal> {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    if is_sigv2(headers, query) {
        return Err(Refusal::new(
            http::StatusCode::BAD_REQUEST,
            ErrorName::BAD_REQUEST,
            "Signature Version 2 is not supported: sign with Signature Version 4 (boto3: botocore.config.Config(signature_version=\"s3v4\"))."
                .to_owned(),
            "s3",
        ));
    }
    let header_signed = headers.contains_key(http::header::AUTHORIZATION);
    let presigned = if header_signed {
        None
    } else {
        presigned(query).map_err(|e| Refusal::of(e, None))?
    };
    let (auth, time_text, token, expires) = match presigned {
        Some(p) => (p.auth, p.time, p.token, Some(p.expires)),
        None => {
            let auth = auth::parse_authorization(headers).map_err(|e| Refusal::of(e, None))?;
            let (_, text) =
                auth::request_time(headers).map_err(|e| Refusal::of(e, Some(&auth.service)))?;
            let token = headers
                .get("x-amz-security-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (auth, text, token, None)
        }
    };
    let service = auth.service.clone();
    let refused = |e: StsError| Refusal::of(e, Some(&service));
    let (_, secret) =
        caller::signer(inner, &auth.key_id, token.as_deref(), now).map_err(refused)?;
    let time = auth::parse_time(&time_text).map_err(refused)?;
    match expires {
        // A presigned URL may be used until it expires, from 15 minutes before
        // its time.
        Some(expires) => {
            if time > now + auth::MAX_SKEW {
                auth::check_time(time, &time_text, &auth.date, now).map_err(refused)?;
            }
            auth::check_scope(&time_text, &auth.date).map_err(refused)?;
            if now > time + expires {
                return Err(Refusal::new(
                    http::StatusCode::FORBIDDEN,
                    ErrorName::ACCESS_DENIED,
                    format!(
                        "Request has expired: signed at {time_text}, for {} seconds.",
                        expires.as_secs()
                    ),
                    &service,
                ));
            }
        }
        None => auth::check_time(time, &time_text, &auth.date, now).map_err(refused)?,
    }
    let declared = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok());
    let mut settings = settings_for(&service);
    // Sign exactly the headers the client signed.
    settings.excluded_headers = Some(Vec::new());
    let payload = match (expires, declared) {
        (Some(_), _) if is_s3(&service) => SignableBody::UnsignedPayload,
        (_, Some(declared)) => SignableBody::Precomputed(declared.to_owned()),
        _ => SignableBody::Bytes(body),
    };
    if let Some(expires) = expires {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires);
    }
    let bare_uri = if expires.is_some() {
        without_presign_parameters(uri)
    } else {
        uri.to_owned()
    };
    let expected = auth::signature_of(
        &Resign {
            method,
            uri: &bare_uri,
            headers: auth::signed_headers(&auth, headers),
            body: payload,
            settings,
        },
        &auth,
        &secret,
        token.as_deref(),
        time,
    );
    if expected.as_deref() != Some(auth.signature.as_str()) {
        return Err(refused(StsError::new(
            ErrorCode::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        )));
    }
    let mut verified = Verified {
        payload: body.clone(),
        trailers: Vec::new(),
        chunked: false,
        uri: bare_uri,
        time: time_text,
        token,
        auth,
    };
    if expires.is_none()
        && let Some(declared) = declared
    {
        check_payload(&mut verified, declared, &secret, time)?;
    }
    Ok(verified)
}

/// The payload against the hash the request declares (`x-amz-content-sha256`):
/// the body's own, unsigned, or `aws-chunked` with signed or unsigned chunks.
fn check_payload(
    verified: &mut Verified,
    declared: &str,
    secret: &str,
    time: SystemTime,
) -> Result<(), Refusal> {
    let service = verified.auth.service.clone();
    let bad = |status, name, message: String| Refusal::new(status, name, message, &service);
    match declared {
        "UNSIGNED-PAYLOAD" => Ok(()),
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => {
            let decoded = chunked::decode(&verified.payload, None).map_err(|e| {
                bad(
                    http::StatusCode::BAD_REQUEST,
                    ErrorName::BAD_REQUEST,
                    e.to_string(),
                )
            })?;
            verified.payload = Bytes::from(decoded.payload);
            verified.trailers = decoded.trailers;
            verified.chunked = true;
            Ok(())
        }
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" | "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => {
            let identity: Identity =
                auth::credentials(&verified.auth, secret, verified.token.as_deref()).into();
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region(&verified.auth.region)
                .name(&verified.auth.service)
                .time(time)
                .settings(())
                .build()
                .map_err(|e| {
                    bad(
                        http::StatusCode::BAD_REQUEST,
                        ErrorName::BAD_REQUEST,
                        e.to_string(),
                    )
                })?;
            let chunk = |previous: &str, data: &[u8]| {
                v4::sign_chunk(&Bytes::copy_from_slice(data), previous, &params)
                    .ok()
                    .map(|o| o.signature().to_owned())
            };
            let trailer = |previous: &str, trailers: &[(String, String)]| {
                let mut headers = aws_smithy_runtime_api::http::Headers::new();
                for (name, value) in trailers {
                    headers.insert(name.clone(), value.clone());
                }
                v4::sign_trailer(&headers, previous, &params)
                    .ok()
                    .map(|o| o.signature().to_owned())
            };
            let signing = ChunkSigning {
                seed: &verified.auth.signature,
                chunk: &chunk,
                trailer: &trailer,
            };
            let decoded = chunked::decode(&verified.payload, Some(&signing)).map_err(|e| {
                let name = match e {
                    chunked::ChunkError::Signature(_) => ErrorName::SIGNATURE_DOES_NOT_MATCH,
                    chunked::ChunkError::Malformed(_) => ErrorName::BAD_REQUEST,
                };
                bad(http::StatusCode::FORBIDDEN, name, e.to_string())
            })?;
            verified.payload = Bytes::from(decoded.payload);
            verified.trailers = decoded.trailers;
            verified.chunked = true;
            Ok(())
        }
        hash if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let actual = sha256_hex(&verified.payload);
            if actual.eq_ignore_ascii_case(hash) {
                Ok(())
            } else {
                Err(bad(
                    http::StatusCode::BAD_REQUEST,
                    ErrorName::CONTENT_SHA256_MISMATCH,
                    format!(
                        "The provided 'x-amz-content-sha256' header does not match what was computed. Client: {hash}, computed: {actual}."
                    ),
                ))
            }
        }
        other => Err(bad(
            http::StatusCode::BAD_REQUEST,
            ErrorName::BAD_REQUEST,
            format!(
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] or a SHA-256 in hex, not '{}'.",
                echo(other)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_presigned_urls_signature_parameters_are_taken_out_and_the_rest_kept() {
        let uri = "http://h/b/k?x-id=GetObject&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab&response-content-type=a%2Fb";
        assert_eq!(
            without_presign_parameters(uri),
            "http://h/b/k?x-id=GetObject&response-content-type=a%2Fb"
        );
        assert_eq!(
            without_presign_parameters("http://h/b/k?X-Amz-Signature=ab"),
            "http://h/b/k"
        );
    }
}
