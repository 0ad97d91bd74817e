//! The access graph on a world with the traps reviewers meet: a `:root` trust with
//! and without the identity policy, MFA and ExternalId edges kept with their
//! labels, a deny that spares one principal, a service principal, a web identity provider, a
//! three-hop chain, an SCP cutting an edge, and a diff that adds a `:root` trust.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use xrole_core::*;
use xrole_test::access::{AccessGraph, NodeKind, describe_new_access, new_access};
use xrole_test::org::{OrgAccount, OrgPolicy, Organization};
use xrole_test::sts::{Role, User, World};

use super::fixtures::doc;

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const BOB: &str = "arn:aws:iam::111111111111:user/bob";
const CAROL: &str = "arn:aws:iam::111111111111:user/carol";
const ROOT_TRUST: &str = "arn:aws:iam::222222222222:role/RootTrust";
const MFA_ROLE: &str = "arn:aws:iam::222222222222:role/MfaRole";
const VENDOR: &str = "arn:aws:iam::222222222222:role/Vendor";
const GUARDED: &str = "arn:aws:iam::222222222222:role/Guarded";
const CORP_ONLY: &str = "arn:aws:iam::222222222222:role/CorpOnly";
const EC2: &str = "arn:aws:iam::222222222222:role/Ec2Role";
const DEPLOY: &str = "arn:aws:iam::222222222222:role/GitHubDeploy";
const HOP1: &str = "arn:aws:iam::222222222222:role/Hop1";
const HOP2: &str = "arn:aws:iam::333333333333:role/Hop2";
const HOP3: &str = "arn:aws:iam::444444444444:role/Hop3";
const GITHUB: &str = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com";

fn trust(principal: &str, action: &str, condition: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"{action}"{condition}}}]}}"#
    ))
}

fn may_assume(resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{resource}"}}]}}"#
    ))
}

