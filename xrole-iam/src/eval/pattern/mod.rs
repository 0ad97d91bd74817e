//! Text patterns of policies: `*` and `?` wildcards and `${...}` policy variables,
//! compiled once into tokens and matched without regular expressions (see `glob`).

mod glob;

use super::context::Context;

/// One token of a compiled pattern.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    /// Literal text.
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
    /// `${key}` or `${key, 'default'}`, resolved from the request context.
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
    /// Case-insensitive: the tokens are lower case and inputs are lowered.
    fold: bool,
    shape: Shape,
}

/// Shortcuts for the commonest patterns.
#[derive(Clone, Debug, PartialEq)]
enum Shape {
    /// `*`.
    Any,
    /// No wildcard, no variable.
    Exact(String),
    /// Anything else.
    General,
}

/// Options of [`Pattern::compile`].
#[derive(Clone, Copy)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (else literal).
    pub wildcards: bool,
    /// `${...}` is a variable (2012-10-17 documents only).
    pub variables: bool,
    /// Compare case-insensitively.
    pub fold: bool,
}

fn push_lit(tokens: &mut Vec<Token>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Token::Lit(last)) = tokens.last_mut() {
        last.push_str(text);
    } else {
        tokens.push(Token::Lit(text.to_owned()));
    }
}

/// Parses the inside of `${...}`: `key`, `key, 'default'`, `*`, `?`, `$`.
fn variable(inner: &str) -> Token {
    match inner.trim() {
        "*" => return Token::Lit("*".to_owned()),
        "?" => return Token::Lit("?".to_owned()),
        "$" => return Token::Lit("$".to_owned()),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, rest)) => {
            let d = rest.trim();
            let d = d
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(d);
            (key.trim(), Some(d.to_owned()))
        }
        None => (inner.trim(), None),
    };
    Token::Var {
        key: key.to_ascii_lowercase(),
        default,
    }
}

impl Pattern {
    pub(crate) fn compile(text: &str, syntax: Syntax) -> Self {
        let text_owned;
        let text = if syntax.fold {
            text_owned = text.to_lowercase();
            text_owned.as_str()
        } else {
            text
        };
        let mut tokens = Vec::new();
        let mut lit_start = 0;
        let mut i = 0;
        let bytes = text.as_bytes();
        while i < bytes.len() {
            let b = bytes[i];
            if syntax.variables
                && b == b'$'
                && bytes.get(i + 1) == Some(&b'{')
                && let Some(end) = text[i + 2..].find('}')
            {
                push_lit(&mut tokens, &text[lit_start..i]);
                match variable(&text[i + 2..i + 2 + end]) {
                    Token::Lit(l) => push_lit(&mut tokens, &l),
                    var => tokens.push(var),
                }
                i += 2 + end + 1;
                lit_start = i;
                continue;
            }
            if syntax.wildcards && (b == b'*' || b == b'?') {
                push_lit(&mut tokens, &text[lit_start..i]);
                let tok = if b == b'*' { Token::Star } else { Token::One };
                // Consecutive stars mean one star.
                if !(tok == Token::Star && tokens.last() == Some(&Token::Star)) {
                    tokens.push(tok);
                }
                i += 1;
                lit_start = i;
                continue;
            }
            i += 1;
        }
        push_lit(&mut tokens, &text[lit_start..]);
        let shape = match tokens.as_slice() {
            [Token::Star] => Shape::Any,
            [] => Shape::Exact(String::new()),
            [Token::Lit(l)] => Shape::Exact(l.clone()),
            _ => Shape::General,
        };
        Self {
            tokens,
            fold: syntax.fold,
            shape,
        }
    }

    /// Whether the pattern uses policy variables.
    pub(crate) fn has_variables(&self) -> bool {
        self.tokens.iter().any(|t| matches!(t, Token::Var { .. }))
    }

    /// The text with variables resolved, wildcards kept as written; `None` when a
    /// variable has no value and no default (the pattern then matches nothing).
    pub(crate) fn resolve(&self, ctx: &Context) -> Option<String> {
        let mut out = String::new();
        for t in &self.tokens {
            match t {
                Token::Lit(l) => out.push_str(l),
                Token::Star => out.push('*'),
                Token::One => out.push('?'),
                Token::Var { key, default } => out.push_str(lookup(key, default, ctx)?),
            }
        }
        Some(out)
    }

