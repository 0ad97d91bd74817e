//! The bounded HTTP server loop of the embedded STS and the command's credential
//! endpoint ([`xrole_sts::http`]), and [`get`], with which tests follow the links
//! these servers hand out.

pub use xrole_sts::http::*;

use std::time::Duration;

/// What a server answered to [`get`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The status code.
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// The body, as text (at most [`Page::MAX_BODY`] bytes are read).
    pub body: String,
}

impl Page {
    /// The longest body read.
    pub const MAX_BODY: usize = 1024 * 1024;
}

/// GETs `url` (`http://HOST:PORT/PATH?QUERY`) as a browser following a link
/// does, without following a redirect, on xrole's bounded client
/// ([`xrole::https::BoundedGet`]: 5 s to connect, 30 s to answer): for tests of
/// servers on 127.0.0.1, such as the embedded STS's federation endpoint.
pub async fn get(url: &str) -> Result<Page, Box<dyn std::error::Error + Send + Sync>> {
    let client = xrole::https::BoundedGet::new(
        Duration::from_secs(5),
        Duration::from_secs(30),
        Page::MAX_BODY,
    );
    let answer = client.get(url, &[]).await?;
    Ok(Page {
        status: answer.status,
        location: answer.location,
        body: String::from_utf8_lossy(&answer.body).into_owned(),
    })
}
