//! Code generation: a thin layer over `::xrole::__private`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::args::{Args, Value, WebIdentityDecl};

/// The attribute on `item`, as tokens: the item (adjusted) and its generated code, or
/// the item unchanged beside every error.
pub(crate) fn assume_role(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut args = Args::default();
    let attr_span = if attr.is_empty() {
        Span::call_site()
    } else {
        attr.span()
    };
    let parser = syn::meta::parser(|meta| args.parse(meta));
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        args.errors.push(e);
    }
    args.validate(attr_span);
    let parsed: syn::Item = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let result = match &parsed {
        syn::Item::Struct(s) => expand_struct(&args, s),
        syn::Item::Fn(f) => expand_fn(&args, f),
        other => Err(vec![syn::Error::new(
            item_span(other),
            "#[assume_role] goes on a struct whose fields are AWS SDK clients, or on an async fn",
        )]),
    };
    let mut errors = std::mem::take(&mut args.errors);
    match result {
        Ok(tokens) if errors.is_empty() => tokens,
        Ok(_) => emit_errors(without_role_markers(parsed), errors),
        Err(mut e) => {
            errors.append(&mut e);
            emit_errors(without_role_markers(parsed), errors)
        }
    }
}

/// The item as written, less the `#[role]` markers only the attribute understands.
fn without_role_markers(mut item: syn::Item) -> TokenStream {
    if let syn::Item::Fn(f) = &mut item {
        for input in f.sig.inputs.iter_mut() {
            if let syn::FnArg::Typed(p) = input {
                p.attrs.retain(|a| !a.path().is_ident("role"));
            }
        }
    }
    quote!(#item)
}

fn item_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Union(u) => u.union_token.span,
        other => other.span(),
    }
}

