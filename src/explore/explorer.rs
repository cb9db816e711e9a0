//! `Explorer`: a sweep over seeds (or schedules), on several threads, with
//! the determinism check, shrinking and the seeds file.
//!
//! A sweep, in order:
//! 1. `SEEDLOOP_TAPE` or `SEEDLOOP_SEED` set: run just that one, trace kept.
//! 2. Replay every line of the seeds file, if one was given.
//! 3. Run the sweep's first seed twice and compare (the determinism check).
//! 4. Run the seeds of this shard on `jobs` threads; under `Dfs`, walk the
//!    schedules one after the other instead.
//! 5. On a failure, keep the one with the lowest iteration (so that the
//!    result does not depend on `jobs`), shrink its tape, save it, report.

use std::future::Future;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::report::{Failure, Origin, Report};
use super::seeds_file::{self, Line, SeedsFileError};
use super::swarm;
use super::sweep::{Found, Located, Run, Setup, run_once, shard_len};
use crate::env::{self, Shard};
use crate::error::{ConfigError, Error};
use crate::runtime::Builder;
use crate::strategy::{Strategy, Tuning};
use crate::tape::Tape;

/// How many steps of its first seed's two runs the determinism check
/// compares, at most.
const DETERMINISM_STEPS: u64 = 200_000;

/// Explores a test over many seeds: see the [module documentation](super).
///
/// | setting | default |
/// |---|---|
/// | `seeds` | 100 runs |
/// | `base_seed` | 0 (iteration `i` runs seed `base_seed + i`) |
/// | `strategy` | [`Strategy::Random`] |
/// | `jobs` | the available cores |
/// | `time_budget` | none (every seed runs) |
/// | `shard` | the whole sweep |
/// | `buggify` | enabled in half the runs |
/// | `swarm` | off |
/// | `shrink_budget` | 2,000 re-runs |
/// | `shrink_time` | 30 s of wall time |
/// | `sim` | [`Builder::new()`] (limits, panic policy; panics are not printed) |
///
/// # Examples
///
/// ```
/// use seedloop::explore::Explorer;
/// use seedloop::Strategy;
///
/// let report = Explorer::new("doc::explorer")
///     .seeds(100)
///     .strategy(Strategy::Pct { depth: 2 })
///     .jobs(2)
///     .run(|| async {
///         let (tx, mut rx) = seedloop::sync::mpsc::channel(4);
///         seedloop::spawn(async move { tx.send(1).await.unwrap() });
///         assert_eq!(rx.recv().await, Some(1));
///     })
///     .unwrap();
/// assert_eq!(report.iterations(), 100);
/// ```
#[derive(Clone, Debug)]
pub struct Explorer {
    pub(super) name: String,
    pub(super) seeds: u64,
    pub(super) base_seed: u64,
    pub(super) strategy: Strategy,
    pub(super) jobs: usize,
    pub(super) time_budget: Option<Duration>,
    pub(super) shard: Option<Shard>,
    pub(super) buggify: f64,
    pub(super) swarm: bool,
    pub(super) shrink_budget: u64,
    pub(super) shrink_time: Duration,
    pub(super) env_applied: bool,
    pub(super) sim: Builder,
    pub(super) replay: Vec<(usize, Line)>,
    pub(super) replay_path: Option<PathBuf>,
    pub(super) save_to: Option<PathBuf>,
    pub(super) one_seed: Option<u64>,
    pub(super) one_tape: Option<Tape>,
    pub(super) reduce: bool,
    pub(super) views: bool,
    pub(super) view_dir: Option<PathBuf>,
}

