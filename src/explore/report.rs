//! What a sweep returns: a [`Report`] when every run passed, a [`Failure`]
//! when one failed.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;
use crate::strategy::Strategy;
use crate::tape::Tape;

/// The summary of a sweep in which every run passed.
///
/// # Examples
///
/// ```
/// use seedloop::explore::Explorer;
///
/// let report = Explorer::new("doc::report")
///     .seeds(50)
///     .jobs(1)
///     .run(|| async {
///         let a = seedloop::spawn(async { 1 });
///         let b = seedloop::spawn(async { 2 });
///         assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
///     })
///     .unwrap();
/// assert_eq!(report.iterations(), 50);
/// assert!(report.distinct_fingerprints() > 1, "different seeds, different interleavings");
/// assert!(!report.exhausted());
/// println!("{report}");
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    pub(crate) name: String,
    pub(crate) strategy: Strategy,
    pub(crate) iterations: u64,
    pub(crate) replayed: u64,
    pub(crate) distinct: u64,
    pub(crate) exhausted: bool,
    /// For a `Dfs` sweep whose schedules were all visited: the data choices
    /// held at 0 meanwhile (random words, costs and latencies).
    pub(crate) held: Option<(u64, u64)>,
    /// For a `Dfs` sweep: the distinct classes of its runs, up to the order
    /// of independent steps.
    pub(crate) classes: Option<u64>,
    pub(crate) wall: Duration,
    pub(crate) jobs: usize,
}

impl Report {
    /// Runs made by the sweep (not counting the determinism check's second
    /// run, nor the lines of a seeds file replayed first).
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let report = Explorer::new("it").seeds(7).jobs(1).run(|| async {}).unwrap();
    /// assert_eq!(report.iterations(), 7);
    /// ```
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// How many distinct runs, by fingerprint, the sweep saw.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// // A program with no choices has one run, whatever the seed.
    /// let report = Explorer::new("one").seeds(20).jobs(1).run(|| async {}).unwrap();
    /// assert_eq!(report.distinct_fingerprints(), 1);
    /// ```
    pub fn distinct_fingerprints(&self) -> u64 {
        self.distinct
    }

    /// Whether a `Dfs` sweep visited its whole space: every schedule within
    /// its deviation bound, and the program made no data choice (random
    /// word, cost, latency) that the search held at 0. Always `false` for
    /// the other strategies.
    ///
    /// It means: no run with at most `K` non-zero scheduling choices fails.
    /// A program that draws random values or has latency ranges is never
    /// exhausted: its schedules may be, with that data held at 0, and
    /// [`data_held`](Report::data_held) says how much was held.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// use seedloop::Strategy;
    /// let report = Explorer::new("dfs")
    ///     .strategy(Strategy::Dfs { max_deviations: 1 })
    ///     .seeds(1000)
    ///     .run(|| async {
    ///         let t = seedloop::spawn(async {});
    ///         t.await.unwrap();
    ///     })
    ///     .unwrap();
    /// assert!(report.exhausted());
    /// ```
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// For a `Dfs` sweep that visited every schedule within its bound but
    /// held data choices at 0 on the way: how many, as (random words, costs
    /// and latencies) over all its runs. `None` otherwise (no data was
    /// held, the schedules were not all visited, or not a `Dfs` sweep).
    ///
    /// ```
    /// use seedloop::explore::Explorer;
    /// use seedloop::Strategy;
    /// let report = Explorer::new("draws")
    ///     .strategy(Strategy::Dfs { max_deviations: 1 })
    ///     .seeds(1000)
    ///     .run(|| async {
    ///         // Fails only on a value dfs never tries: it must not claim a proof.
    ///         assert_ne!(seedloop::rand::random_range(0..4u32), 3);
    ///     })
    ///     .unwrap();
    /// assert!(!report.exhausted());
    /// assert_eq!(report.data_held(), Some((1, 0)));
    /// assert!(report.to_string().contains("schedules exhausted with data held at 0"));
    /// ```
    pub fn data_held(&self) -> Option<(u64, u64)> {
        self.held
    }

