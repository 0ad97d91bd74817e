//! Federated sign-in to the console, as the sign-in service's federation endpoint
//! defines it: `getSigninToken` trades a session's temporary credentials (the
//! `Session` JSON) for a sign-in token, and `login` trades the token for a console
//! session at a destination. The command builds its requests here, and the
//! embedded STS decodes them here ([`FederationRequest::decode`]), so both speak
//! the same words.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{no_console, signin_host};
use crate::{Error, ErrorKind, Partition, Region, SessionDuration, Subject};

/// The credentials of a session as `getSigninToken` takes them. A session is
/// temporary credentials: long-term keys cannot sign in through federation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigninSession {
    session_id: String,
    session_key: String,
    session_token: String,
}

impl SigninSession {
    /// A session's access key id, secret access key and session token.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: impl Into<String>,
    ) -> Self {
        Self {
            session_id: access_key_id.into(),
            session_key: secret_access_key.into(),
            session_token: session_token.into(),
        }
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.session_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &str {
        &self.session_key
    }

    /// The session token.
    pub fn session_token(&self) -> &str {
        &self.session_token
    }

    fn to_json(&self) -> String {
        // Three strings always serialize; the fallback is never taken.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl fmt::Debug for SigninSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigninSession")
            .field("session_id", &self.session_id)
            .field("session_key", &"** redacted **")
            .field("session_token", &"** redacted **")
            .finish()
    }
}

/// A sign-in token: whoever holds it opens a console session until it expires
/// ([`SigninToken::LIFETIME`]), so it is redacted from `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigninToken(String);

/// The answer of `getSigninToken`.
#[derive(Serialize, Deserialize)]
struct TokenAnswer {
    #[serde(rename = "SigninToken")]
    signin_token: String,
}

impl SigninToken {
    /// How long a sign-in token can be used: 15 minutes.
    pub const LIFETIME: Duration = Duration::from_secs(15 * 60);

    /// The longest `getSigninToken` answer read: tokens are a few kilobytes.
    pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

    /// A token as the endpoint issued it.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// Reads the `getSigninToken` answer: `{"SigninToken": "..."}`.
    pub fn from_answer(body: &[u8]) -> Result<Self, Error> {
        if body.len() > Self::MAX_ANSWER_BYTES {
            return Err(Error::new(
                Subject::SigninToken,
                ErrorKind::Length,
                format!("the answer is longer than {} bytes", Self::MAX_ANSWER_BYTES),
            ));
        }
        let answer: TokenAnswer = serde_json::from_slice(body).map_err(|e| {
            Error::new(
                Subject::SigninToken,
                ErrorKind::Format,
                format!("the answer is not {{\"SigninToken\": \"...\"}}: {e}"),
            )
        })?;
        if answer.signin_token.is_empty() {
            return Err(Error::new(
                Subject::SigninToken,
                ErrorKind::Missing,
                "the answer's token is empty",
            ));
        }
        Ok(Self(answer.signin_token))
    }

    /// The `getSigninToken` answer carrying this token.
    pub fn to_answer(&self) -> String {
        let answer = TokenAnswer {
            signin_token: self.0.clone(),
        };
        serde_json::to_string(&answer).unwrap_or_default()
    }

    /// The token itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigninToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigninToken(** redacted **)")
    }
}

/// The federation endpoint: `https://signin.aws.amazon.com/federation` and its
/// counterparts in the China and GovCloud partitions, or another URL (the embedded
/// STS serves one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederationEndpoint {
    url: String,
}

/// The `Action` of a token request.
const GET_SIGNIN_TOKEN: &str = "getSigninToken";
/// The `Action` of a sign-in.
const LOGIN: &str = "login";

impl FederationEndpoint {
    /// The path the endpoint is served at: `/federation`.
    pub const PATH: &'static str = "/federation";

    /// The endpoint of `partition`'s sign-in service.
    pub fn for_partition(partition: Partition) -> Result<Self, Error> {
        let host = signin_host(partition, Subject::FederationEndpoint)?;
        Ok(Self {
            url: format!("https://{host}{}", Self::PATH),
        })
    }

