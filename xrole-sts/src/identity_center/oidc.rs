//! SSO OIDC (IAM Identity Center OIDC API reference): clients register,
//! sign-ins are started by device code or by the browser's `/authorize`, and
//! CreateToken answers each grant with its errors (AuthorizationPending,
//! SlowDown, ExpiredToken, AccessDenied, InvalidGrant, InvalidClient,
//! UnauthorizedClient, UnsupportedGrantType).

use std::time::SystemTime;

use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::Digest;

use super::super::audit::AuditEntry;
use super::super::state::Inner;
use super::{
    Answer, Approval, CLIENT_LIFETIME, CODE_LIFETIME, Client, Code, Device, Operation,
    POLL_INTERVAL, SsoState, body_json, error, json as json_answer, query_of, room,
};
use xrole_iam::keys;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const CODE_GRANT: &str = "authorization_code";
const REFRESH_GRANT: &str = "refresh_token";

/// A refusal in SSO OIDC's shape: `{"error", "error_description"}`.
fn oauth_error(status: u16, name: &str, code: &str, description: impl Into<String>) -> Answer {
    error(
        status,
        name,
        json!({"error": code, "error_description": description.into()}),
    )
}

fn invalid_request(description: impl Into<String>) -> Answer {
    oauth_error(
        400,
        "InvalidRequestException",
        "invalid_request",
        description,
    )
}

fn invalid_grant(description: impl Into<String>) -> Answer {
    oauth_error(400, "InvalidGrantException", "invalid_grant", description)
}

fn seconds(at: SystemTime) -> u64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A text member of the body.
fn text<'b>(body: &'b Map<String, Value>, key: &str) -> Option<&'b str> {
    body.get(key).and_then(Value::as_str)
}

/// A list of texts of the body.
fn texts(body: &Map<String, Value>, key: &str) -> Vec<String> {
    let Some(Value::Array(items)) = body.get(key) else {
        return Vec::new();
    };
    let texts = items.iter().filter_map(Value::as_str);
    texts.map(str::to_owned).collect()
}

/// The refusal of an unknown client, or of a wrong secret.
fn invalid_client() -> Answer {
    oauth_error(
        401,
        "InvalidClientException",
        "invalid_client",
        "the client is unknown, expired, or its secret is wrong",
    )
}

/// The registered client a request names, its secret checked.
fn client<'s>(
    sso: &'s SsoState,
    body: &Map<String, Value>,
    now: SystemTime,
) -> Option<(&'s str, &'s Client)> {
    let (id, client) = sso.clients.get_key_value(text(body, "clientId")?)?;
    let valid = text(body, "clientSecret") == Some(client.secret.as_str()) && client.expires > now;
    valid.then_some((id.as_str(), client))
}

/// Whether `given` is the redirect `registered`, a loopback redirect matching
/// whatever its port (RFC 8252, 7.3: a native client listens on any port).
fn redirect_matches(registered: &str, given: &str) -> bool {
    let without_port = |uri: &str| -> Option<String> {
        let u: http::Uri = uri.parse().ok()?;
        let host = u.host()?;
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]";
        let port = match (loopback, u.port_u16()) {
            (true, _) | (false, None) => String::new(),
            (false, Some(p)) => format!(":{p}"),
        };
        Some(format!("{}://{host}{port}{}", u.scheme_str()?, u.path()))
    };
    registered == given
        || (without_port(registered).is_some() && without_port(registered) == without_port(given))
}

