//! The services' own answers, in each protocol's shape: a refusal (S3's XML
//! `AccessDenied`, JSON's `AccessDeniedException`, Query's `AccessDenied`), any
//! other error, and the empty success of a call that was decided but not sent.
//! Enforcement in Rust code and the gateway answer with the same bytes.

use xrole_iam::services::ServiceModel;

use super::authorize::Authorization;

/// An answer made in place: status, content type, body and extra headers. The
/// request id goes under the names each protocol reads it by.
#[derive(Clone, Debug)]
pub(crate) struct Shaped {
    pub(crate) status: http::StatusCode,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Shaped {
    fn new(
        status: http::StatusCode,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
        id: &str,
    ) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            headers: vec![
                ("x-amzn-requestid", id.to_owned()),
                ("x-amz-request-id", id.to_owned()),
            ],
        }
    }
}

/// A service's model, by its name in the models (`s3`, `dynamodb`): what
/// its answers' shape depends on.
pub(crate) fn model_of_service(service: &str) -> Option<&'static ServiceModel> {
    xrole_iam::services::data().ok()?.model(service)
}

/// The model of the decided request's service.
pub(crate) fn model_of(a: &Authorization) -> Option<&'static ServiceModel> {
    model_of_service(a.operation.split(':').next()?)
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The words of a refusal: AWS's, then xrole's (the check and where the
/// explanation is).
fn refusal_message(a: &Authorization) -> String {
    let (action, resource, why) = a.refusal().map_or(("", "", String::new()), |c| {
        let first = c
            .evaluation
            .explanation
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        (c.check.action.as_str(), c.resource.as_str(), first)
    });
    format!(
        "User: {} is not authorized to perform: {action} on resource: {resource} (xrole: {why}; EmbeddedSts::audit_of_request(\"{}\") explains it)",
        a.caller, a.request_id
    )
}

/// The service's own AccessDenied answer to a refused request, in its protocol.
pub(crate) fn denied(a: &Authorization, model: Option<&ServiceModel>) -> Shaped {
    error(
        model,
        http::StatusCode::FORBIDDEN,
        ErrorName::ACCESS_DENIED,
        &refusal_message(a),
        &a.request_id,
    )
}

/// An error's name in the protocols that name errors differently.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ErrorName {
    /// S3's and Query's `Code` (`AccessDenied`).
    pub(crate) code: &'static str,
    /// The JSON protocols' `__type` (`AccessDeniedException`).
    pub(crate) exception: &'static str,
}

impl ErrorName {
    const fn new(code: &'static str, exception: &'static str) -> Self {
        Self { code, exception }
    }

    pub(crate) const ACCESS_DENIED: Self = Self::new("AccessDenied", "AccessDeniedException");
    pub(crate) const SIGNATURE_DOES_NOT_MATCH: Self =
        Self::new("SignatureDoesNotMatch", "InvalidSignatureException");
    pub(crate) const INVALID_ACCESS_KEY_ID: Self =
        Self::new("InvalidAccessKeyId", "UnrecognizedClientException");
    pub(crate) const EXPIRED_TOKEN: Self = Self::new("ExpiredToken", "ExpiredTokenException");
    pub(crate) const MISSING_AUTHENTICATION: Self = Self::new(
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
    );
    pub(crate) const CONTENT_SHA256_MISMATCH: Self =
        Self::new("XAmzContentSHA256Mismatch", "InvalidSignatureException");
    pub(crate) const TOO_LARGE: Self =
        Self::new("EntityTooLarge", "RequestEntityTooLargeException");
    pub(crate) const BAD_REQUEST: Self = Self::new("InvalidRequest", "ValidationException");
    pub(crate) const UNAVAILABLE: Self =
        Self::new("ServiceUnavailable", "ServiceUnavailableException");
    pub(crate) const NOT_IMPLEMENTED: Self = Self::new("NotImplemented", "NotImplementedException");
}

/// An error answer in the protocol's shape: S3's `<Error>`, the JSON
/// protocols' `__type` (with the Query-compatible header), REST-JSON's
/// `x-amzn-errortype`, and Query's `<ErrorResponse>` for the rest.
pub(crate) fn error(
    model: Option<&ServiceModel>,
    status: http::StatusCode,
    name: ErrorName,
    message: &str,
    id: &str,
) -> Shaped {
    let ErrorName { code, exception } = name;
    match model.and_then(|m| m.protocol.as_deref()) {
        Some("rest-xml") => Shaped::new(
            status,
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{id}</RequestId></Error>",
                xml_escape(message)
            ),
            id,
        ),
        Some("json") => {
            let mut shaped = Shaped::new(
                // The JSON protocol answers client errors with 400.
                if status.is_client_error() {
                    http::StatusCode::BAD_REQUEST
                } else {
                    status
                },
                "application/x-amz-json-1.0",
                serde_json::json!({"__type": exception, "message": message}).to_string(),
                id,
            );
            if model.is_some_and(|m| m.query_compatible) {
                let fault = if status.is_client_error() {
                    "Sender"
                } else {
                    "Receiver"
                };
                shaped
                    .headers
                    .push(("x-amzn-query-error", format!("{code};{fault}")));
            }
            shaped
        }
        Some("rest-json") => {
            let mut shaped = Shaped::new(
                status,
                "application/json",
                serde_json::json!({"message": message}).to_string(),
                id,
            );
            shaped
                .headers
                .push(("x-amzn-errortype", exception.to_owned()));
            shaped
        }
        // Query and EC2, and anything else: the Query protocol's error.
        _ => Shaped::new(
            status,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>{}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>",
                if status.is_client_error() {
                    "Sender"
                } else {
                    "Receiver"
                },
                xml_escape(message)
            ),
            id,
        ),
    }
}

/// The service's answer to an allowed call that was not sent: a success with
/// nothing in it, in its protocol.
#[cfg(feature = "sdk")]
pub(crate) fn empty_success(a: &Authorization, model: Option<&ServiceModel>) -> Shaped {
    let id = &a.request_id;
    let operation = a.operation.split_once(':').map_or("", |(_, o)| o);
    let (content_type, body): (&'static str, Vec<u8>) = match model.and_then(|m| m.protocol.as_deref()) {
        Some("json") => ("application/x-amz-json-1.0", b"{}".to_vec()),
        Some("rest-json") => ("application/json", b"{}".to_vec()),
        Some("rest-xml") => ("application/xml", Vec::new()),
        // An empty CBOR map.
        Some("smithy-rpc-v2-cbor") => ("application/cbor", vec![0xa0]),
        // Query and EC2: the operation's response and result elements.
        _ => (
            "text/xml",
            format!(
                "<{operation}Response><{operation}Result/><ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{operation}Response>"
            )
            .into_bytes(),
        ),
    };
    Shaped::new(http::StatusCode::OK, content_type, body, id)
}
