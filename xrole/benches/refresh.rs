//! xrole against aws-config's `AssumeRoleProvider` behind the SDK's identity cache,
//! on the same embedded STS and the same simulated clock:
//! `cargo bench -p xrole --bench refresh`. Prints one `name: value` line per figure;
//! `XROLE_BENCH_ONLY=hot_path` runs only the cached-credentials comparison.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may stop loudly

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::identity::IdentityCache;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::identity::{
    ResolveCachedIdentity, SharedIdentityCache, SharedIdentityResolver,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;
use xrole::AssumeRole;
use xrole_core::PolicyDocument;
use xrole_test::sts::{Clock, EmbeddedSts, Role, User, World};

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";

fn doc(json: &str) -> PolicyDocument {
    json.parse().unwrap()
}

fn world() -> World {
    let mut w = World::new();
    w.add_user(User::new(ALICE.parse().unwrap()).unwrap().policy(
        "assume",
        doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#),
    ))
    .unwrap()
    .add_role(Role::new(
        ROLE.parse().unwrap(),
        doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#),
    ))
    .unwrap();
    w
}

/// Resolution through the SDK's identity path: an identity cache in front of a
/// credentials provider, as every SDK request does it.
struct IdentityPath {
    cache: SharedIdentityCache,
    resolver: SharedIdentityResolver,
    components: RuntimeComponents,
    bag: ConfigBag,
}

impl IdentityPath {
    fn new(cache: SharedIdentityCache, provider: SharedCredentialsProvider, clock: &Clock) -> Self {
        let components = RuntimeComponentsBuilder::for_tests()
            .with_time_source(Some(clock.clone()))
            .with_sleep_impl(Some(clock.clone()))
            .build()
            .unwrap();
        Self {
            cache,
            resolver: SharedIdentityResolver::new(provider),
            components,
            bag: ConfigBag::base(),
        }
    }

    async fn resolve(&self) -> bool {
        self.cache
            .resolve_cached_identity(self.resolver.clone(), &self.components, &self.bag)
            .await
            .is_ok()
    }
}

/// Nanoseconds per resolution of cached credentials on each provider, and their
/// ratio. A set-up places a provider's cache in one heap layout, and this machine's
/// timing drifts: one pair of paths in one process gave ratios from 0.79 to 0.95.
/// So each provider runs on `INSTANCES` independent set-ups, in short rounds
/// interleaved (xrole, aws-config, ...; which goes first alternating) so that both
/// see the same machine state; each instance gives the median of its rounds, each
/// provider the median of its instances, and the ratio is theirs (within ±2%
/// over runs).
async fn hot_path_ns() -> (f64, f64, f64) {
    const INSTANCES: usize = 15;
    const ROUNDS: usize = 201;
    async fn round(path: &IdentityPath) -> f64 {
        let n = 2_000;
        let start = Instant::now();
        for _ in 0..n {
            black_box(path.resolve().await);
        }
        start.elapsed().as_nanos() as f64 / f64::from(n)
    }
    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
    let mut pairs = Vec::new();
    for _ in 0..INSTANCES {
        let x = setup(Provider::Xrole).await;
        let a = setup(Provider::AwsConfig).await;
        assert!(
            x.2.resolve().await && a.2.resolve().await,
            "warm-up resolution failed"
        );
        pairs.push((x, a));
    }
    let mut times = vec![(Vec::new(), Vec::new()); INSTANCES];
    for r in 0..ROUNDS {
        for (i, (x, a)) in pairs.iter().enumerate() {
            // Alternate which path goes first, so neither always runs on a warmer cache.
            let (xn, an) = if (r + i) % 2 == 0 {
                let xn = round(&x.2).await;
                (xn, round(&a.2).await)
            } else {
                let an = round(&a.2).await;
                (round(&x.2).await, an)
            };
            times[i].0.push(xn);
            times[i].1.push(an);
        }
    }
    let x = median(times.iter().map(|t| median(t.0.clone())).collect());
    let a = median(times.iter().map(|t| median(t.1.clone())).collect());
    (x, a, x / a)
}

/// Which provider a scenario runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Provider {
    Xrole,
    AwsConfig,
}

