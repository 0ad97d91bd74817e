//! The attribute's arguments, collected one by one with their spans, each literal
//! validated with xrole-core's grammar; every error is kept.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr};

/// One key of the attribute: its name, whether it may be given more than once, and
/// how its value is read. This table drives parsing, duplicates, the list of valid
/// keys and "did you mean"; the rules across keys are in [`Args::validate`].
pub(crate) struct Key {
    pub(crate) name: &'static str,
    repeatable: bool,
    read: fn(&mut Args, &ParseNestedMeta<'_>) -> syn::Result<()>,
}

const fn key(
    name: &'static str,
    read: fn(&mut Args, &ParseNestedMeta<'_>) -> syn::Result<()>,
) -> Key {
    Key {
        name,
        repeatable: false,
        read,
    }
}

/// Every key the attribute takes, in the order the documentation lists them.
pub(crate) const KEYS: &[Key] = &[
    key("arn", read_arn),
    key("session_name", read_session_name),
    key("external_id", read_external_id),
    key("duration", read_duration),
    key("region", read_region),
    key("mfa_serial", read_mfa_serial),
    key("mfa_token", read_mfa_token),
    key("tags", read_tags),
    key("transitive_tag_keys", read_transitive_tag_keys),
    key("source_identity", read_source_identity),
    key("session_policy", read_session_policy),
    key("trusted", read_trusted),
    key("web_identity", read_web_identity),
    Key {
        name: "allow",
        repeatable: true,
        read: read_allow,
    },
    key("chained", read_chained),
    key("crate", read_crate),
];

/// The names of the keys, for messages.
fn key_names() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|k| k.name)
}

/// A value: a literal (checked now) or `env("VAR")` (read and checked at run time).
#[derive(Clone)]
pub(crate) enum Value {
    Lit(String, Span),
    Env(LitStr),
}

/// Where a web identity session's tokens come from.
#[derive(Clone)]
pub(crate) enum WebIdentityDecl {
    /// `env("VAR")`: the token file VAR names (`AWS_WEB_IDENTITY_TOKEN_FILE`).
    File(LitStr),
    /// An expression giving an `xrole::WebIdentity` (or a `Result` of one).
    Provider(Expr),
}

/// A permission: actions and resources.
#[derive(Clone, Default)]
pub(crate) struct Allow {
    pub(crate) actions: Vec<Value>,
    pub(crate) resources: Vec<Value>,
}

/// What the attribute declared.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) arn: Option<Value>,
    pub(crate) session_name: Option<Value>,
    pub(crate) external_id: Option<Value>,
    /// Seconds, from "1h", "15m" or 3600.
    pub(crate) duration: Option<(u32, Span)>,
    pub(crate) duration_env: Option<LitStr>,
    pub(crate) region: Option<Value>,
    pub(crate) mfa_serial: Option<Value>,
    /// An expression for the `TokenProvider` of `mfa_serial`'s codes.
    pub(crate) mfa_token: Option<Expr>,
    pub(crate) tags: Vec<(String, Value)>,
    tag_spans: Vec<Span>,
    pub(crate) transitive_tag_keys: Vec<Value>,
    pub(crate) source_identity: Option<Value>,
    pub(crate) session_policy: Option<Value>,
    pub(crate) trusted: Vec<Value>,
    pub(crate) allow: Vec<Allow>,
    pub(crate) chained: bool,
    pub(crate) web_identity: Option<(WebIdentityDecl, Span)>,
    pub(crate) krate: Option<syn::Path>,
    seen: Vec<String>,
    pub(crate) errors: Vec<syn::Error>,
}

/// The valid key nearest to `key`, for "did you mean".
fn nearest(key: &str) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = if ca == *cb {
                    prev
                } else {
                    1 + prev.min(row[j]).min(row[j + 1])
                };
                prev = cur;
            }
        }
        row[b.len()]
    }
    let common_prefix = |k: &str| {
        key.chars()
            .zip(k.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    // A key that starts as the given one does for most of it (`transitive_tags`,
    // `external`), then a key it holds (`role_arn`, `rol_arn`), then a short typo.
    key_names()
        .map(|k| (common_prefix(k), k))
        .filter(|(n, _)| *n >= 4 && *n * 3 >= key.chars().count() * 2)
        .max_by_key(|(n, _)| *n)
        .map(|(_, k)| k)
        .or_else(|| {
            key_names()
                .filter(|k| k.len() >= 3 && key.contains(*k))
                .max_by_key(|k| k.len())
        })
        .or_else(|| {
            key_names()
                .map(|k| (distance(key, k), k))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, k)| k)
        })
}