/// The item and every error, so IDEs and the rest of the crate keep working.
fn emit_errors(item: TokenStream, errors: Vec<syn::Error>) -> TokenStream {
    let errors = errors.into_iter().map(|e| e.to_compile_error());
    quote! { #item #(#errors)* }
}

fn krate(args: &Args) -> TokenStream {
    match &args.krate {
        Some(path) => quote!(#path),
        None => quote!(::xrole),
    }
}

/// `Src::Lit("...")` or `Src::Env("VAR")`.
fn src(value: &Value, k: &TokenStream) -> TokenStream {
    match value {
        Value::Lit(text, span) => quote_spanned!(*span=> #k::__private::Src::Lit(#text)),
        Value::Env(var) => quote!(#k::__private::Src::Env(#var)),
    }
}

fn opt_src(value: &Option<Value>, k: &TokenStream) -> TokenStream {
    match value {
        Some(v) => {
            let s = src(v, k);
            quote!(::core::option::Option::Some(#s))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// The declaration as data the runtime turns into a `RoleSpec` (reading `env(...)`).
fn spec_source(args: &Args, k: &TokenStream) -> TokenStream {
    let arn = args
        .arn
        .as_ref()
        .map(|v| src(v, k))
        .unwrap_or_else(|| quote!(#k::__private::Src::Lit("")));
    let session_name = opt_src(&args.session_name, k);
    let external_id = opt_src(&args.external_id, k);
    let region = opt_src(&args.region, k);
    let mfa_serial = opt_src(&args.mfa_serial, k);
    let source_identity = opt_src(&args.source_identity, k);
    let session_policy = opt_src(&args.session_policy, k);
    let duration = match (&args.duration, &args.duration_env) {
        (Some((secs, _)), _) => {
            let text = secs.to_string();
            quote!(::core::option::Option::Some(#k::__private::Src::Lit(#text)))
        }
        (None, Some(var)) => quote!(::core::option::Option::Some(#k::__private::Src::Env(#var))),
        (None, None) => quote!(::core::option::Option::None),
    };
    let tags = args.tags.iter().map(|(key, v)| {
        let v = src(v, k);
        quote!((#key, #v))
    });
    let transitive = args.transitive_tag_keys.iter().map(|v| src(v, k));
    let trusted = args.trusted.iter().map(|v| src(v, k));
    let allow = args.allow.iter().map(|a| {
        let actions = a.actions.iter().map(|v| src(v, k));
        let resources = a.resources.iter().map(|v| src(v, k));
        quote!(#k::__private::AllowSource { actions: &[#(#actions),*], resources: &[#(#resources),*] })
    });
    let chained = args.chained;
    quote! {
        #k::__private::SpecSource {
            arn: #arn,
            session_name: #session_name,
            external_id: #external_id,
            duration: #duration,
            region: #region,
            mfa_serial: #mfa_serial,
            tags: &[#(#tags),*],
            transitive_tag_keys: &[#(#transitive),*],
            source_identity: #source_identity,
            session_policy: #session_policy,
            trusted: &[#(#trusted),*],
            allow: &[#(#allow),*],
            chained: #chained,
        }
    }
}

fn all_literal(args: &Args) -> bool {
    let lit = |v: &Value| matches!(v, Value::Lit(..));
    let opt = |v: &Option<Value>| v.as_ref().is_none_or(lit);
    opt(&args.arn)
        && opt(&args.session_name)
        && opt(&args.external_id)
        && opt(&args.region)
        && opt(&args.mfa_serial)
        && opt(&args.source_identity)
        && opt(&args.session_policy)
        && args.duration_env.is_none()
        && args.tags.iter().all(|(_, v)| lit(v))
        && args.transitive_tag_keys.iter().all(lit)
        && args.trusted.iter().all(lit)
        && args
            .allow
            .iter()
            .all(|a| a.actions.iter().all(lit) && a.resources.iter().all(lit))
}

fn text(v: &Value) -> String {
    match v {
        Value::Lit(t, _) => t.clone(),
        Value::Env(var) => var.value(),
    }
}

/// `RoleSpec::from_static(StaticSpec { ... })` in a `const`, from literals (checked again by each
/// `from_static`); slices are nested `const` items, which a `const` can hold.
fn const_spec(args: &Args, k: &TokenStream) -> TokenStream {
    let opt = |v: &Option<Value>| match v {
        Some(v) => {
            let t = text(v);
            quote!(::core::option::Option::Some(#t))
        }
        None => quote!(::core::option::Option::None),
    };
    let arn = args.arn.as_ref().map(text).unwrap_or_default();
    let session_name = opt(&args.session_name);
    let external_id = opt(&args.external_id);
    let region = opt(&args.region);
    let mfa_serial = opt(&args.mfa_serial);
    let source_identity = opt(&args.source_identity);
    let session_policy = opt(&args.session_policy);
    let duration = match &args.duration {
        Some((secs, _)) => quote!(::core::option::Option::Some(#secs)),
        None => quote!(::core::option::Option::None),
    };
    let tags = args.tags.iter().map(|(key, v)| {
        let v = text(v);
        quote!(#k::SessionTag::from_static(#key, #v))
    });
    let transitive = args.transitive_tag_keys.iter().map(|v| {
        let t = text(v);
        quote!(::std::borrow::Cow::Borrowed(#t))
    });
    let trusted = args.trusted.iter().map(|v| {
        let t = text(v);
        quote!(#k::PrincipalArn::from_static(#t))
    });
    let permissions = args.allow.iter().map(|a| {
        let actions = a.actions.iter().map(|v| {
            let t = text(v);
            quote!(::std::borrow::Cow::Borrowed(#t))
        });
        let resources = a.resources.iter().map(|v| {
            let t = text(v);
            quote!(::std::borrow::Cow::Borrowed(#t))
        });
        quote!(#k::Permission::from_static(&[#(#actions),*], &[#(#resources),*], &[]))
    });
    let chained = args.chained;
    quote! {
        #k::RoleSpec::from_static(#k::__private::StaticSpec {
            role: #arn,
            session_name: #session_name,
            external_id: #external_id,
            duration_secs: #duration,
            mfa_serial: #mfa_serial,
            tags: { const TAGS: &[#k::SessionTag] = &[#(#tags),*]; TAGS },
            transitive_tag_keys: {
                const KEYS: &[::std::borrow::Cow<'static, str>] = &[#(#transitive),*];
                KEYS
            },
            source_identity: #source_identity,
            session_policy: #session_policy,
            policy_arns: &[],
            region: #region,
            trusted: { const TRUSTED: &[#k::PrincipalArn] = &[#(#trusted),*]; TRUSTED },
            permissions: {
                const PERMISSIONS: &[#k::Permission] = &[#(#permissions),*];
                PERMISSIONS
            },
            chained: #chained,
        })
    }
}

/// `AssumedRole` is cloned; any other type is an SDK client built with `new`.
fn is_assumed_role(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "AssumedRole"))
}

fn build_field(ty: &syn::Type, role: &TokenStream) -> TokenStream {
    if is_assumed_role(ty) {
        quote_spanned!(ty.span()=> ::core::clone::Clone::clone(#role))
    } else {
        quote_spanned!(ty.span()=> <#ty>::new(#role.sdk_config()))
    }
}

/// The call that assumes the declared role from `source`: with the MFA token
/// provider when one is declared; with the declared web identity when the source
/// is `Source::Default`.
fn assume_call(
    args: &Args,
    k: &TokenStream,
    spec: &TokenStream,
    source: &TokenStream,
) -> TokenStream {
    match (&args.mfa_token, &args.web_identity) {
        (Some(tokens), _) => quote!(#k::__private::assume_mfa(&#spec, #source, #tokens).await?),
        (None, Some((WebIdentityDecl::File(var), _))) => quote!(
            #k::__private::assume_web_identity(&#spec, #source, || #k::__private::web_identity_file(#var)).await?
        ),
        (None, Some((WebIdentityDecl::Provider(expr), _))) => quote!(
            #k::__private::assume_web_identity(&#spec, #source, || #k::__private::IntoWebIdentity::into_web_identity(#expr)).await?
        ),
        (None, None) => quote!(#k::__private::assume(&#spec, #source).await?),
    }
}

fn expand_struct(args: &Args, item: &syn::ItemStruct) -> Result<TokenStream, Vec<syn::Error>> {
    let syn::Fields::Named(fields) = &item.fields else {
        return Err(vec![syn::Error::new(
            item.fields.span(),
            "#[assume_role] on a struct needs named fields, each an AWS SDK client or xrole::AssumedRole",
        )]);
    };
    let k = krate(args);
    let name = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let role = quote!(role);
    let assume_call = assume_call(
        args,
        &k,
        &quote!(Self::role_spec()?),
        &quote!(source.into()),
    );
    let inits = fields.named.iter().map(|f| {
        let ident = &f.ident;
        let value = build_field(&f.ty, &role);
        quote!(#ident: #value)
    });
    let literal = all_literal(args);
    let constant = literal.then(|| {
        let spec = const_spec(args, &k);
        quote! {
            /// The role this type is declared with (from `#[assume_role]`).
            pub const ROLE_SPEC: #k::RoleSpec = #spec;
        }
    });
    let source = spec_source(args, &k);
    let spec_body = if literal {
        quote!(::core::result::Result::Ok(Self::ROLE_SPEC))
    } else {
        quote!(#k::__private::spec(&Self::__XROLE_SOURCE))
    };
    Ok(quote! {
        #item

        impl #impl_generics #name #ty_generics #where_clause {
            #constant

            /// The declaration as written, for the run-time path (`env(...)`) and
            /// the test that it builds `ROLE_SPEC`. Not a public API.
            #[doc(hidden)]
            pub const __XROLE_SOURCE: #k::__private::SpecSource = #source;

            /// The role this type is declared with, `env(...)` values read now.
            pub fn role_spec() -> ::core::result::Result<#k::RoleSpec, #k::Error> {
                #spec_body
            }

            /// Clients on the declared role, assumed with `source`'s credentials
            /// (`&SdkConfig`, `&AssumedRole` or `Source::Default`), shared through the
            /// registry and loaded now: a refusal is this call's error.
            pub async fn assume<'a>(
                source: impl ::core::convert::Into<#k::Source<'a>>,
            ) -> ::core::result::Result<Self, #k::Error> {
                let role = #assume_call;
                ::core::result::Result::Ok(Self::from_role(&role))
            }

            /// Clients on a session already assumed: no STS call.
            pub fn from_role(#role: &#k::AssumedRole) -> Self {
                Self { #(#inits),* }
            }
        }
    })
}

fn expand_fn(args: &Args, item: &syn::ItemFn) -> Result<TokenStream, Vec<syn::Error>> {
    let mut errors = Vec::new();
    if item.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            item.sig.fn_token.span,
            "#[assume_role] on a function needs an `async fn`: assuming a role awaits STS",
        ));
    }
    let returns_result = matches!(&item.sig.output, syn::ReturnType::Type(_, ty)
        if matches!(&**ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Result")));
    if !returns_result {
        let span = match &item.sig.output {
            syn::ReturnType::Type(_, ty) => ty.span(),
            syn::ReturnType::Default => item.sig.paren_token.span.close(),
        };
        errors.push(syn::Error::new(
            span,
            "#[assume_role] on a function needs it to return `Result<T, E>` with `E: From<xrole::Error>`",
        ));
    }
    let k = krate(args);
    let mut sig = item.sig.clone();
    let mut supplied = Vec::new();
    let mut kept = syn::punctuated::Punctuated::<syn::FnArg, syn::Token![,]>::new();
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Typed(pat) if pat.attrs.iter().any(|a| a.path().is_ident("role")) => {
                supplied.push(pat.clone())
            }
            other => kept.push(other.clone()),
        }
    }
    if supplied.is_empty() {
        errors.push(syn::Error::new(
            item.sig.ident.span(),
            "mark the parameters to supply with `#[role]` (SDK clients or xrole::AssumedRole)",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    sig.inputs = kept;
    let role = quote!(__xrole_role);
    let lets = supplied.iter().map(|p| {
        let pat = &p.pat;
        let ty = &p.ty;
        let value = build_field(ty, &quote!(&#role));
        quote!(let #pat: #ty = #value;)
    });
    let attrs = &item.attrs;
    let vis = &item.vis;
    let body = &item.block;
    let fn_name = &item.sig.ident;
    let spec_fn = format_ident!("{}_role_spec", fn_name);
    let assume_default_call =
        assume_call(args, &k, &quote!(#spec_fn()?), &quote!(#k::Source::Default));
    let const_name = format_ident!("{}_ROLE_SPEC", fn_name.to_string().to_uppercase());
    let literal = all_literal(args);
    let constant = literal.then(|| {
        let spec = const_spec(args, &k);
        quote! {
            /// The role the function is declared with (from `#[assume_role]`).
            #vis const #const_name: #k::RoleSpec = #spec;
        }
    });
    let source_name = format_ident!("__XROLE_{}_SOURCE", fn_name.to_string().to_uppercase());
    let source = spec_source(args, &k);
    let spec_body = if literal {
        quote!(::core::result::Result::Ok(#const_name))
    } else {
        quote!(#k::__private::spec(&#source_name))
    };
    Ok(quote! {
        #constant

        /// The declaration as written, for the run-time path (`env(...)`) and the
        /// test that it builds the constant. Not a public API.
        #[doc(hidden)]
        #vis const #source_name: #k::__private::SpecSource = #source;

        /// The role the function is declared with, `env(...)` values read now.
        #vis fn #spec_fn() -> ::core::result::Result<#k::RoleSpec, #k::Error> {
            #spec_body
        }

        #(#attrs)*
        #vis #sig {
            let #role = #assume_default_call;
            #(#lets)*
            #body
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

    use quote::quote;

    /// The expansion, pretty printed.
    fn expand(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        let tokens = super::assume_role(attr, item);
        prettyplease::unparse(&syn::parse2(tokens).unwrap())
    }

    fn snapshot(name: &str, text: &str) {
        insta::with_settings!({ snapshot_path => "../tests/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, text);
        });
    }

    #[test]
    fn struct_expansion() {
        let text = expand(
            quote!(
                arn = "arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly",
                external_id = env("VENDOR_EXTERNAL_ID"),
                duration = "1h",
                tags(Project = "Unicorn"),
                trusted = ["arn:aws:iam::111111111111:root"],
                allow(
                    actions = ["s3:GetObject"],
                    resources = ["arn:aws:s3:::my-shared-bucket/*"]
                ),
            ),
            quote!(
                struct Reader {
                    s3: aws_sdk_s3::Client,
                    role: xrole::AssumedRole,
                }
            ),
        );
        snapshot("struct_expansion", &text);
    }

    #[test]
    fn fn_expansion() {
        let text = expand(
            quote!(
                arn = "arn:aws:iam::222222222222:role/InfraAssumeRole",
                session_name = "InfraToDevSession",
                crate = "::xrole"
            ),
            quote!(
                pub async fn list(
                    prefix: &str,
                    #[role] s3: aws_sdk_s3::Client,
                ) -> Result<Vec<String>, MyError> {
                    let _ = (prefix, s3);
                    Ok(Vec::new())
                }
            ),
        );
        snapshot("fn_expansion", &text);
    }

    #[test]
    fn errors_keep_the_item() {
        let tokens = super::assume_role(
            quote!(arn = "nope", session_name = "x"),
            quote!(
                async fn f(#[role] s3: aws_sdk_s3::Client) -> Result<(), E> {
                    Ok(())
                }
            ),
        )
        .to_string();
        assert!(
            tokens.contains("async fn f (s3 : aws_sdk_s3 :: Client)"),
            "{tokens}"
        );
        assert_eq!(tokens.matches("compile_error").count(), 2, "{tokens}");
    }
}

/// The grammar's case table (`xrole-core/tests/cases`), run through the attribute:
/// each literal is accepted or refused with the very message the parsers give.
#[cfg(test)]
mod case_table {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use proc_macro2::TokenStream;
    use quote::quote;
    use xrole_core::cases::{CASES, Kind};

    /// The attribute arguments that put `input` where `kind` goes.
    fn attr(kind: Kind, input: &str) -> Option<TokenStream> {
        let arn = "arn:aws:iam::222222222222:role/R";
        Some(match kind {
            Kind::RoleArn => quote!(arn = #input),
            Kind::SessionName => quote!(arn = #arn, session_name = #input),
            Kind::SourceIdentity => quote!(arn = #arn, source_identity = #input),
            Kind::ExternalId => quote!(arn = #arn, external_id = #input),
            Kind::SessionDuration => quote!(arn = #arn, duration = #input),
            Kind::MfaSerial => quote!(arn = #arn, mfa_serial = #input),
            Kind::Region => quote!(arn = #arn, region = #input),
            Kind::SessionPolicy => quote!(arn = #arn, session_policy = #input),
            Kind::PrincipalArn => quote!(arn = #arn, trusted = [#input]),
            Kind::SessionTagValue => quote!(arn = #arn, tags(k = #input)),
            // Not attribute keys (or not identifiers): covered by the parsers' tests.
            Kind::Partition
            | Kind::AccountId
            | Kind::PolicyArn
            | Kind::FederatedUserName
            | Kind::TokenCode
            | Kind::SessionTagKey => return None,
        })
    }

    #[test]
    fn the_attribute_applies_the_grammar_case_table() {
        let mut checked = 0;
        for case in CASES {
            let Some(attr) = attr(case.kind, case.input) else {
                continue;
            };
            let out = super::assume_role(
                attr,
                quote!(
                    struct S {
                        c: aws_sdk_sts::Client,
                    }
                ),
            )
            .to_string();
            match case.expect {
                Ok(_) => assert!(
                    !out.contains("compile_error"),
                    "{:?} {:?} refused: {out}",
                    case.kind,
                    case.input
                ),
                Err(message) => {
                    // The message, as a string literal inside compile_error!.
                    let expected = quote!(#message).to_string();
                    assert!(
                        out.contains(&expected),
                        "{:?} {:?}: {out}\nwant {expected}",
                        case.kind,
                        case.input
                    );
                }
            }
            checked += 1;
        }
        assert!(checked > 50, "{checked}");
    }
}
