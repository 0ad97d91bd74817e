//! The embedded STS in an organization: the world file's `organization` key, SCP
//! and RCP refusals in STS's words, the management account's exemption, and the
//! context a chain carries (session tags, transitive tags, source identity).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use aws_sdk_sts::Client;
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_sdk_sts::types::Tag;
use xrole_test::sts::*;

use super::fixtures::client;

pub(crate) const WORLD: &str = r#"{
  "managedPolicies": {
    "arn:aws:iam::111111111111:policy/EnforceOrgIdentities": {"Version": "2012-10-17", "Statement": [{
      "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*",
      "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]},
    "arn:aws:iam::111111111111:policy/OnlyAssume": {"Version": "2012-10-17", "Statement": [{
      "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
  },
  "users": [
    {"arn": "arn:aws:iam::222222222222:user/dev", "policies": {"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}},
    {"arn": "arn:aws:iam::333333333333:user/locked", "policies": {"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}},
    {"arn": "arn:aws:iam::999999999999:user/stranger", "policies": {"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}},
    {"arn": "arn:aws:iam::111111111111:user/admin", "policies": {"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}
  ],
  "roles": [
    {"arn": "arn:aws:iam::222222222222:role/Target", "trustPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root", "arn:aws:iam::999999999999:root"]},
      "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]}},
    {"arn": "arn:aws:iam::111111111111:role/Mgmt", "trustPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}]}}
  ],
  "organization": {
    "id": "o-a1b2c3d4e5",
    "managementAccount": "111111111111",
    "roots": [{"id": "r-ab12", "rcps": ["EnforceOrgIdentities"]}],
    "ous": [
      {"id": "ou-ab12-11111111", "name": "Workloads", "parent": "r-ab12"},
      {"id": "ou-ab12-22222222", "name": "Locked", "parent": "ou-ab12-11111111", "scps": ["OnlyAssume"]}
    ],
    "accounts": [
      {"id": "222222222222", "parent": "ou-ab12-11111111"},
      {"id": "333333333333", "parent": "ou-ab12-22222222", "scps": [
        {"Id": "NoTagging", "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:TagSession", "Resource": "*"}]},
        "FullAWSAccess"]}
    ]
  }
}"#;

#[tokio::test]
async fn scps_and_rcps_refuse_in_sts_words() {
    let sts = EmbeddedSts::start(World::from_json(WORLD).unwrap())
        .await
        .unwrap();
    let target = "arn:aws:iam::222222222222:role/Target";

    // A member of the organization passes the RCP.
    client(&sts, "arn:aws:iam::222222222222:user/dev")
        .await
        .assume_role()
        .role_arn(target)
        .role_session_name("dev")
        .send()
        .await
        .unwrap();

    // An outsider the trust policy names is refused by the RCP.
    let err = client(&sts, "arn:aws:iam::999999999999:user/stranger")
        .await
        .assume_role()
        .role_arn(target)
        .role_session_name("stranger")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some(
            "User: arn:aws:iam::999999999999:user/stranger is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/Target with an explicit deny in a resource control policy"
        )
    );
    let detail = sts.last_audit("AssumeRole").unwrap().detail.unwrap();
    assert!(
        detail.contains(
            r#"RCP "EnforceOrgIdentities" attached to r-ab12 Statement[0] explicitly denies"#
        ),
        "{detail}"
    );

    // ... but the management account's resources are governed by no RCP.
    client(&sts, "arn:aws:iam::999999999999:user/stranger")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/Mgmt")
        .role_session_name("stranger")
        .send()
        .await
        .unwrap();

    // The account's own SCP denies tagging: an explicit deny in an SCP.
    let locked = client(&sts, "arn:aws:iam::333333333333:user/locked").await;
    let err = locked
        .assume_role()
        .role_arn(target)
        .role_session_name("locked")
        .tags(Tag::builder().key("team").value("a").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message().unwrap().ends_with(
            "is not authorized to perform: sts:TagSession on resource: arn:aws:iam::222222222222:role/Target with an explicit deny in a service control policy"
        ),
        "{err:?}"
    );
    let detail = sts.last_audit("AssumeRole").unwrap().detail.unwrap();
    assert!(
        detail.contains(r#"SCP "NoTagging" attached to account 333333333333"#),
        "{detail}"
    );
    // Without tags, the Locked OU's only SCP allows sts:AssumeRole.
    locked
        .assume_role()
        .role_arn(target)
        .role_session_name("locked")
        .send()
        .await
        .unwrap();
    // GetCallerIdentity needs no permission, SCP or not.
    locked.get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn an_scp_level_without_an_allow_refuses_because_no_scp_allows() {
    let mut world = World::from_json(WORLD).unwrap();
    world
        .add_user(
            User::new("arn:aws:iam::333333333333:user/setsource".parse().unwrap())
                .unwrap()
                .policy(
                    "all",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
                        .parse()
                        .unwrap(),
                ),
        )
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    // The Locked OU allows only sts:AssumeRole: sts:SetSourceIdentity has no allow
    // on that level.
    let err = client(&sts, "arn:aws:iam::333333333333:user/setsource")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/Target")
        .role_session_name("s1")
        .source_identity("me")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message()
            .unwrap()
            .ends_with("because no service control policy allows the sts:SetSourceIdentity action"),
        "{err:?}"
    );
    let detail = sts.last_audit("AssumeRole").unwrap().detail.unwrap();
    assert!(
        detail.contains("no SCP attached to ou-ab12-22222222 (Locked) allows the request"),
        "{detail}"
    );
}

#[test]
fn organization_problems_are_placed_in_the_world_file() {
    let broken = WORLD
        .replace(
            r#""parent": "ou-ab12-11111111", "scps""#,
            r#""parent": "ou-nope", "scps""#,
        )
        .replace(
            r#""rcps": ["EnforceOrgIdentities"]"#,
            r#""rcps": ["Missing"]"#,
        )
        .replace(r#""id": "333333333333""#, r#""id": "3333""#);
    let err = World::from_json(&broken).unwrap_err().to_string();
    for expected in [
        r#"organization.roots[0].rcps[0]: "Missing" is neither FullAWSAccess, RCPFullAWSAccess nor a managed policy of the world"#,
        "organization.accounts[1].id: ",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from:\n{err}");
    }
    let err = World::from_json(&WORLD.replace(
        r#""parent": "ou-ab12-11111111", "scps""#,
        r#""parent": "ou-ab12-99999999", "scps""#,
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "organization.ous[1].parent: ou-ab12-99999999 is neither the root nor a declared OU"
        ),
        "{err}"
    );
    let err = World::from_json(&WORLD.replace(r#""name": "Workloads", "#, ""))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("organization.ous[0].name: is required for an OU"),
        "{err}"
    );
}

/// Transitive session tags and the source identity reach the next hop's trust
/// policy as `aws:PrincipalTag/...` and `aws:SourceIdentity`.
#[tokio::test]
async fn a_chain_carries_its_tags_and_source_identity_into_conditions() {
    let mut world = World::new();
    let b = "arn:aws:iam::222222222222:role/B";
    let c = "arn:aws:iam::222222222222:role/C";
    let allow_all =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    world
        .add_user(
            User::new("arn:aws:iam::111111111111:user/alice".parse().unwrap())
                .unwrap()
                .policy("all", allow_all.parse().unwrap()),
        )
        .unwrap()
        .add_role(
            Role::new(
                b.parse().unwrap(),
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
                    "Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"#
                    .parse()
                    .unwrap(),
            )
            .policy("all", allow_all.parse().unwrap()),
        )
        .unwrap()
        .add_role(Role::new(
            c.parse().unwrap(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/B"},
                "Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceIdentity":"alice","aws:PrincipalTag/Project":"Unicorn"}}}]}"#
                .parse()
                .unwrap(),
        ))
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let alice = client(&sts, "arn:aws:iam::111111111111:user/alice").await;
    let hop = |project: &'static str, transitive: bool| {
        let alice = alice.clone();
        async move {
            let mut call = alice
                .assume_role()
                .role_arn(b)
                .role_session_name("hop1")
                .source_identity("alice")
                .tags(
                    Tag::builder()
                        .key("Project")
                        .value(project)
                        .build()
                        .unwrap(),
                );
            if transitive {
                call = call.transitive_tag_keys("Project");
            }
            call.send().await.unwrap()
        }
    };
    let next = |out: aws_sdk_sts::operation::assume_role::AssumeRoleOutput| {
        let sts = &sts;
        async move {
            let creds = out.credentials().unwrap();
            let config = sts
                .sdk_config_with(
                    aws_credential_types::provider::SharedCredentialsProvider::new(
                        aws_credential_types::Credentials::new(
                            creds.access_key_id(),
                            creds.secret_access_key(),
                            Some(creds.session_token().to_owned()),
                            None,
                            "test",
                        ),
                    ),
                )
                .await;
            Client::new(&config)
                .assume_role()
                .role_arn(c)
                .role_session_name("hop2")
                .send()
                .await
        }
    };
    // The tag is on B's session (aws:PrincipalTag), the source identity too.
    next(hop("Unicorn", true).await).await.unwrap();
    next(hop("Unicorn", false).await).await.unwrap();
    // A different tag value fails C's condition.
    let err = next(hop("Pegasus", true).await).await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    let detail = sts.last_audit("AssumeRole").unwrap().detail.unwrap();
    assert!(
        detail.contains("aws:PrincipalTag/Project does not hold"),
        "{detail}"
    );
}
