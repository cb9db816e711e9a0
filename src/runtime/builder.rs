//! `Builder`: the one configuration surface of a simulation.

use std::future::Future;
use std::ops::Range;
use std::time::Duration;

use super::Sim;
use super::parts::{Part, Parts};
use crate::error::{ConfigError, Error};
use crate::strategy::{Scheduler, Strategy, Tuning};

/// What happens when a spawned task panics.
///
/// # Examples
///
/// ```
/// use seedloop::{PanicPolicy, Sim};
///
/// let mut sim = Sim::builder()
///     .panic_policy(PanicPolicy::ToJoinHandle)
///     .print_panics(false)
///     .build();
/// let err = sim.block_on(async { seedloop::spawn(async { panic!("oops") }).await.unwrap_err() });
/// assert!(err.is_panic());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PanicPolicy {
    /// The run fails with [`Error::Panicked`] (the default: a panic is a bug found).
    #[default]
    FailRun,
    /// The panic is delivered to the task's `JoinHandle` as a `JoinError`, as tokio does.
    ToJoinHandle,
}

#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) seed: u64,
    pub(crate) strategy: Strategy,
    pub(crate) time_limit: Duration,
    pub(crate) step_limit: u64,
    pub(crate) record_trace: bool,
    pub(crate) panic_policy: PanicPolicy,
    pub(crate) blocking_cost: Range<Duration>,
    pub(crate) print_panics: bool,
    /// Whether `apply_env` read the `SEEDLOOP_*` variables: a failure's
    /// replay line is then a command line, else a `Builder` line.
    pub(crate) env_applied: bool,
    /// The settings of the floors above the driver (the network's,
    /// buggify's), each set by a builder method of its floor.
    pub(crate) parts: Parts,
}