/// A fresh embedded STS and simulated clock, and the provider's identity path on them.
async fn setup(
    provider: Provider,
) -> (
    EmbeddedSts,
    Clock,
    Arc<IdentityPath>,
    Option<xrole::AssumedRole>,
) {
    let clock = Clock::manual(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000));
    let sts = EmbeddedSts::builder(world())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    match provider {
        Provider::Xrole => {
            let role = AssumeRole::new(ROLE.parse().unwrap())
                .eager(true)
                .assume(&base)
                .await
                .unwrap();
            let path = IdentityPath::new(
                role.sdk_config().identity_cache().unwrap(),
                role.sdk_config().credentials_provider().unwrap(),
                &clock,
            );
            (sts, clock, Arc::new(path), Some(role))
        }
        Provider::AwsConfig => {
            let provider = aws_config::sts::AssumeRoleProvider::builder(ROLE)
                .session_name("bench")
                .configure(&base)
                .build()
                .await;
            let path = IdentityPath::new(
                IdentityCache::lazy().build(),
                SharedCredentialsProvider::new(provider),
                &clock,
            );
            assert!(path.resolve().await, "warm-up");
            (sts, clock, Arc::new(path), None)
        }
    }
}

/// What `callers` concurrent resolutions saw: (failed, waits in simulated ms). The
/// clock moves in 10 ms steps while any caller is still waiting (on STS).
async fn burst(path: &Arc<IdentityPath>, clock: &Clock, callers: usize) -> (usize, Vec<u64>) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..callers {
        let path = path.clone();
        let clock = clock.clone();
        tasks.spawn(async move {
            let start = clock.now();
            let ok = path.resolve().await;
            let waited = clock
                .now()
                .duration_since(start)
                .unwrap_or_default()
                .as_millis() as u64;
            (ok, waited)
        });
    }
    let (mut failed, mut waits) = (0, Vec::with_capacity(callers));
    loop {
        while let Some(done) = tasks.try_join_next() {
            let (ok, waited) = done.unwrap();
            failed += usize::from(!ok);
            waits.push(waited);
        }
        if tasks.is_empty() {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_micros(200)).await;
        if !tasks.is_empty() {
            clock.advance(Duration::from_millis(10));
        }
    }
    (failed, waits)
}

/// 24 hours of one-hour credentials, 1000 concurrent callers every simulated
/// minute, STS latency 100 ms: (STS calls per lifetime, blocked callers, longest wait).
async fn lifetime_scenario(provider: Provider) -> (f64, usize, u64) {
    let (sts, clock, path, _keep) = setup(provider).await;
    sts.set_latency(Duration::from_millis(100));
    let before = sts.count("AssumeRole");
    let (mut blocked, mut max_wait) = (0, 0);
    for _ in 0..24 * 60 {
        clock.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_micros(500)).await;
        let (_, waits) = burst(&path, &clock, 1000).await;
        blocked += waits.iter().filter(|w| **w > 1).count();
        max_wait = max_wait.max(waits.into_iter().max().unwrap_or(0));
    }
    let calls = (sts.count("AssumeRole") - before) as f64 / 24.0;
    (calls, blocked, max_wait)
}

