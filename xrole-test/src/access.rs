//! Who can assume what (the engine's [`xrole_iam::access`]), and the assertions
//! a test makes of it: snapshots of who can assume a role, and no new access
//! between two worlds.

pub use xrole_iam::access::*;

use xrole_iam::world::World;

/// Asserts that `after` opens no access `before` did not have: the failure lists
/// each new edge with its explanation and each new chained path.
#[track_caller]
pub fn assert_no_new_access(before: &World, after: &World) {
    let found = describe_new_access(&AccessGraph::build(before), &AccessGraph::build(after));
    assert!(found.is_none(), "{}", found.unwrap_or_default());
}

/// Snapshots (insta) who can assume a role of a world: every principal with a
/// path to it, each hop's requirements, chained hops marked.
///
/// ```no_run
/// # let world = xrole_test::sts::World::new();
/// xrole_test::assert_who_can_assume!(world, "arn:aws:iam::222222222222:role/Deploy");
/// ```
#[macro_export]
macro_rules! assert_who_can_assume {
    ($world:expr, $role:expr $(,)?) => {
        $crate::__private::insta::assert_snapshot!(
            ::std::option::Option::None::<&str>,
            $crate::access::render_who_can_assume(
                &$crate::access::AccessGraph::build(&$world),
                $role
            ),
            ::std::concat!("who can assume ", ::std::stringify!($role))
        )
    };
}

/// Asserts that the world `after` (a plan applied, say) opens no access the world
/// `before` (the accounts as exported) did not have; see [`assert_no_new_access`].
#[macro_export]
macro_rules! assert_no_new_access {
    ($before:expr, $after:expr $(,)?) => {
        $crate::access::assert_no_new_access(&$before, &$after)
    };
}
