//! `xrole access`: who can assume what, over the policies people deploy
//! (`xrole_iam::access` on a world read from the inputs).
//!
//! Inputs are `aws iam get-account-authorization-details` outputs, one file per
//! account, Terraform plans (`terraform show -json PLAN`) and CloudFormation
//! templates (JSON or YAML), these for the account `--account-id` names (a plan
//! may name its own), with `--region` and `--parameter KEY=VALUE` for the
//! templates. What a plan leaves unjudged (a value known only after apply, an AWS
//! managed policy in no input) follows the answer: after text on standard
//! output, on standard error beside JSON. Exit codes: 0 answered (for `diff`,
//! nothing new and everything judged); 1 an error, or for `diff` new access (each
//! new edge and path listed) or anything unjudged; 2 bad flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use xrole::AccountId;
use xrole_iam::access::{Access, AccessGraph, new_access, render_who_can_assume};
use xrole_iam::world::World;
use xrole_import::{Deployment, Input};

use crate::CliError;
use crate::input::{MAX_INPUT_BYTES, read_bounded};
use crate::output;

#[derive(Subcommand, Debug)]
pub(crate) enum AccessCommand {
    /// Every principal that can assume ROLE_ARN, directly or through a chain, with
    /// what each hop requires.
    WhoCan {
        /// The role.
        role: String,
        #[command(flatten)]
        listing: Listing,
    },
    /// Every role PRINCIPAL_ARN can reach, directly or through a chain.
    Reach {
        /// The principal (a user's or role's ARN).
        principal: String,
        #[command(flatten)]
        listing: Listing,
    },
    /// The access AFTER opens that BEFORE did not have (a plan-time gate: before =
    /// the accounts' export, after = the change applied); exit code 1 when any.
    Diff {
        /// The inputs before the change.
        #[arg(long, required = true, num_args = 1..)]
        before: Vec<PathBuf>,
        /// The inputs after it (a plan among them, say).
        #[arg(long, required = true, num_args = 1..)]
        after: Vec<PathBuf>,
        #[command(flatten)]
        stack: StackFlags,
    },
    /// The whole graph.
    Graph {
        #[command(flatten)]
        inputs: Inputs,
        /// `dot` (Graphviz) or `json`.
        #[arg(long, value_enum, default_value_t = GraphForm::Dot)]
        format: GraphForm,
    },
}

/// The inputs of one world.
#[derive(Args, Debug)]
pub(crate) struct Inputs {
    /// An account's `aws iam get-account-authorization-details` output, a
    /// Terraform plan's JSON or a CloudFormation template (repeatable).
    #[arg(long = "input", required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    stack: StackFlags,
}

/// A listing's inputs, how it is printed, and how many accesses it shows.
#[derive(Args, Debug)]
pub(crate) struct Listing {
    #[command(flatten)]
    inputs: Inputs,
    /// How to print.
    #[arg(long, value_enum, default_value_t = Form::Text)]
    format: Form,
    /// The most accesses listed; the rest are counted.
    #[arg(long, default_value_t = DEFAULT_LIMIT)]
    limit: usize,
}

/// What Terraform plans and CloudFormation templates are deployed with, and the
/// world the inputs join.
#[derive(Args, Debug, Clone)]
pub(crate) struct StackFlags {
    /// A world file (`xrole sts serve`'s format) the inputs are read into: its
    /// `organization` (SCPs and RCPs) and `oidcProviders` then take part.
    #[arg(long)]
    world: Option<PathBuf>,
    /// The account plans and templates apply to (their roles' and policies' ARNs,
    /// AWS::AccountId); a plan that names its account (allowed_account_ids, its
    /// prior state's ARNs, data.aws_caller_identity) needs none.
    #[arg(long)]
    account_id: Option<AccountId>,
    /// The region of CloudFormation stacks (AWS::Region).
    #[arg(long)]
    region: Option<String>,
    /// A CloudFormation parameter's value, KEY=VALUE (repeatable).
    #[arg(long = "parameter", value_parser = parse_parameter)]
    parameters: Vec<(String, String)>,
}

