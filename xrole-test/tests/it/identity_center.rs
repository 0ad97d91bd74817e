//! IAM Identity Center in the embedded STS: the world's instance provisions
//! its permission sets' roles, SSO OIDC signs users in (device code,
//! authorization code with PKCE, refresh token) with its errors, and the
//! portal hands out role credentials that the embedded STS then honours, all
//! through the SDK's own SSO and SSO OIDC clients.

use std::time::Duration;

use aws_sdk_sso::error::ProvideErrorMetadata;
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use serde_json::json;
use xrole_core::AccountId;
use xrole_test::sts::{
    Clock, EmbeddedSts, IdentityCenter, PermissionSet, RESERVED_ROLE_PATH, World,
};

use super::fixtures::doc;

/// Asserts that a CreateToken call failed with the error `$variant`.
macro_rules! assert_token_error {
    ($e:expr, $variant:ident) => {{
        let e = &$e;
        assert!(
            matches!(e.as_service_error(), Some(CreateTokenError::$variant(_))),
            "{e:?}"
        );
    }};
}

const START_URL: &str = "https://corp.awsapps.com/start";
const DEV: &str = "111111111111";
const PROD: &str = "222222222222";

/// An instance with two users: alice may use Developer in dev and ReadOnly in
/// prod, bob ReadOnly in prod.
fn world() -> World {
    let mut w = World::new();
    w.add_managed_policy(
        "arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap(),
        doc(
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]})
            .to_string(),
        ),
    )
    .unwrap();
    let developer = PermissionSet::new("Developer")
        .unwrap()
        .inline_policy(doc(
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["s3:*", "sts:GetCallerIdentity"], "Resource": "*"}]})
            .to_string(),
        ))
        .session_duration(8 * 3600);
    let read_only = PermissionSet::new("ReadOnly")
        .unwrap()
        .managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap());
    let dev = AccountId::parse(DEV).unwrap();
    let prod = AccountId::parse(PROD).unwrap();
    w.set_identity_center(
        IdentityCenter::new(START_URL, "us-east-1")
            .unwrap()
            .user("alice")
            .user("bob")
            .permission_set(developer)
            .permission_set(read_only)
            .assign("alice", dev, "Developer")
            .assign("alice", prod, "ReadOnly")
            .assign("bob", prod, "ReadOnly"),
    )
    .unwrap();
    w
}

/// The embedded STS on a clock the test moves.
async fn start() -> EmbeddedSts {
    EmbeddedSts::builder(world())
        .clock(Clock::manual(std::time::SystemTime::now()))
        .start()
        .await
        .unwrap()
}

/// The SDK's configuration for Identity Center's unsigned calls on `sts`.
async fn config(sts: &EmbeddedSts) -> aws_types::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(sts.url())
        .no_credentials()
        .load()
        .await
}

/// A client registered for `grants`, its id and secret.
async fn register(oidc: &aws_sdk_ssooidc::Client, grants: &[&str]) -> (String, String) {
    let mut call = oidc
        .register_client()
        .client_name("test")
        .client_type("public");
    for g in grants {
        call = call.grant_types(*g);
    }
    if grants.contains(&"authorization_code") {
        call = call.redirect_uris("http://127.0.0.1/oauth/callback");
    }
    let client = call.send().await.unwrap();
    (
        client.client_id().unwrap().to_owned(),
        client.client_secret().unwrap().to_owned(),
    )
}

const DEVICE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// CreateToken for the device code `code` of the client `id`.
async fn device_token(
    oidc: &aws_sdk_ssooidc::Client,
    id: &str,
    secret: &str,
    code: &str,
) -> Result<
    aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
    aws_sdk_ssooidc::error::SdkError<CreateTokenError>,
> {
    oidc.create_token()
        .client_id(id)
        .client_secret(secret)
        .grant_type(DEVICE)
        .device_code(code)
        .send()
        .await
}

