//! `#[tokio::main]` and `#[tokio::test]` as `seedloop-tokio` gives them
//! under `--cfg seedloop`: tokio's arguments, seedloop's simulation.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Error, Expr, Ident, ItemFn, Lit, LitStr, Path, Token};

use crate::args::{Args, literal};

/// Which attribute is expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "#[tokio::main]",
            Kind::Test => "#[tokio::test]",
        }
    }
}

/// tokio's arguments. The simulation has one thread and virtual time, so
/// `flavor`, `worker_threads` and `start_paused` change nothing; they are
/// checked as tokio checks them, so that code written for tokio compiles.
#[derive(Default)]
pub(crate) struct TokioArgs {
    /// `crate = "path"`: where the facade is, when it is not `::tokio`.
    krate: Option<Path>,
}

const KNOWN: &str = "the arguments are `flavor`, `worker_threads`, `start_paused` and `crate`";

impl TokioArgs {
    /// Parses `attr`; `kind` decides the default flavor, as in tokio:
    /// `multi_thread` for `main`, `current_thread` for `test`.
    fn parse_for(attr: TokenStream2, kind: Kind) -> syn::Result<TokioArgs> {
        let parser = |input: ParseStream<'_>| TokioArgs::parse_with(input, kind);
        syn::parse::Parser::parse2(parser, attr)
    }