pub(super) fn handle(
    inner: &Inner,
    parts: &http::request::Parts,
    body: &[u8],
    operation: Operation,
    now: SystemTime,
    entry: &mut AuditEntry,
) -> Answer {
    if operation == Operation::Authorize {
        return authorize(inner, parts, now, entry);
    }
    let Some(body) = body_json(body) else {
        return invalid_request("the body is not a JSON object");
    };
    let mut state = inner.state();
    let start_url = state
        .world
        .identity_center()
        .map(|c| c.start_url().to_owned())
        .unwrap_or_default();
    let users: Vec<String> = state
        .world
        .identity_center()
        .map(|c| c.users().to_vec())
        .unwrap_or_default();
    let region = state
        .world
        .identity_center()
        .map(|c| c.region().to_owned())
        .unwrap_or_default();
    let sso = &mut state.sso;
    match operation {
        Operation::RegisterClient => {
            let (Some(name), Some(kind)) = (text(&body, "clientName"), text(&body, "clientType"))
            else {
                return invalid_request("clientName and clientType are required");
            };
            entry
                .parameters
                .push(("clientName".into(), name.chars().take(128).collect()));
            if kind != "public" {
                return oauth_error(
                    400,
                    "InvalidClientMetadataException",
                    "invalid_client_metadata",
                    "clientType must be public",
                );
            }
            let mut grants = texts(&body, "grantTypes");
            if grants.is_empty() {
                grants = vec![DEVICE_GRANT.to_owned(), REFRESH_GRANT.to_owned()];
            }
            let redirects = texts(&body, "redirectUris");
            if grants.iter().any(|g| g == CODE_GRANT) && redirects.is_empty() {
                return oauth_error(
                    400,
                    "InvalidRedirectUriException",
                    "invalid_redirect_uri",
                    "the authorization-code grant needs a redirect URI",
                );
            }
            if !room(&mut sso.clients, |c: &Client| c.expires <= now) {
                return oauth_error(
                    500,
                    "InternalServerException",
                    "server_error",
                    "too many clients",
                );
            }
            let id = format!("xc{}", keys::secret_access_key().replace(['/', '+'], "x"));
            let secret = keys::secret_access_key() + &keys::secret_access_key();
            let expires = now + CLIENT_LIFETIME;
            sso.clients.insert(
                id.clone(),
                Client {
                    secret: secret.clone(),
                    grants,
                    redirects,
                    scopes: texts(&body, "scopes"),
                    expires,
                },
            );
            json_answer(json!({
                "clientId": id, "clientSecret": secret,
                "clientIdIssuedAt": seconds(now), "clientSecretExpiresAt": seconds(expires),
            }))
        }
        Operation::StartDeviceAuthorization => {
            let Some((client_id, _)) = client(sso, &body, now) else {
                return invalid_client();
            };
            let client_id = client_id.to_owned();
            if text(&body, "startUrl") != Some(start_url.as_str()) {
                return invalid_request(format!("startUrl is not this instance's ({start_url})"));
            }
            if !room(&mut sso.devices, |d| d.expires <= now) {
                return oauth_error(
                    500,
                    "InternalServerException",
                    "server_error",
                    "too many sign-ins",
                );
            }
            let device_code = keys::secret_access_key().replace(['/', '+'], "d");
            let letters: String = keys::secret_access_key()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .take(8)
                .collect();
            let (head, tail) = letters.split_at(letters.len() / 2);
            let user_code = format!("{head}-{tail}");
            sso.devices.insert(
                device_code.clone(),
                Device {
                    client_id,
                    user_code: user_code.clone(),
                    expires: now + CODE_LIFETIME,
                    approval: sso.first_approval(),
                    last_poll: None,
                },
            );
            let uri = format!("https://device.sso.{region}.amazonaws.com/");
            json_answer(json!({
                "deviceCode": device_code, "userCode": user_code,
                "verificationUri": uri,
                "verificationUriComplete": format!("{uri}?user_code={user_code}"),
                "expiresIn": CODE_LIFETIME.as_secs(), "interval": POLL_INTERVAL.as_secs(),
            }))
        }
        Operation::CreateToken => create_token(sso, &body, &users, now, entry),
        _ => invalid_request("not an SSO OIDC operation"),
    }
}