/// Signs `user` in with the device flow: the access and refresh tokens.
async fn device_sign_in(
    sts: &EmbeddedSts,
    oidc: &aws_sdk_ssooidc::Client,
    user: &str,
) -> (String, String) {
    let (id, secret) = register(oidc, &[]).await;
    let device = oidc
        .start_device_authorization()
        .client_id(&id)
        .client_secret(&secret)
        .start_url(START_URL)
        .send()
        .await
        .unwrap();
    let poll = || device_token(oidc, &id, &secret, device.device_code().unwrap());
    let pending = poll().await.unwrap_err();
    assert_token_error!(pending, AuthorizationPendingException);
    // Polling again at once is too fast.
    let fast = poll().await.unwrap_err();
    assert_token_error!(fast, SlowDownException);
    sts.approve_device(device.user_code().unwrap(), user)
        .unwrap();
    sts.clock().advance(Duration::from_secs(1));
    let token = poll().await.unwrap();
    (
        token.access_token().unwrap().to_owned(),
        token.refresh_token().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn each_assigned_permission_set_is_a_provisioned_role() {
    let w = world();
    let center = w.identity_center().unwrap();
    let role = center
        .role_of(AccountId::parse(DEV).unwrap(), "Developer")
        .unwrap();
    assert_eq!(role.path(), RESERVED_ROLE_PATH);
    assert!(
        role.name().starts_with("AWSReservedSSO_Developer_"),
        "{role}"
    );
    assert_eq!(role.name().len(), "AWSReservedSSO_Developer_".len() + 16);
    let (stored, _, _) = w.role_compiled(&role).unwrap();
    assert_eq!(stored.max_session_secs(), 8 * 3600);
    let trust = stored.trust_policy().to_string();
    assert!(
        trust.contains("saml-provider/AWSSSO_") && trust.contains("sts:AssumeRoleWithSAML"),
        "{trust}"
    );
    // Developer is not assigned in prod: no role there.
    let none = center
        .role_of(AccountId::parse(PROD).unwrap(), "Developer")
        .unwrap();
    assert!(w.role(&none).is_none());
    // The file says the same.
    let file = World::from_json(&json!({
        "managedPolicies": {"arn:aws:iam::aws:policy/ReadOnlyAccess": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}},
        "identityCenter": {"startUrl": START_URL, "region": "us-east-1", "users": ["alice"],
            "permissionSets": [{"name": "ReadOnly", "managedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                "sessionDurationSeconds": 7200}],
            "assignments": [{"user": "alice", "account": PROD, "permissionSet": "ReadOnly"}]}
    }).to_string())
    .unwrap();
    let center = file.identity_center().unwrap();
    let role = center
        .role_of(AccountId::parse(PROD).unwrap(), "ReadOnly")
        .unwrap();
    assert_eq!(file.role(&role).unwrap().max_session_secs(), 7200);
    // Every problem at its place: a set's own, then the instance's rules.
    let e = World::from_json(
        &json!({"identityCenter": {"startUrl": START_URL, "region": "us-east-1",
            "permissionSets": [{"name": "Bad name!"}]}})
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("identityCenter.permissionSets[0]: permission set \"Bad name!\": a permission set's name is 1 to 32"),
        "{e}"
    );
    let e = World::from_json(
        &json!({"identityCenter": {"startUrl": START_URL, "region": "us-east-1",
        "users": ["alice", "alice"],
        "permissionSets": [{"name": "Short", "sessionDurationSeconds": 60}],
        "assignments": [{"user": "carol", "account": DEV, "permissionSet": "Missing"}]}})
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    for want in [
        "users: \"alice\": given twice",
        "permissionSets: Short: a session lasts 3600 to 43200 seconds",
        "no user \"carol\"",
        "no permission set \"Missing\"",
    ] {
        assert!(e.contains(want), "{want}\n{e}");
    }
}

#[tokio::test]
async fn the_portal_gives_assigned_role_credentials_that_the_sts_honours() {
    let sts = start().await;
    let config = config(&sts).await;
    let oidc = aws_sdk_ssooidc::Client::new(&config);
    let portal = aws_sdk_sso::Client::new(&config);
    let (token, _) = device_sign_in(&sts, &oidc, "alice").await;

    let accounts = portal
        .list_accounts()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = accounts
        .account_list()
        .iter()
        .filter_map(|a| a.account_id())
        .collect();
    assert_eq!(ids, [DEV, PROD]);
    let roles = portal
        .list_account_roles()
        .access_token(&token)
        .account_id(DEV)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = roles
        .role_list()
        .iter()
        .filter_map(|r| r.role_name())
        .collect();
    assert_eq!(names, ["Developer"]);

    let creds = portal
        .get_role_credentials()
        .access_token(&token)
        .account_id(DEV)
        .role_name("Developer")
        .send()
        .await
        .unwrap()
        .role_credentials
        .unwrap();
    // The session is the provisioned role's, named by the user, for the set's
    // eight hours.
    let session = sts
        .sdk_config_for_session(
            creds.access_key_id().unwrap(),
            creds.secret_access_key().unwrap(),
            creds.session_token().unwrap(),
        )
        .await;
    let me = aws_sdk_sts::Client::new(&session)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let arn = me.arn().unwrap();
    assert!(
        arn.starts_with(&format!(
            "arn:aws:sts::{DEV}:assumed-role/AWSReservedSSO_Developer_"
        )) && arn.ends_with("/alice"),
        "{arn}"
    );
    let lifetime = creds.expiration() / 1000
        - sts
            .clock()
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
    assert!((8 * 3600 - 5..=8 * 3600).contains(&lifetime), "{lifetime}");

    // No assignment: Developer in prod.
    let e = portal
        .get_role_credentials()
        .access_token(&token)
        .account_id(PROD)
        .role_name("Developer")
        .send()
        .await
        .unwrap_err();
    // The real portal's answer, which its model does not name.
    assert_eq!(e.code(), Some("ForbiddenException"), "{e:?}");
    // A trust policy that no longer trusts the instance's provider: refused, and said why.
    let role = sts.update_world(|w| {
        w.identity_center()
            .unwrap()
            .role_of(AccountId::parse(PROD).unwrap(), "ReadOnly")
            .unwrap()
    });
    sts.update_world(|w| {
        let old = w.role(&role).unwrap().clone();
        let locked = xrole_test::sts::Role::new(
            role.clone(),
            doc(
                &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::222222222222:saml-provider/Other"},
                "Action": "sts:AssumeRoleWithSAML"}]})
                .to_string(),
            ),
        )
        .managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap());
        drop(old);
        w.replace_role(locked).unwrap();
    });
    let e = portal
        .get_role_credentials()
        .access_token(&token)
        .account_id(PROD)
        .role_name("ReadOnly")
        .send()
        .await
        .unwrap_err();
    // The real portal's answer, which its model does not name.
    assert_eq!(e.code(), Some("ForbiddenException"), "{e:?}");
    let audit = sts.last_audit("sso:GetRoleCredentials").unwrap();
    assert!(
        audit
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("sts:AssumeRoleWithSAML"),
        "{audit:?}"
    );

    // Logout ends the sign-in: the token is refused from then on.
    portal.logout().access_token(&token).send().await.unwrap();
    let e = portal
        .list_accounts()
        .access_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error().unwrap().is_unauthorized_exception(),
        "{e:?}"
    );
}

