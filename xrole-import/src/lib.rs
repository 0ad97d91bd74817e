//! The policies people deploy, read into a [`World`]: what the
//! access graph (`access`) and the evaluator then judge.
//!
//! - `authorization_details`: `aws iam get-account-authorization-details`, one
//!   file per account (users, groups, roles, managed policies with their default
//!   versions, boundaries, tags);
//! - `cloudformation`: templates, JSON or YAML with short-form tags, intrinsic
//!   functions resolved from the stack's parameters, account and region;
//! - `terraform`: a plan's JSON (`terraform show -json PLAN`): the IAM resources
//!   as they will be once applied, unknown values reported by address.
//!
//! Every problem names its file and JSON path (`prod.json: RoleDetailList[3].
//! AssumeRolePolicyDocument: ...`), and every problem of a file is reported at
//! once.

/// This crate's README, its example compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadme;

mod authorization_details;
mod cloudformation;
mod parts;
mod terraform;

pub use authorization_details::import_authorization_details;
pub use cloudformation::{StackContext, import_cloudformation};
pub use terraform::{PlanImport, import_terraform_plan};

use serde_json::Value;
use xrole_core::AccountId;
use xrole_core::Placed;

/// An input file, parsed once and known by its kind.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Input {
    /// `aws iam get-account-authorization-details`.
    Export(Value),
    /// A Terraform plan's JSON.
    Plan(Value),
    /// A CloudFormation template, JSON or YAML (read into its JSON form).
    Template(Value),
}

impl Input {
    /// Reads `text` (of the file named `file` in problems) once: JSON with
    /// `planned_values` is a plan, with `Resources` a template, any other JSON an
    /// export; text that is not JSON is a YAML template.
    pub fn parse(file: &str, text: &str) -> Result<Self, WorldError> {
        let problem = |why: String| {
            let mut p = FileProblems::new(file);
            p.at("$", why);
            p.into_error()
        };
        let json = text.trim_start().starts_with(['{', '[']);
        if !json {
            return cloudformation::parse_template(text)
                .map(Input::Template)
                .map_err(problem);
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| problem(format!("not JSON: {e}")))?;
        Ok(if value.get("planned_values").is_some() {
            Input::Plan(value)
        } else if value.get("Resources").is_some() {
            Input::Template(value)
        } else {
            Input::Export(value)
        })
    }

    /// Reads the input into `world`: an export as it is, a plan for
    /// `deployment`'s account or the one it names, a template deployed as
    /// `deployment` says (its account is needed). What a plan could not judge is
    /// returned.
    pub fn import_into(
        &self,
        world: &mut World,
        file: &str,
        deployment: &Deployment,
    ) -> Result<Vec<String>, WorldError> {
        match self {
            Input::Export(v) => {
                authorization_details::authorization_details(world, file, v).map(|()| Vec::new())
            }
            Input::Plan(v) => terraform::terraform_plan(world, file, v, deployment.account)
                .map(|plan| plan.unjudged),
            Input::Template(v) => {
                let Some(account) = deployment.account else {
                    let mut p = FileProblems::new(file);
                    p.at(
                        "$",
                        "a CloudFormation template: give the account its stack is in (--account-id)",
                    );
                    return Err(p.into_error());
                };
                let stack = StackContext {
                    account,
                    region: deployment.region.clone(),
                    parameters: deployment.parameters.clone(),
                };
                cloudformation::cloudformation(world, file, v, &stack).map(|()| Vec::new())
            }
        }
    }
}

/// Where plans and templates are deployed: the account (a plan may name its
/// own), and a stack's region and parameter values.
#[derive(Clone, Debug, Default)]
pub struct Deployment {
    /// The account.
    pub account: Option<AccountId>,
    /// A stack's region (`AWS::Region`).
    pub region: Option<String>,
    /// A stack's parameter values.
    pub parameters: HashMap<String, String>,
}

use std::collections::HashMap;

use xrole_core::PolicyArn;
use xrole_core::policy::PolicyDocument;

