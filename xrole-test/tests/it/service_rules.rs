//! Service rules beyond the general evaluation logic, each from its page of AWS's
//! documentation, through the batch interface (`xrole policy simulate`).

use serde_json::{Value, json};
use xrole_test::simulate::simulate_line;

fn decide(line: &Value) -> Value {
    simulate_line(&line.to_string())
}

fn findings(answer: &Value) -> Vec<String> {
    answer["explanation"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|l| l["finding"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// STS API reference, GetCallerIdentity: "No permissions are required to perform
/// this operation. If an administrator attaches a policy to your identity that
/// explicitly denies access to the sts:GetCallerIdentity action, you can still
/// perform this operation."
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>
#[test]
fn get_caller_identity_needs_no_permission_and_cannot_be_denied() {
    let deny_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]});
    for (what, line) in [
        (
            "no policy at all",
            json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
                               "action": "sts:GetCallerIdentity", "resource": "*"}}),
        ),
        (
            "an identity policy denying everything",
            json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
                               "action": "sts:GetCallerIdentity", "resource": "*"},
                   "identityPolicies": [deny_all]}),
        ),
        (
            "an SCP denying everything",
            json!({"request": {"principal": "arn:aws:sts::111111111111:assumed-role/R/session",
                               "action": "STS:GetCallerIdentity", "resource": "*"},
                   "serviceControlPolicies": [{"orgIdentifier": "r-ab12", "policies": [deny_all]}]}),
        ),
    ] {
        let answer = decide(&line);
        assert_eq!(answer["decision"], "Allowed", "{what}: {answer}");
        assert_eq!(findings(&answer), ["NeedsNoPermission"], "{what}");
    }
    // Other STS actions still need their permission.
    let other = decide(
        &json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
                                           "action": "sts:GetSessionToken", "resource": "*"}}),
    );
    assert_eq!(other["decision"], "ImplicitlyDenied", "{other}");
}

/// KMS developer guide, "Key policies in AWS KMS": "Unless the key policy
/// explicitly allows it, you cannot use IAM policies to allow access to a KMS
/// key. Without permission from the key policy, IAM policies that allow
/// permissions have no effect." The default key policy's statement for the
/// account root is what enables IAM policies.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html>
#[test]
fn a_kms_key_needs_its_key_policy_even_in_its_own_account() {
    const KEY: &str = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let identity = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]});
    let line = |key_policy: Option<Value>| {
        let mut l = json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
                                       "action": "kms:Decrypt", "resource": KEY},
                           "identityPolicies": [identity]});
        if let Some(p) = key_policy {
            l["resourcePolicy"] = p;
        }
        decide(&l)
    };
    let none = line(None);
    assert_eq!(none["decision"], "ImplicitlyDenied", "{none}");
    assert!(
        findings(&none).contains(&"NoKeyPolicyAllow".to_owned()),
        "{none}"
    );

    let other_principal = line(Some(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:user/bob"}, "Action": "kms:*", "Resource": "*"}]}),
    ));
    assert_eq!(
        other_principal["decision"], "ImplicitlyDenied",
        "{other_principal}"
    );

    // The account root in the key policy enables IAM policies: the identity
    // allow then counts, and is needed.
    let enables_iam = json!({"Version": "2012-10-17", "Statement": [{"Sid": "EnableIamPolicies", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]});
    let allowed = line(Some(enables_iam.clone()));
    assert_eq!(allowed["decision"], "Allowed", "{allowed}");
    let without_identity = json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
                                              "action": "kms:Decrypt", "resource": KEY},
                                  "identityPolicies": [], "resourcePolicy": enables_iam});
    assert_eq!(decide(&without_identity)["decision"], "ImplicitlyDenied");

    // The key policy naming the caller suffices on its own, as any resource
    // policy naming the caller in its own account.
    let names_alice = line(Some(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:user/alice"}, "Action": "kms:Decrypt", "Resource": "*"}]}),
    ));
    assert_eq!(names_alice["decision"], "Allowed", "{names_alice}");

    // An alias is not a key: no key policy applies to a request on it.
    let alias = decide(
        &json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
        "action": "kms:ListAliases", "resource": "*"},
        "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:ListAliases", "Resource": "*"}]}]}),
    );
    assert_eq!(alias["decision"], "Allowed", "{alias}");
}

/// IAM user guide, "Permissions boundaries for IAM entities", resource-based
/// policies: a resource-based policy that grants the role's ARN is limited by the
/// role's permissions boundary (one that grants a user's or a session's own ARN
/// is not). That holds whether the caller is named as the role or as one of its
/// sessions.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html>
#[test]
fn a_grant_to_a_roles_arn_is_limited_by_its_boundary_whatever_the_callers_form() {
    const ROLE: &str = "arn:aws:iam::111111111111:role/app";
    let boundary = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]});
    let bucket_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ROLE}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]});
    for (form, principal, session_role) in [
        ("the role", ROLE, None),
        (
            "a session",
            "arn:aws:sts::111111111111:assumed-role/app/session",
            Some(ROLE),
        ),
    ] {
        let mut l = json!({"request": {"principal": principal, "action": "s3:GetObject",
                                       "resource": "arn:aws:s3:::b/k", "resourceAccount": "111111111111"},
                           "resourcePolicy": bucket_policy, "permissionBoundaries": [boundary]});
        if let Some(role) = session_role {
            l["request"]["sessionRole"] = json!(role);
        }
        let limited = decide(&l);
        assert_eq!(limited["decision"], "ImplicitlyDenied", "{form}: {limited}");
        l.as_object_mut().unwrap().remove("permissionBoundaries");
        let unlimited = decide(&l);
        assert_eq!(
            unlimited["decision"], "Allowed",
            "{form} without a boundary: {unlimited}"
        );
    }
}

/// Organizations user guide, "Service control policies": SCPs affect only the
/// IAM users and roles (and the root user) of member accounts; they do not
/// govern an anonymous caller, a service or a web identity.
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>
#[test]
fn an_anonymous_caller_is_governed_by_no_scp() {
    let deny_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]});
    let public_read = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public/*"}]});
    let line = |principal: &str| {
        decide(
            &json!({"request": {"principal": principal, "action": "s3:GetObject",
                                   "resource": "arn:aws:s3:::public/k", "resourceAccount": "222222222222"},
                       "resourcePolicy": public_read,
                       "serviceControlPolicies": [{"orgIdentifier": "r-ab12", "policies": [deny_all]}]}),
        )
    };
    let anonymous = line("*");
    assert_eq!(anonymous["decision"], "Allowed", "{anonymous}");
    // A user of a member account is governed: the SCP's deny wins.
    let member = line("arn:aws:iam::111111111111:user/alice");
    assert_eq!(member["decision"], "ExplicitlyDenied", "{member}");
}
