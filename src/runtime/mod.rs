//! Layer 2, the event loop: [`Sim`], [`Builder`], [`Handle`].
//!
//! asyncio's `asyncio.run(main())` is `Sim::new(seed).block_on(main())`; the
//! running loop (`get_running_loop`) is [`Handle::current`].

use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

mod builder;
mod context;
pub(crate) mod core;
pub(crate) mod footprint;
pub(crate) mod local;
pub(crate) mod nodes;
mod panic_hook;
pub(crate) mod parts;
pub(crate) mod state;
mod stretch;
pub(crate) mod task;
pub(crate) mod timers;
pub(crate) mod wait;
pub(crate) mod watchdog;

pub use builder::{Builder, PanicPolicy};
pub use context::Handle;
pub(crate) use context::{core as current_core, enter, try_core, with_core};

use self::core::{Core, Step};
use self::task::JoinHandle;
use self::task::cell::{Runnable, panic_message};
use crate::error::Error;
use crate::strategy::{Scheduler, Strategy};
use crate::tape::Tape;
use crate::trace::Trace;

/// A deterministic simulation: one thread, one seed, virtual time.
///
/// The same seed (and the same binary) gives the same run, event for event;
/// [`Sim::fingerprint`] summarises a run in 64 bits, [`Sim::tape`] records
/// every choice so that [`Strategy::Replay`] reproduces it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seedloop::Sim;
///
/// let mut sim = Sim::new(42);
/// let answer = sim.block_on(async {
///     let task = seedloop::spawn(async {
///         seedloop::sleep(Duration::from_secs(3600)).await; // an hour, at once
///         42
///     });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// assert_eq!(sim.elapsed(), Duration::from_secs(3600));
/// ```
pub struct Sim {
    core: Rc<Core>,
    tape: Tape,
    trace: Trace,
    /// The hash of `tape[..n]`, as `(n, hash)`: the fingerprint folds in
    /// only the values added since it was last asked.
    tape_hash: std::cell::Cell<(usize, u64)>,
    /// The failure of the last `try_block_on` (none if it succeeded) or
    /// failed `try_step`, with the index of the last event before it (for
    /// a picture of the run).
    failure: Option<(Option<usize>, Error)>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("seed", &self.seed())
            .field("strategy", self.strategy())
            .field("elapsed", &self.elapsed())
            .field("steps", &self.steps())
            .field("fingerprint", &format_args!("{:016x}", self.fingerprint()))
            .finish()
    }
}

/// Unregisters the main future of `block_on`, also when it unwinds.
struct MainGuard<'a> {
    core: &'a Core,
    main: Rc<dyn Runnable>,
}

impl Drop for MainGuard<'_> {
    fn drop(&mut self) {
        self.core.exit_main(&self.main);
    }
}

impl Sim {
    /// A simulation with this seed, the `Random` strategy and default settings.
    ///
    /// ```
    /// let sim = seedloop::Sim::new(7);
    /// assert_eq!(sim.seed(), 7);
    /// ```
    pub fn new(seed: u64) -> Sim {
        Builder::new().seed(seed).build()
    }