/// Checks `text` with a grammar type's parser; the error is spanned on the literal.
fn check<T>(
    errors: &mut Vec<syn::Error>,
    value: &Value,
    parse: impl Fn(&str) -> Result<T, xrole_core::Error>,
) {
    if let Value::Lit(text, span) = value
        && let Err(e) = parse(text)
    {
        errors.push(syn::Error::new(*span, e.to_string()));
    }
}

/// A string literal or `env("VAR")`.
fn value(meta: &ParseNestedMeta<'_>) -> syn::Result<Value> {
    let expr: Expr = meta.value()?.parse()?;
    expr_value(&expr)
}

fn expr_value(expr: &Expr) -> syn::Result<Value> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Value::Lit(s.value(), s.span())),
        Expr::Call(call) => {
            let is_env = matches!(&*call.func, Expr::Path(p) if p.path.is_ident("env"));
            match (is_env, call.args.first(), call.args.len()) {
                (
                    true,
                    Some(Expr::Lit(ExprLit {
                        lit: Lit::Str(var), ..
                    })),
                    1,
                ) => Ok(Value::Env(var.clone())),
                _ => Err(syn::Error::new(
                    expr.span(),
                    "expected a string literal or env(\"VARIABLE\")",
                )),
            }
        }
        _ => Err(syn::Error::new(
            expr.span(),
            "expected a string literal or env(\"VARIABLE\")",
        )),
    }
}

fn list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Value>> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Array(array) => array.elems.iter().map(expr_value).collect(),
        other => Ok(vec![expr_value(&other)?]),
    }
}

// How each key reads its value into `Args`.

fn read_arn(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.arn = Some(value(meta)?);
    Ok(())
}

fn read_session_name(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.session_name = Some(value(meta)?);
    Ok(())
}

fn read_external_id(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.external_id = Some(value(meta)?);
    Ok(())
}

fn read_region(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.region = Some(value(meta)?);
    Ok(())
}

fn read_mfa_serial(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.mfa_serial = Some(value(meta)?);
    Ok(())
}

fn read_mfa_token(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.mfa_token = Some(meta.value()?.parse()?);
    Ok(())
}

fn read_source_identity(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.source_identity = Some(value(meta)?);
    Ok(())
}

fn read_session_policy(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.session_policy = Some(value(meta)?);
    Ok(())
}

fn read_trusted(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    a.trusted = list(meta)?;
    Ok(())
}

fn read_web_identity(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let expr: Expr = meta.value()?.parse()?;
    let span = expr.span();
    let decl = match expr_value(&expr) {
        Ok(Value::Env(var)) => WebIdentityDecl::File(var),
        Ok(Value::Lit(..)) => {
            a.errors.push(syn::Error::new(
                span,
                "expected env(\"AWS_WEB_IDENTITY_TOKEN_FILE\") (the token file a variable names) or an expression giving an xrole::WebIdentity, such as xrole::WebIdentity::github_actions(xrole::STS_AUDIENCE)",
            ));
            return Ok(());
        }
        Err(_) => WebIdentityDecl::Provider(expr),
    };
    a.web_identity = Some((decl, span));
    Ok(())
}

fn read_duration(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let expr: Expr = meta.value()?.parse()?;
    match &expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(n), ..
        }) => match n.base10_parse::<u64>() {
            Ok(secs) => match xrole_core::SessionDuration::from_secs(secs) {
                Ok(d) => a.duration = Some((d.as_secs(), n.span())),
                Err(e) => a.errors.push(syn::Error::new(n.span(), e.to_string())),
            },
            Err(e) => a.errors.push(e),
        },
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => match xrole_core::SessionDuration::parse(&s.value()) {
            Ok(d) => a.duration = Some((d.as_secs(), s.span())),
            Err(e) => a.errors.push(syn::Error::new(s.span(), e.to_string())),
        },
        other => match expr_value(other)? {
            Value::Env(var) => a.duration_env = Some(var),
            // String literals were taken above: this is another literal.
            Value::Lit(..) => a.errors.push(syn::Error::new(
                other.span(),
                "expected \"1h\", \"15m\", a number of seconds, or env(\"VARIABLE\")",
            )),
        },
    }

    Ok(())
}

fn read_chained(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let lit: syn::LitBool = meta.value()?.parse()?;
    a.chained = lit.value;

    Ok(())
}

fn read_crate(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let lit: LitStr = meta.value()?.parse()?;
    a.krate = Some(lit.parse()?);

    Ok(())
}