fn world() -> World {
    let mut w = World::new();
    w.add_user(
        User::new(ALICE.parse().unwrap())
            .unwrap()
            .policy("assume", may_assume("*")),
    )
    .unwrap()
    // Bob's account is trusted, but no identity policy of his allows the call.
    .add_user(User::new(BOB.parse().unwrap()).unwrap())
    .unwrap()
    .add_user(
        User::new(CAROL.parse().unwrap())
            .unwrap()
            .policy("assume", may_assume("arn:aws:iam::222222222222:role/*")),
    )
    .unwrap()
    .add_role(Role::new(
        ROOT_TRUST.parse().unwrap(),
        trust(r#"{"AWS":"arn:aws:iam::111111111111:root"}"#, "sts:AssumeRole", ""),
    ))
    .unwrap()
    .add_role(Role::new(
        MFA_ROLE.parse().unwrap(),
        trust(
            &format!(r#"{{"AWS":"{ALICE}"}}"#),
            "sts:AssumeRole",
            r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        ),
    ))
    .unwrap()
    .add_role(Role::new(
        VENDOR.parse().unwrap(),
        trust(
            r#"{"AWS":"111111111111"}"#,
            "sts:AssumeRole",
            r#","Condition":{"StringEquals":{"sts:ExternalId":"vendor-1234"}}"#,
        ),
    ))
    .unwrap()
    // The account is trusted, but a deny spares only alice (trust policies take
    // no NotPrincipal: the deny names who it spares with aws:PrincipalArn).
    .add_role(Role::new(
        GUARDED.parse().unwrap(),
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
                {{"Effect":"Allow","Principal":{{"AWS":"111111111111"}},"Action":"sts:AssumeRole"}},
                {{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{{"StringNotEquals":{{"aws:PrincipalArn":"{ALICE}"}}}}}}]}}"#
        )),
    ))
    .unwrap()
    // Allowed to alice, denied from outside the corporate network: the caller
    // avoids the deny by calling from inside.
    .add_role(Role::new(
        CORP_ONLY.parse().unwrap(),
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
                {{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"sts:AssumeRole"}},
                {{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{{"NotIpAddress":{{"aws:SourceIp":"10.0.0.0/8"}}}}}}]}}"#
        )),
    ))
    .unwrap()
    .add_role(Role::new(
        EC2.parse().unwrap(),
        trust(r#"{"Service":"ec2.amazonaws.com"}"#, "sts:AssumeRole", ""),
    ))
    .unwrap()
    .add_role(Role::new(
        DEPLOY.parse().unwrap(),
        trust(
            &format!(r#"{{"Federated":"{GITHUB}"}}"#),
            "sts:AssumeRoleWithWebIdentity",
            r#","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/api:ref:refs/heads/main"}}"#,
        ),
    ))
    .unwrap()
    // A three-hop chain: alice -> Hop1 -> Hop2 -> Hop3.
    .add_role(
        Role::new(
            HOP1.parse().unwrap(),
            trust(&format!(r#"{{"AWS":"{ALICE}"}}"#), "sts:AssumeRole", ""),
        )
        .policy("next", may_assume(HOP2)),
    )
    .unwrap()
    .add_role(
        Role::new(
            HOP2.parse().unwrap(),
            trust(&format!(r#"{{"AWS":"{HOP1}"}}"#), "sts:AssumeRole", ""),
        )
        .policy("next", may_assume(HOP3)),
    )
    .unwrap()
    .add_role(Role::new(
        HOP3.parse().unwrap(),
        trust(&format!(r#"{{"AWS":"{HOP2}"}}"#), "sts:AssumeRole", ""),
    ))
    .unwrap();
    w
}

fn principals(graph: &AccessGraph, role: &str) -> Vec<String> {
    graph
        .who_can_assume(role)
        .into_iter()
        .map(|a| a.principal)
        .collect()
}

#[test]
fn a_root_trust_reaches_exactly_the_principals_whose_policies_allow() {
    let graph = AccessGraph::build(&world());
    // Bob has no identity policy: the account's trust does not reach him.
    assert_eq!(principals(&graph, ROOT_TRUST), [ALICE, CAROL]);
    // A deny on every other principal spares alice only.
    assert_eq!(principals(&graph, GUARDED), [ALICE]);
}

#[test]
fn conditions_the_caller_sends_label_edges_instead_of_cutting_them() {
    let graph = AccessGraph::build(&world());
    let mfa = graph.path(ALICE, MFA_ROLE).unwrap();
    assert_eq!(
        mfa.requires,
        [vec![xrole_test::access::Requirement {
            operator: "Bool".into(),
            key: "aws:MultiFactorAuthPresent".into(),
            values: vec!["true".into()],
            avoids_deny: false,
        }]]
    );
    let vendor = graph.who_can_assume(VENDOR);
    assert_eq!(vendor.len(), 2, "{vendor:?}");
    assert!(vendor.iter().all(|a| a.requires[0][0].to_string()
        == r#"StringEquals sts:ExternalId "vendor-1234""#));
    // A deny the caller avoids by what it sends labels the edge too.
    let corp = graph.path(ALICE, CORP_ONLY).unwrap();
    assert_eq!(
        corp.requires[0][0].to_string(),
        r#"not (NotIpAddress aws:SourceIp "10.0.0.0/8")"#
    );
    // The explanation of an edge says which statements allowed it.
    let edge = graph
        .edges()
        .iter()
        .find(|e| graph.nodes()[e.to].arn == VENDOR)
        .unwrap();
    let text = edge.explanation.to_string();
    assert!(
        text.contains("allows only with StringEquals sts:ExternalId \"vendor-1234\""),
        "{text}"
    );
}

#[test]
fn services_and_web_identity_providers_are_sources() {
    let graph = AccessGraph::build(&world());
    assert_eq!(principals(&graph, EC2), ["ec2.amazonaws.com"]);
    let ec2 = graph.node("ec2.amazonaws.com").unwrap();
    assert_eq!(graph.nodes()[ec2].kind, NodeKind::Service);
    let deploy = graph.who_can_assume(DEPLOY);
    assert_eq!(deploy.len(), 1);
    assert_eq!(deploy[0].principal, GITHUB);
    let labels: Vec<String> = deploy[0].requires[0]
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        labels,
        [
            r#"StringEquals token.actions.githubusercontent.com:aud "sts.amazonaws.com""#,
            r#"StringEquals token.actions.githubusercontent.com:sub "repo:acme/api:ref:refs/heads/main""#
        ]
    );
    let edge = graph
        .edges()
        .iter()
        .find(|e| graph.nodes()[e.to].arn == DEPLOY)
        .unwrap();
    assert_eq!(edge.action, "sts:AssumeRoleWithWebIdentity");
}

#[test]
fn chains_are_paths_with_the_chained_hour_noted() {
    let graph = AccessGraph::build(&world());
    let path = graph.path(ALICE, HOP3).unwrap();
    assert_eq!(path.path, [ALICE, HOP1, HOP2, HOP3]);
    assert!(path.is_chained());
    assert_eq!(
        path.to_string(),
        format!(
            "{ALICE}\n  -> {HOP1}\n  -> {HOP2} [chained: 1h at most]\n  -> {HOP3} [chained: 1h at most]"
        )
    );
    let reach: Vec<String> = graph
        .reachable_from(HOP1)
        .into_iter()
        .filter_map(|a| a.path.last().cloned())
        .collect();
    assert_eq!(reach, [HOP2, HOP3]);
    assert!(graph.path(HOP3, ALICE).is_none());
    xrole_test::assert_who_can_assume!(world(), HOP3);
}

#[test]
fn an_scp_cuts_an_edge() {
    let mut w = world();
    let deny = OrgPolicy::new(
        "NoHop3",
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"{HOP3}"}}]}}"#
        )),
    );
    let org = Organization::new("o-a1b2c3d4e5", "r-ab12", "999999999999".parse().unwrap()).account(
        OrgAccount::new("333333333333".parse().unwrap(), "r-ab12")
            .scp(OrgPolicy::full_aws_access())
            .scp(deny),
    );
    w.set_organization(&org).unwrap();
    let graph = AccessGraph::build(&w);
    assert!(graph.path(HOP2, HOP3).is_none());
    assert!(graph.path(ALICE, HOP2).is_some());
    // The account keeps FullAWSAccess: the deny alone cuts the edge.
    assert!(graph.path(HOP1, HOP2).is_some());
}

#[test]
fn a_diff_that_adds_a_root_trust_is_new_access() {
    let before = world();
    assert_eq!(
        describe_new_access(&AccessGraph::build(&before), &AccessGraph::build(&before)),
        None
    );
    xrole_test::assert_no_new_access!(before, world());
    let mut after = world();
    after
        .replace_role(Role::new(
            HOP3.parse().unwrap(),
            trust(
                r#"{"AWS":"arn:aws:iam::111111111111:root"}"#,
                "sts:AssumeRole",
                "",
            ),
        ))
        .unwrap();
    let message =
        describe_new_access(&AccessGraph::build(&before), &AccessGraph::build(&after)).unwrap();
    // Alice's policy allows any role; Carol's only account 222222222222's.
    assert!(message.starts_with("1 new access path(s):"), "{message}");
    assert!(
        message.contains(&format!("{ALICE}\n  -> {HOP3}")) && !message.contains(CAROL),
        "{message}"
    );
    assert!(
        message.contains(
            "allows the caller's account, which must also allow it in an identity policy"
        ),
        "{message}"
    );
    let caught = std::panic::catch_unwind(|| xrole_test::assert_no_new_access!(before, after));
    assert!(caught.is_err());
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/access/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn account_exports_make_a_world_and_its_graph() {
    use xrole_test::import::import_authorization_details;
    let mut w = World::new();
    for name in ["tooling-111111111111", "workload-222222222222"] {
        import_authorization_details(&mut w, &format!("{name}.json"), &fixture(name)).unwrap();
    }
    let graph = AccessGraph::build(&w);
    // alice reaches WorkloadAdmin through her group's managed policy (its default
    // version, v2) with MFA (the trust was URL-encoded), then Deployer, chained.
    let found = graph.who_can_assume("arn:aws:iam::222222222222:role/deploy/Deployer");
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "arn:aws:iam::111111111111:user/alice\n  -> arn:aws:iam::222222222222:role/WorkloadAdmin (requires Bool aws:MultiFactorAuthPresent \"true\")\n  -> arn:aws:iam::222222222222:role/deploy/Deployer [chained: 1h at most]",
            "arn:aws:iam::222222222222:role/WorkloadAdmin\n  -> arn:aws:iam::222222222222:role/deploy/Deployer [chained: 1h at most]",
        ]
    );
    // bob's only policy reads S3.
    assert!(
        graph
            .reachable_from("arn:aws:iam::111111111111:user/bob")
            .is_empty()
    );
    // A second account's export lists the same AWS managed policy: it enters once.
    let mut again = w.clone();
    let more = fixture("workload-222222222222").replace("222222222222", "333333333333");
    import_authorization_details(&mut again, "other.json", &more).unwrap();
}

