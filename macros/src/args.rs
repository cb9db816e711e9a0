//! The arguments of `#[seedloop::test(..)]`: `name = literal`, comma separated.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Error, Expr, ExprPath, Ident, Lit, LitInt, LitStr, Token};

/// The argument names, each with the example its error messages show.
const KNOWN: [(&str, &str); 6] = [
    ("seeds", "500"),
    ("strategy", "\"pct:3\""),
    ("time_limit", "\"30s\""),
    ("jobs", "4"),
    ("step_limit", "1_000_000"),
    ("config", "my_tests::config"),
];

/// The arguments as written; `None` for one left out. The strings keep their
/// spans and are checked by the runtime, not here.
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) seeds: Option<u64>,
    pub(crate) strategy: Option<LitStr>,
    pub(crate) time_limit: Option<LitStr>,
    pub(crate) jobs: Option<usize>,
    pub(crate) step_limit: Option<u64>,
    /// A path to a `fn() -> Explorer` or `fn() -> Builder`.
    pub(crate) config: Option<ExprPath>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Args> {
        let mut args = Args::default();
        let mut seen = Vec::new();
        while !input.is_empty() {
            let hint = format!("expected an argument like `seeds = 500`; {}", known());
            let name = Ident::parse_any(input).map_err(|e| Error::new(e.span(), hint))?;
            let key = name.unraw().to_string();
            let Some(&(_, example)) = KNOWN.iter().find(|(k, _)| *k == key) else {
                let msg = format!("unknown argument `{key}` of #[seedloop::test]; {}", known());
                return Err(Error::new(name.span(), msg));
            };
            if seen.contains(&key) {
                return Err(Error::new(name.span(), format!("`{key}` is given twice")));
            }
            let hint = format!("expected `=` after `{key}`, as in `{key} = {example}`");
            input
                .parse::<Token![=]>()
                .map_err(|e| Error::new(e.span(), hint))?;
            let value: Expr = input.parse()?;
            let wrong = |kind: &str| {
                let msg = format!("`{key}` takes {kind} literal, as in `{key} = {example}`");
                Error::new_spanned(&value, msg)
            };
            let suffix = |i: &LitInt, ok: &str| i.suffix().is_empty() || i.suffix() == ok;
            match (key.as_str(), literal(&value)) {
                ("seeds", Some(Lit::Int(i))) if suffix(i, "u64") => match i.base10_parse()? {
                    0 => {
                        let msg = "`seeds = 0` would run no seeds; give at least 1";
                        return Err(Error::new_spanned(&value, msg));
                    }
                    n => args.seeds = Some(n),
                },
                ("step_limit", Some(Lit::Int(i))) if suffix(i, "u64") => match i.base10_parse()? {
                    0 => {
                        let msg = "`step_limit = 0` would stop every run before its first step; give at least 1";
                        return Err(Error::new_spanned(&value, msg));
                    }
                    n => args.step_limit = Some(n),
                },
                ("config", _) => match path(&value) {
                    Some(p) => args.config = Some(p.clone()),
                    None => {
                        let msg = format!(
                            "`config` takes the path of a function returning an Explorer or a Builder, as in `config = {example}`"
                        );
                        return Err(Error::new_spanned(&value, msg));
                    }
                },
                ("jobs", Some(Lit::Int(i))) if suffix(i, "usize") => {
                    args.jobs = Some(i.base10_parse()?);
                }
                ("strategy", Some(Lit::Str(s))) if s.suffix().is_empty() => {
                    args.strategy = Some(s.clone());
                }
                ("time_limit", Some(Lit::Str(s))) if s.suffix().is_empty() => {
                    args.time_limit = Some(s.clone());
                }
                ("seeds" | "jobs" | "step_limit", _) => return Err(wrong("an integer")),
                _ => return Err(wrong("a string")),
            }
            seen.push(key);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

fn known() -> String {
    let names: Vec<String> = KNOWN.iter().map(|(k, _)| format!("`{k}`")).collect();
    format!("the arguments are {}", names.join(", "))
}

/// The path an expression is, seeing through invisible groups.
fn path(value: &Expr) -> Option<&ExprPath> {
    match value {
        Expr::Path(p) => Some(p),
        Expr::Group(g) => path(&g.expr),
        _ => None,
    }
}

/// The literal an expression is, seeing through the invisible groups of `macro_rules!`.
pub(crate) fn literal(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(e) => Some(&e.lit),
        Expr::Group(g) => literal(&g.expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Args;

    fn parse(text: &str) -> syn::Result<Args> {
        syn::parse_str(text)
    }

    #[test]
    fn arguments_in_any_order() {
        let a = parse("").unwrap();
        assert_eq!((a.seeds, a.jobs), (None, None));
        assert!(a.strategy.is_none() && a.time_limit.is_none());
        let text = r#"jobs = 4, time_limit = "30s", strategy = "pct:3", seeds = 1000,"#;
        let a = parse(text).unwrap();
        assert_eq!((a.seeds, a.jobs), (Some(1000), Some(4)));
        assert_eq!(a.strategy.unwrap().value(), "pct:3");
        assert_eq!(a.time_limit.unwrap().value(), "30s");
    }

    #[test]
    fn step_limit_and_config() {
        let a = parse("step_limit = 1_000_000, config = crate::tests::setup").unwrap();
        assert_eq!(a.step_limit, Some(1_000_000));
        let p = a.config.unwrap();
        let segments: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        assert_eq!(segments, ["crate", "tests", "setup"]);
    }

    #[test]
    fn integer_forms_and_unchecked_strings() {
        let seeds = |text: &str| parse(text).unwrap().seeds;
        assert_eq!(seeds("seeds = 0x10"), Some(16));
        assert_eq!(seeds("seeds = 10_000u64"), Some(10_000));
        assert_eq!(seeds("r#seeds = 3"), Some(3));
        assert_eq!(parse("jobs = 2usize").unwrap().jobs, Some(2));
        // Left to the runtime, which knows what they mean.
        assert_eq!(parse("jobs = 0").unwrap().jobs, Some(0));
        let a = parse(r#"strategy = "chaos", time_limit = """#).unwrap();
        assert_eq!(a.strategy.unwrap().value(), "chaos");
        assert_eq!(a.time_limit.unwrap().value(), "");
    }

    #[test]
    fn errors() {
        let error = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            error("seeds = 5, seed = 5"),
            "unknown argument `seed` of #[seedloop::test]; \
             the arguments are `seeds`, `strategy`, `time_limit`, `jobs`, `step_limit`, `config`"
        );
        let int = "`seeds` takes an integer literal, as in `seeds = 500`";
        for text in [
            r#"seeds = "9""#,
            "seeds = N",
            "seeds = -1",
            "seeds = 5u8",
            "seeds = 1.5",
        ] {
            assert_eq!(error(text), int, "for {text:?}");
        }
        #[rustfmt::skip]
        let cases = [
            ("type = 1", "unknown argument `type`"),
            ("seeds = 5, jobs = 2, seeds = 6", "`seeds` is given twice"),
            (r#"strategy = "a", strategy = "a""#, "`strategy` is given twice"),
            ("jobs = 4u64", "`jobs` takes an integer literal, as in `jobs = 4`"),
            ("strategy = pct", r#"`strategy` takes a string literal, as in `strategy = "pct:3"`"#),
            ("time_limit = 30", r#"`time_limit` takes a string literal"#),
            ("seeds = 0", "`seeds = 0` would run no seeds; give at least 1"),
            ("step_limit = 0", "`step_limit = 0` would stop every run"),
            ("step_limit = \"1m\"", "`step_limit` takes an integer literal"),
            ("config = 3", "`config` takes the path of a function"),
            ("config = a::b, config = a::b", "`config` is given twice"),
            ("seeds = 18446744073709551616", "number too large to fit in target type"),
            ("seeds 5", "expected `=` after `seeds`, as in `seeds = 500`"),
            ("seeds = 5 jobs = 2", "expected `,`"),
            ("500", "expected an argument like `seeds = 500`; the arguments are"),
            ("seeds = 5,, jobs = 2", "expected an argument like `seeds = 500`"),
        ];
        for (text, expected) in cases {
            let e = error(text);
            assert!(e.starts_with(expected), "for {text:?}: {e}");
        }
    }
}