    /// Another endpoint: an `http://` or `https://` URL without query or fragment.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::new(
                Subject::FederationEndpoint,
                ErrorKind::Format,
                format!("{url:?}: {why}"),
            )
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| bad("must start with https:// or http://"))?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(bad("has no host"));
        }
        if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(
                "must have no query, fragment, space or control character",
            ));
        }
        Ok(Self {
            url: url.to_owned(),
        })
    }

    /// The endpoint's URL.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The `getSigninToken` request for `session`: it holds the session's secret,
    /// so it is sent, never printed or logged. `console_duration` is the console
    /// session's length (`SessionDuration`, 900 s to 12 h); without it the
    /// endpoint chooses.
    pub fn signin_token_url(
        &self,
        session: &SigninSession,
        console_duration: Option<SessionDuration>,
    ) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("Action", GET_SIGNIN_TOKEN);
        if let Some(d) = console_duration {
            query.append_pair("SessionDuration", &d.as_secs().to_string());
        }
        query.append_pair("Session", &session.to_json());
        format!("{}?{}", self.url, query.finish())
    }

    /// The sign-in URL: opening it within [`SigninToken::LIFETIME`] opens the
    /// console at `destination`. `issuer` is where the console sends the user when
    /// the session ends.
    pub fn login_url(
        &self,
        token: &SigninToken,
        destination: &str,
        issuer: Option<&str>,
    ) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("Action", LOGIN);
        if let Some(issuer) = issuer {
            query.append_pair("Issuer", issuer);
        }
        query.append_pair("Destination", destination);
        query.append_pair("SigninToken", token.expose());
        format!("{}?{}", self.url, query.finish())
    }
}

/// The console's home page in `partition`, in `region` when given:
/// `https://console.aws.amazon.com/` or
/// `https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1`.
pub fn console_home(partition: Partition, region: Option<&Region>) -> Result<String, Error> {
    let host = partition
        .console_host()
        .ok_or_else(|| no_console(partition, Subject::ConsoleDestination))?;
    Ok(match region {
        None => format!("https://{host}/"),
        Some(r) => format!("https://{r}.{host}/console/home?region={r}"),
    })
}

/// Whether `url` is a console page of some partition, as the federation
/// endpoint's `login` requires of its `Destination`: `https`, on the partition's
/// console host or a region's (`eu-west-1.console.aws.amazon.com`). A sign-in
/// never redirects anywhere else.
pub fn is_console_destination(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    scheme == "https"
        && uri.port().is_none()
        && Partition::ALL
            .iter()
            .filter_map(|p| p.console_host())
            .any(|console| {
                host == console
                    || host.strip_suffix(console).is_some_and(|region| {
                        region.strip_suffix('.').is_some_and(|r| {
                            !r.is_empty()
                                && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        })
                    })
            })
}

/// A request to the federation endpoint, decoded from its query string.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FederationRequest {
    /// `Action=getSigninToken`.
    GetSigninToken {
        /// `Session`.
        session: SigninSession,
        /// `SessionDuration`.
        console_duration: Option<SessionDuration>,
    },
    /// `Action=login`.
    Login {
        /// `SigninToken`.
        token: SigninToken,
        /// `Destination`: a console page ([`is_console_destination`]).
        destination: String,
        /// `Issuer`.
        issuer: Option<String>,
    },
}

impl FederationRequest {
    /// The longest destination or issuer accepted.
    pub const MAX_URL_CHARS: usize = 2048;