fn read_tags(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    meta.parse_nested_meta(|tag| {
        let key = tag
            .path
            .get_ident()
            .map(ToString::to_string)
            .ok_or_else(|| tag.error("expected `key = \"value\"`"))?;
        let v = value(&tag)?;
        if let Err(e) = xrole_core::SessionTag::new(&key, "v") {
            a.errors
                .push(syn::Error::new(tag.path.span(), e.to_string()));
        }
        check(&mut a.errors, &v, |t| xrole_core::SessionTag::new("k", t));
        a.tags.push((key, v));
        a.tag_spans.push(tag.path.span());
        Ok(())
    })
}

fn read_transitive_tag_keys(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let content;
    syn::parenthesized!(content in meta.input);
    let items = content.parse_terminated(|input| input.parse::<Expr>(), syn::Token![,])?;
    for item in &items {
        a.transitive_tag_keys.push(expr_value(item)?);
    }

    Ok(())
}

fn read_allow(a: &mut Args, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let mut allow = Allow::default();
    meta.parse_nested_meta(|part| {
        if part.path.is_ident("actions") {
            allow.actions = list(&part)?;
        } else if part.path.is_ident("resources") {
            allow.resources = list(&part)?;
        } else {
            return Err(part.error("expected `actions = [...]` or `resources = [...]`"));
        }
        Ok(())
    })?;
    if allow.actions.is_empty() {
        a.errors.push(meta.error("`allow` needs `actions = [...]`"));
    }
    if allow.resources.is_empty() {
        a.errors
            .push(meta.error("`allow` needs `resources = [...]`"));
    }
    a.allow.push(allow);

    Ok(())
}