#[tokio::test]
async fn tokens_expire_refresh_and_are_refused_when_signed_out() {
    let sts = start().await;
    let config = config(&sts).await;
    let oidc = aws_sdk_ssooidc::Client::new(&config);
    let portal = aws_sdk_sso::Client::new(&config);
    sts.set_sso_token_lifetime(Some(Duration::from_secs(600)));
    let (token, refresh) = device_sign_in(&sts, &oidc, "bob").await;
    let list = |token: String| portal.list_accounts().access_token(token).send();
    list(token.clone()).await.unwrap();
    // Past its lifetime the access token is refused...
    sts.clock().advance(Duration::from_secs(601));
    let e = list(token.clone()).await.unwrap_err();
    assert!(
        e.as_service_error().unwrap().is_unauthorized_exception(),
        "{e:?}"
    );
    // A refresh token is its client's alone, and a wrong secret is no client.
    let (id, secret) = register(&oidc, &[]).await;
    let refresh_with = |id: String, secret: String, refresh: String| {
        oidc.create_token()
            .client_id(id)
            .client_secret(secret)
            .grant_type("refresh_token")
            .refresh_token(refresh)
            .send()
    };
    let e = refresh_with(id.clone(), secret.clone(), refresh.clone())
        .await
        .unwrap_err();
    assert_token_error!(e, InvalidGrantException);
    let e = refresh_with(id, "wrong".into(), refresh.clone())
        .await
        .unwrap_err();
    assert_token_error!(e, InvalidClientException);

    // A device sign-in that is denied, and one that expires unapproved.
    let (id, secret) = register(&oidc, &[]).await;
    let start = || {
        oidc.start_device_authorization()
            .client_id(&id)
            .client_secret(&secret)
            .start_url(START_URL)
            .send()
    };
    let denied = start().await.unwrap();
    sts.deny_device(denied.user_code().unwrap()).unwrap();
    let e = device_token(&oidc, &id, &secret, denied.device_code().unwrap())
        .await
        .unwrap_err();
    assert_token_error!(e, AccessDeniedException);
    let late = start().await.unwrap();
    sts.clock().advance(Duration::from_secs(601));
    let e = device_token(&oidc, &id, &secret, late.device_code().unwrap())
        .await
        .unwrap_err();
    assert_token_error!(e, ExpiredTokenException);
    assert!(sts.approve_device("NOPE-NOPE", "bob").is_err());
    assert!(
        sts.approve_device(late.user_code().unwrap(), "mallory")
            .is_err()
    );
}