    fn parse_with(input: ParseStream<'_>, kind: Kind) -> syn::Result<TokioArgs> {
        let mut args = TokioArgs::default();
        let mut seen: Vec<String> = Vec::new();
        let mut flavor = None;
        let mut workers = None;
        while !input.is_empty() {
            let name = Ident::parse_any(input)?;
            let key = name.unraw().to_string();
            if seen.contains(&key) {
                return Err(Error::new(name.span(), format!("`{key}` is given twice")));
            }
            input
                .parse::<Token![=]>()
                .map_err(|e| Error::new(e.span(), format!("expected `=` after `{key}`")))?;
            let value: Expr = input.parse()?;
            let lit = literal(&value);
            match (key.as_str(), lit) {
                ("flavor", Some(Lit::Str(s))) => match s.value().as_str() {
                    "current_thread" | "multi_thread" => flavor = Some(s.value()),
                    other => {
                        let msg = format!(
                            "`flavor = \"{other}\"` is not a flavor: write \"current_thread\" or \"multi_thread\" (both run on the simulation's one thread)"
                        );
                        return Err(Error::new_spanned(&value, msg));
                    }
                },
                ("worker_threads", Some(Lit::Int(i))) => match i.base10_parse::<usize>()? {
                    0 => {
                        let msg = "`worker_threads` must be greater than 0";
                        return Err(Error::new_spanned(&value, msg));
                    }
                    n => workers = Some((n, value.clone())),
                },
                ("start_paused", Some(Lit::Bool(_))) => {}
                ("crate", Some(Lit::Str(s))) => args.krate = Some(s.parse()?),
                ("flavor" | "crate", _) => {
                    let msg = format!("`{key}` takes a string literal");
                    return Err(Error::new_spanned(&value, msg));
                }
                ("worker_threads", _) => {
                    let msg = "`worker_threads` takes an integer literal";
                    return Err(Error::new_spanned(&value, msg));
                }
                ("start_paused", _) => {
                    let msg = "`start_paused` takes `true` or `false`";
                    return Err(Error::new_spanned(&value, msg));
                }
                _ => {
                    let msg = format!("unknown argument `{key}`; {KNOWN}");
                    return Err(Error::new(name.span(), msg));
                }
            }
            seen.push(key);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let default = match kind {
            Kind::Main => "multi_thread",
            Kind::Test => "current_thread",
        };
        if let (Some((_, at)), "current_thread") = (&workers, flavor.as_deref().unwrap_or(default))
        {
            let msg = "`worker_threads` goes with `flavor = \"multi_thread\"`, as in tokio";
            return Err(Error::new_spanned(at, msg));
        }
        Ok(args)
    }
}

/// Expands either attribute; an error keeps the item, so that only the
/// error is reported.
pub(crate) fn attribute(attr: TokenStream2, item: TokenStream2, kind: Kind) -> TokenStream2 {
    match expand(attr, item.clone(), kind) {
        Ok(tokens) => tokens,
        Err(e) => {
            let error = e.into_compile_error();
            quote!(#error #item)
        }
    }
}

fn expand(attr: TokenStream2, item: TokenStream2, kind: Kind) -> syn::Result<TokenStream2> {
    let args = TokioArgs::parse_for(attr, kind)?;
    let facade = match &args.krate {
        Some(path) => quote!(#path),
        None => quote!(::tokio),
    };
    match kind {
        Kind::Test => {
            let root = quote!(#facade::__seedloop);
            // tokio's panic semantics: a task's panic goes to its JoinHandle.
            let config = syn::parse2(quote!(#facade::runtime::__test_builder))?;
            let args = Args {
                config: Some(config),
                ..Args::default()
            };
            crate::expand_test(args, item, &root, kind.name())
        }
        Kind::Main => main(syn::parse2(item)?, &facade),
    }
}

/// `#[tokio::main]`: the function, no longer `async`, builds a runtime
/// (a simulation) and blocks on its body, as tokio's does.
fn main(f: ItemFn, facade: &TokenStream2) -> syn::Result<TokenStream2> {
    if f.sig.asyncness.is_none() {
        let msg = "#[tokio::main] needs an `async fn`: the `async` keyword is missing";
        return Err(Error::new_spanned(f.sig.fn_token, msg));
    }
    let mut sig = f.sig.clone();
    sig.asyncness = None;
    let (attrs, vis, block) = (&f.attrs, &f.vis, &f.block);
    let build = LitStr::new("failed to build the simulated runtime", sig.ident.span());
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            let body = async #block;
            #facade::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect(#build)
                .block_on(body)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{Kind, expand};
    use quote::quote;

    #[test]
    fn tokio_arguments_are_checked_as_tokio_checks_them() {
        let item = quote!(
            async fn t() {}
        );
        for ok in [
            quote!(),
            quote!(flavor = "multi_thread", worker_threads = 4),
            quote!(flavor = "current_thread", start_paused = true),
            quote!(crate = "my_tokio"),
        ] {
            assert!(expand(ok.clone(), item.clone(), Kind::Test).is_ok(), "{ok}");
        }
        #[rustfmt::skip]
        let cases = [
            (quote!(flavor = "local"), "`flavor = \"local\"` is not a flavor"),
            (quote!(worker_threads = 2), "`worker_threads` goes with `flavor = \"multi_thread\"`"),
            (quote!(flavor = "multi_thread", worker_threads = 0), "`worker_threads` must be greater than 0"),
            (quote!(start_paused = 1), "`start_paused` takes `true` or `false`"),
            (quote!(seeds = 3), "unknown argument `seeds`; the arguments are"),
            (quote!(flavor = "multi_thread", flavor = "multi_thread"), "`flavor` is given twice"),
        ];
        for (attr, expected) in cases {
            let e = expand(attr.clone(), item.clone(), Kind::Test)
                .err()
                .unwrap();
            assert!(e.to_string().starts_with(expected), "for {attr}: {e}");
        }
    }

    #[test]
    fn main_blocks_on_the_body_and_test_names_the_facade() {
        let out = expand(
            quote!(),
            quote!(
                async fn main() {
                    run().await
                }
            ),
            Kind::Main,
        )
        .unwrap();
        let text = out.to_string();
        assert!(text.starts_with("fn main ()"), "{text}");
        assert!(text.contains(":: tokio :: runtime :: Builder :: new_current_thread ()"));
        let e = expand(
            quote!(),
            quote!(
                fn main() {}
            ),
            Kind::Main,
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("the `async` keyword is missing"));
        let out = expand(
            quote!(crate = "t"),
            quote!(
                async fn x() {}
            ),
            Kind::Test,
        )
        .unwrap();
        assert!(
            out.to_string()
                .contains("t :: __seedloop :: explore :: __private :: run_test")
        );
        let e = expand(
            quote!(),
            quote!(
                fn x() {}
            ),
            Kind::Test,
        )
        .err()
        .unwrap();
        assert_eq!(
            e.to_string(),
            "#[tokio::test] needs an `async fn`: write `async fn`"
        );
    }
}
