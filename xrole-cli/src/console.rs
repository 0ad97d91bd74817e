//! `xrole console`: the console's switch-role link for the role, or with
//! `--federated` a sign-in URL for an assumed session, obtained from the sign-in
//! service's federation endpoint (`getSigninToken`) with the runtime's bounded
//! HTTPS GET (`xrole::https`).

use std::time::Duration;

use clap::Args;
use xrole_core::{
    ConsoleColor, FederationEndpoint, SessionDuration, SigninSession, SigninToken, SwitchRoleLink,
    console_home,
};

use crate::CliError;
use crate::role::RoleFlags;

/// How long the federation endpoint may take to connect, and to answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The console's session colors, as flags name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Color {
    Red,
    Orange,
    Yellow,
    Green,
    Blue,
}

impl From<Color> for ConsoleColor {
    fn from(c: Color) -> Self {
        match c {
            Color::Red => ConsoleColor::Red,
            Color::Orange => ConsoleColor::Orange,
            Color::Yellow => ConsoleColor::Yellow,
            Color::Green => ConsoleColor::Green,
            Color::Blue => ConsoleColor::Blue,
        }
    }
}

/// `xrole console`'s flags.
#[derive(Args, Debug)]
pub(crate) struct ConsoleFlags {
    #[command(flatten)]
    role: RoleFlags,
    /// The name the console shows for the role (switch-role link).
    #[arg(long, conflicts_with = "federated")]
    display_name: Option<String>,
    /// The session's color in the console (switch-role link).
    #[arg(long, value_enum, conflicts_with = "federated")]
    color: Option<Color>,
    /// Assume the role and print a sign-in URL for the session (usable for 15
    /// minutes) instead of the switch-role link.
    #[arg(long)]
    federated: bool,
    /// The console session's length: seconds or 1h, 15m (900 s to 12 h; default:
    /// the federation endpoint's).
    #[arg(long, requires = "federated")]
    console_duration: Option<SessionDuration>,
    /// The console page to open (default: the console's home in the session's
    /// region).
    #[arg(long, requires = "federated")]
    destination: Option<String>,
    /// Where the console sends the user when the session ends.
    #[arg(long, requires = "federated")]
    issuer: Option<String>,
    /// The federation endpoint (default: the sign-in service of the role's
    /// partition, https://signin.aws.amazon.com/federation).
    #[arg(
        long,
        env = "XROLE_FEDERATION_ENDPOINT",
        requires = "federated",
        value_parser = FederationEndpoint::parse
    )]
    federation_endpoint: Option<FederationEndpoint>,
}

/// The link or the sign-in URL the flags ask for.
pub(crate) async fn run(flags: &ConsoleFlags) -> Result<String, CliError> {
    if !flags.federated {
        let mut link = SwitchRoleLink::new(&flags.role.role().await?);
        if let Some(name) = &flags.display_name {
            link = link.display_name(name).map_err(xrole::Error::from)?;
        }
        if let Some(color) = flags.color {
            link = link.color(color.into());
        }
        return Ok(link.url().map_err(xrole::Error::from)?);
    }
    let session = flags.role.assume().await?;
    let partition = session.role().partition();
    let endpoint = match &flags.federation_endpoint {
        Some(endpoint) => endpoint.clone(),
        None => FederationEndpoint::for_partition(partition).map_err(xrole::Error::from)?,
    };
    let destination = match &flags.destination {
        Some(d) => d.clone(),
        None => {
            let region = session
                .sdk_config()
                .region()
                .map(|r| xrole::Region::parse(r.as_ref()))
                .transpose()
                .map_err(xrole::Error::from)?;
            console_home(partition, region.as_ref()).map_err(xrole::Error::from)?
        }
    };
    let credentials = session.credentials().await?;
    let token = credentials
        .session_token()
        .ok_or(CliError::NoSessionToken)?;
    let signin = SigninSession::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        token,
    );
    let token = signin_token(&endpoint, &signin, flags.console_duration).await?;
    Ok(endpoint.login_url(&token, &destination, flags.issuer.as_deref()))
}

/// Trades the session for a sign-in token. The request carries the session's
/// secret: errors name the endpoint, never the request.
async fn signin_token(
    endpoint: &FederationEndpoint,
    session: &SigninSession,
    console_duration: Option<SessionDuration>,
) -> Result<SigninToken, CliError> {
    let failed = |why: String| CliError::Federation {
        endpoint: endpoint.as_str().to_owned(),
        message: why,
    };
    let client = xrole::https::BoundedGet::new(
        CONNECT_TIMEOUT,
        ANSWER_TIMEOUT,
        SigninToken::MAX_ANSWER_BYTES,
    );
    let answer = client
        .get(&endpoint.signin_token_url(session, console_duration), &[])
        .await
        .map_err(failed)?;
    if !(200..300).contains(&answer.status) {
        // The endpoint's reason, shortened: it never repeats the request.
        return Err(failed(format!(
            "getSigninToken refused the session ({}): {}",
            answer.status,
            answer.reason()
        )));
    }
    let body = answer.body;
    SigninToken::from_answer(&body).map_err(|e| failed(e.to_string()))
}
