//! `#[assume_role(arn = "...", ...)]`: declares a role next to the code that uses it.
//!
//! Use it through `xrole::assume_role` (see the `xrole` crate). This crate parses and
//! validates the attribute with `xrole-core`'s grammar at compile time, reports every
//! error at once spanned on the offending literal, and generates small code that
//! calls `::xrole`'s runtime. On error the item is emitted unchanged beside the
//! errors, so the rest of the crate still type-checks.

mod args;
mod expand;

/// The grammar's case table, shared with xrole-core's tests.
#[cfg(test)]
#[path = "../../xrole-core/tests/cases/mod.rs"]
mod cases;

use proc_macro::TokenStream;

/// Declares the role a struct of SDK clients, or an async function, works with.
///
/// On a struct whose fields are SDK clients (or `xrole::AssumedRole`): generates
/// `connect()`, `connect_with(&SdkConfig)`, `from_role(&AssumedRole)`,
/// `role_spec()`, and `ROLE_SPEC` when every value is a literal.
///
/// On an `async fn` returning `Result<T, E>` with `E: From<xrole::Error>`: the
/// parameters marked `#[role]` (SDK clients or `AssumedRole`) are supplied from the
/// process-wide registry and removed from the signature; `NAME_ROLE_SPEC` (when every
/// value is a literal) and `name_role_spec()` are generated beside it.
#[proc_macro_attribute]
pub fn assume_role(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::assume_role(attr.into(), item.into()).into()
}
