//! The runtime against the embedded STS, on a clock shared by both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_credential_types::provider::ProvideCredentials;
use xrole::*;
use xrole_core::{PolicyDocument, RoleSpec};
use xrole_test::sts::{Clock, EmbeddedSts, MfaDevice, Role, User, World};

use super::fixtures::{advance, doc, start_time};

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";

fn allow_assume(resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"{resource}"}}]}}"#
    ))
}

fn trust(principal: &str, condition: &str) -> PolicyDocument {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]{condition}}}]}}"#
    ))
}

fn world() -> World {
    let mut w = World::new();
    w.add_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap(), doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#))
        .unwrap()
        .add_user(
            User::new(ALICE.parse().unwrap())
                .unwrap()
                .policy("assume", allow_assume("arn:aws:iam::*:role/*"))
                .mfa_device(MfaDevice::new("arn:aws:iam::111111111111:mfa/crossAccountUser", "123456")),
        )
        .unwrap()
        .add_role(Role::new(ROLE.parse().unwrap(), trust("111111111111", "")).max_session_duration(43_200))
        .unwrap();
    w
}

async fn setup(world: World) -> (EmbeddedSts, Clock, aws_types::SdkConfig) {
    let clock = Clock::manual(start_time());
    let sts = EmbeddedSts::builder(world)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    (sts, clock, base)
}

/// Asks for credentials the way every SDK request does; `None` if the caller would
/// have waited (more than 200 ms of real time: STS answers only when the manual
/// clock moves, so a caller waiting on STS never finishes here).
async fn resolve(role: &AssumedRole) -> Option<Result<aws_credential_types::Credentials, String>> {
    let provider = role.sdk_config().credentials_provider().unwrap();
    tokio::time::timeout(Duration::from_millis(200), provider.provide_credentials())
        .await
        .ok()
        .map(|r| r.map_err(|e| format!("{e:?}")))
}

#[tokio::test]
async fn every_builder_parameter_reaches_sts() {
    let (sts, _clock, base) = setup(world()).await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .session_name("deploy-42".parse().unwrap())
        .external_id("ext-1234".parse().unwrap())
        .duration("2h".parse().unwrap())
        .tags(SessionTags::new(vec![SessionTag::new("Project", "Unicorn").unwrap()]).unwrap())
        .transitive_tag_keys(TransitiveTagKeys::new(["Project"]).unwrap())
        .source_identity("alice".parse().unwrap())
        .session_policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#.parse().unwrap())
        .policy_arns(PolicyArns::new(vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap()]).unwrap())
        .region("eu-west-1".parse().unwrap())
        .sts_endpoint(sts.url())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    let e = sts
        .audit()
        .into_iter()
        .find(|e| e.action.as_deref() == Some("AssumeRole"))
        .unwrap();
    for (k, v) in [
        ("RoleArn", ROLE),
        ("RoleSessionName", "deploy-42"),
        ("ExternalId", "ext-1234"),
        ("DurationSeconds", "7200"),
        ("Tags.member.1.Key", "Project"),
        ("Tags.member.1.Value", "Unicorn"),
        ("TransitiveTagKeys.member.1", "Project"),
        ("SourceIdentity", "alice"),
        (
            "PolicyArns.member.1.arn",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
    ] {
        assert_eq!(e.parameter(k), Some(v), "{k}");
    }
    assert!(e.parameter("Policy").unwrap().contains("s3:GetObject"));
    assert!(e.succeeded(), "{e:?}");
    assert_eq!(role.sdk_config().region().unwrap().as_ref(), "eu-west-1");
    let me = role.caller_identity().await.unwrap();
    assert_eq!(
        me.arn.as_str(),
        "arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/deploy-42"
    );
    // The default session name is derived from the program and valid.
    let default = default_session_name();
    assert!(default.as_str().starts_with("xrole-it"), "{default}");
}

