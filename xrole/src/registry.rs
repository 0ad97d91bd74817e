//! The process-wide registry: one session per role session declared, shared by every
//! client and every annotated item. Sessions enter it through
//! [`AssumeRole::shared`](crate::AssumeRole::shared), the one way to share; two
//! requests are the same session when every parameter sent to STS, the source
//! credentials, the region and the endpoints are the same. A session lives as long
//! as someone holds it: the registry holds each one weakly.

pub use crate::assume::live_sessions;
