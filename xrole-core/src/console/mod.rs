//! The AWS console: the switch-role link for a role, and federated sign-in
//! ([`federation`]) with a session's credentials.

mod federation;

use std::fmt;

pub use federation::{
    FederationEndpoint, FederationRequest, SigninSession, SigninToken, console_home,
    is_console_destination,
};

use crate::{Error, ErrorKind, Partition, RoleArn, Subject};

/// The partition's sign-in host, or why it has none (`what` names the caller).
fn signin_host(partition: Partition, what: Subject) -> Result<&'static str, Error> {
    partition
        .signin_host()
        .ok_or_else(|| no_console(partition, what))
}

fn no_console(partition: Partition, what: Subject) -> Error {
    Error::new(
        what,
        ErrorKind::Unknown,
        format!("the {partition} partition has no public console"),
    )
}

/// The colors the console offers for a switched-role session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConsoleColor {
    /// Red.
    Red,
    /// Orange.
    Orange,
    /// Yellow.
    Yellow,
    /// Green.
    Green,
    /// Blue.
    Blue,
}

impl ConsoleColor {
    /// The hex code the console's link carries.
    pub const fn hex(self) -> &'static str {
        match self {
            ConsoleColor::Red => "F2B0A9",
            ConsoleColor::Orange => "FBC8AA",
            ConsoleColor::Yellow => "EFDA95",
            ConsoleColor::Green => "B7CA9D",
            ConsoleColor::Blue => "83D4E8",
        }
    }
}

/// A link to the console's Switch Role page with the account, role, display name and
/// color filled in, as IAM's "Link to switch roles in console" builds it.
///
/// ```
/// use xrole_core::{ConsoleColor, RoleArn, SwitchRoleLink};
///
/// let role = RoleArn::from_static("arn:aws:iam::222222222222:role/CrossAccountAccessRole");
/// let link = SwitchRoleLink::new(&role).display_name("prod")?.color(ConsoleColor::Red);
/// assert_eq!(
///     link.to_string(),
///     "https://signin.aws.amazon.com/switchrole?roleName=CrossAccountAccessRole&account=222222222222&displayName=prod&color=F2B0A9"
/// );
/// # Ok::<(), xrole_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchRoleLink {
    role: RoleArn,
    display_name: Option<String>,
    color: Option<ConsoleColor>,
}

impl SwitchRoleLink {
    /// The longest display name the console shows.
    pub const MAX_DISPLAY_NAME: usize = 64;

    /// A link for `role`.
    pub fn new(role: &RoleArn) -> Self {
        Self {
            role: role.clone(),
            display_name: None,
            color: None,
        }
    }

    /// Sets the name shown in the console's navigation bar (at most 64 characters).
    pub fn display_name(mut self, name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        let n = name.chars().count();
        if n == 0 || n > Self::MAX_DISPLAY_NAME {
            return Err(Error::new(
                Subject::DisplayName,
                ErrorKind::Length,
                format!(
                    "must be 1 to {} characters long, found {n} ({name:?})",
                    Self::MAX_DISPLAY_NAME
                ),
            ));
        }
        self.display_name = Some(name);
        Ok(self)
    }

    /// Sets the session's color.
    pub fn color(mut self, color: ConsoleColor) -> Self {
        self.color = Some(color);
        self
    }

    /// The link, or an error for a partition without a public console.
    pub fn url(&self) -> Result<String, Error> {
        let host = signin_host(self.role.partition(), Subject::SwitchRoleLink)?;
        // A role with a path is named path/name, without the leading slash.
        let path = self.role.path().trim_start_matches('/');
        let role_name = format!("{path}{}", self.role.name());
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("roleName", &role_name);
        query.append_pair("account", self.role.account().as_str());
        if let Some(name) = &self.display_name {
            query.append_pair("displayName", name);
        }
        if let Some(color) = self.color {
            query.append_pair("color", color.hex());
        }
        Ok(format!("https://{host}/switchrole?{}", query.finish()))
    }
}

impl fmt::Display for SwitchRoleLink {
    /// The link; for a partition without a public console, the reason instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.url() {
            Ok(url) => f.write_str(&url),
            Err(e) => write!(f, "({e})"),
        }
    }
}