fn parse_parameter(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{text:?}: write KEY=VALUE"))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Form {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum GraphForm {
    Dot,
    Json,
}

/// The world of `files` and what its plans left unjudged, every problem of
/// every file reported at once.
fn world(files: &[PathBuf], stack: &StackFlags) -> Result<(World, Vec<String>), CliError> {
    let deployment = Deployment {
        account: stack.account_id,
        region: stack.region.clone(),
        parameters: stack.parameters.iter().cloned().collect(),
    };
    let mut world = match &stack.world {
        None => World::new(),
        Some(path) => {
            let name = path.display().to_string();
            let text = read_bounded(path, MAX_INPUT_BYTES)?;
            World::from_json(&text).map_err(|e| CliError::Input {
                name,
                problem: crate::InputProblem::World(e),
            })?
        }
    };
    let mut problems = Vec::new();
    let mut unjudged = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let text = read_bounded(path, MAX_INPUT_BYTES)?;
        let read = Input::parse(&name, &text).and_then(|input| {
            drop(text);
            input.import_into(&mut world, &name, &deployment)
        });
        let read = read.map(|found| {
            unjudged.extend(found.into_iter().map(|u| format!("{name}: {u}")));
        });
        if let Err(e) = read {
            problems.extend(e.problems().iter().cloned());
        }
    }
    if problems.is_empty() {
        Ok((world, unjudged))
    } else {
        Err(CliError::Inputs { problems })
    }
}

/// The graph of `world`, its progress on standard error once a build has taken
/// more than two seconds (every two seconds after).
fn build(world: &World) -> AccessGraph {
    let started = std::time::Instant::now();
    let mut said = started;
    AccessGraph::build_reporting(world, &mut |done, total| {
        let now = std::time::Instant::now();
        if now.duration_since(started).as_secs() >= 2 && now.duration_since(said).as_secs() >= 2 {
            eprintln!("xrole: access graph: {done} of {total} roles judged");
            said = now;
        }
    })
}

/// The most accesses an answer lists; the rest are counted.
const DEFAULT_LIMIT: usize = 1000;

/// One access as JSON: `principal`, `path`, per hop its `conditions` and the
/// `explanation` of the evaluation that allowed it.
fn access_json(graph: &AccessGraph, a: &Access) -> Value {
    let explanation: Vec<Vec<String>> = a
        .edges
        .iter()
        .map(|&e| {
            graph.edges()[e]
                .explanation
                .explanation
                .iter()
                .map(ToString::to_string)
                .collect()
        })
        .collect();
    json!({
        "principal": a.principal,
        "path": a.path,
        "conditions": a.requires.iter().map(|hop| hop.iter().map(ToString::to_string).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "chained": (0..a.edges.len()).map(|i| a.is_chained_hop(i)).collect::<Vec<_>>(),
        "explanation": explanation,
    })
}

/// What could not be judged, as lines after an answer: `not judged (...):` and
/// one line each.
pub(crate) fn unjudged_text(unjudged: &[String]) -> String {
    if unjudged.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "\nnot judged ({}), the answer covers the rest:\n",
        unjudged.len()
    );
    for u in unjudged {
        text.push_str(&format!("  {u}\n"));
    }
    text
}

/// Says what could not be judged: after a text answer on standard output, on
/// standard error beside JSON (which stays one value).
fn report_unjudged(unjudged: &[String], form: Form) -> Result<(), CliError> {
    match form {
        Form::Text => output::print(&unjudged_text(unjudged)),
        Form::Json => {
            eprint!("{}", unjudged_text(unjudged).trim_start_matches('\n'));
            Ok(())
        }
    }
}