/// CreateToken, for each grant.
fn create_token(
    sso: &mut SsoState,
    body: &Map<String, Value>,
    users: &[String],
    now: SystemTime,
    entry: &mut AuditEntry,
) -> Answer {
    let Some((client_id, grants)) =
        client(sso, body, now).map(|(id, c)| (id.to_owned(), c.grants.clone()))
    else {
        return invalid_client();
    };
    let grant = text(body, "grantType").unwrap_or_default();
    entry
        .parameters
        .push(("grantType".into(), grant.chars().take(64).collect()));
    if ![DEVICE_GRANT, CODE_GRANT, REFRESH_GRANT].contains(&grant) {
        return oauth_error(
            400,
            "UnsupportedGrantTypeException",
            "unsupported_grant_type",
            "grantType is none SSO OIDC supports",
        );
    }
    if !grants.iter().any(|g| g == grant) {
        return oauth_error(
            400,
            "UnauthorizedClientException",
            "unauthorized_client",
            format!("the client is not registered for the {grant} grant"),
        );
    }
    let user = match grant {
        DEVICE_GRANT => {
            let code = text(body, "deviceCode").unwrap_or_default();
            let Some(device) = sso
                .devices
                .get_mut(code)
                .filter(|d| d.client_id == client_id)
            else {
                return invalid_grant("the device code is unknown");
            };
            if device.expires <= now {
                sso.devices.remove(code);
                return oauth_error(
                    400,
                    "ExpiredTokenException",
                    "expired_token",
                    "the device code expired",
                );
            }
            let too_soon = device
                .last_poll
                .is_some_and(|at| now.duration_since(at).unwrap_or_default() < POLL_INTERVAL);
            device.last_poll = Some(now);
            match device.approval.clone() {
                Approval::Pending if too_soon => {
                    return oauth_error(
                        400,
                        "SlowDownException",
                        "slow_down",
                        "poll at the interval",
                    );
                }
                Approval::Pending => {
                    return oauth_error(
                        400,
                        "AuthorizationPendingException",
                        "authorization_pending",
                        "the user has not approved yet",
                    );
                }
                Approval::Denied => {
                    sso.devices.remove(code);
                    return oauth_error(
                        400,
                        "AccessDeniedException",
                        "access_denied",
                        "the user denied the sign-in",
                    );
                }
                Approval::Approved(user) => {
                    sso.devices.remove(code);
                    user
                }
            }
        }
        CODE_GRANT => {
            let given = text(body, "code").unwrap_or_default();
            // A code is used once, whatever the outcome.
            let Some(code) = sso.codes.remove(given).filter(|c| c.client_id == client_id) else {
                return invalid_grant("the authorization code is unknown or used");
            };
            if code.expires <= now {
                return oauth_error(
                    400,
                    "ExpiredTokenException",
                    "expired_token",
                    "the authorization code expired",
                );
            }
            if text(body, "redirectUri") != Some(code.redirect_uri.as_str()) {
                return invalid_grant("redirectUri is not the authorization's");
            }
            let verifier = text(body, "codeVerifier").unwrap_or_default();
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()));
            if challenge != code.challenge {
                return invalid_grant("codeVerifier does not match the code challenge");
            }
            code.user
        }
        _ => {
            let given = text(body, "refreshToken").unwrap_or_default();
            let Some(refresh) = sso
                .refresh
                .remove(given)
                .filter(|r| r.client_id == client_id)
            else {
                return invalid_grant("the refresh token is unknown, used or signed out");
            };
            refresh.user
        }
    };
    // A user removed from the instance since signs in no more.
    if !users.contains(&user) {
        return oauth_error(
            400,
            "AccessDeniedException",
            "access_denied",
            "the user is not in the instance",
        );
    }
    entry.caller = Some(user.clone());
    match sso.issue_token(&client_id, &user, now) {
        Some((access, refresh, lifetime)) => json_answer(json!({
            "accessToken": access, "tokenType": "Bearer",
            "expiresIn": lifetime.as_secs(), "refreshToken": refresh,
        })),
        None => oauth_error(
            500,
            "InternalServerException",
            "server_error",
            "too many tokens",
        ),
    }
}

/// The browser's `/authorize`: the user signed in to the portal (the test's
/// [`sign_in_browser`](crate::EmbeddedSts::sign_in_browser)) approves, and is
/// redirected to the client's redirect URI with a code and the state.
fn authorize(
    inner: &Inner,
    parts: &http::request::Parts,
    now: SystemTime,
    entry: &mut AuditEntry,
) -> Answer {
    let page = |status: u16, text: &str| {
        let mut answer = hyper::Response::new(crate::gateway::full(text.to_owned()));
        *answer.status_mut() =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST);
        answer
    };
    let query = query_of(parts);
    let get = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
    let mut state = inner.state();
    let sso = &mut state.sso;
    let Some(client) = sso
        .clients
        .get(get("client_id"))
        .filter(|c| c.expires > now)
    else {
        return page(400, "unknown client_id");
    };
    if get("response_type") != "code" || get("code_challenge_method") != "S256" {
        return page(
            400,
            "response_type must be code and code_challenge_method S256",
        );
    }
    if !client.grants.iter().any(|g| g == CODE_GRANT) {
        return page(
            400,
            "the client is not registered for the authorization-code grant",
        );
    }
    let redirect = get("redirect_uri").to_owned();
    if !client
        .redirects
        .iter()
        .any(|r| redirect_matches(r, &redirect))
    {
        return page(400, "redirect_uri is none the client registered");
    }
    let scopes_ok = get("scopes")
        .split(' ')
        .filter(|s| !s.is_empty())
        .all(|s| client.scopes.is_empty() || client.scopes.iter().any(|c| c == s));
    if !scopes_ok || get("code_challenge").is_empty() {
        return page(400, "scopes beyond the client's, or no code_challenge");
    }
    let Some(user) = sso.browser_user.clone() else {
        return page(
            401,
            "no one is signed in to the portal in this browser (EmbeddedSts::sign_in_browser)",
        );
    };
    entry.caller = Some(user.clone());
    if !room(&mut sso.codes, |c| c.expires <= now) {
        return page(500, "too many authorizations");
    }
    let code = keys::secret_access_key().replace(['/', '+'], "c");
    sso.codes.insert(
        code.clone(),
        Code {
            client_id: get("client_id").to_owned(),
            user,
            redirect_uri: redirect.clone(),
            challenge: get("code_challenge").to_owned(),
            expires: now + CODE_LIFETIME,
        },
    );
    let location = format!(
        "{redirect}?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .append_pair("state", get("state"))
            .finish()
    );
    let mut answer = page(302, "");
    if let Ok(v) = http::HeaderValue::from_str(&location) {
        answer.headers_mut().insert(http::header::LOCATION, v);
    }
    answer
}