/// STS down from 5 minutes before expiry for 4 minutes, 100 callers every 10
/// simulated seconds: (failed caller requests, STS requests during the outage).
async fn outage_scenario(provider: Provider) -> (usize, usize) {
    let (sts, clock, path, _keep) = setup(provider).await;
    let mut failed = 0;
    let mut sts_during = 0;
    // From 50 minutes in to 10 minutes after expiry.
    clock.advance(Duration::from_secs(50 * 60));
    for step in 0..120 {
        let minute = 50 * 60 + step * 10;
        let outage = (55 * 60..59 * 60).contains(&minute);
        if outage && step > 0 && !(55 * 60..59 * 60).contains(&(minute - 10)) {
            sts.clear_audit();
        }
        sts.set_outage(outage);
        let (f, _) = burst(&path, &clock, 100).await;
        failed += f;
        if outage {
            sts_during = sts.audit().len();
        }
        clock.advance(Duration::from_secs(10));
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    (failed, sts_during)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let started = Instant::now();
    if std::env::var("XROLE_BENCH_ONLY").as_deref() == Ok("hot_path") {
        let (x, a, ratio) = hot_path_ns().await;
        println!("hot_path_ns_xrole: {x:.0}");
        println!("hot_path_ns_awsconfig: {a:.0}");
        println!("hot_path_ratio: {ratio:.2}");
        return;
    }
    for provider in [Provider::Xrole, Provider::AwsConfig] {
        let name = if provider == Provider::Xrole {
            "xrole"
        } else {
            "awsconfig"
        };
        let (calls, blocked, max_wait) = lifetime_scenario(provider).await;
        println!("calls_per_lifetime_{name}: {calls:.2}");
        println!("blocked_calls_{name}: {blocked}");
        println!("max_wait_ms_{name}: {max_wait}");
        let (failed, attempts) = outage_scenario(provider).await;
        println!("outage_failed_{name}: {failed}");
        println!("outage_sts_attempts_{name}: {attempts}");
    }
    let (x, a, ratio) = hot_path_ns().await;
    println!("hot_path_ns_xrole: {x:.0}");
    println!("hot_path_ns_awsconfig: {a:.0}");
    println!("hot_path_ratio: {ratio:.2}");
    println!("eval_ns_assume_role: {:.0}", eval_ns());
    for provider in [Provider::Xrole, Provider::AwsConfig] {
        let name = if provider == Provider::Xrole {
            "xrole"
        } else {
            "awsconfig"
        };
        let (per_refresh, per_hour) = chain3_scenario(provider).await;
        println!("chain3_calls_per_refresh_{name}: {per_refresh:.2}");
        println!("chain3_calls_per_hour_{name}: {per_hour:.2}");
    }
    let (wall, calls, failed) = fleet_scenario().await;
    println!("fleet1000_wall_s: {wall:.2}");
    println!("fleet1000_sts_calls: {calls}");
    println!("fleet1000_failed: {failed}");
    println!("bench_wall_s: {:.1}", started.elapsed().as_secs_f64());
}

const HOP_B: &str = "arn:aws:iam::222222222222:role/HopB";
const HOP_C: &str = "arn:aws:iam::333333333333:role/HopC";
const HOP_D: &str = "arn:aws:iam::444444444444:role/HopD";

/// Three role hops after the user: B (12 h sessions), then C and D (chained: 1 h).
/// xrole keeps one session per hop, each refreshing on its own (one STS call per
/// refresh); aws-config's profile chain (`role_arn` + `source_profile`) refreshes
/// the final credentials by running every hop again. Over 6 simulated hours with a
/// caller every minute: (STS calls per refresh event, STS calls per hour).
async fn chain3_scenario(provider: Provider) -> (f64, f64) {
    let trust = |p: &str| {
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{p}"}},"Action":"sts:AssumeRole"}}]}}"#
        ))
    };
    let allow = |r: &str| {
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{r}"}}]}}"#
        ))
    };
    let mut w = world();
    w.add_role(
        Role::new(HOP_B.parse().unwrap(), trust("111111111111"))
            .policy("next", allow(HOP_C))
            .max_session_duration(43_200),
    )
    .unwrap()
    .add_role(Role::new(HOP_C.parse().unwrap(), trust(HOP_B)).policy("next", allow(HOP_D)))
    .unwrap()
    .add_role(Role::new(HOP_D.parse().unwrap(), trust(HOP_C)))
    .unwrap();
    let clock = Clock::manual(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000));
    let sts = EmbeddedSts::builder(w)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let mut keep = Vec::new();
    let path = match provider {
        Provider::Xrole => {
            let base = sts.sdk_config_for(ALICE).await.unwrap();
            let b = AssumeRole::new(HOP_B.parse().unwrap())
                .duration("12h".parse().unwrap())
                .eager(true)
                .assume(&base)
                .await
                .unwrap();
            let c = AssumeRole::new(HOP_C.parse().unwrap())
                .eager(true)
                .assume(&b)
                .await
                .unwrap();
            let d = AssumeRole::new(HOP_D.parse().unwrap())
                .eager(true)
                .assume(&c)
                .await
                .unwrap();
            let path = IdentityPath::new(
                d.sdk_config().identity_cache().unwrap(),
                d.sdk_config().credentials_provider().unwrap(),
                &clock,
            );
            keep.extend([b, c, d]);
            path
        }
        Provider::AwsConfig => {
            let keys = sts.credentials_for(ALICE).unwrap();
            let dir =
                std::env::temp_dir().join(format!("xrole-bench-profiles-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let config = dir.join("config");
            let url = sts.url();
            std::fs::write(
                &config,
                format!(
                    "[profile base]\naws_access_key_id = {}\naws_secret_access_key = {}\nendpoint_url = {url}\n\n\
                     [profile b]\nrole_arn = {HOP_B}\nsource_profile = base\nduration_seconds = 43200\nendpoint_url = {url}\n\n\
                     [profile c]\nrole_arn = {HOP_C}\nsource_profile = b\nendpoint_url = {url}\n\n\
                     [profile d]\nrole_arn = {HOP_D}\nsource_profile = c\nendpoint_url = {url}\n",
                    keys.access_key_id(),
                    keys.secret_access_key()
                ),
            )
            .unwrap();
            let files = aws_runtime::env_config::file::EnvConfigFiles::builder()
                .with_file(
                    aws_runtime::env_config::file::EnvConfigFileKind::Config,
                    &config,
                )
                .build();
            let provider_config = aws_config::provider_config::ProviderConfig::default()
                .with_region(Some(aws_types::region::Region::new("us-east-1")))
                .with_time_source(clock.clone())
                .with_sleep_impl(clock.clone());
            let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_files(files)
                .profile_name("d")
                .configure(&provider_config)
                .build();
            IdentityPath::new(
                IdentityCache::lazy().build(),
                SharedCredentialsProvider::new(provider),
                &clock,
            )
        }
    };
    let path = Arc::new(path);
    let (failed, _) = burst(&path, &clock, 1).await;
    assert_eq!(failed, 0, "the chain must resolve");
    let before = sts.count("AssumeRole");
    let hours = 6;
    for _ in 0..hours * 60 {
        clock.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_micros(500)).await;
        burst(&path, &clock, 1).await;
    }
    let calls = sts.count("AssumeRole") - before;
    // A refresh event renews one set of credentials: in xrole one hop, in
    // aws-config the chain's final credentials (the calls for HopD count them).
    let refreshes = match provider {
        Provider::Xrole => calls,
        Provider::AwsConfig => sts
            .audit()
            .iter()
            .filter(|e| e.parameter("RoleArn") == Some(HOP_D))
            .count()
            .saturating_sub(1),
    };
    (
        calls as f64 / refreshes.max(1) as f64,
        calls as f64 / f64::from(hours),
    )
}