    /// For a `Dfs` sweep: how many distinct runs it made up to the order of
    /// independent steps (runs whose steps differ only by swapping adjacent
    /// steps that touch no common resource count once; the explorer's
    /// [`reduce_orders`](crate::explore::Explorer::reduce_orders) says what
    /// commutes). `None` for the other strategies. A reduction that keeps
    /// this number while running fewer schedules lost no class.
    ///
    /// ```
    /// use seedloop::explore::Explorer;
    /// use seedloop::Strategy;
    /// let report = Explorer::new("classes")
    ///     .strategy(Strategy::Dfs { max_deviations: 2 })
    ///     .run(|| async {
    ///         // Two tasks that touch nothing in common: fewer classes than schedules.
    ///         let a = seedloop::spawn(async { seedloop::task::yield_now().await });
    ///         let b = seedloop::spawn(async { seedloop::task::yield_now().await });
    ///         a.await.unwrap();
    ///         b.await.unwrap();
    ///     })
    ///     .unwrap();
    /// let classes = report.schedule_classes().unwrap();
    /// assert!(1 <= classes && classes < report.iterations());
    /// ```
    pub fn schedule_classes(&self) -> Option<u64> {
        self.classes
    }

    /// How many lines of the seeds file were replayed before the sweep.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let report = Explorer::new("none").seeds(1).run(|| async {}).unwrap();
    /// assert_eq!(report.replayed(), 0);
    /// ```
    pub fn replayed(&self) -> u64 {
        self.replayed
    }

    /// Wall-clock time the sweep took.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let report = Explorer::new("wall").seeds(10).run(|| async {}).unwrap();
    /// assert!(report.wall_time() < std::time::Duration::from_secs(60));
    /// ```
    pub fn wall_time(&self) -> Duration {
        self.wall
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seedloop: `{}` passed {} (strategy {}, {} distinct, {}",
            self.name,
            plural(self.iterations, "run"),
            self.strategy,
            self.distinct,
            plural(self.jobs as u64, "job"),
        )?;
        if self.replayed > 0 {
            write!(f, ", {} saved seeds replayed", self.replayed)?;
        }
        if self.exhausted {
            f.write_str(", space exhausted")?;
        } else if let Some((random, cost)) = self.held {
            write!(
                f,
                ", schedules exhausted with data held at 0 ({} and {}: not a proof for other values)",
                plural(random, "random draw"),
                plural(cost, "cost or latency"),
            )?;
        }
        write!(f, ") in {:.2?}", self.wall)
    }
}

/// Where the failing run came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Iteration `i` (0-based) of a sweep of `of` seeds.
    Sweep { iteration: u64, of: u64 },
    /// The determinism check of the first seed.
    DeterminismCheck,
    /// A line of the seeds file.
    SeedsFile { path: PathBuf, line: usize },
    /// `SEEDLOOP_SEED`.
    OneSeed,
    /// `SEEDLOOP_TAPE`.
    OneTape,
}

/// A failing run, shrunk, with the command that replays it.
///
/// Its `Display` is the report seedloop prints: the test, the seed, where
/// in the sweep, the cause, the place in the run, the shrunk tape, where it
/// was saved and the replay command.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use seedloop::explore::Explorer;
///
/// let failure = Explorer::new("doc::lost_update")
///     .seeds(200)
///     .run(|| async {
///         let counter = Rc::new(Cell::new(0));
///         let tasks: Vec<_> = (0..2)
///             .map(|_| {
///                 let counter = counter.clone();
///                 seedloop::spawn(async move {
///                     let seen = counter.get();
///                     seedloop::task::yield_now().await;
///                     counter.set(seen + 1);
///                 })
///             })
///             .collect();
///         for t in tasks {
///             t.await.unwrap();
///         }
///         assert_eq!(counter.get(), 2, "lost update");
///     })
///     .unwrap_err();
/// assert!(failure.to_string().contains("lost update"));
/// assert!(failure.tape().nonzero() <= 2);
/// // This explorer reads no SEEDLOOP_* variable: its replay line is code.
/// assert!(failure.replay_command().starts_with("Explorer::new(\"doc::lost_update\")"));
/// ```
#[derive(Clone, Debug)]
pub struct Failure {
    /// Boxed: a `Result<Report, Failure>` stays small.
    pub(crate) inner: Box<FailureInner>,
}

#[derive(Clone, Debug)]
pub(crate) struct FailureInner {
    pub(crate) name: String,
    pub(crate) seed: u64,
    pub(crate) origin: Origin,
    pub(crate) strategy: Strategy,
    /// The error, time, steps, fingerprint and trace tail are the reported
    /// run's: the one that replaying `tape` gives.
    pub(crate) error: Error,
    pub(crate) time: Duration,
    pub(crate) steps: u64,
    pub(crate) fingerprint: u64,
    pub(crate) original_len: usize,
    pub(crate) tape: Tape,
    pub(crate) shrink_runs: u64,
    /// Why shrinking stopped before it was done, if it did.
    pub(crate) shrink_stopped: Option<String>,
    /// The run as the sweep first found it, when shrinking changed it.
    pub(crate) found_as: Option<FoundAs>,
    pub(crate) saved: Option<Result<PathBuf, String>>,
    pub(crate) trace_tail: Option<String>,
    /// The view of the shown run: where it was written, or why not.
    pub(crate) view: Option<Result<PathBuf, String>>,
    pub(crate) replay: ReplayHow,
}