    /// A [`Builder`] with every default.
    ///
    /// ```
    /// let sim = seedloop::Sim::builder().seed(1).record_trace(true).build();
    /// assert_eq!(sim.seed(), 1);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_parts(cfg: builder::Config, scheduler: Box<dyn Scheduler>) -> Sim {
        panic_hook::install();
        Sim {
            core: Rc::new(Core::new(cfg, scheduler)),
            tape: Tape::new(),
            trace: Trace::default(),
            tape_hash: std::cell::Cell::new((0, crate::trace::TAPE_SEED)),
            failure: None,
        }
    }

    /// Runs `future` to completion, with the tasks it spawns, in virtual time.
    ///
    /// May be called again: tasks left from an earlier call keep their state
    /// and go on running.
    ///
    /// # Panics
    ///
    /// When the run fails (a task panicked, a deadlock, a limit was hit), with
    /// a report naming the seed, the virtual time, the step, the fingerprint
    /// and the command that replays the run.
    ///
    /// # Determinism
    ///
    /// Every scheduling decision is a choice on the tape: see [`Sim::tape`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// assert_eq!(sim.block_on(async { 1 + 1 }), 2);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        match self.try_block_on(future) {
            Ok(v) => v,
            Err(e) => panic!("{}", self.report(&e)),
        }
    }

    /// Runs `future` to completion like [`Sim::block_on`], returning the
    /// failure instead of panicking.
    ///
    /// # Errors
    ///
    /// [`Error::Panicked`] when the future or (by default) a task panics,
    /// [`Error::Deadlock`] when the future can never complete,
    /// [`Error::TimeLimit`] / [`Error::StepLimit`] at the configured limits,
    /// [`Error::ForeignWake`] when a waker is called from another thread.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().print_panics(false).build();
    /// let err = sim.try_block_on(async { panic!("bad") }).unwrap_err();
    /// assert!(err.to_string().contains("bad"));
    /// ```
    #[track_caller]
    pub fn try_block_on<F: Future>(&mut self, future: F) -> Result<F::Output, Error> {
        self.try_block_on_at(future, Location::caller())
    }

    /// `try_block_on`, with the main task's spawn site given (the harness
    /// names the place the sweep was started from).
    pub(crate) fn try_block_on_at<F: Future>(
        &mut self,
        future: F,
        location: &'static Location<'static>,
    ) -> Result<F::Output, Error> {
        let mut failed_at;
        let result = {
            let _enter = context::enter(&self.core);
            let guard = MainGuard {
                core: &self.core,
                main: self.core.enter_main(location),
            };
            let waker = guard.main.waker();
            let main = guard.main.header();
            // Boxed so that it can be dropped in place before the main task is
            // unregistered, as the current task, with its panic caught.
            let mut future = Box::pin(future);
            let mut result = loop {
                match self.core.step() {
                    Step::Main => {
                        let mut cx = Context::from_waker(&waker);
                        main.waiting_on.set(None);
                        let polled = self.core.as_current(main, || {
                            catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)))
                        });
                        match polled {
                            Ok(Poll::Ready(v)) => {
                                self.core.rec.borrow_mut().finish(self.core.now(), main.id);
                                break Ok(v);
                            }
                            Ok(Poll::Pending) => {}
                            Err(payload) => {
                                self.core.rec.borrow_mut().panic(self.core.now(), main.id);
                                break Err(Error::Panicked {
                                    task: Box::new(self.core.describe(main)),
                                    message: panic_message(&*payload),
                                    location: panic_hook::take_location(),
                                    time: self.elapsed(),
                                });
                            }
                        }
                    }
                    Step::Polled | Step::Advanced => {}
                    Step::Idle => {
                        break Err(Error::Deadlock {
                            tasks: self.core.live_tasks(),
                            time: self.elapsed(),
                        });
                    }
                    Step::Failed => {
                        break Err(self
                            .core
                            .take_failure()
                            .expect("a failed step leaves its error"));
                    }
                }
            };
            // The failing event is the last one before the main future's
            // destructors run (they may close sockets: more events).
            failed_at = self.core.rec.borrow().next_index().checked_sub(1);
            let dropped = self.core.as_current(main, || {
                catch_unwind(AssertUnwindSafe(move || drop(future)))
            });
            if let (Err(payload), Ok(_)) = (dropped, &result) {
                failed_at = self.core.rec.borrow().next_index().checked_sub(1);
                result = Err(Error::Panicked {
                    task: Box::new(self.core.describe(main)),
                    message: panic_message(&*payload),
                    location: panic_hook::take_location(),
                    time: self.elapsed(),
                });
            }
            drop(waker);
            drop(guard);
            result
        };
        self.collect();
        self.failure = result.as_ref().err().map(|e| (failed_at, e.clone()));
        result
    }

    /// Takes one step: polls one ready task, or advances the clock to the next
    /// timer. Returns `false` when nothing is left to do. For debugging a run
    /// event by event.
    ///
    /// # Panics
    ///
    /// When the step fails the run (a task panicked, a limit was hit), with
    /// the same report as [`Sim::block_on`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let task = sim.spawn(async { 5 });
    /// assert!(sim.step()); // polls the task, which finishes
    /// assert!(!sim.step()); // nothing left
    /// assert!(task.is_finished());
    /// ```
    #[track_caller]
    pub fn step(&mut self) -> bool {
        match self.try_step() {
            Ok(progress) => progress,
            Err(e) => panic!("{}", self.report(&e)),
        }
    }

    /// Like [`Sim::step`], returning the failure instead of panicking.
    ///
    /// # Errors
    ///
    /// As [`Sim::try_block_on`], except that an idle simulation is not a deadlock.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().print_panics(false).build();
    /// sim.spawn(async { panic!("in a task") });
    /// assert!(sim.try_step().is_err());
    /// ```
    pub fn try_step(&mut self) -> Result<bool, Error> {
        let step = {
            let _enter = context::enter(&self.core);
            self.core.step()
        };
        self.collect();
        match step {
            Step::Polled | Step::Advanced | Step::Main => Ok(true),
            Step::Idle => Ok(false),
            Step::Failed => {
                let e = self
                    .core
                    .take_failure()
                    .expect("a failed step leaves its error");
                self.failure = Some((self.trace.len().checked_sub(1), e.clone()));
                Err(e)
            }
        }
    }

    /// Steps until no task is ready, without advancing the clock.
    ///
    /// # Panics
    ///
    /// As [`Sim::step`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// let task = sim.spawn(async { seedloop::sleep(Duration::from_secs(1)).await });
    /// sim.run_until_stalled();
    /// assert!(!task.is_finished()); // waiting for its timer
    /// assert_eq!(sim.elapsed(), Duration::ZERO);
    /// ```
    #[track_caller]
    pub fn run_until_stalled(&mut self) {
        loop {
            let step = {
                let _enter = context::enter(&self.core);
                self.core.step_ready()
            };
            self.collect();
            match step {
                Step::Idle => return,
                Step::Failed => {
                    let e = self
                        .core
                        .take_failure()
                        .expect("a failed step leaves its error");
                    panic!("{}", self.report(&e));
                }
                Step::Polled | Step::Advanced | Step::Main => {}
            }
        }
    }

    /// Spawns a task; it runs when the simulation next runs.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let task = sim.spawn(async { "done" });
    /// assert_eq!(sim.block_on(task).unwrap(), "done");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let _enter = context::enter(&self.core);
        self.core.spawn(future, None, Location::caller())
    }

    /// The seed.
    ///
    /// ```
    /// assert_eq!(seedloop::Sim::new(12).seed(), 12);
    /// ```
    pub fn seed(&self) -> u64 {
        self.core.cfg.seed
    }

    /// The strategy the simulation was built with.
    ///
    /// ```
    /// assert_eq!(seedloop::Sim::new(1).strategy(), &seedloop::Strategy::Random);
    /// ```
    pub fn strategy(&self) -> &Strategy {
        &self.core.cfg.strategy
    }

    /// Virtual time since the start.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(seedloop::sleep(Duration::from_millis(1500)));
    /// assert_eq!(sim.elapsed(), Duration::from_millis(1500));
    /// ```
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.core.now())
    }

    /// Steps taken so far (task polls and clock advances).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {});
    /// assert_eq!(sim.steps(), 1);
    /// ```
    pub fn steps(&self) -> u64 {
        self.core.steps()
    }

    /// The run's fingerprint: a 64-bit hash of every event so far and of
    /// every choice on the tape. Same seed, same fingerprint; two runs with
    /// the same fingerprint made the same choices (a run is a function of
    /// its tape), so the same choices at the same places.
    ///
    /// ```
    /// let run = |seed| {
    ///     let mut sim = seedloop::Sim::new(seed);
    ///     sim.block_on(async {
    ///         let a = seedloop::spawn(async {});
    ///         let b = seedloop::spawn(async {});
    ///         let _ = (a.await, b.await);
    ///     });
    ///     sim.fingerprint()
    /// };
    /// assert_eq!(run(3), run(3));
    /// ```
    pub fn fingerprint(&self) -> u64 {
        let (mut done, mut h) = self.tape_hash.get();
        let values = self.tape.values();
        for &v in &values[done..] {
            h = crate::trace::tape_step(h, v);
        }
        done = values.len();
        self.tape_hash.set((done, h));
        // Choices of a run still going are in the core's buffer.
        let pending = self.core.tape_buf.borrow();
        for &v in pending.iter() {
            h = crate::trace::tape_step(h, v);
        }
        let len = done + pending.len();
        crate::trace::fingerprint_of(self.core.rec.borrow().fingerprint(), h, len)
    }

    /// The events so far, when [`Builder::record_trace`] asked for them (empty otherwise).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().record_trace(true).build();
    /// sim.block_on(async {});
    /// print!("{}", sim.trace());
    /// ```
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Every choice made so far: replaying it with [`Strategy::Replay`]
    /// reproduces the run.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(5);
    /// sim.block_on(async { seedloop::rand::random::<u32>() });
    /// assert_eq!(sim.tape().len(), 1);
    /// ```
    pub fn tape(&self) -> &Tape {
        &self.tape
    }

    /// A [`Handle`] to this simulation.
    ///
    /// ```
    /// let sim = seedloop::Sim::new(4);
    /// assert_eq!(sim.handle().seed(), 4);
    /// ```
    pub fn handle(&self) -> Handle {
        Handle {
            core: local::Local::new(self.core.clone()),
        }
    }

    /// The number of live tasks (spawned and not yet finished).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let _task = sim.spawn(std::future::pending::<()>());
    /// assert_eq!(sim.live_tasks(), 1);
    /// ```
    pub fn live_tasks(&self) -> usize {
        self.core.live_count()
    }

    /// The failure of the last `try_block_on` (none if it succeeded) or
    /// failed `try_step`, and the index of the last event before it.
    pub(crate) fn failure(&self) -> Option<&(Option<usize>, Error)> {
        self.failure.as_ref()
    }

    /// Whether the run keeps its trace (`Builder::record_trace`).
    pub(crate) fn records_trace(&self) -> bool {
        self.core.rec.borrow().records()
    }

    /// The recorder's side tables (each task's node, packets' identities,
    /// faults' nodes, non-zero choices, panels), for a picture of the run.
    pub(crate) fn with_sidecar<R>(
        &self,
        f: impl FnOnce(&crate::trace::sidecar::Sidecar) -> R,
    ) -> R {
        f(self.core.rec.borrow().sidecar())
    }

    /// Every node's name, by id (`main` first).
    pub(crate) fn node_names(&self) -> Vec<String> {
        (0..self.core.node_count() as u32)
            .map(|n| self.core.node_name(n).to_string())
            .collect()
    }

    /// Moves the choices and events the core collected into the `Sim`.
    fn collect(&mut self) {
        let mut buf = self.core.tape_buf.borrow_mut();
        self.tape.extend_from_slice(&buf);
        buf.clear();
        drop(buf);
        self.core.rec.borrow_mut().drain_into(&mut self.trace);
    }

    /// Takes the run's scheduler back (the explorer's strategies span runs).
    pub(crate) fn take_scheduler(&mut self) -> Box<dyn Scheduler> {
        self.core.take_scheduler()
    }

    /// The failure report of `block_on`: seed, place in the run, replay command.
    pub(crate) fn report(&self, error: &Error) -> String {
        let mut out = format!(
            "seedloop: run failed at seed {:#x} (strategy {})\n  cause: {error}\n  at virtual time {}, step {}, fingerprint {:016x}\n",
            self.seed(),
            self.strategy(),
            crate::trace::fmt_time(self.elapsed()),
            self.steps(),
            self.fingerprint(),
        );
        out.push_str(&format!("  replay: {}\n", self.replay_line()));
        if !self.trace.is_empty() {
            out.push_str("  last events:\n");
            for line in self.trace.tail(20).lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

impl Sim {
    /// What reproduces this run where it ran. A `Sim` whose builder read
    /// the `SEEDLOOP_*` variables replays from the command line; any other
    /// one reads none, so the line is the builder's seed and strategy (the
    /// seed fixes every choice of the strategy), and its tape when short.
    fn replay_line(&self) -> String {
        let seed = self.seed();
        if self.core.cfg.env_applied {
            let vars = format!("SEEDLOOP_SEED={seed:#x}");
            return match crate::env::current_test() {
                Some(test) => crate::env::test_command(&vars, &test),
                None => {
                    let program = std::env::args().next().unwrap_or_default();
                    format!("{vars} {program}")
                }
            };
        }
        let strategy = match self.strategy() {
            Strategy::Random => String::new(),
            other => format!(".strategy({:?}.parse().unwrap())", other.to_string()),
        };
        let mut line = format!(
            "Sim::builder().seed({seed:#x}){strategy} with this Sim's other settings (it reads no SEEDLOOP_* variable: Builder::apply_env would make SEEDLOOP_SEED={seed:#x} replay it)"
        );
        let tape = self.tape().to_string();
        if tape.len() <= 120 {
            line.push_str(&format!(
                "; or, every choice: .strategy(Strategy::Replay({tape:?}.parse().unwrap()))"
            ));
        }
        line
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _enter = context::enter(&self.core);
        self.core.shutdown();
    }
}