#[test]
fn export_problems_name_the_file_and_the_path() {
    use xrole_test::import::import_authorization_details;
    let mut w = World::new();
    let e = import_authorization_details(
        &mut w,
        "broken.json",
        r#"{"IsTruncated": true,
            "Policies": [{"Arn": "arn:aws:iam::111111111111:policy/P", "PolicyVersionList": [{"Document": {}, "IsDefaultVersion": false}]}],
            "RoleDetailList": [
              {"Arn": "arn:aws:iam::111111111111:role/R", "AssumeRolePolicyDocument": "%7B%22Version%22%3A"},
              {"Arn": "arn:aws:iam::111111111111:role/S", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}},
              {"Arn": "not-an-arn"},
              {"Arn": "arn:aws:iam::111111111111:role/T", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:user/x"}, "Action": "sts:AssumeRole"}]}}],
            "UserDetailList": [{"Arn": "arn:aws:iam::111111111111:user/u", "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111111111111:policy/Missing"}]}]}"#,
    )
    .unwrap_err()
    .to_string();
    for expected in [
        "broken.json: $.IsTruncated: the output is truncated",
        "broken.json: $.Policies[0].PolicyVersionList: has no version with IsDefaultVersion true",
        "broken.json: $.RoleDetailList[0].AssumeRolePolicyDocument: not a policy document (URL-encoded JSON)",
        "broken.json: $.RoleDetailList[1].AssumeRolePolicyDocument: ",
        "Statement[0]: needs a Principal in a trust policy",
        "broken.json: $.RoleDetailList[2].Arn:",
        // A trust with NotPrincipal (which IAM does not take) is said, not modelled.
        "broken.json: $.RoleDetailList[3].AssumeRolePolicyDocument: ",
        "NotPrincipal: is not allowed in a trust policy",
        "broken.json: $.UserDetailList[0]: ",
        "managed policy arn:aws:iam::111111111111:policy/Missing is not in the world",
    ] {
        assert!(e.contains(expected), "{expected}\nin:\n{e}");
    }
    let e = import_authorization_details(&mut w, "list.json", "[]")
        .unwrap_err()
        .to_string();
    assert!(e.contains("list.json: $: must be the object"), "{e}");
}

