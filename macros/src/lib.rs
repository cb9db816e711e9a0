//! The `#[seedloop::test]` attribute. Use it through `seedloop`, which
//! re-exports it as `seedloop::test`; the expansion names `::seedloop`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Error, Ident, Item, LitStr, ReturnType};

mod args;
mod select;
mod tokio;

use args::Args;

/// Runs an `async fn` test under many seeds, in seedloop's simulation.
///
/// The function becomes an ordinary `#[test] fn name()`, which keeps the
/// `async fn` inside it and hands it to seedloop's runner. When it runs, it
///
/// 1. replays every failure recorded in `seeds/<test path>.seeds` in the
///    crate under test (the path is `module_path!()` and the name, with `::`
///    written as `__`), so a bug once found stays a regression test;
/// 2. sweeps `seeds` new seeds (default 100), each a fresh simulation of the
///    body under the `strategy` (default `portfolio`: each seed draws
///    `random` at a yield probability from 1/4 to 88/100 or `pct` at depth
///    1 to 3, the mix that found every bug of seedloop's suite, each at
///    least as fast as shuttle's random scheduler), over `jobs` threads;
/// 3. on the first failure (a panic in any task, an `Err` returned, a
///    deadlock, the virtual time limit passed) shrinks the run's tape to a
///    minimal one, appends it to the `seeds/` file and panics with a report
///    that ends in a command replaying that exact run, such as
///    `SEEDLOOP_SEED=0x2a cargo test -- path::to::name`.
///
/// The function must be an `async fn` with no parameters and no generics,
/// returning `()` or `Result<(), E>` with `E: Debug` (an `Err` fails the
/// run). Its other attributes (doc comments, `#[ignore]`, `#[should_panic]`,
/// `#[cfg(..)]`, lints) and its visibility stay on the generated test.
///
/// # Arguments
///
/// All are optional, written `name = literal`, comma separated, in any order:
///
/// | argument | literal | meaning |
/// |---|---|---|
/// | `seeds` | integer, at least 1 | how many seeds to sweep (default 100) |
/// | `strategy` | string | how choices are made: `"fifo"`, `"random"`, `"random:P"` (switch points yield P times in 100), `"pct:D"`, `"dfs:K"`, `"portfolio"` (default, also with `config`) |
/// | `time_limit` | string | the virtual time one run may take, such as `"30s"` |
/// | `jobs` | integer | threads for the sweep (default: the available cores; 0 = the available cores) |
/// | `step_limit` | integer, at least 1 | the steps one run may take (default 50,000,000); a task that spins by yielding fails sooner |
/// | `config` | path of a `fn() -> Explorer` or `fn() -> Builder` | the settings no literal can say: the network, buggify, swarm, limits. The arguments above are applied on top of it, and the test's name, seeds file and environment variables are always the attribute's |
///
/// An unknown, repeated or mistyped argument, or `seeds = 0`, is a compile
/// error; the strings are checked when the test runs, and a bad one fails it
/// with an error naming the argument.
///
/// # Environment
///
/// These variables override the arguments, for one `cargo test` run:
///
/// | variable | effect |
/// |---|---|
/// | `SEEDLOOP_SEED` | run only this seed (decimal or `0x` hex), once, with the trace kept |
/// | `SEEDLOOP_SEEDS` | sweep this many seeds instead of `seeds` |
/// | `SEEDLOOP_STRATEGY` | use this strategy instead of `strategy` |
/// | `SEEDLOOP_TAPE` | replay only this tape (its text form) |
/// | `SEEDLOOP_JOBS` | use this many threads instead of `jobs` |
/// | `SEEDLOOP_SHARD` | `k/n`: run only the k-th of n disjoint slices of the seeds |
///
/// # Panics
///
/// The generated test panics with the failure report when a seed fails (or
/// when an argument or variable does not parse), which fails it as any
/// `#[test]` fails.
///
/// # Examples
///
/// ```
/// # fn main() {}
/// use std::time::Duration;
///
/// /// Two timers, started together, fire in order of their deadlines.
/// #[seedloop::test]
/// async fn timers_fire_in_order() {
///     let slow = seedloop::spawn(async {
///         seedloop::sleep(Duration::from_secs(2)).await;
///         seedloop::time::Instant::now()
///     });
///     let fast = seedloop::spawn(async {
///         seedloop::sleep(Duration::from_secs(1)).await;
///         seedloop::time::Instant::now()
///     });
///     assert!(fast.await.unwrap() < slow.await.unwrap());
/// }
///
/// #[seedloop::test(seeds = 1000, strategy = "random", time_limit = "30s", jobs = 4)]
/// async fn parses() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "42".parse()?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    match expand(attr.into(), item.clone()) {
        Ok(tokens) => tokens.into(),
        // Keep the item, so that only the error is reported.
        Err(e) => {
            let error = e.into_compile_error();
            quote!(#error #item).into()
        }
    }
}