/// Configures and builds a [`Sim`]. Every setting has a documented default;
/// values are validated by [`Builder::try_build`].
///
/// | setting | default |
/// |---|---|
/// | `seed` | `0` |
/// | `strategy` | [`Strategy::Random`] |
/// | `time_limit` | 24 hours of virtual time |
/// | `step_limit` | 50,000,000 steps |
/// | `record_trace` | `false` (the fingerprint is always on) |
/// | `panic_policy` | [`PanicPolicy::FailRun`] |
/// | `blocking_cost` | `1ms..10ms` of virtual time per `spawn_blocking` call |
/// | `print_panics` | `true` (the standard panic message is printed) |
/// | `buggify` | `false` ([`buggify!`](macro@crate::buggify) is always false) |
/// | `net` | [`NetConfig::default`](crate::net::NetConfig) (1-10 ms latency, no loss) |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seedloop::{Sim, Strategy};
///
/// let mut sim = Sim::builder()
///     .seed(0x2a)
///     .strategy(Strategy::Random)
///     .time_limit(Duration::from_secs(60))
///     .step_limit(1_000_000)
///     .record_trace(true)
///     .build();
/// sim.block_on(seedloop::sleep(Duration::from_secs(1)));
/// assert_eq!(sim.seed(), 0x2a);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    cfg: Config,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// A builder with every default.
    ///
    /// ```
    /// let sim = seedloop::Builder::new().build();
    /// assert_eq!(sim.seed(), 0);
    /// ```
    pub fn new() -> Builder {
        Builder {
            cfg: Config {
                seed: 0,
                strategy: Strategy::Random,
                time_limit: Duration::from_secs(24 * 3600),
                step_limit: 50_000_000,
                record_trace: false,
                panic_policy: PanicPolicy::FailRun,
                blocking_cost: Duration::from_millis(1)..Duration::from_millis(10),
                print_panics: true,
                env_applied: false,
                parts: Parts::default(),
            },
        }
    }

    /// The seed: every choice of a `Random` run derives from it.
    ///
    /// ```
    /// assert_eq!(seedloop::Sim::builder().seed(3).build().seed(), 3);
    /// ```
    pub fn seed(mut self, seed: u64) -> Builder {
        self.cfg.seed = seed;
        self
    }

    /// Where the values of choices come from (default [`Strategy::Random`]).
    ///
    /// ```
    /// let sim = seedloop::Sim::builder().strategy(seedloop::Strategy::Fifo).build();
    /// assert_eq!(sim.strategy(), &seedloop::Strategy::Fifo);
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Builder {
        self.cfg.strategy = strategy;
        self
    }

    /// The run fails with [`Error::TimeLimit`] rather than let the virtual clock pass this.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::builder().time_limit(Duration::from_secs(1)).build();
    /// let err = sim.try_block_on(seedloop::sleep(Duration::from_secs(2))).unwrap_err();
    /// assert!(matches!(err, seedloop::Error::TimeLimit { .. }));
    /// ```
    pub fn time_limit(mut self, limit: Duration) -> Builder {
        self.cfg.time_limit = limit;
        self
    }

    /// The run fails with [`Error::StepLimit`] after this many steps (task polls
    /// and clock advances), so a livelock cannot hang a test.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().step_limit(100).build();
    /// let err = sim
    ///     .try_block_on(async { loop { seedloop::task::yield_now().await } })
    ///     .unwrap_err();
    /// assert!(matches!(err, seedloop::Error::StepLimit { limit: 100, .. }));
    /// ```
    pub fn step_limit(mut self, limit: u64) -> Builder {
        self.cfg.step_limit = limit;
        self
    }

    /// The step limit set so far.
    pub(crate) fn step_limit_of(&self) -> u64 {
        self.cfg.step_limit
    }

    /// Keep the full event list (see [`Sim::trace`]). The fingerprint is kept either way.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().record_trace(true).build();
    /// sim.block_on(async {});
    /// assert!(!sim.trace().is_empty());
    /// ```
    pub fn record_trace(mut self, record: bool) -> Builder {
        self.cfg.record_trace = record;
        self
    }

    /// What a panic in a spawned task does (default [`PanicPolicy::FailRun`]).
    /// A panic of the main future always fails the run.
    ///
    /// ```
    /// let sim = seedloop::Sim::builder()
    ///     .panic_policy(seedloop::PanicPolicy::ToJoinHandle)
    ///     .build();
    /// # drop(sim);
    /// ```
    pub fn panic_policy(mut self, policy: PanicPolicy) -> Builder {
        self.cfg.panic_policy = policy;
        self
    }

    /// The virtual time a [`spawn_blocking`](crate::task::spawn_blocking) call
    /// costs, drawn from this range (`a..a` means exactly `a`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::builder()
    ///     .blocking_cost(Duration::from_secs(2)..Duration::from_secs(2))
    ///     .build();
    /// sim.block_on(async { seedloop::task::spawn_blocking(|| 1).await.unwrap() });
    /// assert_eq!(sim.elapsed(), Duration::from_secs(2));
    /// ```
    pub fn blocking_cost(mut self, cost: Range<Duration>) -> Builder {
        self.cfg.blocking_cost = cost;
        self
    }

    /// Whether panics inside the simulation print the standard panic message
    /// (default `true`). Reports and errors carry the message either way.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().print_panics(false).build();
    /// assert!(sim.try_block_on(async { panic!("quiet") }).is_err());
    /// ```
    pub fn print_panics(mut self, print: bool) -> Builder {
        self.cfg.print_panics = print;
        self
    }

    /// Applies the environment variables `SEEDLOOP_SEED` (run this seed, with
    /// the trace kept), `SEEDLOOP_STRATEGY` (`fifo`, `random`, `pct:D`,
    /// `dfs:K`) and `SEEDLOOP_TAPE` (replay this tape, with the trace kept).
    /// The sweep's variables (`SEEDLOOP_SEEDS`, `SEEDLOOP_JOBS`,
    /// `SEEDLOOP_SHARD`) are checked too, but a single run has no use for them.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable and its value when any
    /// `SEEDLOOP_*` value is malformed.
    ///
    /// ```
    /// // With none of the variables set, nothing changes.
    /// let sim = seedloop::Sim::builder().seed(4).apply_env().unwrap().build();
    /// # if std::env::var_os("SEEDLOOP_SEED").is_none() {
    /// assert_eq!(sim.seed(), 4);
    /// # }
    /// ```
    pub fn apply_env(self) -> Result<Builder, ConfigError> {
        self.apply_vars(|name| std::env::var(name).ok())
    }

    pub(crate) fn apply_vars(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Builder, ConfigError> {
        let o = crate::env::read(var)?;
        self.cfg.env_applied = true;
        if let Some(seed) = o.seed {
            self.cfg.seed = seed;
            self.cfg.record_trace = true;
        }
        if let Some(strategy) = o.strategy {
            self.cfg.strategy = strategy;
        }
        if let Some(tape) = o.tape {
            self.cfg.strategy = Strategy::Replay(tape);
            self.cfg.record_trace = true;
        }
        Ok(self)
    }

    /// Sets a floor's settings (its builder method calls this).
    pub(crate) fn with_part<T: Part>(mut self, part: T) -> Builder {
        self.cfg.parts.set(part);
        self
    }

    /// A floor's settings, if they were set.
    pub(crate) fn part<T: Part>(&self) -> Option<&T> {
        self.cfg.parts.get::<T>()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let c = &self.cfg;
        c.strategy.validate()?;
        c.parts.validate()?;
        super::watchdog::settings()?;
        if c.step_limit == 0 {
            return Err(ConfigError::new(
                "step_limit",
                "0",
                "must be at least 1 (no step could run)",
            ));
        }
        if c.time_limit.is_zero() {
            return Err(ConfigError::new(
                "time_limit",
                "0s",
                "must be greater than zero",
            ));
        }
        if c.blocking_cost.start > c.blocking_cost.end {
            return Err(ConfigError::new(
                "blocking_cost",
                format!("{:?}", c.blocking_cost),
                "the range is inverted (start > end)",
            ));
        }
        Ok(())
    }

    /// Builds the simulation.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first invalid setting: a zero step or time
    /// limit, or an inverted blocking cost range.
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = seedloop::Sim::builder()
    ///     .blocking_cost(Duration::from_secs(2)..Duration::from_secs(1))
    ///     .try_build()
    ///     .unwrap_err();
    /// assert_eq!(err.setting(), "blocking_cost");
    /// ```
    pub fn try_build(&self) -> Result<Sim, ConfigError> {
        self.validate()?;
        let scheduler = self.cfg.strategy.started(Tuning::default(), self.cfg.seed);
        Ok(Sim::from_parts(self.cfg.clone(), scheduler))
    }

    /// Builds the simulation with `scheduler`, started for this run by the
    /// caller (the explorer, whose strategies span runs).
    ///
    /// # Panics
    ///
    /// As [`Builder::build`].
    #[track_caller]
    pub(crate) fn build_with(&self, scheduler: Box<dyn Scheduler>) -> Sim {
        if let Err(e) = self.validate() {
            panic!("seedloop: {e}");
        }
        Sim::from_parts(self.cfg.clone(), scheduler)
    }

    /// Builds the simulation.
    ///
    /// # Panics
    ///
    /// With the [`ConfigError`] of [`Builder::try_build`] when a setting is invalid.
    ///
    /// ```
    /// let sim = seedloop::Sim::builder().seed(1).build();
    /// assert_eq!(sim.steps(), 0);
    /// ```
    #[track_caller]
    pub fn build(&self) -> Sim {
        match self.try_build() {
            Ok(sim) => sim,
            Err(e) => panic!("seedloop: {e}"),
        }
    }

    /// Runs `f()` on two simulations built alike (with traces kept) and
    /// compares them event by event.
    ///
    /// # Errors
    ///
    /// [`Error::NonDeterminism`] naming the first differing event and showing
    /// both versions; otherwise the first run's error, if it failed.
    ///
    /// # Panics
    ///
    /// If the builder's configuration is invalid.
    ///
    /// ```
    /// let out = seedloop::Sim::builder()
    ///     .seed(8)
    ///     .check_determinism(|| async {
    ///         let t = seedloop::spawn(async { seedloop::rand::random::<u16>() });
    ///         t.await.unwrap()
    ///     })
    ///     .unwrap();
    /// # let _ = out;
    /// ```
    #[track_caller]
    pub fn check_determinism<F, Fut>(&self, f: F) -> Result<Fut::Output, Error>
    where
        F: Fn() -> Fut,
        Fut: Future,
    {
        self.check_determinism_tuned(Tuning::default(), f)
    }

    /// [`Builder::check_determinism`] with the strategy made with `tuning`
    /// (the explorer's, for the first run of a sweep).
    #[track_caller]
    pub(crate) fn check_determinism_tuned<F, Fut>(
        &self,
        tuning: Tuning,
        f: F,
    ) -> Result<Fut::Output, Error>
    where
        F: Fn() -> Fut,
        Fut: Future,
    {
        let builder = self.clone().record_trace(true);
        let build = || builder.build_with(self.cfg.strategy.started(tuning, self.cfg.seed));
        let mut first = build();
        let out = first.try_block_on(f());
        let mut second = build();
        let out2 = second.try_block_on(f());
        drop(out2);
        let difference = first
            .trace()
            .first_difference(second.trace())
            .or(
                (first.fingerprint() != second.fingerprint() || first.tape() != second.tape())
                    .then(|| first.trace().len()),
            );
        if let Some(index) = difference {
            return Err(Error::NonDeterminism {
                seed: self.cfg.seed,
                index,
                first: first.trace().describe(index),
                second: second.trace().describe(index),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::table as vars;

    #[test]
    fn environment_sets_seed_strategy_and_tape_and_keeps_the_trace() {
        let b = Builder::new()
            .apply_vars(vars(&[
                ("SEEDLOOP_SEED", "0x2a"),
                ("SEEDLOOP_STRATEGY", "fifo"),
            ]))
            .unwrap();
        assert_eq!(b.cfg.seed, 42);
        assert_eq!(b.cfg.strategy, Strategy::Fifo);
        assert!(b.cfg.record_trace, "a replayed seed keeps its trace");
        let b = Builder::new()
            .apply_vars(vars(&[("SEEDLOOP_TAPE", "1,z3,2")]))
            .unwrap();
        assert_eq!(b.cfg.strategy.to_string(), "replay:1,z3,2");
        let b = Builder::new().seed(9).apply_vars(vars(&[])).unwrap();
        assert_eq!((b.cfg.seed, b.cfg.record_trace), (9, false));
    }

    #[test]
    fn bad_environment_values_name_the_variable_and_value() {
        for (var, value) in [
            ("SEEDLOOP_SEED", "0xzz"),
            ("SEEDLOOP_STRATEGY", "chaos"),
            ("SEEDLOOP_TAPE", "1,,2"),
        ] {
            let err = Builder::new()
                .apply_vars(vars(&[(var, value)]))
                .unwrap_err();
            assert_eq!(err.setting(), var);
            assert_eq!(err.value(), value);
            assert!(err.to_string().contains(var), "{err}");
        }
    }
}
