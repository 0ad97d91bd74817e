//! Setting an example's world up on a moto server, through the IAM API, with IAM
//! access control on.
//!
//! moto decides which account a request belongs to from its access key, and
//! enforces identity policies once a configured number of unauthenticated requests
//! has been served. So a run first asks for exactly as many free requests as it
//! needs to create one administrator per account (`/moto-api/reset-auth`, header
//! `x-moto-account-id`); everything after that, users, roles, policies, buckets and
//! the example's own calls, is signed and checked. moto does not check
//! cross-account trust policies (the embedded STS does): this tier proves the
//! permission side, with real S3 calls.

use std::collections::BTreeMap;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use aws_types::region::Region;
use xrole_core::AccountId;
use xrole_test::sts::World;

use crate::{BoxError, Bucket};

/// The region every moto run uses.
const REGION: &str = "us-east-1";

/// Requests per account to create its administrator: user, policy, access key.
const BOOTSTRAP_REQUESTS_PER_ACCOUNT: usize = 3;

/// What a run created on moto: the access keys of the world's users.
pub struct Provisioned {
    endpoint: String,
    keys: BTreeMap<String, Credentials>,
}

impl std::fmt::Debug for Provisioned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioned")
            .field("endpoint", &self.endpoint)
            .field("users", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Provisioned {
    /// The configuration of a user of the world, with the access key moto gave it.
    pub async fn sdk_config_for(&self, user: &str) -> Result<SdkConfig, BoxError> {
        let credentials = self
            .keys
            .get(user)
            .ok_or_else(|| format!("{user} is not a user of this example's world"))?;
        Ok(config(&self.endpoint, credentials.clone()).await)
    }
}

async fn config(endpoint: &str, credentials: Credentials) -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .load()
        .await
}

/// An S3 client for moto, whose buckets have no DNS names: path-style addressing.
pub(crate) fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

/// Creates the world's users and roles (with their inline policies) and the
/// buckets on the moto server at `endpoint`.
pub async fn provision(
    endpoint: &str,
    world: &World,
    buckets: &[Bucket],
) -> Result<Provisioned, BoxError> {
    check_supported(world)?;
    let mut accounts: Vec<AccountId> = world
        .users()
        .filter_map(|u| u.arn().account())
        .chain(world.roles().map(|r| r.arn().account()))
        .chain(buckets.iter().map(|b| b.account))
        .collect();
    accounts.sort();
    accounts.dedup();

    // A run's names are its own, so several runs can share one server.
    let run = format!("{:08x}", fastrand::u32(..));
    reset_auth(endpoint, accounts.len() * BOOTSTRAP_REQUESTS_PER_ACCOUNT).await?;
    let mut admins = BTreeMap::new();
    for account in &accounts {
        admins.insert(*account, bootstrap_admin(endpoint, *account, &run).await?);
    }
    let admin = |account: AccountId| {
        admins
            .get(&account)
            .cloned()
            .ok_or_else(|| format!("no administrator for account {account}"))
    };

    let mut keys = BTreeMap::new();
    for user in world.users() {
        let arn = user.arn();
        let account = arn
            .account()
            .ok_or_else(|| format!("{arn} has no account"))?;
        let iam = aws_sdk_iam::Client::new(&config(endpoint, admin(account)?).await);
        let name = arn.name().ok_or_else(|| format!("{arn} names no user"))?;
        iam.create_user()
            .user_name(name)
            .send()
            .await
            .map_err(|e| step(&format!("CreateUser {arn}"), e))?;
        for (policy, doc) in user.policies() {
            iam.put_user_policy()
                .user_name(name)
                .policy_name(policy)
                .policy_document(doc.to_compact_json())
                .send()
                .await
                .map_err(|e| step(&format!("PutUserPolicy {policy} on {arn}"), e))?;
        }
        let key = iam
            .create_access_key()
            .user_name(name)
            .send()
            .await
            .map_err(|e| step(&format!("CreateAccessKey {arn}"), e))?;
        let key = key
            .access_key()
            .ok_or_else(|| format!("CreateAccessKey {arn}: no key in the answer"))?;
        keys.insert(
            arn.to_string(),
            Credentials::new(
                key.access_key_id(),
                key.secret_access_key(),
                None,
                None,
                "moto",
            ),
        );
    }

    for role in world.roles() {
        let arn = role.arn();
        let iam = aws_sdk_iam::Client::new(&config(endpoint, admin(arn.account())?).await);
        iam.create_role()
            .role_name(arn.name())
            .assume_role_policy_document(role.trust_policy().to_compact_json())
            .max_session_duration(i32::try_from(role.max_session_secs()).unwrap_or(43_200))
            .send()
            .await
            .map_err(|e| step(&format!("CreateRole {arn}"), e))?;
        for (policy, doc) in role.policies() {
            iam.put_role_policy()
                .role_name(arn.name())
                .policy_name(policy)
                .policy_document(doc.to_compact_json())
                .send()
                .await
                .map_err(|e| step(&format!("PutRolePolicy {policy} on {arn}"), e))?;
        }
    }

    for bucket in buckets {
        let s3 = s3(&config(endpoint, admin(bucket.account)?).await);
        s3.create_bucket()
            .bucket(bucket.name)
            .send()
            .await
            .map_err(|e| step(&format!("CreateBucket {}", bucket.name), e))?;
        for (key, body) in bucket.objects {
            s3.put_object()
                .bucket(bucket.name)
                .key(*key)
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .map_err(|e| step(&format!("PutObject {}/{key}", bucket.name), e))?;
        }
    }
    Ok(Provisioned {
        endpoint: endpoint.to_owned(),
        keys,
    })
}

