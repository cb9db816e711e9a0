//! tokio's `runtime`: a [`Runtime`] is one seedloop simulation, seeded
//! from `SEEDLOOP_SEED` (0 when unset), with the other `SEEDLOOP_*`
//! variables applied (`SEEDLOOP_STRATEGY`, `SEEDLOOP_TAPE`). Both of
//! tokio's flavours build the same thing: one thread, virtual time.
//!
//! As in tokio, a panic in a spawned task reaches its `JoinHandle` as a
//! `JoinError` and does not stop the runtime.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

use seedloop::task::{JoinHandle, Local};
use seedloop::{PanicPolicy, Sim};

/// The builder `#[tokio::test]` runs its sweep with: tokio's panic
/// semantics (a task's panic goes to its `JoinHandle`). Hidden: the
/// attribute's expansion names it.
#[doc(hidden)]
pub fn __test_builder() -> seedloop::Builder {
    seedloop::Builder::new().panic_policy(PanicPolicy::ToJoinHandle)
}

/// Which of tokio's runtimes this is: always `CurrentThread`, since the
/// simulation has one thread, whichever flavour was asked for.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Builder::new_multi_thread().build().unwrap();
/// assert_eq!(rt.handle().runtime_flavor(), tokio::runtime::RuntimeFlavor::CurrentThread);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// One thread: every simulated runtime.
    CurrentThread,
    /// Worker threads: never, in the simulation.
    MultiThread,
}

/// tokio's runtime `Builder`: the thread settings are accepted and change
/// nothing (the simulation has one thread and virtual time).
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Builder::new_multi_thread()
///     .worker_threads(4)
///     .thread_name("worker")
///     .enable_all()
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 2 + 2 }), 4);
/// ```
#[derive(Debug)]
pub struct Builder {
    sim: seedloop::Builder,
}

impl Builder {
    /// tokio's single-threaded runtime: a simulation.
    ///
    /// ```
    /// let rt = seedloop_tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder {
            sim: __test_builder(),
        }
    }

    /// tokio's multi-threaded runtime: the same simulation, on one thread.
    ///
    /// ```
    /// let rt = seedloop_tokio::runtime::Builder::new_multi_thread().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new_current_thread()
    }

    /// The simulation's own settings (network, disks, limits, strategy),
    /// for a test that wants them; the `SEEDLOOP_*` variables still apply
    /// on top at [`build`](Builder::build), and so does tokio's panic
    /// policy (a task's panic goes to its `JoinHandle`).
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Builder::new_current_thread()
    ///     .simulation(seedloop::Builder::new().seed(7))
    ///     .build()
    ///     .unwrap();
    /// # if std::env::var_os("SEEDLOOP_SEED").is_none() {
    /// assert_eq!(rt.seed(), 7);
    /// # }
    /// ```
    pub fn simulation(&mut self, builder: seedloop::Builder) -> &mut Builder {
        self.sim = builder.panic_policy(PanicPolicy::ToJoinHandle);
        self
    }

    /// Builds the simulation.
    ///
    /// # Errors
    ///
    /// `InvalidInput`, naming the variable and its value, when a
    /// `SEEDLOOP_*` variable does not parse (`SEEDLOOP_SEED=forty`), or a
    /// setting of [`simulation`](Builder::simulation) is out of range.
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(async { "ran" }), "ran");
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        let invalid = |e: seedloop::ConfigError| io::Error::new(io::ErrorKind::InvalidInput, e);
        let sim = self
            .sim
            .clone()
            .apply_env()
            .map_err(invalid)?
            .try_build()
            .map_err(invalid)?;
        Ok(Runtime {
            handle: Handle {
                inner: sim.handle(),
            },
            sim: Local::new(RefCell::new(sim)),
        })
    }
}

