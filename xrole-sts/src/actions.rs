//! The operations the server knows and the API version they belong to: a leaf
//! that the request path, the operations and the audit log's counts share.

/// The operations the server knows, by their `Action` name.
const ACTIONS: [&str; 5] = [
    "AssumeRole",
    "AssumeRoleWithWebIdentity",
    "GetCallerIdentity",
    "GetFederationToken",
    "GetSessionToken",
];

/// The API version every operation belongs to.
pub(crate) const VERSION: &str = "2011-06-15";

/// `action` as the server knows it, if it does.
pub(crate) fn known_action(action: &str) -> Option<&'static str> {
    ACTIONS.into_iter().find(|a| *a == action)
}

/// The operation served before authentication: its token is its credential.
pub(crate) const UNSIGNED_ACTION: &str = "AssumeRoleWithWebIdentity";