#[test]
fn principals_judged_alike_share_one_evaluation_unless_a_document_names_them() {
    // Users with the same managed policy: a root trust judges them alike; a
    // condition on aws:PrincipalArn, or a policy variable, tells them apart.
    const DAN: &str = "arn:aws:iam::111111111111:user/dan";
    const EVE: &str = "arn:aws:iam::111111111111:user/eve";
    const FAY: &str = "arn:aws:iam::111111111111:user/fay";
    const GUS: &str = "arn:aws:iam::111111111111:user/gus";
    const NAMED: &str = "arn:aws:iam::222222222222:role/OnlyDan";
    const FAY_TOOLS: &str = "arn:aws:iam::222222222222:role/fay-tools";
    let mut w = World::new();
    w.add_managed_policy(
        "arn:aws:iam::111111111111:policy/Assume".parse().unwrap(),
        may_assume("arn:aws:iam::222222222222:role/*"),
    )
    .unwrap()
    .add_managed_policy(
        "arn:aws:iam::111111111111:policy/OwnTools".parse().unwrap(),
        may_assume("arn:aws:iam::222222222222:role/${aws:username}-tools"),
    )
    .unwrap();
    for (user, policy) in [
        (DAN, "Assume"),
        (EVE, "Assume"),
        (FAY, "OwnTools"),
        (GUS, "OwnTools"),
    ] {
        w.add_user(
            User::new(user.parse().unwrap()).unwrap().managed_policy(
                format!("arn:aws:iam::111111111111:policy/{policy}")
                    .parse()
                    .unwrap(),
            ),
        )
        .unwrap();
    }
    for (role, condition) in [
        (ROOT_TRUST, String::new()),
        (
            NAMED,
            format!(r#","Condition":{{"StringEquals":{{"aws:PrincipalArn":"{DAN}"}}}}"#),
        ),
        (FAY_TOOLS, String::new()),
    ] {
        w.add_role(Role::new(
            role.parse().unwrap(),
            trust(r#"{"AWS":"111111111111"}"#, "sts:AssumeRole", &condition),
        ))
        .unwrap();
    }
    let graph = AccessGraph::build(&w);
    assert_eq!(principals(&graph, ROOT_TRUST), [DAN, EVE]);
    assert_eq!(principals(&graph, NAMED), [DAN]);
    // The variable makes fay's policy allow her own tools only.
    assert_eq!(principals(&graph, FAY_TOOLS), [DAN, EVE, FAY]);
    let pairwise = AccessGraph::build_pairwise(&w);
    assert_eq!(graph.edges().len(), pairwise.edges().len());
}

#[test]
fn a_terraform_plan_adds_its_roles_and_reports_what_it_cannot_know() {
    use xrole_test::import::{import_authorization_details, import_terraform_plan};
    let mut w = World::new();
    import_authorization_details(&mut w, "tooling.json", &fixture("tooling-111111111111")).unwrap();
    let plan = import_terraform_plan(
        &mut w,
        "plan.json",
        &fixture("plan-222222222222"),
        Some("222222222222".parse().unwrap()),
    )
    .unwrap();
    // The module's role trusts a value known only after apply: named, left out,
    // and the rest of the plan read.
    assert_eq!(
        plan.unjudged,
        ["module.ci.aws_iam_role.runner: assume_role_policy known only after apply"]
    );
    // The rest entered: the policy ARN the attachment takes (unknown in the plan)
    // follows from the policy's name through the configuration's reference.
    let graph = AccessGraph::build(&w);
    let found = graph.who_can_assume("arn:aws:iam::222222222222:role/ci/Deploy");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].principal, "arn:aws:iam::111111111111:user/alice");
    assert_eq!(
        found[0].requires[0][0].to_string(),
        r#"StringEquals sts:ExternalId "tf-ext-1""#
    );
    let role: RoleArn = "arn:aws:iam::222222222222:role/ci/Deploy".parse().unwrap();
    assert_eq!(
        w.role(&role).unwrap().managed_policies()[0].as_str(),
        "arn:aws:iam::222222222222:policy/DeployStacks"
    );
    let e = import_terraform_plan(
        &mut World::new(),
        "x.json",
        "{}",
        Some("222222222222".parse().unwrap()),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("x.json: $.planned_values.root_module: missing"),
        "{e}"
    );
}

