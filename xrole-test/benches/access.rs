//! Access graph figures: `cargo bench -p xrole-test --bench access`.
//! Prints one `name: value` line per figure.
//!
//! The organization: an identity account of 5,000 users in 20 groups (each
//! group's managed policy may assume its team's roles anywhere), and 200 workload
//! accounts of 50 roles each (10,000 roles). Six roles in ten trust the identity
//! account's root with MFA, three trust another role of their account, one trusts
//! EC2; every role may assume the roles of its own account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may stop loudly

use std::time::Instant;

use xrole_core::PolicyDocument;
use xrole_test::access::AccessGraph;
use xrole_test::sts::{Group, Role, User, World};

const IDENTITY: u64 = 100_000_000_000;
const TEAMS: usize = 20;

fn doc(json: &str) -> PolicyDocument {
    json.parse().unwrap_or_else(|e| panic!("bench policy: {e}"))
}

fn trust(principal: &str, condition: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"{condition}}}]}}"#
    ))
}

/// `accounts` workload accounts of `roles` roles, and `users` users.
fn world(accounts: u64, roles: usize, users: usize) -> World {
    let mut w = World::new();
    for t in 0..TEAMS {
        w.add_managed_policy(
            format!("arn:aws:iam::{IDENTITY}:policy/Team{t}Assume").parse().unwrap(),
            doc(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/team{t}-*"}}]}}"#
            )),
        )
        .unwrap();
        w.add_group(
            Group::new(IDENTITY.to_string().parse().unwrap(), &format!("team{t}")).managed_policy(
                format!("arn:aws:iam::{IDENTITY}:policy/Team{t}Assume")
                    .parse()
                    .unwrap(),
            ),
        )
        .unwrap();
    }
    for u in 0..users {
        w.add_user(
            User::new(
                format!("arn:aws:iam::{IDENTITY}:user/user{u}")
                    .parse()
                    .unwrap(),
            )
            .unwrap()
            .group(&format!("team{}", u % TEAMS)),
        )
        .unwrap();
    }
    for a in 1..=accounts {
        let account = IDENTITY + a;
        let own = format!("arn:aws:iam::{account}:policy/OwnRoles");
        w.add_managed_policy(
            own.parse().unwrap(),
            doc(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{account}:role/*"}}]}}"#
            )),
        )
        .unwrap();
        for r in 0..roles {
            let name = format!("team{}-r{r}", r % TEAMS);
            let trust = match r % 10 {
                0..=5 => trust(
                    &format!(r#"{{"AWS":"arn:aws:iam::{IDENTITY}:root"}}"#),
                    r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
                ),
                9 => trust(r#"{"Service":"ec2.amazonaws.com"}"#, ""),
                _ => trust(
                    &format!(
                        r#"{{"AWS":"arn:aws:iam::{account}:role/team{}-r{}"}}"#,
                        (r - 1) % TEAMS,
                        r - 1
                    ),
                    "",
                ),
            };
            w.add_role(
                Role::new(
                    format!("arn:aws:iam::{account}:role/{name}")
                        .parse()
                        .unwrap(),
                    trust,
                )
                .managed_policy(own.parse().unwrap()),
            )
            .unwrap();
        }
    }
    w
}

fn seconds<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let g = f();
    (start.elapsed().as_secs_f64(), g)
}

fn main() {
    let started = Instant::now();
    let full = world(200, 50, 5000);
    println!("world_build_s: {:.2}", started.elapsed().as_secs_f64());
    let (build_s, graph) = seconds(|| AccessGraph::build(&full));
    println!("graph_build_s: {build_s:.2}");
    println!("nodes: {}", graph.nodes().len());
    println!("edges: {}", graph.edges().len());
    // A role three hops from the users: team7-r8 trusts team7-r7... of account 1.
    let deep = format!("arn:aws:iam::{}:role/team8-r8", IDENTITY + 1);
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            let found = graph.who_can_assume(&deep);
            assert!(!found.is_empty());
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    println!("who_can_ms: {:.2}", samples[samples.len() / 2]);

    // The baseline on a slice: every principal against every role.
    let slice = world(10, 50, 1000);
    let (indexed_s, indexed) = seconds(|| AccessGraph::build(&slice));
    let (pairwise_s, pairwise) = seconds(|| AccessGraph::build_pairwise(&slice));
    assert_eq!(
        indexed.edges().len(),
        pairwise.edges().len(),
        "the index loses no edge"
    );
    println!("slice_edges: {}", indexed.edges().len());
    println!("slice_indexed_build_s: {indexed_s:.3}");
    println!("slice_pairwise_build_s: {pairwise_s:.3}");

    // 20,000 roles of one account, each trusting the account's root and holding
    // a policy of its own that assumes nothing: no edge, and no principal that a
    // grant to the account could reach.
    let mut roots = World::new();
    for i in 0..20_000 {
        roots
            .add_role(
                Role::new(
                    format!("arn:aws:iam::{}:role/app-{i}", IDENTITY + 1).parse().unwrap(),
                    trust(&format!(r#"{{"AWS":"arn:aws:iam::{}:root"}}"#, IDENTITY + 1), ""),
                )
                .policy(
                    "own",
                    doc(&format!(
                        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::app-{i}/*"}}]}}"#
                    )),
                ),
            )
            .unwrap();
    }
    let (roots_s, roots_graph) = seconds(|| AccessGraph::build(&roots));
    let (who_s, found) = seconds(|| {
        roots_graph.who_can_assume(&format!("arn:aws:iam::{}:role/app-7", IDENTITY + 1))
    });
    assert!(found.is_empty());
    println!("root_trust_20k_roles_build_s: {roots_s:.2}");
    println!("root_trust_20k_roles_who_can_ms: {:.2}", who_s * 1000.0);
}