    /// The request's `Action`: `getSigninToken` or `login`.
    pub const fn action(&self) -> &'static str {
        match self {
            Self::GetSigninToken { .. } => GET_SIGNIN_TOKEN,
            Self::Login { .. } => LOGIN,
        }
    }

    /// Decodes a query string. Each parameter is given at most once; ones the
    /// action does not use are ignored, as the endpoint ignores them.
    pub fn decode(query: &str) -> Result<Self, Error> {
        let bad = |kind, why: String| Error::new(Subject::FederationRequest, kind, why);
        let mut action = None;
        let mut session = None;
        let mut duration = None;
        let mut token = None;
        let mut destination = None;
        let mut issuer = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "Action" => &mut action,
                "Session" => &mut session,
                "SessionDuration" => &mut duration,
                "SigninToken" => &mut token,
                "Destination" => &mut destination,
                "Issuer" => &mut issuer,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(bad(ErrorKind::Duplicate, format!("{name} is given twice")));
            }
        }
        let required = |v: Option<String>, name: &str| {
            v.filter(|v| !v.is_empty())
                .ok_or_else(|| bad(ErrorKind::Missing, format!("{name} is required")))
        };
        match action.as_deref() {
            Some(GET_SIGNIN_TOKEN) => {
                let session: SigninSession = serde_json::from_str(&required(session, "Session")?)
                    .map_err(|e| {
                    bad(
                        ErrorKind::Format,
                        format!(
                        "Session must be {{\"sessionId\", \"sessionKey\", \"sessionToken\"}}: {e}"
                    ),
                    )
                })?;
                let console_duration = duration
                    .map(|d| {
                        d.parse::<u64>()
                            .map_err(|_| {
                                bad(
                                    ErrorKind::Format,
                                    format!("SessionDuration must be seconds, found {d:?}"),
                                )
                            })
                            .and_then(SessionDuration::from_secs)
                    })
                    .transpose()?;
                Ok(Self::GetSigninToken {
                    session,
                    console_duration,
                })
            }
            Some(LOGIN) => {
                let url = |v: String, name: &str| {
                    let ok = (v.starts_with("https://") || v.starts_with("http://"))
                        && v.chars().count() <= Self::MAX_URL_CHARS
                        && !v.chars().any(char::is_control);
                    if ok {
                        Ok(v)
                    } else {
                        Err(bad(
                            ErrorKind::Format,
                            format!(
                                "{name} must be an http(s) URL of at most {} characters",
                                Self::MAX_URL_CHARS
                            ),
                        ))
                    }
                };
                let destination = url(required(destination, "Destination")?, "Destination")?;
                if !is_console_destination(&destination) {
                    return Err(bad(
                        ErrorKind::Format,
                        format!(
                            "Destination must be an https page of the AWS console (console.aws.amazon.com or a region's), found {destination:?}"
                        ),
                    ));
                }
                Ok(Self::Login {
                    token: SigninToken(required(token, "SigninToken")?),
                    destination,
                    issuer: issuer.map(|i| url(i, "Issuer")).transpose()?,
                })
            }
            Some(other) => Err(bad(
                ErrorKind::Unknown,
                format!("unknown Action {other:?} (expected {GET_SIGNIN_TOKEN} or {LOGIN})"),
            )),
            None => Err(bad(ErrorKind::Missing, "Action is required".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn session() -> SigninSession {
        SigninSession::new("ASIAEXAMPLE", "secret/with+chars", "token==")
    }

    #[test]
    fn a_token_request_decodes_to_what_was_built() {
        let endpoint = FederationEndpoint::for_partition(Partition::Aws).unwrap();
        let url = endpoint.signin_token_url(&session(), Some(SessionDuration::MAX));
        let query = url
            .strip_prefix("https://signin.aws.amazon.com/federation?")
            .unwrap();
        assert_eq!(
            FederationRequest::decode(query).unwrap(),
            FederationRequest::GetSigninToken {
                session: session(),
                console_duration: Some(SessionDuration::MAX),
            }
        );
    }

    #[test]
    fn a_login_url_decodes_to_what_was_built() {
        let endpoint = FederationEndpoint::parse("http://127.0.0.1:9/federation").unwrap();
        let token = SigninToken::new("tok+en/=");
        let home =
            console_home(Partition::AwsCn, Some(&Region::from_static("cn-north-1"))).unwrap();
        assert_eq!(
            home,
            "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1"
        );
        let url = endpoint.login_url(&token, &home, Some("https://example.org/"));
        let query = url.split_once('?').unwrap().1;
        assert_eq!(
            FederationRequest::decode(query).unwrap(),
            FederationRequest::Login {
                token,
                destination: home,
                issuer: Some("https://example.org/".into()),
            }
        );
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        for (query, says) in [
            ("", "Action is required"),
            ("Action=assume", "unknown Action \"assume\""),
            ("Action=getSigninToken", "Session is required"),
            ("Action=getSigninToken&Session=%7B%7D", "Session must be"),
            (
                "Action=getSigninToken&Session=x&Session=y",
                "Session is given twice",
            ),
            (
                "Action=getSigninToken&SessionDuration=60&Session=%7B%22sessionId%22%3A%22a%22%2C%22sessionKey%22%3A%22b%22%2C%22sessionToken%22%3A%22c%22%7D",
                "must be 900 to 43200 seconds",
            ),
            ("Action=login&SigninToken=t", "Destination is required"),
            (
                "Action=login&SigninToken=t&Destination=javascript:x",
                "Destination must be an http(s) URL",
            ),
        ] {
            let e = FederationRequest::decode(query).unwrap_err().to_string();
            assert!(e.contains(says), "{query}: {e}");
        }
    }

    #[test]
    fn endpoints_and_answers() {
        assert!(FederationEndpoint::for_partition(Partition::AwsIso).is_err());
        assert_eq!(
            FederationEndpoint::for_partition(Partition::AwsUsGov)
                .unwrap()
                .as_str(),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        for bad in [
            "ftp://x/federation",
            "https://",
            "https://x/f?a=b",
            "http:///x",
        ] {
            assert!(FederationEndpoint::parse(bad).is_err(), "{bad}");
        }
        let token = SigninToken::new("abc");
        assert_eq!(
            SigninToken::from_answer(token.to_answer().as_bytes()).unwrap(),
            token
        );
        assert!(SigninToken::from_answer(b"{\"SigninToken\":\"\"}").is_err());
        assert!(SigninToken::from_answer(b"<html>").is_err());
        assert!(!format!("{token:?} {:?}", session()).contains("abc"));
        assert!(!format!("{:?}", session()).contains("secret"));
    }
}