use xrole_iam::world::{Group, Role, User, Without, World, WorldError};

/// What an input declares, named, ready to enter a world: managed policies
/// first, then groups, users (who join the groups) and roles (which attach the
/// policies), each in name order.
#[derive(Default)]
pub(crate) struct Entities {
    pub(crate) policies: Vec<(PolicyArn, PolicyDocument)>,
    pub(crate) groups: Vec<(String, Group)>,
    pub(crate) users: Vec<(String, User)>,
    pub(crate) roles: Vec<(String, Role)>,
}

impl Entities {
    /// Adds everything to `world`; what the world refuses is a problem of `p`.
    pub(crate) fn add_to(mut self, world: &mut World, p: &mut FileProblems<'_>) {
        let mut add = |what: String, r: Result<&mut World, WorldError>| {
            if let Err(e) = r {
                p.nested(&what, e);
            }
        };
        self.groups.sort_by(|a, b| a.0.cmp(&b.0));
        self.users.sort_by(|a, b| a.0.cmp(&b.0));
        self.roles.sort_by(|a, b| a.0.cmp(&b.0));
        for (arn, doc) in self.policies {
            add(format!("policy {arn}"), world.add_managed_policy(arn, doc));
        }
        for (name, g) in self.groups {
            add(format!("group {name}"), world.add_group(g));
        }
        for (name, u) in self.users {
            add(format!("user {name}"), world.add_user(u));
        }
        for (name, r) in self.roles {
            add(format!("role {name}"), world.add_role(r));
        }
    }
}

/// The most problems kept of one input; the rest are counted (a file of a
/// million bad items must not make a million messages).
pub const MAX_PROBLEMS_PER_FILE: usize = 1000;

/// Problems of one input file, each placed at the file and the JSON path
/// (`plan.json: resource_changes[2].change`).
pub(crate) struct FileProblems<'f> {
    file: &'f str,
    problems: Vec<Placed>,
    /// Problems past [`MAX_PROBLEMS_PER_FILE`], counted.
    more: usize,
}

impl<'f> FileProblems<'f> {
    pub(crate) fn new(file: &'f str) -> Self {
        Self {
            file,
            problems: Vec::new(),
            more: 0,
        }
    }

    fn place(&self, path: &str) -> String {
        format!("{}: {path}", self.file)
    }

    pub(crate) fn at(&mut self, path: &str, message: impl std::fmt::Display) {
        let place = self.place(path);
        self.push(Placed::new(place, message));
    }

    /// A world's refusal of what `path` describes: each of its problems, placed
    /// within `path`.
    pub(crate) fn nested(&mut self, path: &str, e: WorldError) {
        let place = self.place(path);
        for problem in e.into_problems() {
            self.push(problem.within(&place));
        }
    }

    fn push(&mut self, problem: Placed) {
        if self.problems.len() >= MAX_PROBLEMS_PER_FILE {
            self.more += 1;
        } else {
            self.problems.push(problem);
        }
    }

    /// The problems, when the input cannot be read at all (at least one was said).
    pub(crate) fn into_error(mut self) -> WorldError {
        self.count_the_rest();
        WorldError::new("import", self.problems)
    }

    pub(crate) fn into_result(mut self) -> Result<(), WorldError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            self.count_the_rest();
            Err(WorldError::new("import", self.problems))
        }
    }

    fn count_the_rest(&mut self) {
        if self.more > 0 {
            self.problems.push(Placed::new(
                self.file,
                format!("... and {} more problems", self.more),
            ));
        }
    }
}

/// What one resource gives another that it names apart from it: an inline policy
/// resource, a managed policy attachment, a group membership.
#[derive(Clone)]
pub(crate) enum Attach {
    Inline(String, Box<PolicyDocument>),
    Managed(PolicyArn),
    /// The user joins this group.
    Member(String),
}

/// What a role, user or group takes from an [`Attach`].
pub(crate) trait Holder: Sized {
    fn inline(self, name: &str, doc: PolicyDocument) -> Self;
    fn managed(self, arn: PolicyArn) -> Self;
    /// Only users join groups.
    fn member(self, _group: &str) -> Self {
        self
    }