/// Settings that change nothing in the simulation: they are accepted so
/// that a builder written for tokio compiles.
macro_rules! no_ops {
    ($($(#[$doc:meta])* fn $name:ident($arg:ident: $ty:ty) = $example:literal;)*) => {
        impl Builder {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nNo effect in the simulation.\n\n```\nlet rt = seedloop_tokio::runtime::Builder::new_multi_thread().", stringify!($name), "(", $example, ").build();\nassert!(rt.is_ok());\n```")]
                pub fn $name(&mut self, $arg: $ty) -> &mut Builder {
                    let _ = $arg;
                    self
                }
            )*
        }
    };
}

impl Builder {
    /// Both of tokio's drivers; the simulation always has its network and clock.
    ///
    /// ```
    /// let _ = seedloop_tokio::runtime::Builder::new_current_thread().enable_all().build();
    /// ```
    pub fn enable_all(&mut self) -> &mut Builder {
        self
    }

    /// tokio's I/O driver: always there in the simulation.
    ///
    /// ```
    /// let _ = seedloop_tokio::runtime::Builder::new_current_thread().enable_io().build();
    /// ```
    pub fn enable_io(&mut self) -> &mut Builder {
        self
    }

    /// tokio's timer: always there in the simulation.
    ///
    /// ```
    /// let _ = seedloop_tokio::runtime::Builder::new_current_thread().enable_time().build();
    /// ```
    pub fn enable_time(&mut self) -> &mut Builder {
        self
    }

    /// tokio's worker thread count; the simulation has one thread.
    ///
    /// # Panics
    ///
    /// For 0, as tokio does.
    ///
    /// ```
    /// let _ = seedloop_tokio::runtime::Builder::new_multi_thread().worker_threads(8).build();
    /// ```
    #[track_caller]
    pub fn worker_threads(&mut self, count: usize) -> &mut Builder {
        assert!(count > 0, "Worker threads cannot be set to 0");
        self
    }

    /// tokio's paused clock: the simulation's clock is always virtual.
    ///
    /// ```
    /// let _ = seedloop_tokio::runtime::Builder::new_current_thread().start_paused(true).build();
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        let _ = paused;
        self
    }
}

no_ops! {
    /// tokio's blocking-pool size; blocking work runs on the simulation's thread.
    fn max_blocking_threads(count: usize) = "512";
    /// tokio's worker thread names.
    fn thread_name(name: &str) = "\"worker\"";
    /// tokio's worker stack size.
    fn thread_stack_size(size: usize) = "2 << 20";
    /// tokio's idle time before a blocking thread exits.
    fn thread_keep_alive(keep_alive: Duration) = "std::time::Duration::from_secs(10)";
    /// tokio's global queue polling interval.
    fn global_queue_interval(ticks: u32) = "31";
    /// tokio's I/O and timer polling interval.
    fn event_interval(ticks: u32) = "61";
    /// tokio's I/O events per tick.
    fn max_io_events_per_tick(count: usize) = "1024";
    /// tokio's runtime name.
    fn name(name: &str) = "\"server\"";
}

/// tokio's `Runtime`: one simulation. `Send` and `Sync` as tokio's, and
/// usable on the thread that built it.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// let task = rt.spawn(async { 40 + 2 });
/// assert_eq!(rt.block_on(task).unwrap(), 42);
/// ```
pub struct Runtime {
    sim: Local<RefCell<Sim>>,
    handle: Handle,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

impl Runtime {
    /// A simulation, as `Builder::new_multi_thread().enable_all().build()`.
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    ///
    /// ```
    /// let rt = seedloop_tokio::runtime::Runtime::new().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// Runs `future` to completion in the simulation, with the tasks it
    /// spawns, in virtual time. Tasks still running when it completes
    /// stay, and run on at the next `block_on`.
    ///
    /// # Panics
    ///
    /// Inside a runtime (as tokio), on another thread than the builder's,
    /// and when the run fails: `future` panics, it can never complete
    /// (every task waits and no timer is left: a deadlock, where tokio
    /// would hang), or a limit is hit. The report names the seed and the
    /// command that replays the run.
    ///
    /// # Determinism
    ///
    /// Every scheduling decision is a choice drawn from the seed.
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// let waited = rt.block_on(async {
    ///     let start = tokio::time::Instant::now();
    ///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    ///     start.elapsed()
    /// });
    /// assert_eq!(waited, std::time::Duration::from_secs(1));
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let inside = seedloop::Handle::try_current().is_some();
        let sim = self.sim.try_borrow_mut().ok().filter(|_| !inside);
        let Some(mut sim) = sim else {
            panic!(
                "Cannot start a runtime from within a runtime. This happens because a function (like `block_on`) attempted to block the current thread while the thread is being used to drive asynchronous tasks."
            )
        };
        sim.block_on(future)
    }

