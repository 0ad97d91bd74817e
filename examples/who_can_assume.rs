//! Who can assume what, in a small exported organization: an identity account
//! (111111111111) whose users are in groups, a production account (222222222222)
//! whose roles trust it, and a vendor's account (333333333333) that production's
//! `Admin` role bridges into with an ExternalId.
//!
//! The inputs are `aws iam get-account-authorization-details` outputs, one per
//! account (`examples/data/who_can_assume/`, written in the documented format;
//! one trust is URL-encoded, as the IAM API returns it). The example answers the
//! reviewer's questions offline:
//!
//! - who can assume the vendor's `VendorBridge`, through which chain, under which
//!   conditions (MFA on the first hop, the ExternalId on the second);
//! - what `bob`, a developer, can reach (only `ReadOnly`: the `:root` trust of
//!   `Admin` does not reach him, no policy of his allows it);
//! - whether a change opens new access: a pull request that makes `Deployer`
//!   trust the whole identity account is caught, with the evaluation that allows
//!   each new path.
//!
//! The same with the command: `xrole access who-can ARN --input FILE...`,
//! `xrole access diff --before ... --after ...`.
//!
//! ```sh
//! cargo run --example who_can_assume
//! ```

use std::path::Path;

use xrole_examples::{BoxError, check, section};
use xrole_test::access::{AccessGraph, new_access, render_who_can_assume};
use xrole_test::import::import_authorization_details;
use xrole_test::sts::World;

const ACCOUNTS: [&str; 3] = [
    "identity-111111111111",
    "prod-222222222222",
    "vendor-333333333333",
];
const BRIDGE: &str = "arn:aws:iam::333333333333:role/VendorBridge";
const BOB: &str = "arn:aws:iam::111111111111:user/bob";

/// The world of the exports, with `change` applied to the production account's
/// file (the "after" of a pull request).
fn world(change: impl Fn(String) -> String) -> Result<World, BoxError> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/who_can_assume");
    let mut world = World::new();
    for name in ACCOUNTS {
        let mut text = std::fs::read_to_string(dir.join(format!("{name}.json")))?;
        if name.starts_with("prod") {
            text = change(text);
        }
        import_authorization_details(&mut world, &format!("{name}.json"), &text)?;
    }
    Ok(world)
}

#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    bridge: String,
    bob_reaches: Vec<String>,
    new_access: Vec<String>,
}

fn run() -> Result<Report, BoxError> {
    let before = AccessGraph::build(&world(|t| t)?);
    println!(
        "xrole who can assume: {} principals and roles, {} edges",
        before.nodes().len(),
        before.edges().len()
    );

    section("Who can assume the vendor's bridge role");
    let bridge = render_who_can_assume(&before, BRIDGE);
    print!("{bridge}");

    section("What bob, a developer, can reach");
    let bob_reaches: Vec<String> = before
        .reachable_from(BOB)
        .into_iter()
        .filter_map(|a| a.path.last().cloned())
        .collect();
    println!("{}", bob_reaches.join("\n"));

    section("A pull request makes Deployer trust the whole identity account");
    let after = AccessGraph::build(&world(|t| {
        t.replace(
            "\"AWS\": \"arn:aws:iam::111111111111:user/ci\"",
            "\"AWS\": \"arn:aws:iam::111111111111:root\"",
        )
    })?);
    let found = new_access(&before, &after);
    check(!found.is_empty(), "the widened trust opens new access")?;
    for f in &found {
        println!("{f}");
    }
    Ok(Report {
        bridge,
        bob_reaches,
        new_access: found.iter().map(|f| f.access.principal.clone()).collect(),
    })
}

fn main() -> Result<(), BoxError> {
    run().map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reviewers_questions_are_answered() {
        let report = run().unwrap();
        assert_eq!(
            report.bridge,
            "# Who can assume arn:aws:iam::333333333333:role/VendorBridge\n\
             arn:aws:iam::111111111111:user/alice\n  \
             -> arn:aws:iam::222222222222:role/Admin (requires Bool aws:MultiFactorAuthPresent \"true\")\n  \
             -> arn:aws:iam::333333333333:role/VendorBridge (requires StringEquals sts:ExternalId \"acme-7f3a\") [chained: 1h at most]\n\
             arn:aws:iam::222222222222:role/Admin\n  \
             -> arn:aws:iam::333333333333:role/VendorBridge (requires StringEquals sts:ExternalId \"acme-7f3a\") [chained: 1h at most]\n"
        );
        assert_eq!(
            report.bob_reaches,
            ["arn:aws:iam::222222222222:role/ReadOnly"]
        );
        // alice's policy allows any role; bob's and ci's do not allow Deployer.
        assert_eq!(report.new_access, ["arn:aws:iam::111111111111:user/alice"]);
    }
}
