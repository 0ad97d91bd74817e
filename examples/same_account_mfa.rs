//! Same account with MFA: user `deepak.dev` in account 123456789012 assumes
//! `AdminAccessRole` in the same account for elevated permissions, and the trust
//! policy demands MFA (`aws:MultiFactorAuthPresent`).
//!
//! The run shows the trust policy xrole generates from `mfa_serial`, the refusal
//! without MFA and with a wrong code, and the admission with the device's code,
//! asked from the token provider only when STS needs it.
//!
//! ```sh
//! cargo run --example same_account_mfa                          # embedded STS, device code 123456
//! XROLE_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME XROLE_MFA_SERIAL=arn:aws:iam::ACCOUNT:mfa/NAME \
//!   cargo run --features remote --example same_account_mfa -- --aws               # asks for the code on stdin
//! ```

use xrole::{AssumeRole, AssumedRole, DenialCause, MfaSerial, TokenCode, assume_role};
use xrole_core::AccountId;
use xrole_examples::{BoxError, Lab, Target, check, expect_cause, print_policy, refusal, section};
use xrole_test::lint::{LintConfig, Suppression, lint_spec};
use xrole_test::sts::{MfaDevice, User, World};

#[assume_role(
    arn = "arn:aws:iam::123456789012:role/AdminAccessRole",
    session_name = "deepak-admin",
    mfa_serial = "arn:aws:iam::123456789012:mfa/deepak.dev",
    trusted = ["arn:aws:iam::123456789012:user/deepak.dev"],
    allow(actions = ["*"], resources = ["*"]),
)]
struct Admin {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

const USER: &str = "arn:aws:iam::123456789012:user/deepak.dev";
/// The code the embedded STS's virtual device shows.
const DEVICE_CODE: &str = "123456";

#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    without_mfa: String,
    wrong_code: String,
    with_mfa: String,
}

async fn run(target: Target) -> Result<Report, BoxError> {
    let mut world = World::new();
    world
        .add_user(User::new(USER.parse()?)?.mfa_device(MfaDevice::new(
            "arn:aws:iam::123456789012:mfa/deepak.dev",
            DEVICE_CODE,
        )))?
        .add_role_from_spec(&Admin::ROLE_SPEC)?;
    let lab = Lab::start(target.clone(), world, &[]).await?;
    println!("xrole same-account role with MFA, on {}", lab.target());
    let base = lab.base_for(USER).await?;
    let spec = lab.role_spec(&Admin::ROLE_SPEC)?;
    let serial: MfaSerial = match &target {
        Target::Aws => std::env::var("XROLE_MFA_SERIAL")
            .map_err(|_| "on AWS, set XROLE_MFA_SERIAL to your MFA device's ARN")?
            .parse()?,
        _ => spec
            .mfa_serial()
            .cloned()
            .ok_or("the declaration names an MFA device")?,
    };

    section("The trust policy, generated from mfa_serial");
    print_policy("trust policy of AdminAccessRole", &spec.trust_policy()?);
    let config = LintConfig::new()
        .own_account(AccountId::from_static("123456789012"))
        .suppress(Suppression::new(
            "XR007",
            "an administrator role, by design",
        )?)
        .suppress(Suppression::new(
            "XR008",
            "an administrator role, by design",
        )?);
    let report = lint_spec(&spec, &config);
    print!("{report}");
    check(report.is_clean(), "the admin role requires MFA (no XR006)")?;

    section("Without MFA");
    // The same role, called without a device or a code.
    let without_mfa = refusal(
        AssumeRole::new(spec.role().clone())
            .eager(true)
            .assume(&base)
            .await,
        "without MFA",
    )?;
    expect_cause(lab.target(), &without_mfa, &DenialCause::MfaMissing)?;
    let without_mfa = xrole_examples::described(&without_mfa);

    section("With a wrong code");
    let wrong = AssumeRole::from_spec(&spec)
        .mfa_serial(serial.clone())
        .mfa_token(|| async { TokenCode::parse("000000").map_err(|e| e.to_string()) })
        .eager(true);
    let wrong_code = refusal(wrong.assume(&base).await, "with a wrong code")?;
    expect_cause(lab.target(), &wrong_code, &DenialCause::MfaCodeRefused)?;
    let wrong_code = xrole_examples::described(&wrong_code);

    section("With the device's code");
    let aws = target == Target::Aws;
    let role = AssumeRole::from_spec(&spec)
        .mfa_serial(serial)
        .mfa_token(move || async move {
            if aws {
                prompt_code().await
            } else {
                TokenCode::parse(DEVICE_CODE).map_err(|e| e.to_string())
            }
        })
        .assume(&base)
        .await?;
    let admin = Admin::from_role(&role);
    let me = admin.sts.get_caller_identity().send().await?;
    let with_mfa = me.arn().unwrap_or_default().to_owned();
    println!(
        "admitted as {with_mfa} (session {})",
        admin.role.session_name()
    );
    Ok(Report {
        without_mfa,
        wrong_code,
        with_mfa,
    })
}

/// Reads a code from the terminal, off the async threads.
async fn prompt_code() -> Result<TokenCode, String> {
    tokio::task::spawn_blocking(|| {
        eprint!("MFA code: ");
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        TokenCode::parse(line.trim()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(Target::from_env_and_args()?).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_admin_role_needs_the_devices_code() {
        let report = run(Target::Embedded).await.unwrap();
        assert!(
            report
                .without_mfa
                .contains("if it demands aws:MultiFactorAuthPresent, no MFA was used"),
            "{}",
            report.without_mfa
        );
        assert!(
            report.wrong_code.ends_with("The MFA code was refused: it must be the current code of the device the serial names (each code is accepted once), and that device must belong to the calling user."),
            "{}",
            report.wrong_code
        );
        assert_eq!(
            report.with_mfa,
            "arn:aws:sts::123456789012:assumed-role/AdminAccessRole/deepak-admin"
        );
    }
}