#[test]
fn a_cloudformation_template_in_yaml_resolves_its_intrinsics() {
    use xrole_test::import::{StackContext, import_authorization_details, import_cloudformation};
    let mut w = World::new();
    import_authorization_details(&mut w, "tooling.json", &fixture("tooling-111111111111")).unwrap();
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/access/stack-222222222222.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let stack = StackContext {
        account: "222222222222".parse().unwrap(),
        region: Some("eu-west-1".into()),
        parameters: [("ToolingAccount".to_owned(), "111111111111".to_owned())].into(),
    };
    let e = import_cloudformation(&mut w, "stack.yaml", &text, &stack)
        .unwrap_err()
        .to_string();
    for expected in [
        "stack.yaml: Resources.Unnamed.Properties.RoleName: not set: CloudFormation generates the name at deploy time",
        "stack.yaml: Resources.Conditional.Properties: Fn::If is not resolved offline",
    ] {
        assert!(e.contains(expected), "{expected}\nin:\n{e}");
    }
    assert_eq!(e.matches("stack.yaml:").count(), 2, "{e}");
    // !Sub, !Ref, !FindInMap, !GetAtt and !Join resolved: alice reaches the
    // release role through the deploy role, MFA first.
    let graph = AccessGraph::build(&w);
    let path = graph
        .path(ALICE, "arn:aws:iam::222222222222:role/release")
        .unwrap();
    assert_eq!(
        path.path,
        [
            ALICE,
            "arn:aws:iam::222222222222:role/ci/deploy-prod",
            "arn:aws:iam::222222222222:role/release"
        ]
    );
    assert_eq!(
        path.requires[0][0].to_string(),
        r#"Bool aws:MultiFactorAuthPresent "true""#
    );
    // A parameter without a value is said, by path.
    let mut bare = World::new();
    let e = import_cloudformation(
        &mut bare,
        "stack.yaml",
        &text,
        &StackContext {
            parameters: Default::default(),
            ..stack.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("Resources.DeployRole.Properties: parameter ToolingAccount has no value"),
        "{e}"
    );
    // JSON templates take the long forms.
    let json = r#"{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}]]},
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}}}"#;
    let mut w2 = World::new();
    import_cloudformation(&mut w2, "t.json", json, &stack).unwrap();
    assert!(
        w2.role(
            &"arn:aws:iam::222222222222:role/a-eu-west-1"
                .parse()
                .unwrap()
        )
        .is_some()
    );
    // A stack in a China region: its roles are in aws-cn, and AWS::Partition and
    // AWS::URLSuffix say so.
    let china = StackContext {
        region: Some("cn-north-1".into()),
        ..stack.clone()
    };
    let json = r#"{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::Join": ["-", [{"Ref": "AWS::Partition"}, {"Ref": "AWS::URLSuffix"}]]},
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com.cn"}, "Action": "sts:AssumeRole"}]}}}}}"#;
    let mut w3 = World::new();
    import_cloudformation(&mut w3, "t.json", json, &china).unwrap();
    let roles: Vec<String> = w3.roles().map(|r| r.arn().to_string()).collect();
    assert_eq!(
        roles,
        ["arn:aws-cn:iam::222222222222:role/aws-cn-amazonaws.com.cn"]
    );
}

