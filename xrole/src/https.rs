//! A bounded HTTPS GET on the SDK's own HTTP client (hyper, rustls with
//! aws-lc, as aws-config uses): a time limit to connect, to read, and for the
//! whole exchange, and a cap on the answer; redirects are not followed. The
//! GitHub Actions token endpoint, the `xrole` command's federation endpoint and
//! the tests' `xrole_test::http::get` ask with it. Its errors never repeat the
//! request, which may carry a secret.
//!
//! The client is xrole's `default-https-client` feature (on by default), as
//! aws-config's is: without it, xrole builds no TLS stack and every GET answers
//! that it has no client.

use std::time::Duration;

#[cfg(feature = "default-https-client")]
use aws_smithy_http_client::Connector;
#[cfg(feature = "default-https-client")]
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
#[cfg(feature = "default-https-client")]
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
#[cfg(feature = "default-https-client")]
use aws_smithy_types::error::display::DisplayErrorContext;
#[cfg(feature = "default-https-client")]
use http_body_util::{BodyExt, Limited};

/// A client for bounded GETs; build it once and keep it (it holds a connection
/// pool).
pub struct BoundedGet {
    #[cfg(feature = "default-https-client")]
    connector: Connector,
    answer_timeout: Duration,
    max_answer_bytes: usize,
}

impl std::fmt::Debug for BoundedGet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundedGet")
            .field("answer_timeout", &self.answer_timeout)
            .field("max_answer_bytes", &self.max_answer_bytes)
            .finish_non_exhaustive()
    }
}

/// What a server answered: its status, its redirect (never followed) and body.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// The body, at most the client's cap.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text, trimmed and shortened to 300 characters: a server's
    /// reason for a refusal, fit for an error message.
    pub fn reason(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .trim()
            .chars()
            .take(300)
            .collect()
    }
}

impl BoundedGet {
    /// A client that gives a server `connect_timeout` to accept and
    /// `answer_timeout` for the whole answer (and for each read), and reads at
    /// most `max_answer_bytes` of it. Needs a Tokio runtime when asked.
    pub fn new(
        connect_timeout: Duration,
        answer_timeout: Duration,
        max_answer_bytes: usize,
    ) -> Self {
        #[cfg(feature = "default-https-client")]
        let connector = Connector::builder()
            .connector_settings(
                HttpConnectorSettings::builder()
                    .connect_timeout(connect_timeout)
                    .read_timeout(answer_timeout)
                    .build(),
            )
            .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build();
        #[cfg(not(feature = "default-https-client"))]
        let _ = connect_timeout;
        Self {
            #[cfg(feature = "default-https-client")]
            connector,
            answer_timeout,
            max_answer_bytes,
        }
    }

    /// GETs `url` with `headers`: the answer, or why there is none (never the
    /// request itself).
    pub async fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Answer, String> {
        let mut request =
            HttpRequest::get(url).map_err(|e| format!("the request cannot be built: {e}"))?;
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(name.to_string(), value.to_string());
        }
        #[cfg(not(feature = "default-https-client"))]
        {
            drop(request);
            Err(
                "xrole was built without its default-https-client feature: no HTTPS client"
                    .to_owned(),
            )
        }
        #[cfg(feature = "default-https-client")]
        self.send(request).await
    }

    #[cfg(feature = "default-https-client")]
    async fn send(&self, request: HttpRequest) -> Result<Answer, String> {
        let exchange = async {
            let response = self
                .connector
                .call(request)
                .await
                .map_err(|e| format!("no answer: {}", DisplayErrorContext(&e)))?;
            let status = response.status().as_u16();
            let location = response.headers().get("location").map(str::to_owned);
            let body = Limited::new(response.into_body(), self.max_answer_bytes)
                .collect()
                .await
                .map_err(|e| format!("the answer cannot be read: {e}"))?
                .to_bytes()
                .to_vec();
            Ok::<_, String>(Answer {
                status,
                location,
                body,
            })
        };
        tokio::time::timeout(self.answer_timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {} s", self.answer_timeout.as_secs()))?
    }
}