impl Explorer {
    /// An explorer for the test called `name` (used in reports and replay
    /// commands: give the test's path as `cargo test` prints it).
    ///
    /// ```
    /// let report = seedloop::explore::Explorer::new("my::test").seeds(3).run(|| async {}).unwrap();
    /// assert!(report.to_string().contains("my::test"));
    /// ```
    pub fn new(name: impl Into<String>) -> Explorer {
        Explorer {
            name: name.into(),
            seeds: 100,
            base_seed: 0,
            strategy: Strategy::Random,
            jobs: 0,
            time_budget: None,
            shard: None,
            buggify: 0.5,
            swarm: false,
            shrink_budget: 2000,
            shrink_time: Duration::from_secs(30),
            env_applied: false,
            sim: Builder::new(),
            replay: Vec::new(),
            replay_path: None,
            save_to: None,
            one_seed: None,
            one_tape: None,
            reduce: false,
            views: true,
            view_dir: None,
        }
    }

    /// Whether a failure writes the view of its shrunk run (default on):
    /// one HTML file, named on the report's `view:` line (see
    /// [`view`](crate::view)). Passing runs never write one.
    ///
    /// ```
    /// use seedloop::explore::Explorer;
    /// let failure = Explorer::new("quiet")
    ///     .views(false)
    ///     .run(|| async { panic!("no picture") })
    ///     .unwrap_err();
    /// assert_eq!(failure.view(), None);
    /// ```
    pub fn views(mut self, on: bool) -> Explorer {
        self.views = on;
        self
    }

    /// Writes failing runs' views under `dir` (`<dir>/<test>/<seed>.html`)
    /// instead of `seedloop` in cargo's target directory.
    /// `SEEDLOOP_VIEW_DIR` overrides it.
    ///
    /// ```
    /// use seedloop::explore::Explorer;
    /// let dir = std::env::temp_dir().join("seedloop-views-doc");
    /// let failure = Explorer::new("doc::bug")
    ///     .view_dir(&dir)
    ///     .run(|| async { panic!("drawn") })
    ///     .unwrap_err();
    /// let path = failure.view().unwrap();
    /// assert!(path.starts_with(&dir) && path.exists());
    /// assert!(failure.to_string().contains(&format!("view: {}", path.display())));
    /// ```
    pub fn view_dir(mut self, dir: impl Into<PathBuf>) -> Explorer {
        self.view_dir = Some(dir.into());
        self
    }

    /// Partial-order reduction for a `Dfs` sweep (default off): schedules
    /// that differ from one already run only in the order of steps that
    /// commute are skipped. Two steps of different tasks commute when they
    /// touch no common resource: seedloop's primitives (locks, channels,
    /// queues, sockets), the task cells they join, the timer heap and the
    /// order of spawns; a node's kill, restart or pause, a task's abort and
    /// a time advance touch everything. Other strategies ignore it.
    ///
    /// It assumes, as loom and shuttle do, that **tasks share state only
    /// through seedloop's primitives**. Memory shared outside them (an
    /// `Rc<Cell<_>>` written by one task and read by another) is invisible
    /// to the footprints, and schedules that reorder such accesses may be
    /// skipped. Within the deviation bound it may also skip a schedule whose
    /// only equivalents need more deviations. docs/EXPLORATION.md measures
    /// both on the bug suite.
    ///
    /// # Determinism
    ///
    /// The schedules run, and their order, depend on the program alone, as
    /// without the reduction.
    ///
    /// ```
    /// use seedloop::explore::Explorer;
    /// use seedloop::sync::Mutex;
    /// use seedloop::Strategy;
    /// // Three tasks, each with a lock of its own: every order of their
    /// // steps ends alike.
    /// let body = || async {
    ///     let tasks: Vec<_> = (0..3)
    ///         .map(|i| {
    ///             seedloop::spawn(async move {
    ///                 let own = Mutex::new(i);
    ///                 *own.lock().await += 1;
    ///                 *own.lock().await += 1;
    ///             })
    ///         })
    ///         .collect();
    ///     for t in tasks {
    ///         t.await.unwrap();
    ///     }
    /// };
    /// let dfs = Explorer::new("independent").strategy(Strategy::Dfs { max_deviations: 2 });
    /// let plain = dfs.clone().seeds(10_000).run(body).unwrap();
    /// let reduced = dfs.reduce_orders(true).seeds(10_000).run(body).unwrap();
    /// assert!(plain.exhausted() && reduced.exhausted());
    /// assert_eq!(plain.schedule_classes(), reduced.schedule_classes());
    /// assert!(reduced.iterations() * 3 <= plain.iterations());
    /// ```
    pub fn reduce_orders(mut self, on: bool) -> Explorer {
        self.reduce = on;
        self
    }

