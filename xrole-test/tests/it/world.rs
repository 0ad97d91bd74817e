//! Worlds refuse mistakes, with where they are: in files and in code alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use xrole_core::PolicyDocument;
use xrole_test::sts::{AccessKey, Group, MfaDevice, Role, User, World};

const ALLOW: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const DENY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#;

/// The problems of loading `json`, one line each.
fn problems(json: &str) -> String {
    World::from_json(json)
        .map(|_| panic!("accepted: {json}"))
        .unwrap_err()
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn user(extra: &str) -> String {
    format!(r#"{{"arn": "arn:aws:iam::111111111111:user/alice"{extra}}}"#)
}

#[test]
fn files_refuse_duplicates_with_their_place() {
    let p = problems(&format!(r#"{{"users": [{}, {}]}}"#, user(""), user("")));
    assert!(p.starts_with("users[1]: arn:aws:iam::111111111111:user/alice: a user with this ARN is already in the world"), "{p}");

    // A Deny replaced by a later Allow of the same name, silently, before.
    let p = problems(&format!(
        r#"{{"users": [{}]}}"#,
        user(&format!(r#", "policies": {{"p": {DENY}, "p": {ALLOW}}}"#))
    ));
    assert!(
        p.contains(
            "users[0]: arn:aws:iam::111111111111:user/alice: two inline policies are named \"p\""
        ),
        "{p}"
    );

    let role = format!(r#"{{"arn": "arn:aws:iam::222222222222:role/R", "trustPolicy": {TRUST}}}"#);
    let p = problems(&format!(r#"{{"roles": [{role}, {role}]}}"#));
    assert!(p.starts_with("roles[1]: arn:aws:iam::222222222222:role/R: a role with this ARN is already in the world"), "{p}");

    let group = r#"{"account": "111111111111", "name": "ops"}"#;
    let p = problems(&format!(r#"{{"groups": [{group}, {group}]}}"#));
    assert!(
        p.contains("groups[1]: group ops of 111111111111 is already in the world"),
        "{p}"
    );

    let p = problems(&format!(
        r#"{{"managedPolicies": {{"arn:aws:iam::aws:policy/P": {ALLOW}, "arn:aws:iam::aws:policy/P": {DENY}}}}}"#
    ));
    assert!(
        p.contains("managed policy arn:aws:iam::aws:policy/P is already in the world"),
        "{p}"
    );

    let p = problems(&format!(
        r#"{{"users": [{}]}}"#,
        user(r#", "tags": {"team": "a", "Team": "b"}"#)
    ));
    assert!(
        p.contains("users[0]: arn:aws:iam::111111111111:user/alice: tags: duplicate key"),
        "{p}"
    );
}

#[test]
fn files_refuse_bad_keys_and_unknown_fields() {
    let key = |id: &str, secret: &str| {
        user(&format!(
            r#", "accessKeys": [{{"id": "{id}", "secret": "{secret}"}}]"#
        ))
    };
    let p = problems(&format!(r#"{{"users": [{}]}}"#, key("", "s")));
    assert!(p.contains("access key id \"\" must be 16 to 128"), "{p}");
    let p = problems(&format!(
        r#"{{"users": [{}]}}"#,
        key("AKIAAAAAAAAAAAAAAAAA", "")
    ));
    assert!(
        p.contains("access key AKIAAAAAAAAAAAAAAAAA has an empty secret"),
        "{p}"
    );
    let bob = r#"{"arn": "arn:aws:iam::111111111111:user/bob", "accessKeys": [{"id": "AKIAAAAAAAAAAAAAAAAA", "secret": "t"}]}"#;
    let p = problems(&format!(
        r#"{{"users": [{}, {bob}]}}"#,
        key("AKIAAAAAAAAAAAAAAAAA", "s")
    ));
    assert!(p.contains("users[1]: arn:aws:iam::111111111111:user/bob: access key AKIAAAAAAAAAAAAAAAAA already belongs to arn:aws:iam::111111111111:user/alice"), "{p}");

    let p = problems(&format!(
        r#"{{"users": [{}]}}"#,
        user(r#", "accessKeys": [{"id": "AKIAAAAAAAAAAAAAAAAA", "secret": "s", "secrte": "x"}]"#)
    ));
    assert!(p.contains("unknown field `secrte`"), "{p}");
    let p = problems(&format!(
        r#"{{"users": [{}]}}"#,
        user(
            r#", "mfaDevices": [{"serial": "arn:aws:iam::111111111111:mfa/alice", "code": "123456", "kind": "totp"}]"#
        )
    ));
    assert!(p.contains("unknown field `kind`"), "{p}");
    let p = problems(&format!(
        r#"{{"users": [{}]}}"#,
        user(
            r#", "mfaDevices": [{"serial": "arn:aws:iam::111111111111:mfa/alice", "code": "12"}]"#
        )
    ));
    assert!(
        p.contains("MFA device arn:aws:iam::111111111111:mfa/alice: its code"),
        "{p}"
    );

    assert!(problems("[]").contains("the top level must be an object"));
    assert!(problems("  [{\"users\": []}]").contains("the top level must be an object"));
}

#[test]
fn code_follows_the_same_rules() {
    let doc = |json: &str| -> PolicyDocument { json.parse().unwrap() };
    let mut world = World::new();
    world
        .add_user(User::new("arn:aws:iam::111111111111:user/alice".parse().unwrap()).unwrap())
        .unwrap();
    let again =
        world.add_user(User::new("arn:aws:iam::111111111111:user/alice".parse().unwrap()).unwrap());
    assert!(
        again
            .unwrap_err()
            .to_string()
            .contains("already in the world")
    );
    let twice = User::new("arn:aws:iam::111111111111:user/bob".parse().unwrap())
        .unwrap()
        .policy("p", doc(DENY))
        .policy("p", doc(ALLOW));
    assert!(
        world
            .add_user(twice)
            .unwrap_err()
            .to_string()
            .contains("two inline policies are named \"p\"")
    );
    let empty = User::new("arn:aws:iam::111111111111:user/carol".parse().unwrap())
        .unwrap()
        .access_key(AccessKey::new("", ""));
    let e = world.add_user(empty).unwrap_err();
    assert_eq!(e.problems().len(), 2, "{e}");
    let device = User::new("arn:aws:iam::111111111111:user/dave".parse().unwrap())
        .unwrap()
        .mfa_device(MfaDevice::new(
            "arn:aws:iam::111111111111:mfa/dave",
            "123456",
        ))
        .mfa_device(MfaDevice::new(
            "arn:aws:iam::111111111111:mfa/dave",
            "654321",
        ));
    assert!(
        world
            .add_user(device)
            .unwrap_err()
            .to_string()
            .contains("listed twice")
    );
    world
        .add_role(Role::new(
            "arn:aws:iam::222222222222:role/R".parse().unwrap(),
            doc(TRUST),
        ))
        .unwrap();
    assert!(
        world
            .add_role(Role::new(
                "arn:aws:iam::222222222222:role/R".parse().unwrap(),
                doc(TRUST)
            ))
            .is_err()
    );
    world
        .add_group(Group::new("111111111111".parse().unwrap(), "ops"))
        .unwrap();
    assert!(
        world
            .add_group(Group::new("111111111111".parse().unwrap(), "ops"))
            .is_err()
    );
    // Changing an entity is said in words: replace_*.
    let key = AccessKey::new("AKIAREPLACEDKEY00001", "secret");
    world
        .replace_user(
            User::new("arn:aws:iam::111111111111:user/alice".parse().unwrap())
                .unwrap()
                .access_key(key.clone()),
        )
        .unwrap();
    assert_eq!(world.users().count(), 1);
    assert_eq!(
        world.users().next().unwrap().access_keys(),
        std::slice::from_ref(&key)
    );
    world
        .replace_role(
            Role::new(
                "arn:aws:iam::222222222222:role/R".parse().unwrap(),
                doc(TRUST),
            )
            .max_session_duration(7200),
        )
        .unwrap();
    assert_eq!(
        world
            .role(&"arn:aws:iam::222222222222:role/R".parse().unwrap())
            .unwrap()
            .max_session_secs(),
        7200
    );
}

/// Ten thousand users: loading is linear (the time is a figure of the `sts_load`
/// bench; here, that every user is there and found by key).
#[test]
fn large_worlds_load() {
    let users: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                r#"{{"arn": "arn:aws:iam::111111111111:user/u{i}", "accessKeys": [{{"id": "AKIA{i:016}", "secret": "s{i}"}}]}}"#
            )
        })
        .collect();
    let world = World::from_json(&format!(r#"{{"users": [{}]}}"#, users.join(","))).unwrap();
    assert_eq!(world.users().count(), 10_000);
    let u = world
        .user(&"arn:aws:iam::111111111111:user/u9999".parse().unwrap())
        .unwrap();
    assert_eq!(u.access_keys()[0].id, "AKIA0000000000009999");
}