impl Args {
    /// Takes one argument (the `syn::meta::parser` callback).
    pub(crate) fn parse(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(ident) = meta.path.get_ident().map(ToString::to_string) else {
            return Err(meta.error("expected a key such as `arn = \"...\"`"));
        };
        let key = if ident == "r#crate" {
            "crate".to_owned()
        } else {
            ident
        };
        let Some(entry) = KEYS.iter().find(|k| k.name == key) else {
            let hint = nearest(&key)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            let names: Vec<&str> = key_names().collect();
            self.errors.push(meta.error(format!(
                "unknown key `{key}`{hint}; valid keys: {}",
                names.join(", ")
            )));
            // Skip its value so the following arguments still parse.
            if meta.input.peek(syn::Token![=]) {
                let _: Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in meta.input);
                let _: proc_macro2::TokenStream = content.parse()?;
            }
            return Ok(());
        };
        if !entry.repeatable && self.seen.contains(&key) {
            // Consume the value so the following arguments still parse.
            if meta.input.peek(syn::Token![=]) {
                let _: Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|m| {
                    if m.input.peek(syn::Token![=]) {
                        let _: Expr = m.value()?.parse()?;
                    }
                    Ok(())
                })?;
            }
            self.errors
                .push(meta.error(format!("duplicate key `{key}`")));
            return Ok(());
        }
        self.seen.push(key.clone());
        (entry.read)(self, &meta)
    }

    /// Validates every literal with xrole-core's grammar and the rules that span keys.
    pub(crate) fn validate(&mut self, attr_span: Span) {
        let mut errors = std::mem::take(&mut self.errors);
        match &self.arn {
            None => errors.push(syn::Error::new(
                attr_span,
                "missing `arn = \"arn:aws:iam::ACCOUNT:role/NAME\"`",
            )),
            Some(v) => check(&mut errors, v, xrole_core::RoleArn::parse),
        }
        if let Some(v) = &self.session_name {
            check(&mut errors, v, xrole_core::SessionName::parse);
        }
        if let Some(v) = &self.external_id {
            check(&mut errors, v, xrole_core::ExternalId::parse);
        }
        if let Some(v) = &self.region {
            check(&mut errors, v, xrole_core::Region::parse);
        }
        if let Some(v) = &self.mfa_serial {
            check(&mut errors, v, xrole_core::MfaSerial::parse);
        }
        if let (Some(token), None) = (&self.mfa_token, &self.mfa_serial) {
            errors.push(syn::Error::new(
                token.span(),
                "`mfa_token` supplies the codes of `mfa_serial`, which is not declared",
            ));
        }
        if let Some(v) = &self.source_identity {
            check(&mut errors, v, xrole_core::SourceIdentity::parse);
        }
        if let Some(v) = &self.session_policy {
            check(&mut errors, v, xrole_core::SessionPolicy::parse);
        }
        for v in &self.trusted {
            check(&mut errors, v, xrole_core::PrincipalArn::parse);
        }
        self.rules_across_keys(attr_span, &mut errors);
        if let Some((_, span)) = &self.web_identity {
            let declared = xrole_core::WebIdentityParameters {
                external_id: self.external_id.is_some(),
                mfa: self.mfa_serial.is_some() || self.mfa_token.is_some(),
                tags: !self.tags.is_empty() || !self.transitive_tag_keys.is_empty(),
                source_identity: self.source_identity.is_some(),
                chained: self.chained,
            };
            if let Err(e) = declared.check() {
                errors.push(syn::Error::new(*span, e.to_string()));
            }
        }
        for allow in &self.allow {
            for v in &allow.actions {
                check(&mut errors, v, xrole_core::policy::validate_action);
            }
            for v in &allow.resources {
                check(&mut errors, v, xrole_core::policy::validate_resource);
            }
        }
        self.errors = errors;
    }

    /// The rules that span keys (tag count and unique keys, transitive keys among the
    /// tags, the chained hour, ...), checked by xrole-core's `RoleSpec::validate` on
    /// the literal values, so compile time and run time say the same words; each
    /// error is spanned on the key it is about. Values that failed their own check,
    /// and `env(...)` values, are left to it and to run time.
    fn rules_across_keys(&self, attr_span: Span, errors: &mut Vec<syn::Error>) {
        let lit = |v: &Value| match v {
            Value::Lit(text, _) => Some(text.clone()),
            Value::Env(_) => None,
        };
        let Some(role) = self
            .arn
            .as_ref()
            .and_then(lit)
            .and_then(|t| xrole_core::RoleArn::parse(&t).ok())
        else {
            return;
        };
        let mut spec = xrole_core::RoleSpec::builder(role).chained(self.chained);
        if let Some(d) = self
            .duration
            .and_then(|(secs, _)| xrole_core::SessionDuration::from_secs(u64::from(secs)).ok())
        {
            spec = spec.duration(d);
        }
        let tags: Vec<xrole_core::SessionTag> = self
            .tags
            .iter()
            .filter_map(|(k, v)| xrole_core::SessionTag::new(k, &lit(v)?).ok())
            .collect();
        let all_tags = tags.len() == self.tags.len();
        // Unchecked here: the count and unique keys are the spec's rules.
        spec = spec.tags(xrole_core::SessionTags::unchecked(tags));
        let keys: Vec<String> = self.transitive_tag_keys.iter().filter_map(lit).collect();
        if all_tags && keys.len() == self.transitive_tag_keys.len() {
            spec = spec.transitive_tag_keys(xrole_core::TransitiveTagKeys::unchecked(keys));
        }
        let Err(e) = spec.build() else {
            return;
        };
        for problem in e.problems() {
            use xrole_core::{ErrorKind, Subject};
            let span = match (problem.subject(), problem.kind()) {
                (Subject::SessionDuration, _) => self.duration.map(|(_, span)| span),
                (Subject::SessionTags, ErrorKind::Duplicate) => {
                    self.duplicate_tag().or(self.tag_spans.first().copied())
                }
                (Subject::SessionTags, _) => self.tag_spans.first().copied(),
                (Subject::TransitiveTagKeys, ErrorKind::Missing) => {
                    self.transitive_tag_keys.iter().find_map(|v| match v {
                        Value::Lit(key, span)
                            if !self
                                .tags
                                .iter()
                                .any(|(k, _)| xrole_core::SessionTag::same_key(k, key)) =>
                        {
                            Some(*span)
                        }
                        _ => None,
                    })
                }
                (Subject::TransitiveTagKeys, _) => {
                    self.transitive_tag_keys.iter().find_map(|v| match v {
                        Value::Lit(_, span) => Some(*span),
                        Value::Env(_) => None,
                    })
                }
                _ => None,
            };
            errors.push(syn::Error::new(
                span.unwrap_or(attr_span),
                problem.to_string(),
            ));
        }
    }

    /// The span of the first tag whose key repeats an earlier one.
    fn duplicate_tag(&self) -> Option<Span> {
        self.tags.iter().enumerate().find_map(|(i, (k, _))| {
            self.tags[..i]
                .iter()
                .any(|(other, _)| xrole_core::SessionTag::same_key(other, k))
                .then(|| self.tag_spans.get(i).copied())
                .flatten()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn did_you_mean_names_the_key_meant() {
        for (typed, meant) in [
            ("transitive_tags", Some("transitive_tag_keys")),
            ("external", Some("external_id")),
            ("role_arn", Some("arn")),
            ("rol_arn", Some("arn")),
            ("trust", Some("trusted")),
            ("duratoin", Some("duration")),
            ("tag", Some("tags")),
            ("permissions", None),
        ] {
            assert_eq!(nearest(typed), meant, "{typed}");
        }
    }
}
