//! The command line of the plain (`harness = false`, not criterion)
//! programs among the benchmarks, `memory.rs` and `shrink.rs`: an optional
//! case-name filter and `--quick`; other flags (`--bench`, passed by cargo)
//! are ignored. Shared with `#[path]`, so each program uses what it needs.
#![allow(dead_code)]

pub struct Opts {
    /// The arguments, as given (for the "command:" line a run prints).
    pub args: Vec<String>,
    pub filter: Option<String>,
    pub quick: bool,
}

impl Opts {
    pub fn from_args() -> Opts {
        let args: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| a != "--bench")
            .collect();
        Opts {
            filter: args.iter().find(|a| !a.starts_with("--")).cloned(),
            quick: args.iter().any(|a| a == "--quick"),
            args,
        }
    }

    /// `n` items, or a tenth of them in a quick run.
    pub fn items(&self, n: usize) -> usize {
        if self.quick { n / 10 } else { n }
    }

    /// Whether the case named `case` runs (its name contains the filter).
    pub fn wants(&self, case: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| case.contains(f))
    }
}