#[tokio::test]
async fn lazy_and_eager_first_loads() {
    let (sts, _clock, base) = setup(world()).await;
    let lazy = AssumeRole::new(ROLE.parse().unwrap())
        .assume(&base)
        .await
        .unwrap();
    assert_eq!(sts.count("AssumeRole"), 0);
    let client = lazy.client(aws_sdk_sts::Client::new);
    client.get_caller_identity().send().await.unwrap();
    assert_eq!(sts.count("AssumeRole"), 1);
    AssumeRole::new(ROLE.parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    assert_eq!(sts.count("AssumeRole"), 2);
    // Per-client configuration changes.
    let adjusted = lazy.client_with(
        |b: aws_sdk_sts::config::Builder| {
            b.app_name(aws_types::app_name::AppName::new("audit").unwrap())
                .build()
        },
        aws_sdk_sts::Client::from_conf,
    );
    assert_eq!(adjusted.config().app_name().unwrap().as_ref(), "audit");
}

#[tokio::test]
async fn clients_take_the_session_identity_from_its_own_cache() {
    let (sts, clock, base) = setup(world()).await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .session_name("cached".parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    let client = role.client(aws_sdk_sts::Client::new);
    for _ in 0..3 {
        let me = client.get_caller_identity().send().await.unwrap();
        assert_eq!(
            me.arn(),
            Some("arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/cached")
        );
    }
    assert_eq!(
        sts.count("AssumeRole"),
        1,
        "one call, cached by the session"
    );
    // Invalidated, the next request fetches new credentials, and the new ones sign.
    role.invalidate();
    client.get_caller_identity().send().await.unwrap();
    assert_eq!(sts.count("AssumeRole"), 2);
    // Past expiry, the cache does not hand the old identity out: the request waits
    // for new credentials, which the refresh fetched ahead of time.
    advance(&clock, Duration::from_secs(3600), Duration::from_secs(60)).await;
    client.get_caller_identity().send().await.unwrap();
    assert!(sts.count("AssumeRole") >= 3);
    // A client given other credentials signs with those, not the session's.
    let alice = sts.credentials_for(ALICE).unwrap();
    let other = role.client_with(
        |b: aws_sdk_sts::config::Builder| b.credentials_provider(alice).build(),
        aws_sdk_sts::Client::from_conf,
    );
    let me = other.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some(ALICE));
}

#[tokio::test]
async fn one_sts_call_per_refresh_and_no_caller_waits_with_1000_callers() {
    let (sts, clock, base) = setup(world()).await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    sts.set_latency(Duration::from_millis(100));
    let blocked = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    // Three hours in one-minute steps, 1000 concurrent callers at each step.
    for _ in 0..180 {
        clock.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(1)).await;
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..1000 {
            let role = role.clone();
            let blocked = blocked.clone();
            let failed = failed.clone();
            callers.spawn(async move {
                match resolve(&role).await {
                    None => blocked.fetch_add(1, Ordering::Relaxed),
                    Some(Err(_)) => failed.fetch_add(1, Ordering::Relaxed),
                    Some(Ok(_)) => 0,
                };
            });
        }
        while callers.join_next().await.is_some() {}
    }
    assert_eq!(blocked.load(Ordering::Relaxed), 0, "callers waited on STS");
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    // One initial load and one refresh per hour, whatever the number of callers.
    let calls = sts.count("AssumeRole");
    assert!((3..=4).contains(&calls), "{calls} STS calls in 3 hours");
    assert_eq!(role.stats().sts_calls as usize, calls);
}

#[tokio::test]
async fn an_outage_before_expiry_is_survived() {
    let (sts, clock, base) = setup(world()).await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    let first = resolve(&role).await.unwrap().unwrap();
    // STS goes down 5 minutes before expiry, for 4 minutes.
    advance(
        &clock,
        Duration::from_secs(55 * 60),
        Duration::from_secs(60),
    )
    .await;
    sts.set_outage(true);
    for _ in 0..24 {
        advance(&clock, Duration::from_secs(10), Duration::from_secs(10)).await;
        let c = resolve(&role)
            .await
            .expect("no caller waits")
            .expect("still-valid credentials are served");
        assert_eq!(
            c.access_key_id(),
            first.access_key_id(),
            "no refresh can succeed during the outage"
        );
    }
    sts.set_outage(false);
    // Recovery within one backoff step, before expiry.
    advance(&clock, Duration::from_secs(40), Duration::from_secs(5)).await;
    let c = resolve(&role).await.unwrap().unwrap();
    assert_ne!(
        c.access_key_id(),
        first.access_key_id(),
        "refreshed once STS was back"
    );
    assert!(role.stats().failures > 0);
    assert!(
        sts.count_errors(xrole_test::sts::ErrorCode::ServiceUnavailable) < 40,
        "at most one attempt in flight, with backoff"
    );
}

#[tokio::test]
async fn expiry_during_a_long_outage_gives_a_clear_error_then_recovers() {
    let (sts, clock, base) = setup(world()).await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    advance(
        &clock,
        Duration::from_secs(55 * 60),
        Duration::from_secs(60),
    )
    .await;
    sts.set_outage(true);
    advance(&clock, Duration::from_secs(6 * 60), Duration::from_secs(10)).await;
    let before = sts.count("AssumeRole");
    for _ in 0..100 {
        let err = resolve(&role)
            .await
            .expect("callers are answered at once")
            .unwrap_err();
        assert!(err.contains("CredentialsExpired"), "{err}");
        assert!(
            err.contains("ServiceUnavailable"),
            "the last STS error is given: {err}"
        );
    }
    assert!(
        sts.count("AssumeRole") - before <= 1,
        "callers do not call STS themselves"
    );
    let err = role.load().await.unwrap_err();
    assert!(matches!(&err, Error::CredentialsExpired { .. }), "{err}");
    // The line says what happened; the last STS failure is the source, once.
    assert_eq!(
        err.to_string(),
        "credentials for arn:aws:iam::222222222222:role/CrossAccountAccessRole expired at 2026-11-18T12:06:40Z and could not be refreshed"
    );
    let report = err.report().to_string();
    assert!(report.starts_with("credentials for arn:aws:iam::222222222222:role/CrossAccountAccessRole expired at 2026-11-18T12:06:40Z and could not be refreshed: STS AssumeRole"), "{report}");
    assert_eq!(report.matches("STS AssumeRole").count(), 1, "{report}");
    sts.set_outage(false);
    advance(&clock, Duration::from_secs(35), Duration::from_secs(5)).await;
    resolve(&role).await.unwrap().unwrap();
}