    /// Whether `input` matches.
    pub(crate) fn matches(&self, input: &str, ctx: &Context) -> bool {
        if self.fold && input.chars().any(char::is_uppercase) {
            return self.matches_folded(&input.to_lowercase(), ctx);
        }
        self.matches_folded(input, ctx)
    }

    /// Whether `input`, already lower case if the pattern folds case, matches.
    pub(crate) fn matches_folded(&self, input: &str, ctx: &Context) -> bool {
        match &self.shape {
            Shape::Any => true,
            Shape::Exact(s) => s == input,
            Shape::General => {
                if !self.has_variables() {
                    return glob::matches(&self.tokens, input);
                }
                // Resolve variables into literal text: their values never act as
                // wildcards.
                let mut resolved = Vec::with_capacity(self.tokens.len());
                for t in &self.tokens {
                    match t {
                        Token::Var { key, default } => {
                            let Some(v) = lookup(key, default, ctx) else {
                                return false;
                            };
                            let v = if self.fold {
                                v.to_lowercase()
                            } else {
                                v.to_owned()
                            };
                            resolved.push(Token::Lit(v));
                        }
                        other => resolved.push(other.clone()),
                    }
                }
                glob::matches(&resolved, input)
            }
        }
    }
}

fn lookup<'a>(key: &str, default: &'a Option<String>, ctx: &'a Context) -> Option<&'a str> {
    ctx.get_lower(key)
        .and_then(|v| v.single())
        .or(default.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Pattern {
        Pattern::compile(
            text,
            Syntax {
                wildcards: true,
                variables: true,
                fold: false,
            },
        )
    }

    #[test]
    fn wildcards() {
        let ctx = Context::new();
        assert!(p("*").matches("anything", &ctx));
        assert!(p("s3:Get*").matches("s3:GetObject", &ctx));
        assert!(!p("s3:Get*").matches("s3:PutObject", &ctx));
        assert!(p("arn:aws:s3:::b/*/x?z").matches("arn:aws:s3:::b/a/b/xyz", &ctx));
        assert!(!p("arn:aws:s3:::b/*/x?z").matches("arn:aws:s3:::b/a/b/xz", &ctx));
        assert!(p("a*b*c").matches("aXbYbZc", &ctx));
        assert!(!p("a*b*c").matches("aXbYbZ", &ctx));
        assert!(p("?é").matches("xé", &ctx));
        assert!(p("**").matches("", &ctx));
        assert!(!p("a").matches("", &ctx));
    }

    #[test]
    fn variables() {
        let ctx = Context::new().with("aws:username", "b*b");
        assert!(p("home/${aws:username}/*").matches("home/b*b/x", &ctx));
        // A variable's value is literal text, never a wildcard.
        assert!(!p("home/${aws:username}/*").matches("home/bob/x", &ctx));
        assert!(!p("home/${aws:userid}/*").matches("home/x/y", &ctx));
        assert!(p("home/${aws:userid, 'nobody'}/*").matches("home/nobody/y", &ctx));
        assert!(p("a${*}b").matches("a*b", &ctx));
        assert!(!p("a${*}b").matches("axb", &ctx));
        assert!(p("${$}{x}").matches("${x}", &ctx));
        assert!(p("${?}").matches("?", &ctx));
        assert!(p("${AWS:UserName}").matches("b*b", &ctx));
    }

    #[test]
    fn literal_without_variables() {
        let literal = Pattern::compile(
            "${aws:username}",
            Syntax {
                wildcards: true,
                variables: false,
                fold: false,
            },
        );
        assert!(literal.matches("${aws:username}", &Context::new()));
    }

    #[test]
    fn folded() {
        let a = Pattern::compile(
            "S3:get*",
            Syntax {
                wildcards: true,
                variables: false,
                fold: true,
            },
        );
        assert!(a.matches("s3:GetObject", &Context::new()));
    }
}
