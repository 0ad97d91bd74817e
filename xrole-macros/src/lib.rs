//! `#[assume_role(arn = "...", ...)]`: declares a role next to the code that uses it.
//!
//! Use it through `xrole::assume_role` (see the `xrole` crate). This crate parses and
//! validates the attribute with `xrole-core`'s grammar at compile time, reports every
//! error at once spanned on the offending literal, and generates small code that
//! calls `::xrole`'s runtime. On error the item is emitted unchanged beside the
//! errors, so the rest of the crate still type-checks.

mod args;
mod expand;

use proc_macro::TokenStream;

/// Declares the role a struct of SDK clients, or an async function, works with.
///
/// On a struct whose fields are SDK clients (or `xrole::AssumedRole`): generates
/// `assume(source)` (a `&SdkConfig`, an `&AssumedRole` to chain from, or
/// `xrole::Source::Default`), `from_role(&AssumedRole)` (clients on a session you
/// hold, no STS call), `role_spec()`, and `ROLE_SPEC` when every value is a literal.
///
/// On an `async fn` returning `Result<T, E>` with `E: From<xrole::Error>`: the
/// parameters marked `#[role]` (SDK clients or `AssumedRole`) are supplied from the
/// process-wide registry (assumed from `xrole::Source::Default`) and removed from
/// the signature; `NAME_ROLE_SPEC` (when every
/// value is a literal) and `name_role_spec()` are generated beside it.
///
/// `assume` and annotated functions share the session through the registry and
/// load it before they return: a refused role is their error
/// (`xrole::Error::AccessDenied`, explained), not the first request's.
///
/// # Keys
///
/// A *value* is a string literal, checked at compile time with the rules STS
/// applies, or `env("VARIABLE")`, read and checked by `role_spec()` at run time.
/// Every error is reported at once, on the literal that causes it.
///
/// | key | value | meaning |
/// |---|---|---|
/// | `arn` | value (required) | the role, `arn:aws:iam::ACCOUNT:role/PATH/NAME` |
/// | `session_name` | value | `RoleSessionName`, 2 to 64 of `[\w+=,.@-]` (default: from the program's name) |
/// | `external_id` | value | `ExternalId`, 2 to 1224 of `[\w+=,.@:/-]`; the trust policy then demands it |
/// | `duration` | `"1h"`, `"15m"`, `"1h30m"`, seconds (`3600` or `"3600"`), or `env(...)` | `DurationSeconds`, 900 to 43200; one hour at most with `chained` |
/// | `region` | value | the region of the STS endpoint and of the clients |
/// | `mfa_serial` | value | the MFA device (serial or ARN); the trust policy then requires MFA |
/// | `mfa_token` | an expression: any `xrole::TokenProvider`, such as an async closure or a function | supplies `mfa_serial`'s codes, asked only when STS needs one; without it, `assume` of a role with `mfa_serial` is an error before any call |
/// | `tags(Key = value, ...)` | identifiers as keys | session tags: at most 50, keys unique regardless of case |
/// | `transitive_tag_keys(value, ...)` | keys among `tags` | tags passed on to sessions chained from this one |
/// | `source_identity` | value | `SourceIdentity`, 2 to 64 of `[\w+=,.@-]` |
/// | `session_policy` | value | an inline session policy, a JSON document of at most 2048 characters |
/// | `trusted = [value, ...]` | principal ARNs or account ids | who the generated trust policy admits |
/// | `web_identity` | `env("VARIABLE")` (the token file it names, such as `AWS_WEB_IDENTITY_TOKEN_FILE`) or an expression giving an `xrole::WebIdentity` (or a `Result` of one), such as `xrole::WebIdentity::github_actions(xrole::STS_AUDIENCE)` | from `Source::Default`, the role is assumed with `AssumeRoleWithWebIdentity` and that token source, read again at every refresh; it excludes `external_id`, `mfa_serial`, `tags`, `transitive_tag_keys`, `source_identity` and `chained` |
/// | `allow(actions = [...], resources = [...])` | repeatable | one statement of the generated permission policy |
/// | `chained = true` | boolean | the role is assumed with another role's credentials |
/// | `crate = "path"` | a path | where `xrole` is, when renamed (default `::xrole`) |
///
/// An unknown key is an error that suggests the nearest one; a key given twice is
/// an error.
///
/// What it expands to, beside the same code written by hand with public calls,
/// is shown (and compiled) in `xrole::assume_role`'s documentation: a
/// proc-macro crate's dev-dependencies are built a second time, for the host,
/// so this crate's tests do without `xrole`.
///
/// `Source::Default` is the process's base configuration (`xrole::set_base_config`,
/// else aws-config's defaults loaded once); with `web_identity`, it is the declared
/// web identity instead (`Source::WebIdentity`), the base configuration giving only
/// the region and endpoint. With only literals, `ROLE_SPEC` is the
/// same `RoleSpec` as a `const`.
#[proc_macro_attribute]
pub fn assume_role(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::assume_role(attr.into(), item.into()).into()
}
