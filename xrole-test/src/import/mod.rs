//! The policies people deploy, read into a [`World`](crate::sts::World): what the
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

mod authorization_details;
mod cloudformation;
mod terraform;

pub use authorization_details::import_authorization_details;
pub use cloudformation::{StackContext, import_cloudformation};
pub use terraform::import_terraform_plan;

use crate::sts::WorldError;

/// Problems of one input file, each prefixed with the file and the JSON path.
pub(crate) struct FileProblems<'f> {
    file: &'f str,
    problems: Vec<String>,
}

impl<'f> FileProblems<'f> {
    pub(crate) fn new(file: &'f str) -> Self {
        Self {
            file,
            problems: Vec::new(),
        }
    }

    pub(crate) fn at(&mut self, path: &str, message: impl std::fmt::Display) {
        self.problems
            .push(format!("{}: {path}: {message}", self.file));
    }

    pub(crate) fn into_result(self) -> Result<(), WorldError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(WorldError::new("import", self.problems))
        }
    }
}