/// Prints at most the listing's limit of `found`, and how many more there
/// are: after the text, or on standard error beside JSON (which stays one array).
fn print_accesses(
    graph: &AccessGraph,
    found: &[Access],
    listing: &Listing,
) -> Result<(), CliError> {
    let Listing {
        format: form,
        limit,
        ..
    } = *listing;
    let shown = &found[..found.len().min(limit)];
    let more = found.len() - shown.len();
    let rest = format!("... and {more} more (--limit {limit} listed)\n");
    let text = match form {
        Form::Json => {
            let list: Vec<Value> = shown.iter().map(|a| access_json(graph, a)).collect();
            if more > 0 {
                eprint!("{rest}");
            }
            format!("{}\n", Value::Array(list))
        }
        Form::Text => {
            let mut text: String = shown.iter().map(|a| format!("{a}\n")).collect();
            if more > 0 {
                text.push_str(&rest);
            }
            text
        }
    };
    output::print(&text)
}

/// The graph of `inputs`, and what they held that could not be judged, when it
/// holds the `what` (`role`, `principal`) asked about.
fn graph_holding(
    inputs: &Inputs,
    what: &'static str,
    arn: &str,
) -> Result<(AccessGraph, Vec<String>), CliError> {
    let (world, unjudged) = world(&inputs.files, &inputs.stack)?;
    let graph = build(&world);
    if graph.node(arn).is_none() {
        return Err(CliError::NotInInputs {
            what,
            arn: arn.to_owned(),
            unjudged,
        });
    }
    Ok((graph, unjudged))
}

pub(crate) fn run(command: &AccessCommand) -> Result<ExitCode, CliError> {
    match command {
        AccessCommand::WhoCan { role, listing } => {
            let (graph, unjudged) = graph_holding(&listing.inputs, "role", role.as_str())?;
            let found = graph.who_can_assume(role);
            match listing.format {
                Form::Text if found.len() <= listing.limit => {
                    output::print(&render_who_can_assume(&graph, role))?;
                }
                _ => print_accesses(&graph, &found, listing)?,
            }
            report_unjudged(&unjudged, listing.format)?;
        }
        AccessCommand::Reach { principal, listing } => {
            let (graph, unjudged) =
                graph_holding(&listing.inputs, "principal", principal.as_str())?;
            print_accesses(&graph, &graph.reachable_from(principal), listing)?;
            report_unjudged(&unjudged, listing.format)?;
        }
        AccessCommand::Diff {
            before,
            after,
            stack,
        } => {
            let (before, mut unjudged) = world(before, stack)?;
            let (after, after_unjudged) = world(after, stack)?;
            unjudged.extend(after_unjudged);
            let found = new_access(&build(&before), &build(&after));
            let mut text = if found.is_empty() {
                "no new access\n".to_owned()
            } else {
                format!("{} new access path(s):\n", found.len())
            };
            for f in &found {
                text.push_str(&format!("{f}\n"));
            }
            // What could not be judged may open access: the gate does not pass.
            text.push_str(&unjudged_text(&unjudged));
            output::print(&text)?;
            let clean = found.is_empty() && unjudged.is_empty();
            return Ok(if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        AccessCommand::Graph { inputs, format } => {
            let (world, unjudged) = world(&inputs.files, &inputs.stack)?;
            let graph = build(&world);
            report_unjudged(&unjudged, Form::Json)?;
            let text = match format {
                GraphForm::Dot => graph.to_dot(),
                GraphForm::Json => {
                    let nodes: Vec<Value> = graph
                        .nodes()
                        .iter()
                        .map(|n| json!({"arn": n.arn, "kind": format!("{:?}", n.kind)}))
                        .collect();
                    let edges: Vec<Value> = graph
                        .edges()
                        .iter()
                        .map(|e| {
                            json!({
                                "from": graph.nodes()[e.from].arn,
                                "to": graph.nodes()[e.to].arn,
                                "action": e.action,
                                "conditions": e.requires.iter().map(ToString::to_string).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    format!("{}\n", json!({"nodes": nodes, "edges": edges}))
                }
            };
            output::print(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