#[tokio::test]
async fn throttled_first_loads_are_retried() {
    let (sts, clock, base) = setup(world()).await;
    let first = sts.calls();
    sts.fail_calls(
        [first + 1, first + 2, first + 3],
        xrole_test::sts::ErrorCode::Throttling,
    );
    // Backoff waits on the shared clock: move it while the load retries.
    let load = tokio::spawn(async move {
        AssumeRole::new(ROLE.parse().unwrap())
            .eager(true)
            .assume(&base)
            .await
    });
    while !load.is_finished() {
        advance(&clock, Duration::from_secs(1), Duration::from_millis(250)).await;
    }
    let role = load.await.unwrap().unwrap();
    role.load().await.unwrap();
    assert_eq!(sts.count_errors(xrole_test::sts::ErrorCode::Throttling), 3);
    assert_eq!(
        sts.audit()
            .iter()
            .filter(|e| e.action.as_deref() == Some("AssumeRole") && e.succeeded())
            .count(),
        1
    );
}

const CHAIN_B: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";
const CHAIN_C: &str = "arn:aws:iam::333333333333:role/Audit";

/// A -> B -> C: B (12 h sessions) may assume C (1 h, chained).
fn chain_world() -> World {
    let mut w = world();
    w.replace_role(
        Role::new(CHAIN_B.parse().unwrap(), trust("111111111111", ""))
            .policy("chain", allow_assume(CHAIN_C))
            .max_session_duration(43_200),
    )
    .unwrap()
    .add_role(Role::new(CHAIN_C.parse().unwrap(), trust(CHAIN_B, "")))
    .unwrap();
    w
}

#[tokio::test]
async fn chaining_keeps_each_hop_and_the_hour_limit() {
    let (b, c) = (CHAIN_B, CHAIN_C);
    let (sts, clock, base) = setup(chain_world()).await;
    let hop_b = AssumeRole::new(b.parse().unwrap())
        .duration("12h".parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    let err = AssumeRole::new(c.parse().unwrap())
        .duration("2h".parse().unwrap())
        .assume(&hop_b)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ChainedDuration { .. }));
    assert_eq!(
        err.to_string(),
        "assuming arn:aws:iam::333333333333:role/Audit with the credentials of arn:aws:iam::222222222222:role/CrossAccountAccessRole is role chaining: a chained session (a role assumed with another role's credentials) lasts at most 1h (3600 s); 2h was requested"
    );
    let hop_c = AssumeRole::new(c.parse().unwrap())
        .eager(true)
        .assume(&hop_b)
        .await
        .unwrap();
    assert_eq!(
        hop_c.caller_identity().await.unwrap().account.as_str(),
        "333333333333"
    );
    assert_eq!(hop_c.chained_from().unwrap().role().as_str(), b);
    let calls_before = sts.count("AssumeRole");
    // C lives an hour, B twelve: refreshing C three times costs three STS calls.
    advance(
        &clock,
        Duration::from_secs(3 * 3600),
        Duration::from_secs(60),
    )
    .await;
    resolve(&hop_c).await.unwrap().unwrap();
    let c_calls = sts
        .audit()
        .iter()
        .filter(|e| e.parameter("RoleArn") == Some(c))
        .count();
    let b_calls = sts
        .audit()
        .iter()
        .filter(|e| e.parameter("RoleArn") == Some(b))
        .count();
    assert_eq!(b_calls, 1, "B is still valid: not assumed again");
    assert_eq!(c_calls, 4, "one call per refresh of C");
    assert_eq!(sts.count("AssumeRole") - calls_before, 3);
}

