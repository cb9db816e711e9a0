//! How simulated processes start and how much their pipes hold: a
//! [`ProcessConfig`] for the whole run ([`Builder::process`]) or for one
//! node ([`node::Builder::process`](crate::node::Builder::process)).

use std::any::Any;
use std::ops::Range;
use std::time::Duration;

use crate::error::ConfigError;
use crate::runtime::Builder;
use crate::runtime::parts::Part;

/// Linux's default pipe capacity: 16 pages of 4 KiB.
pub const DEFAULT_PIPE_CAPACITY: usize = 64 * 1024;

/// The settings of simulated processes, by value like `NetConfig`, checked
/// when the simulation (or the node) is built.
///
/// ```
/// use std::time::Duration;
/// use seedloop::process::ProcessConfig;
///
/// let cfg = ProcessConfig::new()
///     .start_latency(Duration::from_millis(1)..Duration::from_millis(20))
///     .pipe_capacity(4096);
/// let sim = seedloop::Sim::builder().process(cfg).try_build();
/// assert!(sim.is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessConfig {
    pub(crate) start_latency: Range<Duration>,
    pub(crate) pipe_capacity: usize,
}

impl Default for ProcessConfig {
    fn default() -> ProcessConfig {
        ProcessConfig::new()
    }
}

impl ProcessConfig {
    /// Children start at once, and pipes hold 64 KiB ([`DEFAULT_PIPE_CAPACITY`]).
    ///
    /// ```
    /// let cfg = seedloop::process::ProcessConfig::new();
    /// assert_eq!(cfg, seedloop::process::ProcessConfig::default());
    /// ```
    pub fn new() -> ProcessConfig {
        ProcessConfig {
            start_latency: Duration::ZERO..Duration::ZERO,
            pipe_capacity: DEFAULT_PIPE_CAPACITY,
        }
    }

    /// How long a child takes to start (an `exec`, a loader, a JVM), drawn
    /// from `range` at each spawn: the program's first line runs that much
    /// virtual time after `spawn`. `0..0`, the default, is no delay.
    ///
    /// # Determinism
    ///
    /// One choice per spawn when the range is not empty; 0 is its start.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cfg = seedloop::process::ProcessConfig::new()
    ///     .start_latency(Duration::from_millis(5)..Duration::from_millis(50));
    /// # let _ = cfg;
    /// ```
    pub fn start_latency(mut self, range: Range<Duration>) -> ProcessConfig {
        self.start_latency = range;
        self
    }

    /// How many bytes a pipe holds before its writer waits (64 KiB, as on
    /// Linux, by default).
    ///
    /// ```
    /// let cfg = seedloop::process::ProcessConfig::new().pipe_capacity(512);
    /// # let _ = cfg;
    /// ```
    pub fn pipe_capacity(mut self, bytes: usize) -> ProcessConfig {
        self.pipe_capacity = bytes;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let Range { start, end } = &self.start_latency;
        if start > end {
            return Err(ConfigError::new(
                "start_latency",
                format!("{start:?}..{end:?}"),
                "the range's start is after its end",
            ));
        }
        if self.pipe_capacity == 0 {
            return Err(ConfigError::new(
                "pipe_capacity",
                "0",
                "a pipe must hold at least one byte",
            ));
        }
        Ok(())
    }
}

impl Part for ProcessConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        ProcessConfig::validate(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Builder {
    /// The process settings of every node, unless a node sets its own with
    /// [`node::Builder::process`](crate::node::Builder::process). Checked
    /// at [`Builder::try_build`].
    ///
    /// ```
    /// use seedloop::process::ProcessConfig;
    /// let err = seedloop::Sim::builder()
    ///     .process(ProcessConfig::new().pipe_capacity(0))
    ///     .try_build()
    ///     .unwrap_err();
    /// assert_eq!(err.setting(), "pipe_capacity");
    /// ```
    pub fn process(self, cfg: ProcessConfig) -> Builder {
        self.with_part(cfg)
    }
}

impl crate::node::Builder {
    /// This node's process settings, instead of the simulation's.
    ///
    /// ```
    /// use std::time::Duration;
    /// use seedloop::process::ProcessConfig;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let slow = ProcessConfig::new().start_latency(Duration::from_secs(2)..Duration::from_secs(1));
    ///     let err = seedloop::node::Builder::new("ci").process(slow).try_build().unwrap_err();
    ///     assert_eq!(err.setting(), "start_latency");
    /// });
    /// ```
    pub fn process(self, cfg: ProcessConfig) -> crate::node::Builder {
        self.with_part(cfg)
    }
}
