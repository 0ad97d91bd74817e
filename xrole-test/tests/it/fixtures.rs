//! What the harness's tests share: documents from JSON, and STS clients on a
//! world's users or on the credentials an answer carried.

use aws_sdk_sts::Client;
use xrole_core::PolicyDocument;
use xrole_test::sts::EmbeddedSts;

/// A policy document from its JSON (the tests' documents are valid).
pub(crate) fn doc(json: &str) -> PolicyDocument {
    json.parse().unwrap()
}

/// An STS client signing as `user` of the server's world.
pub(crate) async fn client(sts: &EmbeddedSts, user: &str) -> Client {
    Client::new(&sts.sdk_config_for(user).await.unwrap())
}

/// An STS client on the credentials an AssumeRole (or GetSessionToken,
/// GetFederationToken) answer carried.
pub(crate) async fn client_from(
    sts: &EmbeddedSts,
    creds: &aws_sdk_sts::types::Credentials,
) -> Client {
    let (id, secret, token) = (
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
    );
    Client::new(&sts.sdk_config_for_session(id, secret, token).await)
}