/// One role in 1000 accounts, STS limited to 200 requests per second (real time:
/// the limit counts seconds): (wall seconds, STS calls, failed accounts).
async fn fleet_scenario() -> (f64, usize, usize) {
    let mut w = world();
    let accounts: Vec<xrole::AccountId> = (0..1000u64)
        .map(|i| format!("{:012}", 600_000_000_000 + i).parse().unwrap())
        .collect();
    for a in &accounts {
        w.add_role(Role::new(
            format!("arn:aws:iam::{a}:role/AuditRole").parse().unwrap(),
            doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#),
        ))
        .unwrap();
    }
    let sts = EmbeddedSts::start(w).await.unwrap();
    sts.set_throttle(Some(200.0));
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let start = Instant::now();
    let results = xrole::Fleet::role_name("AuditRole", accounts)
        .unwrap()
        .concurrency(64)
        .assume(&base)
        .await;
    let wall = start.elapsed().as_secs_f64();
    (wall, sts.count("AssumeRole"), results.failed().count())
}

/// Median evaluator time for one AssumeRole decision (trust + identity policy).
fn eval_ns() -> f64 {
    use xrole_core::policy::PolicyKind;
    use xrole_test::eval::{Caller, CompiledPolicy, PolicySet, Request, evaluate};
    let trust = CompiledPolicy::new(
        "trust",
        &doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext"}}}]}"#),
        PolicyKind::Trust,
    )
    .unwrap();
    let identity = CompiledPolicy::new(
        "identity",
        &doc(&format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{ROLE}"}}]}}"#)),
        PolicyKind::Identity,
    )
    .unwrap();
    let policies = PolicySet {
        identity: vec![identity],
        resource: Some(trust),
        ..PolicySet::default()
    };
    let request = Request::new(Caller::new(ALICE.parse().unwrap()), "sts:AssumeRole", ROLE)
        .with("sts:ExternalId", "ext");
    assert!(evaluate(&request, &policies).is_allowed());
    let mut samples = Vec::new();
    for _ in 0..31 {
        let n = 2_000;
        let start = Instant::now();
        for _ in 0..n {
            black_box(evaluate(black_box(&request), black_box(&policies)));
        }
        samples.push(start.elapsed().as_nanos() as f64 / f64::from(n));
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
