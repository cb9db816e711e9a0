//! The typed errors of a run and of configuration.

use std::fmt;
use std::time::Duration;

use crate::trace::Id;

/// What the runtime knows about one task, for error reports.
///
/// # Examples
///
/// ```
/// use seedloop::{Error, Sim};
///
/// let mut sim = Sim::new(1);
/// let err = sim
///     .try_block_on(async {
///         seedloop::task::Builder::new()
///             .name("stuck")
///             .spawn(std::future::pending::<()>());
///         std::future::pending::<()>().await
///     })
///     .unwrap_err();
/// let Error::Deadlock { tasks, .. } = err else { panic!("expected a deadlock") };
/// assert!(tasks.iter().any(|t| t.name.as_deref() == Some("stuck")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id, unique within its simulation.
    pub id: Id,
    /// The name given with [`task::Builder::name`](crate::task::Builder::name), if any.
    pub name: Option<String>,
    /// The name of the node the task runs on, when the simulation has nodes
    /// besides `main` (see [`node`](crate::node)).
    pub node: Option<String>,
    /// Where the task was spawned (`file:line:column`).
    pub spawned_at: String,
    /// What the task was blocked on when the report was made, if a
    /// seedloop primitive said so: the operation and where it was called,
    /// for example `Mutex::lock at src/bank.rs:42:18`.
    pub waiting_on: Option<String>,
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " '{name}'")?;
        }
        if let Some(node) = &self.node {
            write!(f, " on node '{node}'")?;
        }
        write!(f, " (spawned at {})", self.spawned_at)?;
        if let Some(w) = &self.waiting_on {
            write!(f, ", waiting on {w}")?;
        }
        Ok(())
    }
}

/// A task that took many of the last steps before a step limit, in
/// [`Error::StepLimit`].
///
/// ```
/// use seedloop::{Error, Sim};
///
/// let mut sim = Sim::builder().step_limit(1_000).build();
/// let err = sim
///     .try_block_on(async {
///         seedloop::task::Builder::new()
///             .name("spinner")
///             .spawn(async { loop { seedloop::task::yield_now().await } })
///             .await
///     })
///     .unwrap_err();
/// let Error::StepLimit { busiest, .. } = &err else { panic!("{err}") };
/// assert_eq!(busiest[0].task.name.as_deref(), Some("spinner"));
/// assert!(busiest[0].task.waiting_on.as_deref().unwrap().starts_with("yield_now at"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BusyTask {
    /// The task; its `waiting_on` is the operation it last awaited.
    pub task: TaskInfo,
    /// How many times it was polled in the stretch.
    pub polls: u64,
    /// How many steps the stretch had.
    pub of: u64,
}

impl fmt::Display for BusyTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.task;
        write!(f, "task {}", t.id)?;
        if let Some(name) = &t.name {
            write!(f, " '{name}'")?;
        }
        if let Some(node) = &t.node {
            write!(f, " on node '{node}'")?;
        }
        write!(f, " (spawned at {}): {} polls", t.spawned_at, self.polls)?;
        match &t.waiting_on {
            Some(w) => write!(f, ", last awaited {w}"),
            None => f.write_str(", last awaited something outside seedloop"),
        }
    }
}