    /// How many runs the sweep makes (for `Dfs`: at most this many schedules).
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// assert_eq!(Explorer::new("n").seeds(12).jobs(1).run(|| async {}).unwrap().iterations(), 12);
    /// ```
    pub fn seeds(mut self, n: u64) -> Explorer {
        self.seeds = n;
        self
    }

    /// The first seed: iteration `i` runs seed `base_seed + i` (wrapping).
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("b").base_seed(40).seeds(5).run(|| async {
    ///     assert_ne!(seedloop::Handle::current().seed(), 42);
    /// }).unwrap_err();
    /// assert_eq!(f.seed(), 42);
    /// ```
    pub fn base_seed(mut self, seed: u64) -> Explorer {
        self.base_seed = seed;
        self
    }

    /// The strategy of the sweep (default [`Strategy::Random`]).
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let r = Explorer::new("s").strategy("pct:3".parse().unwrap()).seeds(5).run(|| async {}).unwrap();
    /// assert!(r.to_string().contains("pct:3"));
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Explorer {
        self.strategy = strategy;
        self
    }

    /// OS threads for the sweep (0 = the available cores, the default). Each
    /// simulation stays on one thread; the result does not depend on `jobs`.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let one = Explorer::new("j").seeds(40).jobs(1).run(|| async {
    ///     seedloop::spawn(async {}).await.unwrap();
    /// }).unwrap();
    /// let two = Explorer::new("j").seeds(40).jobs(2).run(|| async {
    ///     seedloop::spawn(async {}).await.unwrap();
    /// }).unwrap();
    /// assert_eq!(one.distinct_fingerprints(), two.distinct_fingerprints());
    /// ```
    pub fn jobs(mut self, jobs: usize) -> Explorer {
        self.jobs = jobs;
        self
    }

    /// Stops starting new runs after this much wall time (the runs done so
    /// far count). With a budget, how many runs happen depends on the machine.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let r = Explorer::new("t").seeds(u64::MAX).time_budget(std::time::Duration::from_millis(50))
    ///     .run(|| async {}).unwrap();
    /// assert!(r.iterations() > 0);
    /// ```
    pub fn time_budget(mut self, budget: Duration) -> Explorer {
        self.time_budget = Some(budget);
        self
    }

    /// Runs only the `k`-th (1-based) of `n` disjoint slices of the seeds:
    /// iterations `i` with `i % n == k - 1`. The slices of `1/n` to `n/n`
    /// together run exactly the whole sweep. A `Dfs` sweep is sequential:
    /// slice 1 runs all of it and the others nothing.
    ///
    /// # Panics
    ///
    /// At [`run`](Explorer::run), with a [`ConfigError`], unless `1 <= k <= n`.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let r = Explorer::new("s").seeds(10).shard(2, 3).run(|| async {}).unwrap();
    /// assert_eq!(r.iterations(), 3); // iterations 1, 4 and 7
    /// ```
    pub fn shard(mut self, k: u64, n: u64) -> Explorer {
        self.shard = Some(Shard::new(k, n, "shard").unwrap_or(Shard {
            index: k.wrapping_sub(1),
            count: n,
        }));
        self
    }

    /// The fraction of runs in which [`buggify!`](macro@crate::buggify) is
    /// enabled (default 0.5; 0 turns it off).
    ///
    /// # Panics
    ///
    /// Not here: a fraction outside `0.0..=1.0` (or NaN) is refused when the
    /// sweep starts, [`run`](Explorer::run) panicking with a [`ConfigError`]
    /// that names `buggify` and the value. Nothing is clamped.
    ///
    /// ```should_panic
    /// # use seedloop::explore::Explorer;
    /// let _ = Explorer::new("b").buggify(1.5).run(|| async {}); // invalid buggify value `1.5`
    /// ```
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("b").buggify(1.0).seeds(100).run(|| async {
    ///     for _ in 0..10 {
    ///         assert!(!seedloop::buggify!(), "a fault fired");
    ///     }
    /// }).unwrap_err();
    /// assert!(f.to_string().contains("a fault fired"));
    /// ```
    pub fn buggify(mut self, fraction: f64) -> Explorer {
        self.buggify = fraction;
        self
    }

    /// Swarm testing (Groce et al., ISSTA 2012; TigerBeetle's simulator):
    /// each seed draws its own fault profile instead of sharing one, so
    /// that some runs are calm and others stormy. A profile sets how often
    /// switch points yield (never, 1/16, 1/4 or 1/2), whether `buggify!` is
    /// on, and the network's weather: every link's loss at least 0, 1 %,
    /// 5 % or 20 %, duplication at least 0, 1 % or 5 %, and its latency
    /// range 1, 4 or 10 times as wide; and the disks' weather: every disk's
    /// I/O error probability at least 0, 0.5 % or 5 %, and torn writes of
    /// 512 or 4096 bytes on half the seeds (never corruption, which only a
    /// test's own `DiskConfig` asks for). The draw depends only on the seed.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let r = Explorer::new("swarm").swarm(true).seeds(50).run(|| async {
    ///     let m = std::rc::Rc::new(seedloop::sync::Mutex::new(0));
    ///     let m2 = m.clone();
    ///     let t = seedloop::spawn(async move { *m2.lock().await += 1 });
    ///     *m.lock().await += 1;
    ///     t.await.unwrap();
    ///     assert_eq!(*m.lock().await, 2);
    /// }).unwrap();
    /// assert_eq!(r.iterations(), 50);
    /// ```
    pub fn swarm(mut self, on: bool) -> Explorer {
        self.swarm = on;
        self
    }

    /// The most re-runs shrinking a failure may use (default 2,000; 0 does
    /// not shrink). Whatever this says, the re-runs of one shrink take at
    /// most 200 million steps together, so a failure at a step limit
    /// cannot make shrinking hang.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("n").shrink_budget(0).seeds(1).run(|| async { panic!(); }).unwrap_err();
    /// assert!(!f.to_string().contains("shrunk"));
    /// ```
    pub fn shrink_budget(mut self, runs: u64) -> Explorer {
        self.shrink_budget = runs;
        self
    }

    /// The most wall-clock time shrinking a failure may take (default 30 s).
    /// When it is spent, the smallest failing tape found so far is
    /// reported, and the report says that shrinking stopped early.
    ///
    /// # Determinism
    ///
    /// The budget only decides how far the shrink gets: every run is the
    /// same, and the tape reported always replays to the reported failure.
    /// With a budget this short, the shrunk tape may depend on the machine's
    /// speed.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// use std::time::Duration;
    /// let f = Explorer::new("quick")
    ///     .shrink_time(Duration::ZERO)
    ///     .seeds(50)
    ///     .run(|| async {
    ///         let a = seedloop::spawn(async { seedloop::rand::random::<u8>() });
    ///         assert!(a.await.unwrap() < 200);
    ///     })
    ///     .unwrap_err();
    /// assert!(f.to_string().contains("shrinking stopped early: its wall-time budget"), "{f}");
    /// ```
    pub fn shrink_time(mut self, budget: Duration) -> Explorer {
        self.shrink_time = budget;
        self
    }

    /// The configuration every run starts from (time and step limits, panic
    /// policy, costs). Its seed and strategy are replaced by the sweep's.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// use std::time::Duration;
    /// let f = Explorer::new("limit")
    ///     .sim(seedloop::Sim::builder().time_limit(Duration::from_secs(1)))
    ///     .seeds(1)
    ///     .run(|| async { seedloop::sleep(Duration::from_secs(5)).await })
    ///     .unwrap_err();
    /// assert!(matches!(f.error(), seedloop::Error::TimeLimit { .. }));
    /// ```
    pub fn sim(mut self, builder: Builder) -> Explorer {
        self.sim = builder;
        self
    }

    /// Replays every line of this seeds file before sweeping (a missing
    /// file has none).
    ///
    /// # Errors
    ///
    /// A [`SeedsFileError`] naming the file, the line and what is wrong when
    /// the file cannot be read or a line is malformed.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let e = Explorer::new("x").replay_file("/nonexistent/x.seeds").unwrap();
    /// assert_eq!(e.run(|| async {}).unwrap().replayed(), 0);
    /// ```
    pub fn replay_file(mut self, path: impl AsRef<Path>) -> Result<Explorer, SeedsFileError> {
        let path = path.as_ref();
        self.replay = seeds_file::read(path)?;
        self.replay_path = Some(path.to_path_buf());
        Ok(self)
    }

    /// Appends every failure the sweep finds to this seeds file (atomically:
    /// a temporary file renamed over it).
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let dir = std::env::temp_dir().join(format!("seedloop-save-{}", std::process::id()));
    /// let path = dir.join("t.seeds");
    /// let f = Explorer::new("t").save_failures(&path).seeds(1).run(|| async { panic!("x"); }).unwrap_err();
    /// assert!(std::fs::read_to_string(&path).unwrap().starts_with("seed=0x0 strategy=random tape=-"));
    /// // The next sweep replays it first.
    /// let again = Explorer::new("t").replay_file(&path).unwrap().run(|| async {}).unwrap();
    /// assert_eq!(again.replayed(), 1);
    /// # drop(f); std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn save_failures(mut self, path: impl AsRef<Path>) -> Explorer {
        self.save_to = Some(path.as_ref().to_path_buf());
        self
    }

    /// Runs only this seed, once, with the trace kept (the last events are
    /// printed with a failure) instead of the sweep: what `SEEDLOOP_SEED` does.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("one").only_seed(7).run(|| async {
    ///     assert_ne!(seedloop::Handle::current().seed(), 7);
    /// }).unwrap_err();
    /// assert_eq!(f.seed(), 7);
    /// assert!(f.to_string().contains("last events:"));
    /// ```
    pub fn only_seed(mut self, seed: u64) -> Explorer {
        self.one_seed = Some(seed);
        self
    }

    /// Replays only this tape, once, with the trace kept, instead of the
    /// sweep: what `SEEDLOOP_TAPE` does (with the seed of
    /// [`only_seed`](Explorer::only_seed), or the base seed).
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let r = Explorer::new("tape").only_tape("1,z2,1".parse().unwrap()).run(|| async {}).unwrap();
    /// assert_eq!(r.iterations(), 1);
    /// ```
    pub fn only_tape(mut self, tape: Tape) -> Explorer {
        self.one_tape = Some(tape);
        self
    }

    /// Applies the `SEEDLOOP_*` environment variables: `SEEDLOOP_SEED` (run
    /// only that seed, trace kept), `SEEDLOOP_TAPE` (replay only that tape),
    /// `SEEDLOOP_SEEDS`, `SEEDLOOP_STRATEGY`, `SEEDLOOP_JOBS`,
    /// `SEEDLOOP_SHARD` (`k/n`) and `SEEDLOOP_VIEW_DIR` (where failing runs'
    /// views go, see [`Explorer::view_dir`]).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable and its value when one is malformed.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// // With none of the variables set, nothing changes.
    /// let e = Explorer::new("env").seeds(4).apply_env().unwrap();
    /// # if std::env::var_os("SEEDLOOP_SEEDS").is_none() && std::env::var_os("SEEDLOOP_SEED").is_none()
    /// #     && std::env::var_os("SEEDLOOP_TAPE").is_none() && std::env::var_os("SEEDLOOP_SHARD").is_none() {
    /// assert_eq!(e.run(|| async {}).unwrap().iterations(), 4);
    /// # }
    /// ```
    pub fn apply_env(self) -> Result<Explorer, ConfigError> {
        self.apply_vars(|name| std::env::var(name).ok())
    }

    pub(crate) fn apply_vars(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Explorer, ConfigError> {
        let o = env::read(var)?;
        self.seeds = o.seeds.unwrap_or(self.seeds);
        self.strategy = o.strategy.unwrap_or(self.strategy);
        self.jobs = o.jobs.unwrap_or(self.jobs);
        self.shard = o.shard.or(self.shard);
        self.one_seed = o.seed.or(self.one_seed);
        self.one_tape = o.tape.or(self.one_tape);
        self.view_dir = o.view_dir.or(self.view_dir);
        self.env_applied = true;
        Ok(self)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.strategy.validate()?;
        if let Some(s) = self.shard {
            Shard::new(s.index.wrapping_add(1), s.count, "shard")?;
        }
        if !(0.0..=1.0).contains(&self.buggify) {
            return Err(ConfigError::new(
                "buggify",
                self.buggify.to_string(),
                "a fraction of runs must be within 0.0..=1.0",
            ));
        }
        if matches!(self.strategy, Strategy::Replay(_)) {
            return Err(ConfigError::new(
                "strategy",
                self.strategy.to_string(),
                "a sweep cannot replay a tape: use SEEDLOOP_TAPE, or run one Sim with Strategy::Replay",
            ));
        }
        self.sim.clone().try_build().map(drop)
    }

    /// The builder of one run, and the tuning of its strategy (`hint`:
    /// `Pct`'s estimate of the run's length).
    pub(super) fn builder(&self, seed: u64, strategy: Strategy, hint: u64) -> Setup {
        let mut sim = self.sim.clone();
        let (yield_p, buggify) = if self.swarm {
            let p = swarm::profile(seed);
            let net = p.network(&crate::net::transport::config_of(&sim));
            sim = sim.net(net);
            sim = sim.disk_weather(p.disk());
            (p.yield_p, p.buggify)
        } else {
            (
                Tuning::default().yield_p,
                crate::buggify::to_units(self.buggify),
            )
        };
        Setup {
            seed,
            tuning: Tuning {
                yield_p,
                steps_hint: hint,
                reduce: self.reduce,
            },
            builder: sim
                .seed(seed)
                .strategy(strategy.clone())
                .print_panics(false)
                .buggify_fraction(buggify),
            strategy,
            view: None,
        }
    }

    /// Runs the sweep.
    ///
    /// # Errors
    ///
    /// The first [`Failure`] (lowest iteration): a panic, a deadlock, a limit
    /// hit, or a mismatch in the determinism check; shrunk and, with
    /// [`save_failures`](Explorer::save_failures), saved.
    ///
    /// # Panics
    ///
    /// With a [`ConfigError`] when a setting is invalid (a shard outside
    /// `1..=n`, a buggify fraction outside `0..=1`, a `Replay` strategy, an
    /// invalid `sim` builder).
    ///
    /// # Determinism
    ///
    /// Without a time budget, the result is the same for any `jobs`: every
    /// iteration below the failing one runs, and the lowest failure wins.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let r = Explorer::new("run").seeds(10).run(|| async {
    ///     seedloop::sleep(std::time::Duration::from_secs(1)).await;
    /// });
    /// assert!(r.is_ok());
    /// ```
    #[track_caller]
    pub fn run<F, Fut>(&self, f: F) -> Result<Report, Failure>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        if let Err(e) = self.validate() {
            panic!("seedloop: {e}");
        }
        let started = Instant::now();
        let at = Location::caller();
        let body = &|| Located { at, future: f() };
        if let Some(found) = self.single(body) {
            return Err(self.fail(found, body));
        }
        if self.one_seed.is_some() || self.one_tape.is_some() {
            return Ok(self.report(1, 0, 1, false, started));
        }
        for (line_no, line) in &self.replay {
            let run = run_once(
                self.builder(line.seed, Strategy::Replay(line.tape.clone()), 0),
                body,
            );
            if run.error.is_some() {
                let found = Found {
                    seed: line.seed,
                    origin: Origin::SeedsFile {
                        path: self.replay_path.clone().unwrap_or_default(),
                        line: *line_no,
                    },
                    strategy: line.strategy.clone(),
                    run,
                    shrink: false,
                    save: false,
                };
                return Err(self.fail(found, body));
            }
        }
        let replayed = self.replay.len() as u64;
        let shard = self.shard.unwrap_or(Shard { index: 0, count: 1 });
        let hint = self.steps_hint(body);
        let dfs = matches!(self.strategy, Strategy::Dfs { .. });
        // The `Dfs` walk is sequential: shard 1 runs all of it.
        let count = match (dfs, shard.index) {
            (true, 0) => 1,
            (true, _) => 0,
            (false, _) => shard_len(self.seeds, shard),
        };
        if count == 0 {
            return Ok(self.report(0, replayed, 0, false, started));
        }
        // The determinism check, on the sweep's first run (under `Dfs`, the
        // all-zero schedule, which `Strategy::Dfs` runs on a plain `Sim`).
        let first = self.base_seed.wrapping_add(shard.index);
        let setup = self.builder(first, self.strategy.clone(), hint);
        // The check compares the first `DETERMINISM_STEPS` steps of the two
        // runs at most: a run that spins to the step limit must not be run
        // twice to the end, trace kept, before the sweep even starts.
        let capped = setup
            .builder
            .clone()
            .step_limit(setup.builder.step_limit_of().min(DETERMINISM_STEPS));
        let check = capped.check_determinism_tuned(setup.tuning, || body().future);
        if let Err(error @ Error::NonDeterminism { .. }) = check {
            let found = Found {
                seed: first,
                origin: Origin::DeterminismCheck,
                strategy: self.strategy.clone(),
                run: Run {
                    error: Some(error),
                    fingerprint: 0,
                    steps: 0,
                    time: Duration::ZERO,
                    tape: Vec::new(),
                    trace_tail: None,
                    view: None,
                },
                shrink: false,
                save: false,
            };
            return Err(self.fail(found, body));
        }
        if dfs {
            return match self.dfs(body, started) {
                Ok((runs, distinct, schedules_done, held, classes)) => {
                    let mut report = self.report(
                        runs,
                        replayed,
                        distinct,
                        schedules_done && held.is_empty(),
                        started,
                    );
                    report.classes = classes;
                    if schedules_done && !held.is_empty() {
                        report.held = Some((held.random, held.cost));
                    }
                    Ok(report)
                }
                Err(found) => Err(self.fail(*found, body)),
            };
        }
        let sweep = self.sweep(body, shard, count, hint, started);
        match sweep {
            Ok((runs, distinct)) => Ok(self.report(runs, replayed, distinct, false, started)),
            Err(found) => Err(self.fail(*found, body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_iterations() {
        for seeds in [0, 1, 7, 10, 100] {
            for n in 1..5 {
                let total: u64 = (0..n)
                    .map(|index| shard_len(seeds, Shard { index, count: n }))
                    .sum();
                assert_eq!(total, seeds, "{seeds} seeds in {n} shards");
            }
        }
    }

    #[test]
    fn environment_overrides_settings() {
        let e = Explorer::new("x")
            .seeds(5)
            .apply_vars(|name| match name {
                "SEEDLOOP_SEEDS" => Some("9".into()),
                "SEEDLOOP_STRATEGY" => Some("dfs:2".into()),
                "SEEDLOOP_JOBS" => Some("3".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!((e.seeds, e.jobs), (9, 3));
        assert_eq!(e.strategy, Strategy::Dfs { max_deviations: 2 });
    }
}
