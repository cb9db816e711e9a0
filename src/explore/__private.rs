//! What `#[seedloop::test]` expands to. Not a public API.

use std::future::Future;
use std::path::Path;

use super::Explorer;
pub use super::TestOutput;

/// The arguments of `#[seedloop::test(..)]`, as written.
#[derive(Clone, Debug, Default)]
pub struct TestArgs {
    /// `seeds = N`
    pub seeds: Option<u64>,
    /// `strategy = "pct:3"`
    pub strategy: Option<&'static str>,
    /// `time_limit = "30s"`
    pub time_limit: Option<&'static str>,
    /// `jobs = N`
    pub jobs: Option<usize>,
    /// `step_limit = N`
    pub step_limit: Option<u64>,
    /// `config = path`: the explorer the test starts from, given its name.
    pub config: Option<fn(&str) -> Explorer>,
}

/// What a `config = path` function may return: the [`Explorer`] the test
/// starts from, or the [`Builder`](crate::Builder) of its runs.
pub trait TestConfig {
    /// The explorer for the test called `name`.
    fn into_explorer(self, name: &str) -> Explorer;
}

impl TestConfig for Explorer {
    fn into_explorer(mut self, name: &str) -> Explorer {
        self.name = name.to_string();
        self
    }
}

impl TestConfig for crate::Builder {
    fn into_explorer(self, name: &str) -> Explorer {
        Explorer::new(name)
            .strategy(crate::Strategy::Portfolio)
            .sim(self)
    }
}

/// Runs a `#[seedloop::test]`: replays its `seeds/` file, then sweeps.
/// `module_path` is `module_path!()` at the test, `name` the function's name.
#[track_caller]
pub fn run_test<F, Fut>(
    module_path: &'static str,
    name: &'static str,
    manifest_dir: &'static str,
    args: TestArgs,
    f: F,
) where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: TestOutput,
{
    let full = format!("{module_path}::{name}");
    // `cargo test` names a test by its path without the crate's name.
    let test_name = full
        .split_once("::")
        .map_or(full.as_str(), |(_, rest)| rest);
    let path = super::seeds_file::path_for(Path::new(manifest_dir), &full);
    let explorer = match configure(test_name, &path, &args) {
        Ok(explorer) => explorer,
        Err(message) => panic!("seedloop: `{test_name}`: {message}"),
    };
    let body = move || {
        let fut = f();
        async move { fut.await.check() }
    };
    match explorer.run(body) {
        Ok(report) => println!("{report}"),
        Err(failure) => panic!("{failure}"),
    }
}

fn configure(name: &str, path: &Path, args: &TestArgs) -> Result<Explorer, String> {
    let mut e = match args.config {
        Some(config) => config(name),
        // The strategy that did best on the bug suite (docs/EXPLORATION.md):
        // it finds every bug, the long-program ones `random` misses included.
        None => Explorer::new(name).strategy(crate::Strategy::Portfolio),
    };
    if let Some(n) = args.seeds {
        e = e.seeds(n);
    }
    if let Some(text) = args.strategy {
        let strategy = text.parse().map_err(|err| format!("{err}"))?;
        e = e.strategy(strategy);
    }
    if let Some(text) = args.time_limit {
        let limit =
            crate::env::parse_duration("time_limit", text).map_err(|err| format!("{err}"))?;
        let sim = e.sim.clone().time_limit(limit);
        e = e.sim(sim);
    }
    if let Some(n) = args.step_limit {
        let sim = e.sim.clone().step_limit(n);
        e = e.sim(sim);
    }
    if let Some(j) = args.jobs {
        e = e.jobs(j);
    }
    let e = e.replay_file(path).map_err(|err| format!("{err}"))?;
    let e = e.save_failures(path);
    e.apply_env().map_err(|err| format!("{err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Strategy;

    fn strategy_of(args: &TestArgs) -> Strategy {
        let path = Path::new("/nonexistent/seedloop/default.seeds");
        configure("t", path, args).unwrap().strategy
    }

    /// The test attribute sweeps with the portfolio unless told otherwise,
    /// through a `config` returning a `Builder` too; a `config` returning an
    /// `Explorer` keeps that explorer's strategy, and a literal wins.
    #[test]
    fn the_attributes_default_strategy_is_the_portfolio() {
        if std::env::var_os("SEEDLOOP_STRATEGY").is_some() {
            return; // the variable overrides every default
        }
        assert_eq!(strategy_of(&TestArgs::default()), Strategy::Portfolio);
        let builder = TestArgs {
            config: Some(|name| TestConfig::into_explorer(crate::Sim::builder(), name)),
            ..TestArgs::default()
        };
        assert_eq!(strategy_of(&builder), Strategy::Portfolio);
        let explorer = TestArgs {
            config: Some(|name| {
                TestConfig::into_explorer(Explorer::new("x").strategy(Strategy::Fifo), name)
            }),
            ..TestArgs::default()
        };
        assert_eq!(strategy_of(&explorer), Strategy::Fifo);
        let literal = TestArgs {
            strategy: Some("pct:2"),
            ..TestArgs::default()
        };
        assert_eq!(strategy_of(&literal), Strategy::Pct { depth: 2 });
    }
}