#[tokio::test]
async fn the_refresh_token_renews_the_sign_in_until_logout() {
    let sts = start().await;
    let config = config(&sts).await;
    let oidc = aws_sdk_ssooidc::Client::new(&config);
    let portal = aws_sdk_sso::Client::new(&config);
    let (id, secret) = register(&oidc, &[DEVICE, "refresh_token"]).await;
    let device = oidc
        .start_device_authorization()
        .client_id(&id)
        .client_secret(&secret)
        .start_url(START_URL)
        .send()
        .await
        .unwrap();
    sts.approve_device(device.user_code().unwrap(), "alice")
        .unwrap();
    let token = device_token(&oidc, &id, &secret, device.device_code().unwrap())
        .await
        .unwrap();
    let refresh = |r: &str| {
        oidc.create_token()
            .client_id(&id)
            .client_secret(&secret)
            .grant_type("refresh_token")
            .refresh_token(r)
            .send()
    };
    let renewed = refresh(token.refresh_token().unwrap()).await.unwrap();
    portal
        .list_accounts()
        .access_token(renewed.access_token().unwrap())
        .send()
        .await
        .unwrap();
    // A refresh token is used once.
    let e = refresh(token.refresh_token().unwrap()).await.unwrap_err();
    assert_token_error!(e, InvalidGrantException);
    // Logout ends the sign-in: its refresh tokens too.
    portal
        .logout()
        .access_token(renewed.access_token().unwrap())
        .send()
        .await
        .unwrap();
    let e = refresh(renewed.refresh_token().unwrap()).await.unwrap_err();
    assert_token_error!(e, InvalidGrantException);
}

