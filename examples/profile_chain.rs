//! Profiles and role chaining: the AWS CLI's `role_arn` + `source_profile`
//! profiles, assumed by xrole, and the one-hour limit of chained sessions.
//!
//! The AWS config file written for the run:
//!
//! ```ini
//! [profile infra]                 # long-term keys of infra-deployer, account 111111111111
//! [profile dev]                   # InfraAssumeRole in 222222222222, from infra
//! [profile audit]                 # ReadOnlyAuditRole in 333333333333, from dev: a chain
//! [profile audit-all-day]         # the same with duration_seconds = 7200: refused
//! ```
//!
//! `xrole::ProfileChain` reads the chain down to the source profile and assumes it
//! hop by hop; each hop then refreshes on its own. aws-config's profile provider
//! reads the same file to the same identity. A chained session lasts at most an
//! hour: xrole refuses more before any call (STS would answer `ValidationError`).
//!
//! ```sh
//! cargo run --example profile_chain                              # embedded STS
//! XROLE_PROFILE=my-role-profile cargo run --features remote --example profile_chain -- --aws   # your ~/.aws/config
//! ```

use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use xrole::{Error, PrincipalArn, ProfileChain, RoleArn, RoleSpec, Source};
use xrole_examples::{BoxError, Lab, Target, check, section};
use xrole_test::sts::{User, World};

const USER: &str = "arn:aws:iam::111111111111:user/infra-deployer";

/// What the run showed.
#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    hops: Vec<String>,
    xrole: String,
    aws_config: String,
    too_long: String,
}

fn world() -> Result<World, BoxError> {
    let dev = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/InfraAssumeRole",
    ))
    .trusted(PrincipalArn::from_static(USER))
    .build()?;
    let audit = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::333333333333:role/ReadOnlyAuditRole",
    ))
    .trusted(PrincipalArn::from_static(
        "arn:aws:iam::222222222222:role/InfraAssumeRole",
    ))
    .chained(true)
    .build()?;
    let mut world = World::new();
    world
        .add_user(User::new(USER.parse()?)?)?
        .add_role_from_spec(&dev)?
        // Trusts InfraAssumeRole, which gets the caller policy.
        .add_role_from_spec(&audit)?;
    Ok(world)
}

async fn run(target: Target) -> Result<Report, BoxError> {
    if let Target::Moto(_) = target {
        return Err("profile_chain runs on the embedded STS or AWS".into());
    }
    let lab = Lab::start(target, world()?, &[]).await?;
    println!("xrole profile chain, on {}", lab.target());

    // The config file: on AWS yours, here one written for the run.
    let (path, profile, long_profile) = match lab.embedded() {
        None => {
            let profile = std::env::var("XROLE_PROFILE")
                .map_err(|_| "on AWS, set XROLE_PROFILE to a role profile of your config")?;
            let path = std::env::var("AWS_CONFIG_FILE").map_or_else(
                |_| {
                    std::env::var("HOME")
                        .map(|h| std::path::Path::new(&h).join(".aws").join("config"))
                },
                |p| Ok(p.into()),
            )?;
            (path, profile, None)
        }
        Some(sts) => {
            let keys = sts.credentials_for(USER)?;
            let endpoint = sts.url();
            let config = format!(
                "[profile infra]\n\
                 aws_access_key_id = {}\n\
                 aws_secret_access_key = {}\n\
                 region = us-east-1\n\
                 endpoint_url = {endpoint}\n\n\
                 [profile dev]\n\
                 role_arn = arn:aws:iam::222222222222:role/InfraAssumeRole\n\
                 source_profile = infra\n\
                 role_session_name = infra-deploy\n\
                 endpoint_url = {endpoint}\n\n\
                 [profile audit]\n\
                 role_arn = arn:aws:iam::333333333333:role/ReadOnlyAuditRole\n\
                 source_profile = dev\n\
                 role_session_name = chained-audit\n\
                 endpoint_url = {endpoint}\n\n\
                 [profile audit-all-day]\n\
                 role_arn = arn:aws:iam::333333333333:role/ReadOnlyAuditRole\n\
                 source_profile = dev\n\
                 duration_seconds = 7200\n\
                 endpoint_url = {endpoint}\n",
                keys.access_key_id(),
                keys.secret_access_key(),
            );
            let dir =
                std::env::temp_dir().join(format!("xrole-profile-chain-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("config");
            std::fs::write(&path, &config)?;
            section("The AWS config file (keys elided)");
            for line in config.lines().filter(|l| !l.starts_with("aws_")) {
                println!("{line}");
            }
            (path, "audit".to_owned(), Some("audit-all-day"))
        }
    };

    section("xrole: ProfileChain");
    let chain = ProfileChain::from_config_file(&profile, &path).await?;
    let hops: Vec<String> = chain
        .hops()
        .iter()
        .map(|h| format!("{} ({})", h.profile, h.role))
        .collect();
    println!(
        "source profile {}; hops: {}",
        chain.source_profile(),
        hops.join(" -> ")
    );
    let role = chain.assume(Source::Default).await?;
    let xrole = role.caller_identity().await?.arn.to_string();
    println!("identity: {xrole}");
    if let Some(previous) = role.chained_from() {
        println!(
            "chained from: {} (each hop refreshes on its own)",
            previous.role()
        );
    }

    section("aws-config's profile provider, same file");
    let files = EnvConfigFiles::builder()
        .with_file(EnvConfigFileKind::Config, &path)
        .build();
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .profile_files(files)
        .profile_name(&profile)
        .load()
        .await;
    let aws_config = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await?
        .arn()
        .unwrap_or_default()
        .to_owned();
    println!("identity: {aws_config}");
    check(
        xrole == aws_config,
        "xrole and aws-config agree on the identity",
    )?;

    let too_long = match long_profile {
        None => String::new(),
        Some(long_profile) => {
            section("A chained hop asking for two hours");
            let calls_before = lab.embedded().map(|s| s.count("AssumeRole"));
            let err = ProfileChain::from_config_file(long_profile, &path)
                .await?
                .assume(Source::Default)
                .await
                .err()
                .ok_or("a two-hour chained session was admitted")?;
            println!("refused before the call: {err}");
            check(
                matches!(err, Error::ChainedDuration { .. }),
                format!("the refusal is ChainedDuration, found {err:?}"),
            )?;
            // Sessions load lazily and the chain was refused while being built: no
            // hop reached STS.
            let calls_after = lab.embedded().map(|s| s.count("AssumeRole"));
            check(calls_after == calls_before, "no hop reached STS")?;
            err.to_string()
        }
    };
    if lab.embedded().is_some()
        && let Some(dir) = path.parent()
    {
        std::fs::remove_dir_all(dir)?;
    }
    Ok(Report {
        hops,
        xrole,
        aws_config,
        too_long,
    })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(Target::from_env_and_args()?).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_profile_chain_is_assumed_and_held_to_an_hour() {
        let report = run(Target::Embedded).await.unwrap();
        assert_eq!(
            report.hops,
            [
                "dev (arn:aws:iam::222222222222:role/InfraAssumeRole)",
                "audit (arn:aws:iam::333333333333:role/ReadOnlyAuditRole)"
            ]
        );
        assert_eq!(
            report.xrole,
            "arn:aws:sts::333333333333:assumed-role/ReadOnlyAuditRole/chained-audit"
        );
        assert_eq!(report.aws_config, report.xrole);
        assert!(
            report
                .too_long
                .contains("a chained session (a role assumed with another role's credentials) lasts at most 1h (3600 s)"),
            "{}",
            report.too_long
        );
    }
}
