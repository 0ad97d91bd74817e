//! The authorization-code flow with PKCE (RFC 7636), as the AWS CLI signs an
//! `sso-session` in: the client is registered for the code grant with a
//! redirect to this machine, the user approves in a browser, IAM Identity
//! Center redirects to a listener on 127.0.0.1 with the code, and CreateToken
//! exchanges it with the verifier only this process holds.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Digest;
use tokio::sync::mpsc;
use xrole_sts::http::{Bounds, serve};

use super::{
    LoginFlags, NOT_APPROVED, Session, SignedIn, failed, open_browser, problem, registered,
};
use crate::CliError;

/// The grants the client is registered for.
const GRANTS: [&str; 2] = ["authorization_code", "refresh_token"];
/// The redirect the client is registered with: any port of this address.
const REDIRECT: &str = "http://127.0.0.1/oauth/callback";
const CALLBACK_PATH: &str = "/oauth/callback";
/// How long the user has to approve, as the AWS CLI waits.
const APPROVAL_TIMEOUT: Duration = Duration::from_secs(600);
/// RFC 3986's unreserved characters stay; everything else in a query value is
/// encoded (spaces as `%20`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The endpoint a call was sent to (`scheme://host:port`): the SDK resolves it
/// (the region, `AWS_ENDPOINT_URL_SSO_OIDC`), and the unmodeled `/authorize`
/// page is beside it.
#[derive(Clone, Debug, Default)]
struct SentTo(Arc<Mutex<Option<String>>>);

impl Intercept for SentTo {
    fn name(&self) -> &'static str {
        "xrole login: the SSO OIDC endpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri: http::Uri = context.request().uri().parse()?;
        if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
            *self.0.lock().map_err(|_| "poisoned")? = Some(format!("{scheme}://{authority}"));
        }
        Ok(())
    }
}

/// What the browser's redirect brought.
enum Callback {
    Code(String),
    Refused(String),
}

/// Serves the redirect on `listener` until the one whose `state` is this
/// sign-in's: its code, or the refusal it carries.
fn callback_server(
    listener: tokio::net::TcpListener,
    state: String,
) -> (mpsc::Receiver<Callback>, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(1);
    let bounds = Bounds {
        max_connections: 8,
        header_timeout: Duration::from_secs(10),
        first_request_timeout: Duration::from_secs(10),
    };
    let task = tokio::spawn(serve(listener, bounds, move |req, _| {
        let sender = sender.clone();
        let state = state.clone();
        async move {
            let page = |status: u16, text: &str| {
                let mut page = hyper::Response::new(Full::new(Bytes::from(format!(
                    "<!doctype html><title>xrole login</title><p>{text}</p>"
                ))));
                *page.status_mut() =
                    http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST);
                page.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/html; charset=utf-8"),
                );
                page
            };
            if req.uri().path() != CALLBACK_PATH {
                return page(404, "Not the sign-in's callback.");
            }
            let query: Vec<(String, String)> =
                form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
                    .into_owned()
                    .collect();
            let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            // Another page's redirect, or a stale one, is not this sign-in's.
            if get("state").as_deref() != Some(state.as_str()) {
                return page(400, "This is not the sign-in xrole is waiting for.");
            }
            let outcome = match (get("code"), get("error")) {
                (Some(code), None) => Callback::Code(code),
                (_, error) => Callback::Refused(
                    [error, get("error_description")]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": "),
                ),
            };
            let signed_in = matches!(outcome, Callback::Code(_));
            let _ = sender.try_send(outcome);
            if signed_in {
                page(200, "Signed in: return to the terminal.")
            } else {
                page(200, "The sign-in was refused: return to the terminal.")
            }
        }
    }));
    (receiver, task)
}

/// Signs in through the browser on this machine.
pub(super) async fn sign_in(
    oidc: &aws_sdk_ssooidc::Client,
    session: &Session,
    flags: &LoginFlags,
) -> Result<SignedIn, CliError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(CliError::io("cannot listen for the sign-in's redirect"))?;
    let port = listener
        .local_addr()
        .map_err(CliError::io("cannot listen for the sign-in's redirect"))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let sent_to = SentTo::default();
    let client = oidc
        .register_client()
        .client_name("xrole")
        .client_type("public")
        .set_grant_types(Some(GRANTS.map(str::to_owned).to_vec()))
        .redirect_uris(REDIRECT)
        .issuer_url(&session.start_url)
        .set_scopes(Some(session.scopes.clone()))
        .customize()
        .interceptor(sent_to.clone())
        .send()
        .await
        .map_err(|e| failed("RegisterClient", &e))?;
    let (client_id, client_secret) = registered(&client)?;
    let endpoint = sent_to
        .0
        .lock()
        .ok()
        .and_then(|e| e.clone())
        .ok_or_else(|| problem("the SSO OIDC endpoint is unknown"))?;
    // The verifier stays here; the challenge (its SHA-256) goes in the URL.
    let verifier = hex::encode(crate::random::<32>("the sign-in's verifier")?);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let state = hex::encode(crate::random::<16>("the sign-in's state")?);
    let scopes = session.scopes.join(" ");
    let query = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", &redirect),
        ("state", &state),
        ("code_challenge_method", "S256"),
        ("scopes", &scopes),
        ("code_challenge", &challenge),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
    .collect::<Vec<_>>()
    .join("&");
    let url = format!("{endpoint}/authorize?{query}");
    let (mut callbacks, server) = callback_server(listener, state);
    eprintln!(
        "xrole: to sign in to {}, open\n  {url}\nin a browser on this machine",
        session.start_url
    );
    open_browser(flags, &url);
    let outcome = tokio::time::timeout(APPROVAL_TIMEOUT, callbacks.recv()).await;
    server.abort();
    let code = match outcome {
        Ok(Some(Callback::Code(code))) => code,
        Ok(Some(Callback::Refused(why))) => {
            return Err(problem(format!("the sign-in was refused: {why}")));
        }
        Ok(None) | Err(_) => {
            return Err(problem(NOT_APPROVED));
        }
    };
    let token = oidc
        .create_token()
        .client_id(client_id)
        .client_secret(client_secret)
        .grant_type(GRANTS[0])
        .code(code)
        .code_verifier(&verifier)
        .redirect_uri(&redirect)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(CreateTokenError::ExpiredTokenException(_)) => problem(NOT_APPROVED),
            Some(CreateTokenError::AccessDeniedException(_)) => problem("the sign-in was denied"),
            _ => failed("CreateToken", &e),
        })?;
    SignedIn::new(&client, &token)
}