/// What moto's IAM cannot be given by this set-up is refused, not dropped.
fn check_supported(world: &World) -> Result<(), BoxError> {
    let mut problems = Vec::new();
    for user in world.users() {
        if !user.groups().is_empty()
            || !user.managed_policies().is_empty()
            || user.boundary().is_some()
        {
            problems.push(format!(
                "{}: groups, managed policies and boundaries are not set up on moto",
                user.arn()
            ));
        }
        if !user.mfa_devices().is_empty() {
            problems.push(format!(
                "{}: moto's STS does not check MFA; run MFA examples on the embedded STS",
                user.arn()
            ));
        }
    }
    for role in world.roles() {
        if !role.managed_policies().is_empty() || role.boundary().is_some() {
            problems.push(format!(
                "{}: managed policies and boundaries are not set up on moto",
                role.arn()
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

/// Creates an administrator in `account` with the free requests of the run.
async fn bootstrap_admin(
    endpoint: &str,
    account: AccountId,
    run: &str,
) -> Result<Credentials, BoxError> {
    // Any key signs the free requests; moto does not check them yet.
    let anonymous = Credentials::new("AKIAXROLEBOOTSTRAP00", "bootstrap", None, None, "moto");
    let iam = aws_sdk_iam::Client::new(&config(endpoint, anonymous).await);
    let name = format!("xrole-admin-{run}");
    let account_header = account.to_string();
    let in_account = move |req: &mut aws_sdk_iam::config::http::HttpRequest| {
        req.headers_mut()
            .insert("x-moto-account-id", account_header.clone());
    };
    iam.create_user()
        .user_name(&name)
        .customize()
        .mutate_request(in_account.clone())
        .send()
        .await
        .map_err(|e| step(&format!("bootstrap CreateUser {name} in {account}"), e))?;
    iam.put_user_policy()
        .user_name(&name)
        .policy_name("administrator")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .customize()
        .mutate_request(in_account.clone())
        .send()
        .await
        .map_err(|e| step(&format!("bootstrap PutUserPolicy {name} in {account}"), e))?;
    let key = iam
        .create_access_key()
        .user_name(&name)
        .customize()
        .mutate_request(in_account)
        .send()
        .await
        .map_err(|e| step(&format!("bootstrap CreateAccessKey {name} in {account}"), e))?;
    let key = key
        .access_key()
        .ok_or_else(|| format!("bootstrap CreateAccessKey in {account}: no key in the answer"))?;
    Ok(Credentials::new(
        key.access_key_id(),
        key.secret_access_key(),
        None,
        None,
        "moto",
    ))
}

/// Gives the run `free` unauthenticated requests, then IAM access control.
async fn reset_auth(endpoint: &str, free: usize) -> Result<(), BoxError> {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<bytes::Bytes>>();
    let request = http::Request::post(format!("{endpoint}/moto-api/reset-auth"))
        .body(Full::new(bytes::Bytes::from(free.to_string())))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("moto at {endpoint} does not answer: {e}"))?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(format!(
            "moto's reset-auth answered {status}: {}",
            String::from_utf8_lossy(&body)
        )
        .into());
    }
    Ok(())
}

fn step<E>(what: &str, err: aws_sdk_iam::error::SdkError<E>) -> BoxError
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    use aws_sdk_iam::error::ProvideErrorMetadata;
    let detail = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => aws_sdk_iam::error::DisplayErrorContext(&err).to_string(),
    };
    // A moto server keeps what earlier runs created.
    let hint = match err.code() {
        Some("EntityAlreadyExists" | "BucketAlreadyExists" | "BucketAlreadyOwnedByYou") => {
            " (this moto server already ran this example: start a fresh one)"
        }
        _ => "",
    };
    format!("moto set-up, {what}: {detail}{hint}").into()
}