#[test]
fn an_scp_that_names_a_principal_judges_each_member_of_a_group_alone() {
    const EVE: &str = "arn:aws:iam::111111111111:user/eve";
    const DAN: &str = "arn:aws:iam::111111111111:user/dan";
    let mut w = World::new();
    w.add_managed_policy(
        "arn:aws:iam::111111111111:policy/Assume".parse().unwrap(),
        may_assume("*"),
    )
    .unwrap();
    // Eve first: the group's first judgement is a refusal.
    for user in [EVE, DAN] {
        w.add_user(
            User::new(user.parse().unwrap())
                .unwrap()
                .managed_policy("arn:aws:iam::111111111111:policy/Assume".parse().unwrap()),
        )
        .unwrap();
    }
    w.add_role(Role::new(
        ROOT_TRUST.parse().unwrap(),
        trust(r#"{"AWS":"111111111111"}"#, "sts:AssumeRole", ""),
    ))
    .unwrap();
    let deny_eve = OrgPolicy::new(
        "NoEve",
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalArn":"{EVE}"}}}}}}]}}"#
        )),
    );
    let org = Organization::new("o-a1b2c3d4e5", "r-ab12", "999999999999".parse().unwrap()).account(
        OrgAccount::new("111111111111".parse().unwrap(), "r-ab12")
            .scp(OrgPolicy::full_aws_access())
            .scp(deny_eve),
    );
    w.set_organization(&org).unwrap();
    let graph = AccessGraph::build(&w);
    assert_eq!(principals(&graph, ROOT_TRUST), [DAN]);
}