/// The access graph knows who reaches prod through which permission set: an
/// Identity Center user reaches its sets' roles (by the instance's sign-in, as
/// the role's trust decides), and from there whatever those roles may assume.
#[tokio::test]
async fn the_access_graph_follows_permission_sets_into_the_accounts() {
    use xrole_test::access::{AccessGraph, IDENTITY_CENTER_USER};
    let mut w = world();
    // prod's Deploy role trusts the ReadOnly permission set's role.
    let read_only = w
        .identity_center()
        .unwrap()
        .role_of(AccountId::parse(PROD).unwrap(), "ReadOnly")
        .unwrap();
    let deploy = format!("arn:aws:iam::{PROD}:role/Deploy");
    w.add_role(xrole_test::sts::Role::new(
        deploy.parse().unwrap(),
        doc(
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": read_only.as_str()}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        ),
    ))
    .unwrap();
    // A trust that names the set's role by its ARN, in the role's own
    // account, is enough without an identity allow (IAM user guide, policy
    // evaluation logic): alice reaches Deploy through ReadOnly.
    let graph = AccessGraph::build(&w);
    let alice = format!("{IDENTITY_CENTER_USER}alice");
    let reached: Vec<String> = graph
        .reachable_from(&alice)
        .iter()
        .map(|a| a.path.last().cloned().unwrap())
        .collect();
    assert!(reached.contains(&read_only.to_string()), "{reached:?}");
    let chain = graph.path(&alice, &deploy).unwrap();
    assert_eq!(
        chain.path,
        [alice.clone(), read_only.to_string(), deploy.clone()]
    );
    let who: Vec<String> = graph
        .who_can_assume(read_only.as_str())
        .iter()
        .map(|a| a.principal.clone())
        .collect();
    assert!(
        who.contains(&alice) && who.contains(&format!("{IDENTITY_CENTER_USER}bob")),
        "{who:?}"
    );
    let edge = graph.path(&alice, read_only.as_str()).unwrap().edges[0];
    assert_eq!(graph.edges()[edge].action, "sts:AssumeRoleWithSAML");
    // Developer (s3:*, no sts:AssumeRole) reaches its dev role only.
    let developer = w
        .identity_center()
        .unwrap()
        .role_of(AccountId::parse(DEV).unwrap(), "Developer")
        .unwrap();
    assert!(reached.contains(&developer.to_string()), "{reached:?}");
    assert!(
        graph
            .who_can_assume(developer.as_str())
            .iter()
            .all(|a| a.principal != format!("{IDENTITY_CENTER_USER}bob")),
        "bob has no Developer assignment"
    );
}

/// The authorization-code grant with PKCE: `/authorize` redirects the signed-in
/// browser with a code; CreateToken wants the verifier whose SHA-256 the
/// challenge was, the same redirect, and the code once.
#[tokio::test]
async fn the_authorization_code_grant_checks_the_verifier_and_uses_a_code_once() {
    use base64::Engine;
    use sha2::Digest;
    let sts = start().await;
    let config = config(&sts).await;
    let oidc = aws_sdk_ssooidc::Client::new(&config);
    let (id, secret) = register(&oidc, &["authorization_code", "refresh_token"]).await;
    let verifier = "a-verifier-of-more-than-forty-three-characters-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:49152/oauth/callback";
    let authorize = |client_id: &str| {
        format!(
            "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&state=s-1&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge={challenge}",
            sts.url(),
            form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        )
    };
    let browser = |url: String| async move {
        let client: hyper_util::client::legacy::Client<_, http_body_util::Full<bytes::Bytes>> =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        let answer = client
            .request(
                hyper::Request::get(url)
                    .body(http_body_util::Full::new(bytes::Bytes::new()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let location = answer
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (answer.status().as_u16(), location)
    };
    // No one is signed in to the browser: the page refuses.
    assert_eq!(browser(authorize(&id)).await.0, 401);
    sts.sign_in_browser(Some("alice"));
    assert_eq!(browser(authorize("unknown")).await.0, 400);
    let (status, location) = browser(authorize(&id)).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    let query: std::collections::HashMap<String, String> =
        form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    assert!(location.starts_with(redirect), "{location}");
    assert_eq!(query["state"], "s-1");
    let exchange = |code: String, verifier: &'static str| {
        oidc.create_token()
            .client_id(&id)
            .client_secret(&secret)
            .grant_type("authorization_code")
            .code(code)
            .redirect_uri(redirect)
            .code_verifier(verifier)
            .send()
    };
    // The wrong verifier spends the code: a code is used once, whatever happens.
    let e = exchange(
        query["code"].clone(),
        "another-verifier-of-more-than-forty-three-chars",
    )
    .await
    .unwrap_err();
    assert_token_error!(e, InvalidGrantException);
    let (_, location) = browser(authorize(&id)).await;
    let code = form_urlencoded::parse(location.unwrap().split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let token = exchange(code.clone(), verifier).await.unwrap();
    let accounts = aws_sdk_sso::Client::new(&config)
        .list_accounts()
        .access_token(token.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(accounts.account_list().len(), 2, "alice's two accounts");
    let e = exchange(code, verifier).await.unwrap_err();
    assert_token_error!(e, InvalidGrantException);
    // A client registered for the device grant only may not use this one.
    let (device_only, device_secret) = register(&oidc, &[DEVICE]).await;
    let e = oidc
        .create_token()
        .client_id(&device_only)
        .client_secret(&device_secret)
        .grant_type("authorization_code")
        .code("x")
        .send()
        .await
        .unwrap_err();
    assert_token_error!(e, UnauthorizedClientException);
}
