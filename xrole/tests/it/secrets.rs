//! No secret key, session token or MFA code appears in logs, `Debug` or `Display` of
//! any public type, across the flows of the runtime.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use xrole::*;
use xrole_test::sts::{Clock, EmbeddedSts, MfaDevice, Role, User, World};

use super::fixtures::doc;

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";
const NEXT: &str = "arn:aws:iam::333333333333:role/Next";

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_in_logs_or_debug_output() {
    // A global subscriber, not `set_default`: a thread-local one races with the
    // other tests of this binary registering the same callsites, which can cache
    // them as never enabled and lose this test's events. Only events of this test's
    // thread (a current-thread runtime runs its spawned tasks here too) are kept.
    let capture = Capture::default();
    let test_thread = std::thread::current().id();
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(capture.clone())
        .with_ansi(false)
        .with_filter(tracing_subscriber::filter::dynamic_filter_fn(
            move |_, _| std::thread::current().id() == test_thread,
        ));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .expect("no other test of this binary sets the global subscriber");

    let mut world = World::new();
    world
        .add_user(
            User::new(ALICE.parse().unwrap())
                .unwrap()
                .policy("assume", doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}"#))
                .mfa_device(MfaDevice::new("arn:aws:iam::111111111111:mfa/crossAccountUser", "864209")),
        )
        .unwrap()
        .add_user(User::new("arn:aws:iam::111111111111:user/mallory".parse().unwrap()).unwrap())
        .unwrap()
        .add_role(
            Role::new(ROLE.parse().unwrap(), doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"#))
                .policy("chain", doc(&format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{NEXT}"}}]}}"#))),
        )
        .unwrap()
        .add_role(Role::new(NEXT.parse().unwrap(), doc(&format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ROLE}"}},"Action":"sts:AssumeRole"}}]}}"#))))
        .unwrap();
    let clock = Clock::manual(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000));
    let sts = EmbeddedSts::builder(world)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let long_term = sts.credentials_for(ALICE).unwrap();

    let mut debug = Vec::<String>::new();
    let request = AssumeRole::new(ROLE.parse().unwrap())
        .session_name("leak-check".parse().unwrap())
        .external_id("ext-leak".parse().unwrap())
        .tags(SessionTags::new(vec![SessionTag::new("Project", "Unicorn").unwrap()]).unwrap())
        .source_identity("alice".parse().unwrap())
        .mfa_serial(
            "arn:aws:iam::111111111111:mfa/crossAccountUser"
                .parse()
                .unwrap(),
        )
        .mfa_token(|| async { Ok::<_, String>(TokenCode::parse("864209").unwrap()) })
        .eager(true);
    debug.push(format!("{request:?}"));
    let role = request.assume(&base).await.unwrap();
    let next = AssumeRole::new(NEXT.parse().unwrap())
        .eager(true)
        .assume(&role)
        .await
        .unwrap();
    let creds = role
        .sdk_config()
        .credentials_provider()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    let next_creds = next
        .sdk_config()
        .credentials_provider()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    debug.push(format!("{creds:?}"));
    debug.push(format!(
        "{role:?} {next:?} {:?} {:?}",
        role.stats(),
        role.sdk_config()
    ));
    debug.push(format!("{:?}", role.caller_identity().await.unwrap()));

    // Refresh, retry, expiry.
    sts.set_outage(true);
    for _ in 0..80 {
        clock.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let expired = role.load().await.unwrap_err();
    debug.push(format!("{expired:?} {expired}"));
    sts.set_outage(false);
    for _ in 0..10 {
        clock.advance(Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    role.load().await.unwrap();

    // Errors: access denied, chained duration, invalid parameters.
    let mallory = sts
        .sdk_config_for("arn:aws:iam::111111111111:user/mallory")
        .await
        .unwrap();
    let denied = AssumeRole::new(ROLE.parse().unwrap())
        .eager(true)
        .assume(&mallory)
        .await
        .unwrap_err();
    debug.push(format!("{denied:?} {denied}"));
    let chained = AssumeRole::new(NEXT.parse().unwrap())
        .duration("2h".parse().unwrap())
        .assume(&role)
        .await
        .unwrap_err();
    debug.push(format!("{chained:?} {chained}"));
    let fleet = Fleet::role_name("Next", [AccountId::from_static("333333333333")]).unwrap();
    debug.push(format!("{fleet:?}"));
    let results = fleet.assume(&base).await;
    debug.push(format!("{results:?}"));
    debug.push(format!("{:?}", sts.audit()));

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("xrole: credentials refreshed")
            && logs.contains("role_arn=arn:aws:iam::222222222222:role/CrossAccountAccessRole"),
        "{logs}"
    );
    assert!(logs.contains("session_name=leak-check"), "{logs}");
    assert!(logs.contains("xrole: refresh failed, retrying"), "{logs}");
    assert!(
        logs.contains("xrole: credentials expired while refreshing fails"),
        "{logs}"
    );
    let everything = format!("{logs}\n{}", debug.join("\n"));
    let secrets = [
        (
            "long-term secret key",
            long_term.secret_access_key().to_owned(),
        ),
        ("role secret key", creds.secret_access_key().to_owned()),
        (
            "role session token",
            creds.session_token().unwrap().to_owned(),
        ),
        (
            "chained secret key",
            next_creds.secret_access_key().to_owned(),
        ),
        (
            "chained session token",
            next_creds.session_token().unwrap().to_owned(),
        ),
        ("MFA code", "864209".to_owned()),
    ];
    for (what, secret) in &secrets {
        if let Some(at) = everything.find(secret.as_str()) {
            let start = at.saturating_sub(300);
            eprintln!(
                "LEAK CONTEXT: {:?}",
                everything.get(start..at + 20).unwrap_or_default()
            );
        }
        assert!(!everything.contains(secret.as_str()), "the {what} leaked");
    }
    // The captured text is real: access key ids (not secret) do appear.
    assert!(
        everything.contains(creds.access_key_id()),
        "the capture holds the access key id, so it saw what a leak would show"
    );
}