#[tokio::test]
async fn mfa_codes_only_when_sts_needs_them_both_ways() {
    let admin = "arn:aws:iam::222222222222:role/Admin";
    let mut w = world();
    w.add_role(Role::new(
        admin.parse().unwrap(),
        trust(
            "111111111111",
            r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        ),
    ))
    .unwrap();
    let (sts, clock, base) = setup(w).await;
    let serial: MfaSerial = "arn:aws:iam::111111111111:mfa/crossAccountUser"
        .parse()
        .unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let provider = {
        let asked = asked.clone();
        move || {
            asked.fetch_add(1, Ordering::Relaxed);
            async { Ok::<_, String>(TokenCode::parse("123456").unwrap()) }
        }
    };
    // Each AssumeRole asks for a code: once at build (lazy: not before first use).
    let each = AssumeRole::new(admin.parse().unwrap())
        .mfa_serial(serial.clone())
        .mfa_token(provider.clone())
        .assume(&base)
        .await
        .unwrap();
    assert_eq!(
        asked.load(Ordering::Relaxed),
        0,
        "no code before STS needs one"
    );
    each.load().await.unwrap();
    assert_eq!(asked.load(Ordering::Relaxed), 1);
    advance(
        &clock,
        Duration::from_secs(2 * 3600),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(asked.load(Ordering::Relaxed), 3, "one code per refresh");
    drop(each);

    // One MFA session: refreshes of the role need no new code while it lives.
    asked.store(0, Ordering::Relaxed);
    let with_session = AssumeRole::new(admin.parse().unwrap())
        .mfa_serial(serial)
        .mfa_token(provider)
        .mfa_strategy(MfaStrategy::SessionToken {
            duration: Duration::from_secs(12 * 3600),
        })
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    advance(
        &clock,
        Duration::from_secs(3 * 3600),
        Duration::from_secs(60),
    )
    .await;
    resolve(&with_session).await.unwrap().unwrap();
    assert_eq!(
        asked.load(Ordering::Relaxed),
        1,
        "one code for the MFA session"
    );
    assert_eq!(sts.count("GetSessionToken"), 1);
    // A wrong code is refused with a clear error.
    let bad = AssumeRole::new(admin.parse().unwrap())
        .mfa_serial(
            "arn:aws:iam::111111111111:mfa/crossAccountUser"
                .parse()
                .unwrap(),
        )
        .mfa_token(|| async { Ok::<_, String>(TokenCode::parse("000000").unwrap()) })
        .eager(true)
        .assume(&base)
        .await
        .unwrap_err();
    assert!(matches!(&bad, Error::AccessDenied(_)), "{bad}");
    let failing = AssumeRole::new(admin.parse().unwrap())
        .mfa_serial(
            "arn:aws:iam::111111111111:mfa/crossAccountUser"
                .parse()
                .unwrap(),
        )
        .mfa_token(|| async { Err::<TokenCode, _>("device unplugged".to_owned()) })
        .eager(true)
        .assume(&base)
        .await
        .unwrap_err();
    assert_eq!(
        failing.to_string(),
        "MFA token for arn:aws:iam::222222222222:role/Admin (arn:aws:iam::111111111111:mfa/crossAccountUser) could not be obtained"
    );
    assert_eq!(
        failing.report().to_string(),
        "MFA token for arn:aws:iam::222222222222:role/Admin (arn:aws:iam::111111111111:mfa/crossAccountUser) could not be obtained: device unplugged"
    );
}

#[tokio::test]
async fn access_denied_explains_both_sides() {
    let mut w = world();
    w.add_user(User::new("arn:aws:iam::111111111111:user/mallory".parse().unwrap()).unwrap())
        .unwrap();
    let clock = Clock::manual(start_time());
    let sts = EmbeddedSts::builder(w).clock(clock).start().await.unwrap();
    let base = sts
        .sdk_config_for("arn:aws:iam::111111111111:user/mallory")
        .await
        .unwrap();
    let err = AssumeRole::new(ROLE.parse().unwrap())
        .external_id("ext-9".parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap_err();
    let Error::AccessDenied(denied) = &err else {
        panic!("{err:?}")
    };
    // Display is one line; the long account is behind explanation().
    assert!(!denied.to_string().contains('\n'), "{denied}");
    assert_eq!(err.to_string(), denied.to_string());
    let text = format!("{denied}\n{}", denied.explanation());
    assert!(text.starts_with("AccessDenied: arn:aws:iam::111111111111:user/mallory may not sts:AssumeRole arn:aws:iam::222222222222:role/CrossAccountAccessRole"), "{text}");
    assert!(text.contains("account 222222222222 (trusting): the trust policy of arn:aws:iam::222222222222:role/CrossAccountAccessRole must allow"), "{text}");
    assert!(text.contains("account 111111111111 (trusted): an identity policy of arn:aws:iam::111111111111:user/mallory must allow sts:AssumeRole"), "{text}");
    // mallory is in the trusted account but not admitted: the fix admits exactly
    // mallory, as a statement to add beside the principals already trusted.
    let Some(xrole::Fix::Add {
        admits,
        trust_statement,
        caller_policy,
    }) = denied.fixing_policies()
    else {
        panic!("{:?}", denied.fixing_policies())
    };
    assert_eq!(admits.as_str(), "arn:aws:iam::111111111111:user/mallory");
    let statement = trust_statement.to_canonical_json();
    assert!(
        statement.contains("\"sts:ExternalId\": \"ext-9\""),
        "{statement}"
    );
    assert!(
        statement.contains("\"Sid\": \"Admitmallory111111111111\""),
        "{statement}"
    );
    assert!(caller_policy.to_canonical_json().contains(ROLE));
}

#[tokio::test]
async fn a_fleet_of_200_accounts() {
    let mut w = world();
    let accounts: Vec<AccountId> = (0..200)
        .map(|i| format!("{:012}", 500_000_000_000u64 + i).parse().unwrap())
        .collect();
    for a in &accounts {
        w.add_role(Role::new(
            format!("arn:aws:iam::{a}:role/AuditRole").parse().unwrap(),
            trust("111111111111", ""),
        ))
        .unwrap();
    }
    let sts = EmbeddedSts::start(w).await.unwrap();
    sts.set_throttle(Some(400.0));
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let results = Fleet::role_name("AuditRole", accounts.clone())
        .unwrap()
        .concurrency(32)
        .parameters(|each| each.session_name(SessionName::from_static("audit")))
        .assume(&base)
        .await;
    assert_eq!(results.failed().count(), 0, "{:?}", results.failed().next());
    assert_eq!(results.assumed().count(), 200);
    assert_eq!(results.sessions[7].0.account(), accounts[7]);
    let identity = results.sessions[7]
        .1
        .as_ref()
        .unwrap()
        .caller_identity()
        .await
        .unwrap();
    assert_eq!(
        identity.arn.as_str(),
        format!("arn:aws:sts::{}:assumed-role/AuditRole/audit", accounts[7])
    );
}

#[tokio::test]
async fn the_registry_shares_one_session() {
    let (sts, _clock, base) = setup(world()).await;
    let request =
        || AssumeRole::new(ROLE.parse().unwrap()).session_name("shared-session".parse().unwrap());
    let a = request().shared(true).assume(&base).await.unwrap();
    let b = request().shared(true).assume(&base).await.unwrap();
    a.load().await.unwrap();
    b.load().await.unwrap();
    assert_eq!(sts.count("AssumeRole"), 1);
    let other = request()
        .external_id("different".parse().unwrap())
        .shared(true)
        .assume(&base)
        .await
        .unwrap();
    other.load().await.unwrap();
    assert_eq!(
        sts.count("AssumeRole"),
        2,
        "other parameters: another session"
    );
    drop((a, b));
    assert!(registry::live_sessions().await >= 1);
}

/// A down-scoped request never receives an unscoped session, nor the reverse.
#[tokio::test]
async fn the_registry_keeps_session_policies_apart() {
    let (sts, _clock, base) = setup(world()).await;
    let request = || AssumeRole::new(ROLE.parse().unwrap()).session_name("scoped".parse().unwrap());
    let policy: SessionPolicy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#
        .parse()
        .unwrap();
    let unscoped = request().shared(true).assume(&base).await.unwrap();
    let scoped = request()
        .session_policy(policy.clone())
        .shared(true)
        .assume(&base)
        .await
        .unwrap();
    let scoped_again = request()
        .session_policy(policy)
        .shared(true)
        .assume(&base)
        .await
        .unwrap();
    unscoped.load().await.unwrap();
    scoped.load().await.unwrap();
    scoped_again.load().await.unwrap();
    let calls: Vec<_> = sts
        .audit()
        .into_iter()
        .filter(|e| e.action.as_deref() == Some("AssumeRole"))
        .collect();
    assert_eq!(calls.len(), 2, "one session each, shared by equal requests");
    assert!(calls[0].parameter("Policy").is_none());
    assert!(calls[1].parameter("Policy").is_some());
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_task() {
    let (sts, clock, base) = setup(world()).await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    drop(role);
    advance(
        &clock,
        Duration::from_secs(3 * 3600),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(
        sts.count("AssumeRole"),
        1,
        "no refresh after the last handle is gone"
    );
}

#[tokio::test]
async fn an_expired_token_rejection_drops_the_source_credentials() {
    let (b, c) = (CHAIN_B, CHAIN_C);
    let (sts, clock, base) = setup(chain_world()).await;
    let hop_b = AssumeRole::new(b.parse().unwrap())
        .duration("12h".parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    let hop_c = AssumeRole::new(c.parse().unwrap())
        .eager(true)
        .assume(&hop_b)
        .await
        .unwrap();
    let b_key = resolve(&hop_b)
        .await
        .unwrap()
        .unwrap()
        .access_key_id()
        .to_owned();
    // C's next refresh is refused: B's token is reported expired.
    sts.fail_calls(
        [sts.calls() + 1],
        xrole_test::sts::ErrorCode::ExpiredTokenException,
    );
    advance(
        &clock,
        Duration::from_secs(58 * 60),
        Duration::from_secs(60),
    )
    .await;
    resolve(&hop_c).await.unwrap().unwrap();
    let b_calls = sts
        .audit()
        .iter()
        .filter(|e| e.parameter("RoleArn") == Some(b) && e.succeeded())
        .count();
    assert_eq!(
        b_calls, 2,
        "B's cached credentials were dropped and B assumed again"
    );
    assert_ne!(
        resolve(&hop_b).await.unwrap().unwrap().access_key_id(),
        b_key
    );
    assert!(hop_c.stats().failures >= 1);
    // A caller can drop a session's credentials itself.
    let before = hop_b.stats().sts_calls;
    hop_b.invalidate();
    resolve(&hop_b).await.unwrap().unwrap();
    assert_eq!(hop_b.stats().sts_calls, before + 1);
}

#[tokio::test]
async fn the_base_can_come_from_a_profile_file() {
    let clock = Clock::manual(start_time());
    let sts = EmbeddedSts::builder(world())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let keys = sts.credentials_for(ALICE).unwrap();
    let dir = std::env::temp_dir().join(format!("xrole-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let credentials = dir.join("credentials");
    std::fs::write(
        &credentials,
        format!(
            "[infra]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            keys.access_key_id(),
            keys.secret_access_key()
        ),
    )
    .unwrap();
    let files = aws_runtime::env_config::file::EnvConfigFiles::builder()
        .with_file(
            aws_runtime::env_config::file::EnvConfigFileKind::Credentials,
            &credentials,
        )
        .build();
    let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .profile_files(files)
        .profile_name("infra")
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(sts.url())
        .time_source(clock.clone())
        .sleep_impl(clock)
        .load()
        .await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .session_name("InfraToDevSession".parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    assert_eq!(
        role.caller_identity().await.unwrap().arn.as_str(),
        "arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/InfraToDevSession"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_sts_endpoint_override_stays_with_sts() {
    let clock = Clock::manual(start_time());
    let sts = EmbeddedSts::builder(world())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    // A base with no endpoint of its own, as in production.
    let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                sts.credentials_for(ALICE).unwrap(),
            ),
        )
        .time_source(clock.clone())
        .sleep_impl(clock)
        .load()
        .await;
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .sts_endpoint(sts.url())
        .eager(true)
        .assume(&base)
        .await
        .unwrap();
    assert_eq!(sts.count("AssumeRole"), 1);
    assert_eq!(
        role.sdk_config().endpoint_url(),
        None,
        "clients of the session keep the base's endpoints"
    );
}

/// An account the role does not trust is told so, not to fix its ExternalId.
#[tokio::test]
async fn access_denied_names_an_untrusted_account() {
    let vendor_role = "arn:aws:iam::222222222222:role/VendorRole";
    let spec = RoleSpec::builder(vendor_role.parse().unwrap())
        .trusted("arn:aws:iam::111111111111:root".parse().unwrap())
        .external_id("agreed-external-id".parse().unwrap())
        .build()
        .unwrap();
    let outsider = "arn:aws:iam::333333333333:user/outsider";
    let mut w = world();
    w.add_role_from_spec(&spec)
        .unwrap()
        .add_user(
            User::new(outsider.parse().unwrap())
                .unwrap()
                .policy("assume", allow_assume(vendor_role)),
        )
        .unwrap();
    let sts = EmbeddedSts::builder(w)
        .clock(Clock::manual(start_time()))
        .start()
        .await
        .unwrap();
    let base = sts.sdk_config_for(outsider).await.unwrap();
    let err = AssumeRole::from_spec(&spec)
        .eager(true)
        .assume(&base)
        .await
        .unwrap_err();
    let Error::AccessDenied(denied) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        denied.untrusted_account(),
        Some("333333333333".parse().unwrap())
    );
    let text = denied.explanation().to_string();
    assert!(text.contains("Account 333333333333 is not trusted: the role's declaration trusts arn:aws:iam::111111111111:root"), "{text}");
    assert!(
        !text.contains("the ExternalId is the likely cause"),
        "{text}"
    );

    // A trusted account with a wrong ExternalId still hears about the ExternalId.
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let err = AssumeRole::from_spec(&spec)
        .external_id("wrong-external-id".parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap_err();
    let Error::AccessDenied(denied) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(denied.untrusted_account(), None);
    assert!(
        denied
            .explanation()
            .to_string()
            .contains("the ExternalId is the likely cause")
    );
}

/// However a refused session is used, the caller gets `AccessDenied`, not the
/// SDK's wrapping of it.
#[tokio::test]
async fn refusals_reach_every_caller_as_refusals() {
    let mut w = world();
    w.add_user(User::new("arn:aws:iam::111111111111:user/mallory".parse().unwrap()).unwrap())
        .unwrap();
    let clock = Clock::manual(start_time());
    let sts = EmbeddedSts::builder(w).clock(clock).start().await.unwrap();
    let base = sts
        .sdk_config_for("arn:aws:iam::111111111111:user/mallory")
        .await
        .unwrap();
    // Lazy: the first request of an SDK client meets the refusal.
    let role = AssumeRole::new(ROLE.parse().unwrap())
        .assume(&base)
        .await
        .unwrap();
    let sdk_err = aws_sdk_sts::Client::new(role.sdk_config())
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(Error::find(&sdk_err), Some(Error::AccessDenied(_))),
        "{sdk_err:?}"
    );
    // caller_identity() and load() say the same, to every waiting caller.
    let err = role.caller_identity().await.unwrap_err();
    assert!(matches!(err, Error::AccessDenied(_)), "{err:?}");
    let (a, b) = tokio::join!(role.load(), role.load());
    assert!(matches!(a, Err(Error::AccessDenied(_))), "{a:?}");
    assert!(matches!(b, Err(Error::AccessDenied(_))), "{b:?}");
}

#[tokio::test]
async fn an_mfa_role_without_a_token_provider_is_refused_before_any_call() {
    let (sts, _clock, base) = setup(world()).await;
    let spec = RoleSpec::builder(ROLE.parse().unwrap())
        .mfa_serial(
            "arn:aws:iam::111111111111:mfa/crossAccountUser"
                .parse()
                .unwrap(),
        )
        .build()
        .unwrap();
    let err = AssumeRole::from_spec(&spec)
        .assume(&base)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("declares the MFA device arn:aws:iam::111111111111:mfa/crossAccountUser but no token provider"),
        "{err}"
    );
    assert_eq!(sts.count("AssumeRole"), 0);
}

#[test]
fn an_answer_without_a_code_is_retried_only_when_it_may_pass() {
    let sts_error = |status: Option<u16>| Error::Sts {
        role: ROLE.parse().unwrap(),
        operation: "AssumeRole",
        code: None,
        status,
        message: Some("no code".into()),
        source: None,
    };
    assert!(!sts_error(Some(403)).is_retryable(), "a proxy's 403");
    assert!(!sts_error(Some(400)).is_retryable());
    assert!(sts_error(Some(429)).is_retryable());
    assert!(sts_error(Some(503)).is_retryable());
    assert!(sts_error(None).is_retryable(), "no answer: a network error");
}

/// Calling credentials that could not be had are retried only when waiting may
/// mend them: a timeout or a provider's failure, not a provider never set up.
#[test]
fn calling_credentials_that_cannot_be_had_are_not_retried() {
    use aws_credential_types::provider::error::CredentialsError;
    use aws_sdk_sts::error::SdkError;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    let failed_on_the_way = |cause: CredentialsError| {
        let sdk: SdkError<AssumeRoleError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(cause), None));
        Error::Sts {
            role: ROLE.parse().unwrap(),
            operation: "AssumeRole",
            code: None,
            status: None,
            message: None,
            source: Some(SharedSource::new(sdk)),
        }
    };
    assert!(
        !failed_on_the_way(CredentialsError::invalid_configuration("no such profile"))
            .is_retryable()
    );
    assert!(!failed_on_the_way(CredentialsError::not_loaded("no keys")).is_retryable());
    assert!(
        failed_on_the_way(CredentialsError::provider_timed_out(Duration::from_secs(5)))
            .is_retryable()
    );
    assert!(
        failed_on_the_way(CredentialsError::provider_error(
            "IMDS refused the connection"
        ))
        .is_retryable()
    );
}

/// The SDK's error stays in the chain of an STS failure, for code that walks it.
#[tokio::test]
async fn the_sdk_error_is_in_the_chain_of_an_sts_failure() {
    use aws_sdk_sts::error::SdkError;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    let (sts, _clock, base) = setup(world()).await;
    sts.fail_calls([1], xrole_test::sts::ErrorCode::InvalidParameterValue);
    let err = AssumeRole::new(ROLE.parse().unwrap())
        .eager(true)
        .assume(&base)
        .await
        .unwrap_err();
    assert_eq!(err.sts_code(), Some("InvalidParameterValue"));
    let mut source = std::error::Error::source(&err);
    let mut status = None;
    while let Some(s) = source {
        if let Some(sdk) = s.downcast_ref::<SdkError<AssumeRoleError>>() {
            status = sdk.raw_response().map(|r| r.status().as_u16());
        }
        source = s.source();
    }
    assert_eq!(status, Some(400));
    assert!(matches!(
        err.clone(),
        Error::Sts {
            status: Some(400),
            ..
        }
    ));
}

#[tokio::test]
async fn an_mfa_session_outside_sts_limits_is_refused_before_any_call() {
    let (sts, _clock, base) = setup(world()).await;
    let err = AssumeRole::new(ROLE.parse().unwrap())
        .mfa_serial(
            "arn:aws:iam::111111111111:mfa/crossAccountUser"
                .parse()
                .unwrap(),
        )
        .mfa_token(|| async { "123456".parse::<TokenCode>().map_err(|e| e.to_string()) })
        .mfa_strategy(MfaStrategy::SessionToken {
            duration: Duration::from_secs(200_000),
        })
        .assume(&base)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("an MFA session lasts 900 to 129600 seconds, 200000 were asked"),
        "{err}"
    );
    assert_eq!(sts.calls(), 0);
}

/// `cause()` says why, for code to branch on: each refusal the examples show,
/// as the embedded STS's evaluator found it; the STS's own account of it is
/// reachable by the request id; `fixing_policies()` adds a statement for the
/// caller, or offers nothing where the refusal is by design.
#[tokio::test]
async fn refusals_have_causes_and_safe_fixes() {
    let vendor = "arn:aws:iam::222222222222:role/Vendor";
    let mfa_role = "arn:aws:iam::222222222222:role/Admin";
    let intern = "arn:aws:iam::111111111111:user/intern";
    let outsider = "arn:aws:iam::333333333333:user/outsider";
    let mut w = world();
    w.add_role(Role::new(
        vendor.parse().unwrap(),
        trust(
            "111111111111",
            r#"{"StringEquals":{"sts:ExternalId":"agreed"}}"#,
        ),
    ))
    .unwrap()
    .add_role(Role::new(
        mfa_role.parse().unwrap(),
        trust(
            "111111111111",
            r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        ),
    ))
    .unwrap()
    .add_user(User::new(intern.parse().unwrap()).unwrap())
    .unwrap()
    .add_user(
        User::new(outsider.parse().unwrap())
            .unwrap()
            .policy("assume", allow_assume("*")),
    )
    .unwrap();
    let (sts, _clock, alice) = setup(w).await;
    let refused = |r: Result<AssumedRole, Error>| match r {
        Err(Error::AccessDenied(d)) => d,
        other => panic!("{:?}", other.map(|r| r.role().clone())),
    };
    let assume = |role: &str| AssumeRole::new(role.parse().unwrap()).eager(true);

    // No ExternalId, then another one.
    let missing = refused(assume(vendor).assume(&alice).await);
    assert_eq!(missing.cause(), DenialCause::ExternalIdMissing);
    let wrong = refused(
        assume(vendor)
            .external_id("guessed".parse().unwrap())
            .assume(&alice)
            .await,
    );
    assert_eq!(
        wrong.cause(),
        DenialCause::ExternalIdMismatch {
            sent: "guessed".parse().unwrap()
        }
    );
    assert!(matches!(
        wrong.fixing_policies(),
        Some(Fix::ByDesign { .. })
    ));
    // The STS's own reason, next to the error.
    let audit = sts
        .audit_of_request(wrong.request_id.as_deref().unwrap())
        .unwrap();
    assert!(
        audit.detail.unwrap().contains("sts:ExternalId"),
        "the evaluator's explanation names the condition"
    );

    // MFA demanded, none used.
    let no_mfa = refused(assume(mfa_role).assume(&alice).await);
    assert_eq!(no_mfa.cause(), DenialCause::MfaMissing);

    // A user of the trusted account without an identity policy.
    let base = sts.sdk_config_for(intern).await.unwrap();
    let intern_denied = refused(assume(ROLE).assume(&base).await);
    assert_eq!(intern_denied.cause(), DenialCause::CallerPolicyMissing);
    assert!(matches!(
        intern_denied.fixing_policies(),
        Some(Fix::Add { ref admits, .. }) if admits.as_str() == intern
    ));

    // An account the trust does not name: by design, nothing to paste.
    let base = sts.sdk_config_for(outsider).await.unwrap();
    let stranger = refused(assume(ROLE).assume(&base).await);
    assert!(
        matches!(stranger.cause(), DenialCause::PrincipalNotTrusted { ref caller } if caller.as_str() == outsider),
        "{:?}",
        stranger.cause()
    );
    // With a declaration that names its trusted account, the account is named.
    let declared = RoleSpec::builder(ROLE.parse().unwrap())
        .trusted("arn:aws:iam::111111111111:root".parse().unwrap())
        .build()
        .unwrap();
    let stranger = refused(
        AssumeRole::from_spec(&declared)
            .eager(true)
            .assume(&base)
            .await,
    );
    assert_eq!(
        stranger.cause(),
        DenialCause::AccountNotTrusted {
            account: "333333333333".parse().unwrap()
        }
    );
    let Some(Fix::ByDesign { reason }) = stranger.fixing_policies() else {
        panic!("an untrusted account gets no policy to paste")
    };
    assert!(reason.contains("333333333333 is not trusted"), "{reason}");

    // A role that does not exist: STS says the same AccessDenied; the runtime
    // lists it, the embedded STS knows.
    let ghost = refused(
        assume("arn:aws:iam::222222222222:role/Ghost")
            .assume(&alice)
            .await,
    );
    assert_eq!(ghost.cause(), DenialCause::RoleMissing);
    assert!(
        ghost
            .explanation()
            .to_string()
            .contains("the role may not exist"),
        "{ghost}"
    );

    // Chained beyond the hour: a cause too, before any call.
    let hop = assume(ROLE).assume(&alice).await.unwrap();
    let chained = assume(vendor)
        .duration("2h".parse().unwrap())
        .assume(&hop)
        .await
        .unwrap_err();
    assert!(matches!(
        chained.denial_cause(),
        Some(DenialCause::ChainedDuration { .. })
    ));
}

/// The fix never replaces a trust: for a declaration trusting alice, a refused
/// mallory of the same account gets a statement admitting mallory alone, to add.
#[tokio::test]
async fn fixing_policies_never_drop_a_trusted_principal() {
    let mallory = "arn:aws:iam::111111111111:user/mallory";
    let spec = RoleSpec::builder("arn:aws:iam::222222222222:role/AliceOnly".parse().unwrap())
        .trusted(ALICE.parse().unwrap())
        .build()
        .unwrap();
    let mut w = world();
    w.add_user(
        User::new(mallory.parse().unwrap())
            .unwrap()
            .policy("assume", allow_assume("*")),
    )
    .unwrap();
    w.add_role_from_spec(&spec).unwrap();
    let (sts, _clock, _) = setup(w).await;
    let base = sts.sdk_config_for(mallory).await.unwrap();
    let Err(Error::AccessDenied(denied)) =
        AssumeRole::from_spec(&spec).eager(true).assume(&base).await
    else {
        panic!("mallory is not trusted")
    };
    assert!(matches!(
        denied.cause(),
        DenialCause::PrincipalNotTrusted { ref caller } if caller.as_str() == mallory
    ));
    let Some(Fix::Add {
        admits,
        trust_statement,
        ..
    }) = denied.fixing_policies()
    else {
        panic!("{:?}", denied.fixing_policies())
    };
    assert_eq!(admits.as_str(), mallory);
    // One statement, admitting mallory only: merged with the trust, alice stays.
    assert_eq!(trust_statement.statements().len(), 1);
    let text = trust_statement.to_canonical_json();
    assert!(text.contains(mallory) && !text.contains(ALICE), "{text}");
}