    /// Spawns a task on the simulation; it runs during `block_on`.
    ///
    /// # Panics
    ///
    /// On another thread than the builder's.
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// let t = rt.spawn(async { "spawned" });
    /// assert_eq!(rt.block_on(t).unwrap(), "spawned");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.handle.spawn(future)
    }

    /// The runtime's handle.
    ///
    /// ```
    /// let rt = seedloop_tokio::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().clone();
    /// assert_eq!(rt.block_on(h.spawn(async { 1 })).unwrap(), 1);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The seed of the simulation (seedloop's; not in tokio).
    ///
    /// ```
    /// let rt = seedloop_tokio::runtime::Runtime::new().unwrap();
    /// # if std::env::var_os("SEEDLOOP_SEED").is_none() {
    /// assert_eq!(rt.seed(), 0);
    /// # }
    /// ```
    pub fn seed(&self) -> u64 {
        self.sim.borrow().seed()
    }

    /// Shuts the runtime down: its tasks are dropped, at once (the
    /// simulation waits for nothing real).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// struct Flag(Arc<AtomicBool>);
    /// impl Drop for Flag {
    ///     fn drop(&mut self) { self.0.store(true, Ordering::SeqCst) }
    /// }
    /// let dropped = Arc::new(AtomicBool::new(false));
    /// let rt = seedloop_tokio::runtime::Runtime::new().unwrap();
    /// let flag = Flag(dropped.clone());
    /// rt.spawn(async move { let _flag = flag; std::future::pending::<()>().await });
    /// rt.block_on(seedloop_tokio::task::yield_now());
    /// rt.shutdown_timeout(std::time::Duration::from_secs(1));
    /// assert!(dropped.load(Ordering::SeqCst), "the task was dropped");
    /// ```
    pub fn shutdown_timeout(self, duration: Duration) {
        let _ = duration;
    }

    /// Shuts the runtime down, as [`shutdown_timeout`](Runtime::shutdown_timeout).
    ///
    /// ```
    /// seedloop_tokio::runtime::Runtime::new().unwrap().shutdown_background();
    /// ```
    pub fn shutdown_background(self) {}
}

/// tokio's runtime `Handle`: spawns onto the simulation it came from.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handle = tokio::runtime::Handle::current();
///     assert_eq!(handle.spawn(async { 5 }).await.unwrap(), 5);
/// });
/// ```
#[derive(Clone, Debug)]
pub struct Handle {
    inner: seedloop::Handle,
}

impl Handle {
    /// The handle of the runtime this thread is running.
    ///
    /// # Panics
    ///
    /// Outside a runtime, with tokio's message.
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// rt.block_on(async { let _ = tokio::runtime::Handle::current(); });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{e}"),
        }
    }

    /// The handle of the runtime this thread is running, if any.
    ///
    /// # Errors
    ///
    /// [`TryCurrentError`] outside a runtime.
    ///
    /// ```
    /// let e = seedloop_tokio::runtime::Handle::try_current().unwrap_err();
    /// assert!(e.is_missing_context());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        seedloop::Handle::try_current()
            .map(|inner| Handle { inner })
            .ok_or(TryCurrentError(()))
    }

    /// Spawns a task on this handle's simulation.
    ///
    /// # Panics
    ///
    /// On another thread than the simulation's.
    ///
    /// # Determinism
    ///
    /// As `tokio::spawn`: when the task first runs is a choice on the tape.
    ///
    /// ```
    /// let rt = seedloop_tokio::runtime::Runtime::new().unwrap();
    /// let t = rt.handle().spawn(async { 3 });
    /// assert_eq!(rt.block_on(t).unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner.spawn(future)
    }

    /// Always [`RuntimeFlavor::CurrentThread`].
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), tokio::runtime::RuntimeFlavor::CurrentThread);
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        RuntimeFlavor::CurrentThread
    }
}