/// A plan over the export of the account it changes, as `xrole access diff`
/// meets it: an update replaces the exported role, a delete removes one, a no-op
/// keeps the export's version (with its attachments), the provider's zero values
/// are unset, a value known only after apply and an AWS managed policy in no
/// input are named and the rest is judged, and the account comes from the plan.
#[test]
fn a_plan_changes_the_roles_an_export_holds() {
    use xrole_test::import::{import_authorization_details, import_terraform_plan};
    let mut w = World::new();
    import_authorization_details(&mut w, "tooling.json", &fixture("tooling-111111111111")).unwrap();
    import_authorization_details(&mut w, "workload.json", &fixture("workload-222222222222"))
        .unwrap();
    let legacy: RoleArn = "arn:aws:iam::222222222222:role/Legacy".parse().unwrap();
    w.add_role(
        Role::new(
            legacy.clone(),
            trust(r#"{"AWS":"111111111111"}"#, "sts:AssumeRole", ""),
        )
        .managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap()),
    )
    .unwrap();
    let deployer = "arn:aws:iam::222222222222:role/deploy/Deployer";
    let before = AccessGraph::build(&w);
    // Before, alice reaches the deployer only through WorkloadAdmin.
    assert_eq!(before.path(ALICE, deployer).unwrap().path.len(), 3);

    let plan = import_terraform_plan(
        &mut w,
        "plan.json",
        &fixture("plan-changes-222222222222"),
        None,
    )
    .unwrap();
    // The account from the prior state's ARNs.
    assert_eq!(plan.account, "222222222222".parse().unwrap());
    assert_eq!(plan.unjudged.len(), 2, "{:?}", plan.unjudged);
    assert_eq!(
        plan.unjudged[0],
        "aws_iam_role.etl_worker: assume_role_policy known only after apply"
    );
    assert!(
        plan.unjudged[1].starts_with("aws_iam_role.reporter: arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole is attached but in no input"),
        "{:?}",
        plan.unjudged
    );
    // Deleted; created (without the policy no input holds); never judged.
    assert!(w.role(&legacy).is_none());
    let reporter: RoleArn = "arn:aws:iam::222222222222:role/Reporter".parse().unwrap();
    assert!(w.role(&reporter).unwrap().managed_policies().is_empty());
    assert!(
        w.role(&"arn:aws:iam::222222222222:role/etl-worker".parse().unwrap())
            .is_none()
    );
    // Updated in place: the zero values unset, the new trust judged.
    let role = w.role(&deployer.parse().unwrap()).unwrap();
    assert!(role.boundary().is_none() && role.policies().is_empty());
    let after = AccessGraph::build(&w);
    // The update's new trust: alice assumes the deployer directly.
    assert_eq!(after.path(ALICE, deployer).unwrap().path.len(), 2);
    let new = new_access(&before, &after);
    assert!(
        new.iter()
            .any(|a| a.access.principal == ALICE && a.access.path.len() == 2),
        "{:?}",
        describe_new_access(&before, &after)
    );
    // The no-op kept the export's version of WorkloadAdmin, with the inline and
    // managed policies the plan's copy does not list.
    let admin = w
        .role(
            &"arn:aws:iam::222222222222:role/WorkloadAdmin"
                .parse()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(admin.policies()[0].0, "assume-deployer");
    assert_eq!(
        admin.managed_policies()[0].as_str(),
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
}

/// The account a plan applies to: given, named by the plan in several ways, or
/// a clear problem when neither or both disagree.
#[test]
fn a_plan_names_its_account() {
    use xrole_test::import::import_terraform_plan;
    let with = |extra: &str| {
        format!(r#"{{"planned_values":{{"root_module":{{"resources":[]}}}}{extra}}}"#)
    };
    let account = |json: &str, given: Option<&str>| {
        import_terraform_plan(
            &mut World::new(),
            "p.json",
            json,
            given.map(|a| a.parse().unwrap()),
        )
        .map(|p| p.account.to_string())
        .map_err(|e| e.to_string())
    };
    let allowed = with(
        r#","configuration":{"provider_config":{"aws":{"expressions":{"allowed_account_ids":{"constant_value":["333333333333"]}}}}}"#,
    );
    assert_eq!(account(&allowed, None).unwrap(), "333333333333");
    let caller = with(
        r#","prior_state":{"values":{"root_module":{"resources":[{"address":"data.aws_caller_identity.current","mode":"data","type":"aws_caller_identity","values":{"account_id":"444444444444"}}]}}}"#,
    );
    assert_eq!(account(&caller, None).unwrap(), "444444444444");
    assert_eq!(
        account(&with(""), Some("555555555555")).unwrap(),
        "555555555555"
    );
    let none = account(&with(""), None).unwrap_err();
    assert!(
        none.contains("p.json: $: the plan names no account"),
        "{none}"
    );
    let other = account(&allowed, Some("555555555555")).unwrap_err();
    assert!(
        other.contains("the plan names account 333333333333, not 555555555555 as given"),
        "{other}"
    );
}

/// A replacement (`["create","delete"]`) puts the planned role in over the
/// export's, and a `read` or `no-op` of a role nobody exported adds it.
#[test]
fn a_replaced_role_takes_the_planned_trust() {
    use xrole_test::import::import_terraform_plan;
    let mut w = World::new();
    let arn: RoleArn = "arn:aws:iam::222222222222:role/App".parse().unwrap();
    w.add_role(Role::new(
        arn.clone(),
        trust(r#"{"AWS":"111111111111"}"#, "sts:AssumeRole", ""),
    ))
    .unwrap();
    let role = |name: &str, account: &str| {
        serde_json::json!({"address": format!("aws_iam_role.{}", name.to_lowercase()), "mode": "managed",
            "type": "aws_iam_role", "name": name.to_lowercase(),
            "values": {"name": name, "path": "/", "permissions_boundary": "",
                "assume_role_policy": format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#)}})
    };
    let plan = serde_json::json!({
        "planned_values": {"root_module": {"resources": [role("App", "333333333333"), role("Kept", "111111111111")]}},
        "resource_changes": [
            {"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role",
             "change": {"actions": ["create", "delete"], "before": {"name": "App"}, "after": {}}},
            {"address": "aws_iam_role.kept", "mode": "managed", "type": "aws_iam_role",
             "change": {"actions": ["no-op"], "before": {}, "after": {}}}
        ],
        "configuration": {"provider_config": {"aws": {"expressions": {"allowed_account_ids": {"constant_value": ["222222222222"]}}}}}
    });
    let done = import_terraform_plan(&mut w, "p.json", &plan.to_string(), None).unwrap();
    assert!(done.unjudged.is_empty(), "{:?}", done.unjudged);
    let trust = w.role(&arn).unwrap().trust_policy().to_compact_json();
    assert!(
        trust.contains("333333333333") && !trust.contains("111111111111"),
        "{trust}"
    );
    assert!(
        w.role(&"arn:aws:iam::222222222222:role/Kept".parse().unwrap())
            .is_some()
    );
}

/// Hostile templates: nesting that would exhaust the stack, and references that
/// would ask for gigabytes, are refused with their reason, quickly.
#[test]
fn hostile_templates_are_refused_within_bounds() {
    use xrole_test::import::{StackContext, import_cloudformation};
    let stack = StackContext {
        account: "222222222222".parse().unwrap(),
        region: None,
        parameters: Default::default(),
    };
    let deep = format!("Resources:\n  X:\n    {}x\n", "- ".repeat(10_000));
    let e = import_cloudformation(&mut World::new(), "deep.yaml", &deep, &stack)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("collections nested deeper than 64 levels"),
        "{e}"
    );
    let refs = vec!["!Ref Big"; 100_000].join(", ");
    let join = format!(
        "Parameters:\n  Big:\n    Type: String\n    Default: {}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: r\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: !Join ['', [{refs}]]}}\n            Action: sts:AssumeRole\n",
        "x".repeat(100_000)
    );
    let e = import_cloudformation(&mut World::new(), "join.yaml", &join, &stack)
        .unwrap_err()
        .to_string();
    assert!(e.contains("characters of values"), "{e}");
    let sub = format!(
        "Parameters:\n  Big:\n    Type: String\n    Default: {}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Sub '{}'\n      AssumeRolePolicyDocument: {{}}\n",
        "x".repeat(100_000),
        "${Big}".repeat(20)
    );
    let e = import_cloudformation(&mut World::new(), "sub.yaml", &sub, &stack)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Fn::Sub resolves to more than"), "{e}");
}
