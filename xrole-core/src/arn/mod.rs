//! ARNs and principals: [`Arn`] (any ARN's six sections), [`Partition`],
//! [`AccountId`], [`RoleArn`], [`PrincipalArn`], [`PolicyArn`], one family per
//! file; `scan` holds the shared scanner of ARN sections, paths and names.
//!
//! Each keeps the text it was parsed from, so `Display` round-trips exactly, and
//! remembers where its parts are. Parsing is one `const fn` per type, shared by
//! `parse` (run time) and `from_static` (compile time).

mod account;
mod generic;
mod partition;
mod policy;
mod principal;
mod role;
mod scan;

pub use account::AccountId;
pub use generic::Arn;
pub use partition::Partition;
pub use policy::PolicyArn;
pub use principal::{PrincipalArn, PrincipalKind};
pub use role::RoleArn;

/// The longest ARN or principal accepted: IAM's own limit on ARNs is 2048.
pub(crate) const MAX_ARN_LEN: usize = 2048;

/// A byte range of an ARN's text. ARNs are at most [`MAX_ARN_LEN`] long, so `u16`
/// keeps the types that hold spans small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub(crate) struct Span {
    pub(crate) start_at: u16,
    pub(crate) end_at: u16,
}

impl Span {
    pub(crate) const fn new(start: usize, end: usize) -> Self {
        Self {
            start_at: start as u16,
            end_at: end as u16,
        }
    }
    pub(crate) const fn start(self) -> usize {
        self.start_at as usize
    }
    pub(crate) const fn end(self) -> usize {
        self.end_at as usize
    }
    pub(crate) const fn len(self) -> usize {
        self.end() - self.start()
    }
    pub(crate) fn of(self, s: &str) -> &str {
        s.get(self.start()..self.end()).unwrap_or("")
    }
}