/// The failing run as first found, before shrinking.
#[derive(Clone, Debug)]
pub(crate) struct FoundAs {
    pub(crate) cause: String,
    pub(crate) time: Duration,
    pub(crate) steps: u64,
    pub(crate) fingerprint: u64,
}

/// Where the failure happened, which decides the replay command that fits.
#[derive(Clone, Debug)]
pub(crate) struct ReplayHow {
    /// Whether the explorer reads the `SEEDLOOP_*` variables (`apply_env`).
    pub(crate) env: bool,
    /// The test the harness was running, if one was.
    pub(crate) test: Option<String>,
    /// The program, when no test harness ran it.
    pub(crate) program: Option<String>,
}

impl ReplayHow {
    /// Captures where the caller runs: on a test's thread or a program's.
    pub(crate) fn here(env: bool) -> ReplayHow {
        ReplayHow {
            env,
            test: crate::env::current_test(),
            program: std::env::args().next(),
        }
    }
}

impl Failure {
    /// The seed of the failing run.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("s").seeds(3).run(|| async { panic!("always"); }).unwrap_err();
    /// assert_eq!(f.seed(), 0, "the first seed fails");
    /// ```
    pub fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// The 0-based iteration of the sweep that failed, or `None` when the
    /// failure came from elsewhere: a seeds-file line, `SEEDLOOP_SEED`,
    /// `SEEDLOOP_TAPE`, or the determinism check.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("i").base_seed(10).seeds(9).run(|| async {
    ///     assert!(seedloop::Handle::current().seed() < 13);
    /// }).unwrap_err();
    /// assert_eq!((f.seed(), f.iteration()), (13, Some(3)));
    /// ```
    pub fn iteration(&self) -> Option<u64> {
        match self.inner.origin {
            Origin::Sweep { iteration, .. } => Some(iteration),
            _ => None,
        }
    }

    /// The shrunk tape: replaying it (with `SEEDLOOP_TAPE`, or
    /// [`Strategy::Replay`]) fails the same way.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("t").seeds(3).run(|| async { panic!("always"); }).unwrap_err();
    /// assert!(f.tape().is_empty(), "no choice is needed to fail");
    /// ```
    pub fn tape(&self) -> &Tape {
        &self.inner.tape
    }

    /// Where the view of the failing run was written (see
    /// [`view`](crate::view)), if it was: not when views are off
    /// ([`Explorer::views`](super::Explorer::views)), when the run kept no
    /// trace (a step limit), when no single run failed (the determinism
    /// check's two runs parted), or when the file could not be written
    /// (the report says why). The file is named by the test's name and the
    /// seed: explorers of one name share their views' folder.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("v").seeds(1).run(|| async { panic!("oops"); }).unwrap_err();
    /// let html = std::fs::read_to_string(f.view().unwrap()).unwrap();
    /// assert!(html.contains("oops"));
    /// ```
    pub fn view(&self) -> Option<&std::path::Path> {
        match &self.inner.view {
            Some(Ok(path)) => Some(path),
            _ => None,
        }
    }

    /// The error of the failing run.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// let f = Explorer::new("e").seeds(1).run(|| async { panic!("oops"); }).unwrap_err();
    /// assert!(matches!(f.error(), seedloop::Error::Panicked { .. }));
    /// ```
    pub fn error(&self) -> &Error {
        &self.inner.error
    }

