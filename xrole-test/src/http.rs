//! The bounded HTTP server loop of the embedded STS and the command's credential
//! endpoint ([`xrole_sts::http`]), and [`get`], with which tests follow the links
//! these servers hand out.

pub use xrole_sts::http::*;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;

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

/// GETs `url` (`http://HOST:PORT/PATH?QUERY`) on a connection of its own, as a
/// browser following a link does, without following a redirect: for tests of
/// servers on 127.0.0.1, such as the embedded STS's federation endpoint.
pub async fn get(url: &str) -> Result<Page, Box<dyn std::error::Error + Send + Sync>> {
    let uri: http::Uri = url.parse()?;
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url}: no host"))?
        .clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str()).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(http::header::HOST, authority.as_str())
        .body(Empty::<Bytes>::new())?;
    let answer = sender.send_request(request).await;
    let page = match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(response.into_body(), Page::MAX_BODY)
                .collect()
                .await?
                .to_bytes();
            Ok(Page {
                status,
                location,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        }
        Err(e) => Err(e.into()),
    };
    driver.abort();
    page
}
