//! IAM policy documents: the model, a lossless parser that reports problems with
//! their paths, a canonical serializer, and validation for each kind of policy.

mod condition;
mod document;
pub mod keys;
mod parse;
mod problem;
mod serialize;
mod validate;
pub mod values;

pub use condition::{ConditionOperator, OperatorBase, OperatorFamily, SetQualifier};
pub use document::{
    Condition, ConditionValue, Effect, OneOrMany, PolicyDocument, PolicyVersion, Principal,
    PrincipalType, Statement,
};
pub use problem::{PolicyError, Problem};
pub use validate::{PolicyKind, RCP_SERVICES, rcp_governs, validate_action, validate_resource};
