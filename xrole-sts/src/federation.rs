//! The sign-in service's federation endpoint (`GET /federation`), decoded by
//! [`FederationRequest::decode`] as the command encodes it:
//!
//! - `getSigninToken` trades the credentials of a live assumed-role session this
//!   server issued for a sign-in token (JSON `{"SigninToken": ...}`); long-term
//!   keys, GetSessionToken sessions, unknown or expired sessions are refused, as
//!   the console accepts only role (or federated-user) sessions.
//! - `login` with a token issued less than [`SigninToken::LIFETIME`] ago redirects
//!   (302) to the destination, as the console does once the session is open.
//!
//! Refusals answer with the status of their error code and a plain-text reason.
//! Calls are recorded in the audit log (never the `Session` parameter).

use bytes::Bytes;
use http_body_util::Full;
use xrole_core::{FederationRequest, SigninToken};

use super::audit::AuditEntry;
use super::error::{ErrorCode, StsError};
use super::state::{Inner, Issuer};
use xrole_iam::keys;

type Answer = hyper::Response<Full<Bytes>>;

/// Serves one request of the federation endpoint (its query string) and records it.
pub(crate) fn handle(inner: &Inner, method: &http::Method, query: Option<&str>) -> Answer {
    let now = inner.clock.now();
    let mut state = inner.state();
    state.calls += 1;
    let mut entry = AuditEntry::new(state.calls, now, keys::request_id());
    let decoded = if method == http::Method::GET {
        FederationRequest::decode(query.unwrap_or(""))
            .map_err(|e| StsError::new(ErrorCode::ValidationError, e.to_string()))
    } else {
        Err(StsError::new(
            ErrorCode::InvalidAction,
            format!("The federation endpoint answers GET, not {method}."),
        ))
    };
    let result = decoded.and_then(|request| {
        entry.action = Some(request.action().to_owned());
        match request {
            FederationRequest::GetSigninToken {
                session,
                console_duration,
            } => {
                entry.action = Some("getSigninToken".into());
                entry.access_key_id = Some(session.access_key_id().to_owned());
                if let Some(d) = console_duration {
                    entry
                        .parameters
                        .push(("SessionDuration".into(), d.as_secs().to_string()));
                }
                let issued = state
                    .sessions
                    .get(session.access_key_id())
                    .filter(|s| {
                        s.secret == session.secret_access_key()
                            && s.token == session.session_token()
                    })
                    .ok_or_else(|| {
                        let expired =
                            keys::token_expiry(session.session_token()).is_some_and(|at| at <= now);
                        if expired {
                            StsError::of(ErrorCode::ExpiredTokenException)
                        } else {
                            StsError::new(
                                ErrorCode::InvalidClientTokenId,
                                "The Session is not temporary credentials this server issued \
                                 (long-term keys cannot sign in through federation).",
                            )
                        }
                    })?;
                entry.caller = Some(issued.arn.to_string());
                if now >= issued.expiration {
                    return Err(StsError::of(ErrorCode::ExpiredTokenException));
                }
                if issued.issuer == Issuer::User {
                    return Err(StsError::new(
                        ErrorCode::AccessDenied,
                        "GetSessionToken credentials cannot sign in to the console: assume a \
                         role and sign in with its session.",
                    ));
                }
                let token =
                    SigninToken::new(keys::secret_access_key() + &keys::secret_access_key());
                state
                    .signin_tokens
                    .insert(token.expose().to_owned(), now + SigninToken::LIFETIME);
                Ok(json_answer(token.to_answer()))
            }
            FederationRequest::Login {
                token,
                destination,
                issuer,
            } => {
                entry.action = Some("login".into());
                entry
                    .parameters
                    .push(("Destination".into(), destination.clone()));
                if let Some(issuer) = issuer {
                    entry.parameters.push(("Issuer".into(), issuer));
                }
                if !state.signin_tokens.redeem(token.expose(), now) {
                    return Err(StsError::new(
                        ErrorCode::AccessDenied,
                        "The SigninToken is unknown, already used, or older than 15 minutes.",
                    ));
                }
                let mut answer = Answer::new(Full::new(Bytes::new()));
                *answer.status_mut() = http::StatusCode::FOUND;
                if let Ok(location) = http::HeaderValue::from_str(&destination) {
                    answer
                        .headers_mut()
                        .insert(http::header::LOCATION, location);
                }
                Ok(answer)
            }
            // A request kind added to the decoder and not served here yet.
            _ => Err(StsError::of(ErrorCode::InvalidAction)),
        }
    });
    let answer = match result {
        Ok(answer) => answer,
        Err(e) => {
            entry.error = Some(e.code.as_str().to_owned());
            entry.detail = Some(e.message.clone());
            let mut answer = Answer::new(Full::new(Bytes::from(format!("{}\n", e.message))));
            *answer.status_mut() = e.code.status();
            answer.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            answer
        }
    };
    state.audit.push(entry);
    answer
}

fn json_answer(body: String) -> Answer {
    let mut answer = Answer::new(Full::new(Bytes::from(body)));
    answer.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    answer
}