/// The error of [`Handle::try_current`] outside a runtime.
///
/// ```
/// let e = seedloop_tokio::runtime::Handle::try_current().unwrap_err();
/// assert!(e.to_string().contains("no reactor running"));
/// assert!(!e.is_thread_local_destroyed());
/// ```
#[derive(Debug)]
pub struct TryCurrentError(());

impl TryCurrentError {
    /// Always true: there was no runtime.
    ///
    /// ```
    /// assert!(seedloop_tokio::runtime::Handle::try_current().unwrap_err().is_missing_context());
    /// ```
    pub fn is_missing_context(&self) -> bool {
        true
    }

    /// Always false: the simulation keeps no thread-local that can die first.
    ///
    /// ```
    /// assert!(!seedloop_tokio::runtime::Handle::try_current().unwrap_err().is_thread_local_destroyed());
    /// ```
    pub fn is_thread_local_destroyed(&self) -> bool {
        false
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("there is no reactor running, must be called from the context of a Tokio 1.x runtime (here: inside a seedloop simulation's `block_on`)")
    }
}

impl std::error::Error for TryCurrentError {}

/// The worker index of the calling thread: `Some(0)` inside the
/// simulation (its one thread), `None` outside.
///
/// ```
/// # use seedloop_tokio as tokio;
/// assert_eq!(tokio::runtime::worker_index(), None);
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(async { tokio::runtime::worker_index() }), Some(0));
/// ```
pub fn worker_index() -> Option<usize> {
    seedloop::Handle::try_current().map(|_| 0)
}

/// Whether `err` is tokio's "runtime shutting down" I/O error. The
/// simulation never fails an operation that way, so never.
///
/// ```
/// let e = std::io::Error::other("x");
/// assert!(!seedloop_tokio::runtime::is_rt_shutdown_err(&e));
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    let _ = err;
    false
}

missing_types! {
    /// tokio's `EnterGuard`.
    type EnterGuard['a] = EnterGuardNotSimulated[&'a ()], EnterGuardT,
        "`tokio::runtime::EnterGuard` (`Runtime::enter`) is not simulated by seedloop",
        "spawn from inside `block_on`, or with `rt.spawn(..)` / `rt.handle().spawn(..)`",
        "let _g: Option<tokio::runtime::EnterGuard<'static>> = None;";
    /// tokio's `LocalRuntime`.
    type LocalRuntime[] = LocalRuntimeNotSimulated[], LocalRuntimeT,
        "`tokio::runtime::LocalRuntime` is not simulated by seedloop",
        "every simulated runtime is local already: use `tokio::runtime::Runtime`, whose `spawn` takes futures that are not `Send`",
        "let _r = tokio::runtime::LocalRuntime::new();";
    /// tokio's `LocalOptions`.
    type LocalOptions[] = LocalOptionsNotSimulated[], LocalOptionsT,
        "`tokio::runtime::LocalOptions` is not simulated by seedloop",
        "use `Builder::build`: every simulated runtime is local",
        "let _o: Option<tokio::runtime::LocalOptions> = None;";
    /// tokio's runtime `Id`.
    type Id[] = IdNotSimulated[], IdT,
        "`tokio::runtime::Id` is not simulated by seedloop",
        "a simulation is named by its seed: `Runtime::seed`",
        "let _i: Option<tokio::runtime::Id> = None;";
    /// tokio's `RuntimeMetrics`.
    type RuntimeMetrics[] = RuntimeMetricsNotSimulated[], RuntimeMetricsT,
        "`tokio::runtime::RuntimeMetrics` is not simulated by seedloop",
        "read the simulation's own figures: `seedloop::Sim::live_tasks`, `steps`, `elapsed`",
        "let _m: Option<tokio::runtime::RuntimeMetrics> = None;";
}