/// Why a simulated run failed.
///
/// Returned by [`Sim::try_block_on`](crate::Sim::try_block_on) and
/// [`Builder::check_determinism`](crate::Builder::check_determinism);
/// [`Sim::block_on`](crate::Sim::block_on) panics with it.
///
/// # Examples
///
/// ```
/// use seedloop::{Error, Sim};
///
/// let mut sim = Sim::new(7);
/// let err = sim.try_block_on(async { panic!("boom") }).unwrap_err();
/// assert!(matches!(err, Error::Panicked { .. }));
/// assert!(err.to_string().contains("boom"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The main future is pending and nothing can ever run again: no task is
    /// ready and no timer is pending.
    Deadlock {
        /// Every live task, in id order (the main future included).
        tasks: Vec<TaskInfo>,
        /// Virtual time of the deadlock.
        time: Duration,
    },
    /// A task panicked (and the panic policy fails the run).
    Panicked {
        /// The task that panicked.
        task: Box<TaskInfo>,
        /// The panic message.
        message: String,
        /// Where the panic happened (`file:line:column`), when known.
        location: Option<String>,
        /// Virtual time of the panic.
        time: Duration,
    },
    /// The virtual clock would pass the configured time limit.
    TimeLimit {
        /// The configured limit.
        limit: Duration,
    },
    /// The run took more steps than the configured step limit.
    StepLimit {
        /// The configured limit.
        limit: u64,
        /// Virtual time when the limit was hit.
        time: Duration,
        /// The tasks that took the most polls in the last stretch of steps
        /// before the limit (up to three, most first), each with the
        /// operation it last awaited: the likely spinners.
        busiest: Vec<BusyTask>,
    },
    /// Two runs of the same seed differed.
    NonDeterminism {
        /// The seed both runs used.
        seed: u64,
        /// Index (0-based) of the first differing event.
        index: usize,
        /// That event in the first run (or `<end of trace>`).
        first: String,
        /// That event in the second run (or `<end of trace>`).
        second: String,
    },
    /// A task's waker was called from another OS thread. That would make the
    /// run depend on the OS scheduler, so it is refused.
    ForeignWake {
        /// The task whose waker was called.
        task: Box<TaskInfo>,
        /// The name (or id) of the thread that called it.
        thread: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Deadlock { tasks, time } => {
                write!(
                    f,
                    "deadlock at virtual time {}: no task can run and no timer is pending; {} live task(s):",
                    crate::trace::fmt_time(*time),
                    tasks.len()
                )?;
                for t in tasks {
                    write!(f, "\n    {t}")?;
                }
                Ok(())
            }
            Error::Panicked {
                task,
                message,
                location,
                time,
            } => {
                write!(f, "{task} panicked")?;
                if let Some(loc) = location {
                    write!(f, " at {loc}")?;
                }
                write!(
                    f,
                    " (virtual time {}): {message}",
                    crate::trace::fmt_time(*time)
                )
            }
            Error::TimeLimit { limit } => write!(
                f,
                "time limit: the virtual clock would pass the limit of {}",
                crate::trace::fmt_time(*limit)
            ),
            Error::StepLimit {
                limit,
                time,
                busiest,
            } => {
                write!(
                    f,
                    "step limit: {limit} steps taken (virtual time {}); raise Builder::step_limit if the test needs more",
                    crate::trace::fmt_time(*time)
                )?;
                if let Some(first) = busiest.first() {
                    write!(
                        f,
                        "\n    the tasks that took the most of the last {} steps (a task that yields in a loop spins):",
                        first.of
                    )?;
                }
                for b in busiest {
                    write!(f, "\n      {b}")?;
                }
                Ok(())
            }
            Error::NonDeterminism {
                seed,
                index,
                first,
                second,
            } => write!(
                f,
                "non-determinism: two runs of seed {seed:#x} differ at event {index}\n    first run:  {first}\n    second run: {second}"
            ),
            Error::ForeignWake { task, thread } => write!(
                f,
                "the waker of {task} was called from thread '{thread}'; a simulation runs on one thread, so wakes from other threads are refused"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// A bad configuration value: a builder setting, an environment variable, a
/// strategy or tape text. The message names the setting and the value.
///
/// # Examples
///
/// ```
/// use seedloop::Sim;
///
/// let err = Sim::builder().step_limit(0).try_build().unwrap_err();
/// assert_eq!(err.setting(), "step_limit");
/// assert!(err.to_string().contains("step_limit"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    setting: String,
    value: String,
    reason: String,
}

impl ConfigError {
    /// `Ok` for a probability within `0..=1`; NaN and anything outside are
    /// an error naming `setting` and the value.
    pub(crate) fn probability(setting: &str, p: f64) -> Result<(), ConfigError> {
        if (0.0..=1.0).contains(&p) {
            Ok(())
        } else {
            Err(ConfigError::new(
                setting,
                p.to_string(),
                "a probability must be within 0..=1",
            ))
        }
    }

    pub(crate) fn new(
        setting: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ConfigError {
            setting: setting.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// The setting or variable that had the bad value (for example `SEEDLOOP_SEED`).
    ///
    /// ```
    /// let err = seedloop::parse_seed("SEEDLOOP_SEED", "twelve").unwrap_err();
    /// assert_eq!(err.setting(), "SEEDLOOP_SEED");
    /// ```
    pub fn setting(&self) -> &str {
        &self.setting
    }

    /// The offending value, as text.
    ///
    /// ```
    /// let err = seedloop::parse_seed("SEEDLOOP_SEED", "twelve").unwrap_err();
    /// assert_eq!(err.value(), "twelve");
    /// ```
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What is wrong with the value.
    ///
    /// ```
    /// let err = seedloop::parse_seed("SEEDLOOP_SEED", "-1").unwrap_err();
    /// assert!(err.reason().contains("u64"));
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} value `{}`: {}",
            self.setting, self.value, self.reason
        )
    }
}

impl std::error::Error for ConfigError {}
