//! A session's credentials as shells and programs read them.

use std::io::Write;

use aws_credential_types::Credentials;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format as DateFormat;
use serde_json::json;
use xrole::AssumedRole;

use crate::CliError;

/// How `xrole assume` prints a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// `export NAME='value'` lines for sh, bash and zsh.
    Env,
    /// `set -gx NAME 'value'` lines for fish.
    Fish,
    /// `$Env:NAME = 'value'` lines for PowerShell.
    Powershell,
    /// The shape of `aws sts assume-role`'s output.
    Json,
    /// credential_process output: Version 1, the keys, the token, Expiration.
    Process,
}

/// RFC 3339, as STS and credential_process write times.
pub(crate) fn rfc3339(credentials: &Credentials) -> Option<String> {
    credentials
        .expiry()
        .and_then(|t| DateTime::from(t).fmt(DateFormat::DateTime).ok())
}

/// The variables a session sets, in order: for shells and for `exec --env`.
pub(crate) fn variables(credentials: &Credentials) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id().to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            credentials.secret_access_key().to_owned(),
        ),
    ];
    if let Some(token) = credentials.session_token() {
        vars.push(("AWS_SESSION_TOKEN", token.to_owned()));
    }
    if let Some(expiry) = rfc3339(credentials) {
        vars.push(("AWS_CREDENTIAL_EXPIRATION", expiry));
    }
    vars
}

/// The credential_process document.
pub(crate) fn process_json(credentials: &Credentials) -> serde_json::Value {
    let mut doc = json!({
        "Version": 1,
        "AccessKeyId": credentials.access_key_id(),
        "SecretAccessKey": credentials.secret_access_key(),
    });
    if let Some(token) = credentials.session_token() {
        doc["SessionToken"] = json!(token);
    }
    if let Some(expiry) = rfc3339(credentials) {
        doc["Expiration"] = json!(expiry);
    }
    doc
}

/// A value in single quotes, for sh, fish and PowerShell alike: credentials hold
/// no quote, but a quote is escaped the way each shell reads it.
fn quote(value: &str, format: Format) -> String {
    let escaped = match format {
        Format::Fish => value.replace('\\', "\\\\").replace('\'', "\\'"),
        Format::Powershell => value.replace('\'', "''"),
        _ => value.replace('\'', r"'\''"),
    };
    format!("'{escaped}'")
}

/// The text `xrole assume --format FORMAT` prints for `session`.
pub(crate) async fn render(session: &AssumedRole, format: Format) -> Result<String, CliError> {
    let credentials = session.credentials().await?;
    let mut out = String::new();
    match format {
        Format::Env | Format::Fish | Format::Powershell => {
            for (name, value) in variables(&credentials) {
                let value = quote(&value, format);
                out.push_str(&match format {
                    Format::Fish => format!("set -gx {name} {value};\n"),
                    Format::Powershell => format!("$Env:{name} = {value}\n"),
                    _ => format!("export {name}={value}\n"),
                });
            }
        }
        Format::Json => {
            let me = session.caller_identity().await?;
            let mut doc = json!({
                "Credentials": {
                    "AccessKeyId": credentials.access_key_id(),
                    "SecretAccessKey": credentials.secret_access_key(),
                    "SessionToken": credentials.session_token(),
                    "Expiration": rfc3339(&credentials),
                },
                "AssumedRoleUser": {
                    "AssumedRoleId": me.user_id,
                    "Arn": me.arn.to_string(),
                },
            });
            if credentials.session_token().is_none()
                && let Some(c) = doc["Credentials"].as_object_mut()
            {
                c.remove("SessionToken");
            }
            out = format!("{doc:#}\n");
        }
        Format::Process => out = format!("{}\n", process_json(&credentials)),
    }
    Ok(out)
}

/// Writes `text` to standard output; a closed pipe is an error like any other.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::io("writing to standard output"))
}
