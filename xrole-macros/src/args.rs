//! The attribute's arguments, collected one by one with their spans, each literal
//! validated with xrole-core's grammar; every error is kept.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr};

/// Every key the attribute takes.
pub(crate) const KEYS: &[&str] = &[
    "arn",
    "session_name",
    "external_id",
    "duration",
    "region",
    "mfa_serial",
    "mfa_token",
    "tags",
    "transitive_tags",
    "source_identity",
    "session_policy",
    "trusted",
    "allow",
    "chained",
    "crate",
];

/// A value: a literal (checked now) or `env("VAR")` (read and checked at run time).
#[derive(Clone)]
pub(crate) enum Value {
    Lit(String, Span),
    Env(LitStr),
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
    pub(crate) transitive_tags: Vec<Value>,
    pub(crate) source_identity: Option<Value>,
    pub(crate) session_policy: Option<Value>,
    pub(crate) trusted: Vec<Value>,
    pub(crate) allow: Vec<Allow>,
    pub(crate) chained: bool,
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
    // A key that holds a valid one (`role_arn`, `rol_arn`) or is a short typo of one.
    KEYS.iter()
        .filter(|k| k.len() >= 3 && key.contains(**k))
        .max_by_key(|k| k.len())
        .copied()
        .or_else(|| {
            KEYS.iter()
                .map(|k| (distance(key, k), *k))
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
        let repeatable = key == "allow";
        if !repeatable && self.seen.contains(&key) {
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
        match key.as_str() {
            "arn" => self.arn = Some(value(&meta)?),
            "session_name" => self.session_name = Some(value(&meta)?),
            "external_id" => self.external_id = Some(value(&meta)?),
            "region" => self.region = Some(value(&meta)?),
            "mfa_serial" => self.mfa_serial = Some(value(&meta)?),
            "mfa_token" => self.mfa_token = Some(meta.value()?.parse()?),
            "source_identity" => self.source_identity = Some(value(&meta)?),
            "session_policy" => self.session_policy = Some(value(&meta)?),
            "trusted" => self.trusted = list(&meta)?,
            "duration" => {
                let expr: Expr = meta.value()?.parse()?;
                match &expr {
                    Expr::Lit(ExprLit {
                        lit: Lit::Int(n), ..
                    }) => match n.base10_parse::<u64>() {
                        Ok(secs) => match xrole_core::SessionDuration::from_secs(secs) {
                            Ok(d) => self.duration = Some((d.as_secs(), n.span())),
                            Err(e) => self.errors.push(syn::Error::new(n.span(), e.to_string())),
                        },
                        Err(e) => self.errors.push(e),
                    },
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => match xrole_core::SessionDuration::parse(&s.value()) {
                        Ok(d) => self.duration = Some((d.as_secs(), s.span())),
                        Err(e) => self.errors.push(syn::Error::new(s.span(), e.to_string())),
                    },
                    other => match expr_value(other)? {
                        Value::Env(var) => self.duration_env = Some(var),
                        // String literals were taken above: this is another literal.
                        Value::Lit(..) => self.errors.push(syn::Error::new(
                            other.span(),
                            "expected \"1h\", \"15m\", a number of seconds, or env(\"VARIABLE\")",
                        )),
                    },
                }
            }
            "chained" => {
                let lit: syn::LitBool = meta.value()?.parse()?;
                self.chained = lit.value;
            }
            "crate" => {
                let lit: LitStr = meta.value()?.parse()?;
                self.krate = Some(lit.parse()?);
            }
            "tags" => meta.parse_nested_meta(|tag| {
                let key = tag
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .ok_or_else(|| tag.error("expected `key = \"value\"`"))?;
                let v = value(&tag)?;
                if let Err(e) = xrole_core::SessionTag::new(&key, "v") {
                    self.errors
                        .push(syn::Error::new(tag.path.span(), e.to_string()));
                }
                check(&mut self.errors, &v, |t| {
                    xrole_core::SessionTag::new("k", t)
                });
                self.tags.push((key, v));
                self.tag_spans.push(tag.path.span());
                Ok(())
            })?,
            "transitive_tags" => {
                let content;
                syn::parenthesized!(content in meta.input);
                let items =
                    content.parse_terminated(|input| input.parse::<Expr>(), syn::Token![,])?;
                for item in &items {
                    self.transitive_tags.push(expr_value(item)?);
                }
            }
            "allow" => {
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
                    self.errors
                        .push(meta.error("`allow` needs `actions = [...]`"));
                }
                if allow.resources.is_empty() {
                    self.errors
                        .push(meta.error("`allow` needs `resources = [...]`"));
                }
                self.allow.push(allow);
            }
            other => {
                let hint = nearest(other)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                let message = format!(
                    "unknown key `{other}`{hint}; valid keys: {}",
                    KEYS.join(", ")
                );
                self.errors.push(meta.error(message));
                // Skip its value so the following arguments still parse.
                if meta.input.peek(syn::Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let _: proc_macro2::TokenStream = content.parse()?;
                }
            }
        }
        Ok(())
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
        if self.tags.len() > xrole_core::SessionTags::MAX {
            errors.push(syn::Error::new(
                attr_span,
                format!(
                    "at most {} session tags, found {}",
                    xrole_core::SessionTags::MAX,
                    self.tags.len()
                ),
            ));
        }
        for (i, (k, _)) in self.tags.iter().enumerate() {
            if self.tags[..i]
                .iter()
                .any(|(other, _)| xrole_core::SessionTag::same_key(other, k))
            {
                let span = self.tag_spans.get(i).copied().unwrap_or(attr_span);
                errors.push(syn::Error::new(
                    span,
                    format!("duplicate session tag key {k:?} (keys are case-insensitive)"),
                ));
            }
        }
        for v in &self.transitive_tags {
            if let Value::Lit(key, span) = v
                && !self
                    .tags
                    .iter()
                    .any(|(k, _)| xrole_core::SessionTag::same_key(k, key))
            {
                errors.push(syn::Error::new(
                    *span,
                    format!("transitive tag key {key:?} is not one of the session's `tags(...)`"),
                ));
            }
        }
        if let (true, Some((secs, span))) = (self.chained, self.duration)
            && secs > 3600
        {
            errors.push(syn::Error::new(
                span,
                format!("a chained session lasts at most 1h (3600 s), found {secs} s"),
            ));
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
}
