//! The xrole test harness: an evaluator of AWS policy logic, lints, and snapshots of
//! the three documents of a declared role.

pub mod eval;
pub mod simulate;
