//! `select!`: wait on several futures, run the branch of the first to
//! complete (tokio's `select!`), with the branch polled first drawn from
//! seedloop's tape.

use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;
use syn::{Expr, Pat, Token};

/// One `pattern = future, if precondition => handler` branch.
struct Branch {
    pat: Pat,
    fut: Expr,
    cond: Option<Expr>,
    handler: Expr,
}

pub(crate) struct Select {
    biased: bool,
    branches: Vec<Branch>,
    otherwise: Option<Expr>,
}

mod kw {
    syn::custom_keyword!(biased);
}

impl Parse for Select {
    fn parse(input: ParseStream<'_>) -> syn::Result<Select> {
        let mut biased = false;
        if input.peek(kw::biased) && input.peek2(Token![;]) {
            input.parse::<kw::biased>()?;
            input.parse::<Token![;]>()?;
            biased = true;
        }
        let mut branches = Vec::new();
        let mut otherwise = None;
        while !input.is_empty() {
            if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
                input.parse::<Token![=>]>()?;
                let handler = parse_handler(input)?;
                if otherwise.replace(handler).is_some() {
                    return Err(input.error("select! takes one `else` branch"));
                }
                continue;
            }
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let fut = input.call(Expr::parse_without_eager_brace)?;
            let cond = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(input.call(Expr::parse_without_eager_brace)?)
            } else {
                None
            };
            input.parse::<Token![=>]>()?;
            let handler = parse_handler(input)?;
            branches.push(Branch {
                pat,
                fut,
                cond,
                handler,
            });
        }
        if branches.is_empty() {
            return Err(input.error("select! needs at least one branch"));
        }
        if branches.len() > 64 {
            return Err(input.error("select! takes at most 64 branches"));
        }
        Ok(Select {
            biased,
            branches,
            otherwise,
        })
    }
}

/// A handler: a block (the comma after it is optional) or an expression
/// (followed by a comma unless it is the last).
fn parse_handler(input: ParseStream<'_>) -> syn::Result<Expr> {
    let handler: Expr = input.parse()?;
    let is_block = matches!(handler, Expr::Block(_));
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !is_block && !input.is_empty() {
        return Err(input.error("expected `,` after a select! branch"));
    }
    Ok(handler)
}

/// The pattern used to test a completed future's output by reference:
/// `mut` and `ref` come off its bindings (a by-reference match forbids
/// them), and nothing it binds is used.
struct ByRef;

impl VisitMut for ByRef {
    fn visit_pat_ident_mut(&mut self, i: &mut syn::PatIdent) {
        i.mutability = None;
        i.by_ref = None;
        syn::visit_mut::visit_pat_ident_mut(self, i);
    }
}

/// A `select!` input led by the path of seedloop in parentheses.
pub(crate) struct Rooted {
    pub(crate) root: TokenStream2,
    pub(crate) select: Select,
}

impl Parse for Rooted {
    fn parse(input: ParseStream<'_>) -> syn::Result<Rooted> {
        let inner;
        syn::parenthesized!(inner in input);
        let root: TokenStream2 = inner.parse()?;
        Ok(Rooted {
            root,
            select: input.parse()?,
        })
    }
}

pub(crate) fn expand(select: Select, root: &TokenStream2) -> TokenStream2 {
    let n = select.branches.len();
    let biased = select.biased;
    let futs: Vec<_> = (0..n).map(|i| format_ident!("__seedloop_fut{i}")).collect();
    let variants: Vec<_> = (0..n).map(|i| format_ident!("_{i}")).collect();
    let generics: Vec<_> = (0..n).map(|i| format_ident!("T{i}")).collect();

    let conditions = select
        .branches
        .iter()
        .enumerate()
        .map(|(i, b)| match &b.cond {
            Some(cond) => quote! { __seedloop_disabled[#i] = !(#cond); },
            None => quote! {},
        });
    let pins = select.branches.iter().zip(&futs).map(|(b, f)| {
        let fut = &b.fut;
        quote! { let mut #f = ::core::pin::pin!(#fut); }
    });
    let polls = select.branches.iter().enumerate().map(|(i, b)| {
        let f = &futs[i];
        let v = &variants[i];
        let mut check = b.pat.clone();
        ByRef.visit_pat_mut(&mut check);
        quote! {
            #i => {
                if let ::core::task::Poll::Ready(__seedloop_v) =
                    ::core::future::Future::poll(#f.as_mut(), __seedloop_cx)
                {
                    #[allow(unreachable_patterns, unused_variables)]
                    match &__seedloop_v {
                        #check => {
                            return ::core::task::Poll::Ready(__SeedloopOut::#v(__seedloop_v));
                        }
                        _ => {
                            __seedloop_disabled[#i] = true;
                        }
                    }
                }
            }
        }
    });
    let arms = select.branches.iter().zip(&variants).map(|(b, v)| {
        let pat = &b.pat;
        let handler = &b.handler;
        quote! {
            __SeedloopOut::#v(#pat) => { #handler }
            #[allow(unreachable_patterns)]
            __SeedloopOut::#v(_) => ::core::unreachable!("the pattern was checked when the future completed"),
        }
    });
    let otherwise = match &select.otherwise {
        Some(handler) => quote! { __SeedloopOut::Else => { #handler } },
        None => quote! {
            __SeedloopOut::Else => ::core::panic!(
                "select!: every branch is disabled (a precondition was false, or its output did not match its pattern) and there is no `else` branch"
            ),
        },
    };
    quote! {{
        enum __SeedloopOut<#(#generics),*> {
            #(#variants(#generics),)*
            Else,
        }
        let mut __seedloop_disabled: [bool; #n] = [false; #n];
        #(#conditions)*
        #(#pins)*
        let __seedloop_out = ::core::future::poll_fn(|__seedloop_cx| {
            let __seedloop_start =
                #root::future::__macro::first_branch(#biased, &__seedloop_disabled);
            for __seedloop_k in 0..#n {
                let __seedloop_i = (__seedloop_start + __seedloop_k) % __seedloop_disabled.len();
                if __seedloop_disabled[__seedloop_i] {
                    continue;
                }
                match __seedloop_i {
                    #(#polls)*
                    _ => ::core::unreachable!("a branch index is below the branch count"),
                }
            }
            if __seedloop_disabled.iter().all(|d| *d) {
                return ::core::task::Poll::Ready(__SeedloopOut::Else);
            }
            ::core::task::Poll::Pending
        })
        .await;
        match __seedloop_out {
            #(#arms)*
            #otherwise
        }
    }}
}
