//! Fleet audit: a central audit tool in account 111111111111 reads from 50
//! accounts through one role name, `OrganizationAuditRole`, which every member
//! account trusts the tool with.
//!
//! `xrole::Fleet` assumes the role in every account with bounded concurrency and
//! reports each account on its own: one account that has not yet deployed the
//! role's trust policy fails with its explanation; the 50 others are read.
//!
//! ```sh
//! cargo run --example fleet_audit                                 # embedded STS, 50 + 1 accounts
//! XROLE_FLEET_ACCOUNTS=111122223333,444455556666 XROLE_FLEET_ROLE=OrganizationAuditRole \
//!   cargo run --features remote --example fleet_audit -- --aws
//! ```

use std::time::Instant;

use xrole::{AccountId, Fleet, Permission, PrincipalArn, RoleArn, RoleSpec, SessionName};
use xrole_examples::{BoxError, Lab, Target, check, section};
use xrole_test::sts::{Role, User, World};

const TOOL: &str = "arn:aws:iam::111111111111:user/audit-tool";
const ROLE_NAME: &str = "OrganizationAuditRole";
/// Member accounts: 210000000001 to 210000000050.
const MEMBERS: u64 = 50;
/// An account whose role exists but does not trust the tool yet.
const NOT_ENROLLED: &str = "210000000099";

/// What the run showed.
#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    read: Vec<String>,
    failed: Vec<(String, String)>,
}

fn member(account: AccountId) -> Result<RoleSpec, BoxError> {
    Ok(
        RoleSpec::builder(RoleArn::new(xrole::Partition::Aws, account, ROLE_NAME)?)
            .trusted(PrincipalArn::from_static(TOOL))
            .allow(Permission::new(
                [
                    "iam:GetAccountSummary",
                    "cloudtrail:DescribeTrails",
                    "config:DescribeConfigRules",
                ],
                ["*"],
            ))
            .build()?,
    )
}

fn world(accounts: &[AccountId]) -> Result<World, BoxError> {
    let mut world = World::new();
    world.add_user(User::new(TOOL.parse()?)?)?;
    for account in accounts {
        // Each member's role trusts the tool; the tool gets each caller policy.
        world.add_role_from_spec(&member(*account)?)?;
    }
    // Not enrolled: the role trusts only its own account so far.
    let stranger: AccountId = NOT_ENROLLED.parse()?;
    let spec = member(stranger)?;
    world
        .add_role(Role::new(
            spec.role().clone(),
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{stranger}:root"}},"Action":"sts:AssumeRole"}}]}}"#
            )
            .parse()?,
        ))?
        .attach_caller_policy(&PrincipalArn::from_static(TOOL), &spec)?;
    Ok(world)
}

async fn run(target: Target) -> Result<Report, BoxError> {
    if let Target::Moto(_) = target {
        return Err("fleet_audit runs on the embedded STS or AWS".into());
    }
    let (accounts, role_name) = if target == Target::Aws {
        let accounts = std::env::var("XROLE_FLEET_ACCOUNTS")
            .map_err(
                |_| "on AWS, set XROLE_FLEET_ACCOUNTS to a comma-separated list of account ids",
            )?
            .split(',')
            .map(|a| a.trim().parse::<AccountId>())
            .collect::<Result<Vec<_>, _>>()?;
        let role = std::env::var("XROLE_FLEET_ROLE").unwrap_or_else(|_| ROLE_NAME.to_owned());
        (accounts, role)
    } else {
        let mut accounts = (1..=MEMBERS)
            .map(|i| format!("{:012}", 210_000_000_000 + i).parse::<AccountId>())
            .collect::<Result<Vec<_>, _>>()?;
        accounts.push(NOT_ENROLLED.parse()?);
        (accounts, ROLE_NAME.to_owned())
    };
    let members = &accounts[..accounts.len().min(MEMBERS as usize)];
    let lab = Lab::start(target, world(members)?, &[]).await?;
    println!(
        "xrole fleet audit of {} accounts, on {}",
        accounts.len(),
        lab.target()
    );
    let base = lab.base_for(TOOL).await?;

    section(&format!("Assuming {role_name} everywhere, 10 at a time"));
    let started = Instant::now();
    let results = Fleet::role_name(&role_name, accounts.iter().copied())?
        .concurrency(10)
        .parameters(|each| each.session_name(SessionName::from_static("central-audit")))
        .assume(&base)
        .await;
    println!(
        "{} sessions in {:.2?}",
        results.assumed().count(),
        started.elapsed()
    );

    section("Reading each account");
    let mut read = Vec::new();
    for role in results.assumed() {
        // Any SDK client works here: role.client(aws_sdk_iam::Client::new)...
        let me = role.caller_identity().await?;
        read.push(me.account.to_string());
    }
    read.sort();
    println!(
        "read {} accounts: {} ... {}",
        read.len(),
        read.first().map(String::as_str).unwrap_or("-"),
        read.last().map(String::as_str).unwrap_or("-")
    );

    section("Accounts that failed");
    let mut failed = Vec::new();
    for (role, error) in results.failed() {
        println!("{role}:\n{}", xrole_examples::described(error));
        failed.push((role.account().to_string(), xrole_examples::described(error)));
    }
    if failed.is_empty() {
        println!("none");
    }
    if lab.embedded().is_some() {
        check(
            read.len() == MEMBERS as usize,
            format!("{MEMBERS} accounts read, found {}", read.len()),
        )?;
    }
    Ok(Report { read, failed })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(Target::from_env_and_args()?).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fifty_accounts_are_read_and_the_stranger_is_explained() {
        let report = run(Target::Embedded).await.unwrap();
        assert_eq!(report.read.len(), 50);
        assert_eq!(report.read[0], "210000000001");
        assert_eq!(report.read[49], "210000000050");
        assert_eq!(report.failed.len(), 1);
        let (account, error) = &report.failed[0];
        assert_eq!(account, NOT_ENROLLED);
        assert!(error.contains("account 210000000099 (trusting): the trust policy of arn:aws:iam::210000000099:role/OrganizationAuditRole must allow arn:aws:iam::111111111111:user/audit-tool"), "{error}");
    }
}
