//! What one server may hold and how long a client may take: a leaf that the
//! builder, the state and the server loop share.

use std::time::Duration;

/// The bounds of one server: time a client may take, connections, and what it
/// remembers. Set through [`EmbeddedStsBuilder`](crate::EmbeddedStsBuilder).
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// Time to send a request's headers, and the longest idle time between requests.
    pub(crate) header_timeout: Duration,
    /// Time to send a request's body once its headers arrived.
    pub(crate) body_timeout: Duration,
    /// Connections served at once; at the limit a new one takes the place of the
    /// oldest idle one. SDK clients keep their connections alive between calls,
    /// so the limit counts idle ones too.
    pub(crate) max_connections: usize,
    /// Audit entries kept (older ones are dropped and counted).
    pub(crate) audit_capacity: usize,
    /// Sessions kept alive at once.
    pub(crate) max_sessions: usize,
    /// The largest request body the gateway takes (an S3 part of 8 MiB, the
    /// SDKs' default, framed as `aws-chunked`, fits).
    pub(crate) gateway_body_bytes: usize,
    /// The request bodies the gateway holds at once, all calls together: the
    /// bound of its memory under load.
    pub(crate) gateway_buffered_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 4096,
            audit_capacity: 10_000,
            max_sessions: 100_000,
            gateway_body_bytes: 16 * 1024 * 1024,
            gateway_buffered_bytes: 256 * 1024 * 1024,
        }
    }
}
