//! The device authorization flow of SSO OIDC: RegisterClient,
//! StartDeviceAuthorization, then CreateToken polled until the user approves
//! the printed code in a browser on any device.

use std::time::{Duration, SystemTime};

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;

use super::{
    LoginFlags, NOT_APPROVED, Session, SignedIn, failed, open_browser, problem, registered,
};
use crate::CliError;

/// The grant of the device authorization flow.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The longest the command waits between two polls, whatever the service says.
const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// Signs in with a code the user confirms.
pub(super) async fn sign_in(
    oidc: &aws_sdk_ssooidc::Client,
    session: &Session,
    flags: &LoginFlags,
) -> Result<SignedIn, CliError> {
    let client = oidc
        .register_client()
        .client_name("xrole")
        .client_type("public")
        .set_scopes(Some(session.scopes.clone()))
        .send()
        .await
        .map_err(|e| failed("RegisterClient", &e))?;
    let (client_id, client_secret) = registered(&client)?;
    let device = oidc
        .start_device_authorization()
        .client_id(client_id)
        .client_secret(client_secret)
        .start_url(&session.start_url)
        .send()
        .await
        .map_err(|e| failed("StartDeviceAuthorization", &e))?;
    let (Some(device_code), Some(user_code)) = (device.device_code(), device.user_code()) else {
        return Err(problem("StartDeviceAuthorization answered without a code"));
    };
    let url = device
        .verification_uri_complete()
        .or(device.verification_uri())
        .unwrap_or_default();
    eprintln!(
        "xrole: to sign in to {}, open\n  {url}\nand confirm the code {user_code}",
        session.start_url
    );
    open_browser(flags, url);
    let mut interval = Duration::from_secs(u64::try_from(device.interval()).unwrap_or(5).max(1));
    let deadline =
        SystemTime::now() + Duration::from_secs(u64::try_from(device.expires_in()).unwrap_or(600));
    let token = loop {
        if SystemTime::now() > deadline {
            return Err(problem(NOT_APPROVED));
        }
        tokio::time::sleep(interval).await;
        match oidc
            .create_token()
            .client_id(client_id)
            .client_secret(client_secret)
            .grant_type(DEVICE_GRANT)
            .device_code(device_code)
            .send()
            .await
        {
            Ok(token) => break token,
            Err(e) => match e.as_service_error() {
                Some(CreateTokenError::AuthorizationPendingException(_)) => {}
                Some(CreateTokenError::SlowDownException(_)) => {
                    interval = (interval + Duration::from_secs(5)).min(MAX_INTERVAL);
                }
                Some(CreateTokenError::ExpiredTokenException(_)) => {
                    return Err(problem(NOT_APPROVED));
                }
                Some(CreateTokenError::AccessDeniedException(_)) => {
                    return Err(problem("the sign-in was denied"));
                }
                _ => return Err(failed("CreateToken", &e)),
            },
        }
    };
    SignedIn::new(&client, &token)
}