    /// One attachment.
    fn attach(self, a: Attach) -> Self {
        match a {
            Attach::Inline(name, doc) => self.inline(&name, *doc),
            Attach::Managed(arn) => self.managed(arn),
            Attach::Member(group) => self.member(&group),
        }
    }

    /// Every attachment, in the order declared.
    fn attach_all(self, list: Vec<Attach>) -> Self {
        list.into_iter().fold(self, Holder::attach)
    }
}

// Attaching what the holder has already replaces it (an inline policy of the
// same name) or leaves it (a managed policy, a group): an export and a plan may
// both name it.
impl Holder for Role {
    fn inline(self, name: &str, doc: PolicyDocument) -> Self {
        self.without(Without::Policy(name)).policy(name, doc)
    }
    fn managed(self, arn: PolicyArn) -> Self {
        self.without(Without::ManagedPolicy(&arn))
            .managed_policy(arn)
    }
}

impl Holder for User {
    fn inline(self, name: &str, doc: PolicyDocument) -> Self {
        self.without(Without::Policy(name)).policy(name, doc)
    }
    fn managed(self, arn: PolicyArn) -> Self {
        self.without(Without::ManagedPolicy(&arn))
            .managed_policy(arn)
    }
    fn member(self, group: &str) -> Self {
        self.without(Without::Group(group)).group(group)
    }
}

impl Holder for Group {
    fn inline(self, name: &str, doc: PolicyDocument) -> Self {
        self.without(Without::Policy(name)).policy(name, doc)
    }
    fn managed(self, arn: PolicyArn) -> Self {
        self.without(Without::ManagedPolicy(&arn))
            .managed_policy(arn)
    }
}

/// Attachments waiting for their owner (by kind, `role`, `user` or `group`, and
/// name), each with the place and words of the problem if the owner never comes.
#[derive(Default)]
pub(crate) struct Pending(HashMap<(&'static str, String), Vec<Waiting>>);

/// One attachment, with the place and words of the problem if its owner never
/// comes.
struct Waiting {
    what: Attach,
    at: String,
    missing: String,
}

impl Pending {
    pub(crate) fn add(
        &mut self,
        kind: &'static str,
        owner: &str,
        what: Attach,
        at: String,
        missing: String,
    ) {
        self.0
            .entry((kind, owner.to_owned()))
            .or_default()
            .push(Waiting { what, at, missing });
    }

    /// The attachments of this owner, now that it is declared.
    pub(crate) fn take(&mut self, kind: &'static str, owner: &str) -> Vec<Attach> {
        self.0
            .remove(&(kind, owner.to_owned()))
            .unwrap_or_default()
            .into_iter()
            .map(|w| w.what)
            .collect()
    }

    /// Every waiting attachment, by owner, in owner order.
    pub(crate) fn drain(&mut self) -> Vec<((&'static str, String), Vec<Attach>)> {
        let mut all: Vec<_> = self
            .0
            .drain()
            .map(|(k, list)| (k, list.into_iter().map(|w| w.what).collect()))
            .collect();
        all.sort_by(|a: &((&str, String), Vec<Attach>), b| a.0.cmp(&b.0));
        all
    }

    /// The owners attachments wait for.
    pub(crate) fn owners(&self) -> Vec<(&'static str, String)> {
        let mut owners: Vec<_> = self.0.keys().cloned().collect();
        owners.sort();
        owners
    }

    /// Reports every attachment whose owner never came, once per place and words.
    pub(crate) fn report(self, p: &mut FileProblems<'_>) {
        let mut left: Vec<_> = self.0.into_iter().collect();
        left.sort_by(|a, b| a.0.cmp(&b.0));
        let mut said = std::collections::HashSet::new();
        for (_, list) in left {
            for w in list {
                if said.insert((w.at.clone(), w.missing.clone())) {
                    p.at(&w.at, &w.missing);
                }
            }
        }
    }
}