    /// The command that replays the failure, shaped to where it happened:
    ///
    /// - in a test that reads the `SEEDLOOP_*` variables (every
    ///   `#[seedloop::test]`, or an [`Explorer`](crate::explore::Explorer)
    ///   after `apply_env`): `SEEDLOOP_SEED=<seed> SEEDLOOP_TAPE=<tape> cargo
    ///   test -- <test> --exact`, with the test's name as the harness knows it
    ///   (under nextest: `cargo nextest run -E 'test(=<test>)'`);
    /// - in a program that reads them: the same variables before the program;
    /// - elsewhere, where no variable is read: the explorer's own line,
    ///   `Explorer::new("<name>").only_seed(<seed>).only_tape(..)`, to run with
    ///   the same settings.
    ///
    /// The seed fixes a swarm profile; the shrunk tape fixes every choice.
    ///
    /// ```
    /// # use seedloop::explore::Explorer;
    /// // This explorer reads no environment variable: the command is its own line.
    /// let f = Explorer::new("kv::linearizable").seeds(1).run(|| async { panic!(); }).unwrap_err();
    /// assert_eq!(
    ///     f.replay_command(),
    ///     r#"Explorer::new("kv::linearizable").only_seed(0x0).only_tape("-".parse().unwrap())"#
    /// );
    /// ```
    pub fn replay_command(&self) -> String {
        let s = &*self.inner;
        if matches!(s.error, Error::NonDeterminism { .. }) {
            // The sweep checks its first seed twice before anything else:
            // running it again as it was reproduces the check.
            return match (&s.replay.test, &s.replay.program) {
                (Some(test), _) => crate::env::test_command("", test).trim_start().to_string(),
                (None, Some(program)) => program.clone(),
                (None, None) => format!("Explorer::new({:?}) with the same settings", s.name),
            };
        }
        let vars = format!("SEEDLOOP_SEED={:#x} SEEDLOOP_TAPE={}", s.seed, s.tape);
        match (&s.replay, s.replay.env) {
            (
                ReplayHow {
                    test: Some(test), ..
                },
                true,
            ) => crate::env::test_command(&vars, test),
            (
                ReplayHow {
                    program: Some(program),
                    ..
                },
                true,
            ) => format!("{vars} {program}"),
            _ => format!(
                "Explorer::new({:?}).only_seed({:#x}).only_tape({:?}.parse().unwrap())",
                s.name,
                s.seed,
                s.tape.to_string()
            ),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let replay = self.replay_command();
        let this = &*self.inner;
        this.write(f, &replay)
    }
}

impl FailureInner {
    fn write(&self, f: &mut fmt::Formatter<'_>, replay: &str) -> fmt::Result {
        write!(
            f,
            "seedloop: `{}` failed at seed {:#x} (",
            self.name, self.seed
        )?;
        match &self.origin {
            Origin::Sweep { iteration, of } => {
                write!(f, "iteration {} of {}", iteration + 1, of)?;
            }
            Origin::DeterminismCheck => f.write_str("the determinism check")?,
            Origin::SeedsFile { path, line } => {
                write!(f, "saved in {} line {line}", path.display())?;
            }
            Origin::OneSeed => f.write_str("SEEDLOOP_SEED")?,
            Origin::OneTape => f.write_str("SEEDLOOP_TAPE")?,
        }
        writeln!(f, ", strategy {})", self.strategy)?;
        let cause = self.error.to_string();
        let mut lines = cause.lines();
        writeln!(f, "  cause: {}", lines.next().unwrap_or(""))?;
        for line in lines {
            writeln!(f, "    {line}")?;
        }
        if let Error::NonDeterminism { index, .. } = &self.error {
            // No single run failed: two runs of one seed parted.
            writeln!(
                f,
                "  where: the two runs of seed {:#x} part at event {index}; no tape replays this, run the seed twice",
                self.seed
            )?;
        } else {
            writeln!(
                f,
                "  at virtual time {}, step {}, fingerprint {:016x}",
                crate::trace::fmt_time(self.time),
                self.steps,
                self.fingerprint
            )?;
        }
        if let Some(o) = &self.found_as {
            writeln!(
                f,
                "  found as: virtual time {}, step {}, fingerprint {:016x}: {}",
                crate::trace::fmt_time(o.time),
                o.steps,
                o.fingerprint,
                o.cause
            )?;
        }
        if self.shrink_runs > 0 {
            write!(
                f,
                "  shrunk: tape of {} -> {} ({})",
                plural(self.original_len as u64, "choice"),
                plural(self.tape.nonzero() as u64, "non-zero choice"),
                plural(self.shrink_runs, "re-run")
            )?;
        } else {
            write!(
                f,
                "  tape: {}",
                plural(self.tape.nonzero() as u64, "non-zero choice")
            )?;
        }
        if let Some(why) = &self.shrink_stopped {
            write!(f, "; shrinking stopped early: {why}")?;
        }
        match &self.saved {
            Some(Ok(path)) => writeln!(f, "; saved to {}", path.display())?,
            Some(Err(e)) => writeln!(f, "; could not be saved: {e}")?,
            None => writeln!(f)?,
        }
        writeln!(f, "  replay: {replay}")?;
        match &self.view {
            Some(Ok(path)) => writeln!(f, "  view: {}", path.display())?,
            Some(Err(e)) => writeln!(f, "  view: not written: {e}")?,
            None => {}
        }
        if let Some(tail) = &self.trace_tail {
            writeln!(f, "  last events:")?;
            for line in tail.lines() {
                writeln!(f, "    {line}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