const BODY: &str = "__seedloop_test_body";
const ME: &str = "#[seedloop::test]";

fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let args: Args = syn::parse2(attr)?;
    expand_test(args, item, &quote!(::seedloop), ME)
}

/// The test `#[seedloop::test]` (or, through `seedloop-tokio`,
/// `#[tokio::test]`, written `me` in errors) makes of `item`, naming
/// seedloop as `root`.
pub(crate) fn expand_test(
    args: Args,
    item: TokenStream2,
    root: &TokenStream2,
    me: &str,
) -> syn::Result<TokenStream2> {
    let f = match syn::parse2::<Item>(item)? {
        Item::Fn(f) => f,
        other => {
            return Err(Error::new_spanned(
                other,
                format!("{me} goes on an `async fn`"),
            ));
        }
    };
    let sig = &f.sig;
    let (fn_token, unsafety, abi, inputs) = (&sig.fn_token, &sig.unsafety, &sig.abi, &sig.inputs);
    let (generics, where_clause) = (&sig.generics, &sig.generics.where_clause);
    let test_attr = f.attrs.iter().find(|a| a.path().is_ident("test"));
    #[rustfmt::skip]
    let rules = [
        (sig.asyncness.is_none(), quote!(#fn_token), "needs an `async fn`: write `async fn`"),
        (unsafety.is_some(), quote!(#unsafety), "fn cannot be `unsafe`"),
        (abi.is_some(), quote!(#abi), "fn cannot be `extern`"),
        (!generics.params.is_empty() || where_clause.is_some(), quote!(#generics #where_clause),
            "fn cannot be generic"),
        (!inputs.is_empty(), quote!(#inputs), "fn takes no parameters"),
        (test_attr.is_some(), quote!(#test_attr), "adds `#[test]`: remove this one"),
    ];
    if let Some((_, at, msg)) = rules.into_iter().find(|r| r.0) {
        return Err(Error::new_spanned(at, format!("{me} {msg}")));
    }

    let name = &sig.ident;
    let name_str = LitStr::new(&name.unraw().to_string(), name.span());
    let mut inner = f.sig.clone();
    inner.ident = Ident::new(BODY, name.span());
    let body_ref = &inner.ident;
    // A check spanned at the return type, so that a type run_test does not
    // accept is reported there.
    let check_output = match &sig.output {
        ReturnType::Default => quote!(),
        ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
            let _ = <#ty as #root::explore::__private::TestOutput>::check;
        },
    };
    let some = |t: Option<TokenStream2>| match t {
        Some(t) => quote!(::core::option::Option::Some(#t)),
        None => quote!(::core::option::Option::None),
    };
    let seeds = some(args.seeds.map(|n| quote!(#n)));
    let strategy = some(args.strategy.map(|s| quote!(#s)));
    let time_limit = some(args.time_limit.map(|s| quote!(#s)));
    let jobs = some(args.jobs.map(|n| quote!(#n)));
    let step_limit = some(args.step_limit.map(|n| quote!(#n)));
    let config = some(args.config.map(|p| {
        quote_spanned! {p.span()=>
            |name: &str| #root::explore::__private::TestConfig::into_explorer(#p(), name)
        }
    }));
    // The body's output is checked here, spanned at the test's name, so an
    // `Err` it returns is reported at the test, not inside seedloop.
    let call = quote_spanned! {name.span()=>
        || async { #root::explore::__private::TestOutput::check(#body_ref().await) }
    };
    let (attrs, vis, block) = (&f.attrs, &f.vis, &f.block);
    Ok(quote! {
        #[::core::prelude::v1::test]
        #(#attrs)*
        #vis fn #name() {
            #inner #block
            #check_output
            #[allow(clippy::needless_update)]
            let args = #root::explore::__private::TestArgs {
                seeds: #seeds,
                strategy: #strategy,
                time_limit: #time_limit,
                jobs: #jobs,
                step_limit: #step_limit,
                config: #config,
                ..::core::default::Default::default()
            };
            #root::explore::__private::run_test(
                ::core::module_path!(),
                #name_str,
                ::core::env!("CARGO_MANIFEST_DIR"),
                args,
                #call,
            );
        }
    })
}

/// Waits on several futures at once and runs the branch of the first to
/// complete (tokio's `select!`); the others are dropped. Use it as
/// `seedloop::select!`.
///
/// ```text
/// seedloop::select! {
///     pattern = future => handler,
///     pattern = future, if precondition => handler,
///     else => handler,
/// }
/// ```
///
/// 1. Every precondition is evaluated; a branch whose precondition is
///    false is disabled. Then every future expression is evaluated, in
///    order, disabled ones included.
/// 2. The enabled futures are polled. The first to complete whose output
///    matches its pattern wins: the others are dropped and its handler
///    runs with the pattern's bindings. An output that does not match
///    disables its branch, and the rest go on.
/// 3. When every branch is disabled, the `else` handler runs (without an
///    `else` branch, `select!` panics).
///
/// # Determinism
///
/// Which enabled branch is polled first, at each poll, is a choice on the
/// tape (0 = the first enabled branch in written order), so the harness
/// explores which of several ready futures wins, as tokio's random start
/// would, and a failing order replays and shrinks. With `biased;` as the
/// first token the branches are polled in written order, as in tokio.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = seedloop::sync::mpsc::channel::<u32>(1);
///     tx.send(7).await.unwrap();
///     let got = seedloop::select! {
///         Some(v) = rx.recv() => v,
///         _ = seedloop::time::sleep(Duration::from_secs(1)) => 0,
///     };
///     assert_eq!(got, 7);
/// });
/// ```
#[proc_macro]
pub fn select(input: TokenStream) -> TokenStream {
    let parsed = syn::parse_macro_input!(input as select::Select);
    select::expand(parsed, &quote!(::seedloop)).into()
}

/// `select!` for a crate that re-exports seedloop (hidden): the input
/// starts with the path of seedloop in parentheses, as in
/// `__select_in!(($crate::__seedloop) branches..)`.
#[doc(hidden)]
#[proc_macro]
pub fn __select_in(input: TokenStream) -> TokenStream {
    let parsed = syn::parse_macro_input!(input as select::Rooted);
    select::expand(parsed.select, &parsed.root).into()
}

/// `#[tokio::main]` under `seedloop-tokio` with `--cfg seedloop` (hidden:
/// use it as `tokio::main`): `main` runs on a simulation seeded from
/// `SEEDLOOP_SEED`; tokio's arguments are accepted.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __tokio_main(attr: TokenStream, item: TokenStream) -> TokenStream {
    tokio::attribute(attr.into(), item.into(), tokio::Kind::Main).into()
}

/// `#[tokio::test]` under `seedloop-tokio` with `--cfg seedloop` (hidden:
/// use it as `tokio::test`): the test runs as `#[seedloop::test]`, a sweep
/// of seeds with shrinking; tokio's arguments are accepted.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __tokio_test(attr: TokenStream, item: TokenStream) -> TokenStream {
    tokio::attribute(attr.into(), item.into(), tokio::Kind::Test).into()
}

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    #[test]
    fn expands_to_a_test_that_calls_run_test() {
        let item = quote! {
            /// Docs.
            #[ignore]
            pub async fn r#works() -> Result<(), String> { Ok(()) }
        };
        let out = expand(quote!(seeds = 7, strategy = "fifo"), item).unwrap();
        let expected = quote! {
            #[::core::prelude::v1::test]
            #[doc = r" Docs."]
            #[ignore]
            pub fn r#works() {
                async fn __seedloop_test_body() -> Result<(), String> { Ok(()) }
                let _ = <Result<(), String> as ::seedloop::explore::__private::TestOutput>::check;
                #[allow(clippy::needless_update)]
                let args = ::seedloop::explore::__private::TestArgs {
                    seeds: ::core::option::Option::Some(7u64),
                    strategy: ::core::option::Option::Some("fifo"),
                    time_limit: ::core::option::Option::None,
                    jobs: ::core::option::Option::None,
                    step_limit: ::core::option::Option::None,
                    config: ::core::option::Option::None,
                    ..::core::default::Default::default()
                };
                ::seedloop::explore::__private::run_test(
                    ::core::module_path!(),
                    "works",
                    ::core::env!("CARGO_MANIFEST_DIR"),
                    args,
                    || async { ::seedloop::explore::__private::TestOutput::check(__seedloop_test_body().await) },
                );
            }
        };
        assert_eq!(out.to_string(), expected.to_string());
    }

    #[test]
    fn rejects_what_is_not_a_plain_async_fn() {
        #[rustfmt::skip]
        let cases = [
            ("", "fn f() {}", "#[seedloop::test] needs an `async fn`: write `async fn`"),
            ("", "struct S;", "#[seedloop::test] goes on an `async fn`"),
            ("", "async fn f(x: u32) {}", "#[seedloop::test] fn takes no parameters"),
            ("", "async fn f<T>() {}", "#[seedloop::test] fn cannot be generic"),
            ("", "async fn f() where u8: Copy {}", "#[seedloop::test] fn cannot be generic"),
            ("", "async unsafe fn f() {}", "#[seedloop::test] fn cannot be `unsafe`"),
            ("", "async extern \"C\" fn f() {}", "#[seedloop::test] fn cannot be `extern`"),
            ("", "#[test] async fn f() {}", "#[seedloop::test] adds `#[test]`: remove this one"),
            // The arguments are checked first.
            ("seeds = 0", "fn f() {}", "`seeds = 0` would run no seeds; give at least 1"),
        ];
        for (attr, item, expected) in cases {
            let e = expand(attr.parse().unwrap(), item.parse().unwrap()).unwrap_err();
            assert_eq!(e.to_string(), expected, "for {attr:?} on {item:?}");
        }
    }
}
