//! A disk's settings and weather: [`DiskConfig`], by value, validated at
//! `build()` like the network's.

use std::any::Any;
use std::ops::Range;
use std::time::Duration;

use crate::error::ConfigError;
use crate::runtime::Builder;
use crate::runtime::parts::Part;

/// A simulated disk's settings: its size, its faults, and what a crash may
/// keep of what was not made durable. Given to
/// [`Builder::disk`](crate::Builder::disk) (every node's disk, `main`'s
/// included) or [`node::Builder::disk`](crate::node::Builder::disk) (one
/// node's), and checked when the simulation or the node is built.
///
/// | setting | default |
/// |---|---|
/// | `capacity` | unlimited |
/// | `io_error`, `corruption` | 0 |
/// | `latency` | zero: operations take no virtual time |
/// | `torn_writes` | off: a pending write survives a crash whole or not at all |
/// | `keep_unsynced` | 0.5: each pending operation survives a crash on a coin |
/// | `ordered` | false: the strict POSIX reading |
///
/// ```
/// use std::time::Duration;
/// use seedloop::fs::DiskConfig;
/// let disk = DiskConfig::new()
///     .capacity(1 << 20)
///     .io_error(0.01)
///     .latency(Duration::from_micros(50)..Duration::from_millis(2))
///     .torn_writes(512);
/// assert!(disk.validate().is_ok());
/// let sim = seedloop::Sim::builder().disk(disk).build();
/// # drop(sim);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DiskConfig {
    pub(crate) capacity: Option<u64>,
    pub(crate) latency: Range<Duration>,
    pub(crate) io_error: f64,
    pub(crate) corruption: f64,
    pub(crate) sector: Option<u64>,
    pub(crate) keep_unsynced: f64,
    pub(crate) ordered: bool,
}

impl Default for DiskConfig {
    fn default() -> DiskConfig {
        DiskConfig {
            capacity: None,
            latency: Duration::ZERO..Duration::ZERO,
            io_error: 0.0,
            corruption: 0.0,
            sector: None,
            keep_unsynced: 0.5,
            ordered: false,
        }
    }
}

impl DiskConfig {
    /// The defaults (see the table above).
    ///
    /// ```
    /// assert_eq!(seedloop::fs::DiskConfig::new(), Default::default());
    /// ```
    pub fn new() -> DiskConfig {
        DiskConfig::default()
    }

    /// At most `bytes` of file data: a write or `set_len` that would pass
    /// it fails with `StorageFull`.
    ///
    /// ```
    /// let d = seedloop::fs::DiskConfig::new().capacity(4096);
    /// assert_eq!(d.capacity_bytes(), Some(4096));
    /// ```
    pub fn capacity(mut self, bytes: u64) -> DiskConfig {
        self.capacity = Some(bytes);
        self
    }

    /// Each operation takes virtual time drawn from `range` (a range with
    /// `start == end` is a fixed cost; the default, zero, draws nothing).
    ///
    /// ```
    /// use std::time::Duration;
    /// let d = seedloop::fs::DiskConfig::new().latency(Duration::from_millis(1)..Duration::from_millis(5));
    /// assert_eq!(d.latency_range().end, Duration::from_millis(5));
    /// ```
    pub fn latency(mut self, range: Range<Duration>) -> DiskConfig {
        self.latency = range;
        self
    }

    /// The probability that an operation fails with an `io::Error` of kind
    /// `Other` (EIO) and changes nothing. A failed `sync_all` or
    /// `sync_data` drops the file's pending writes (see the crash model).
    ///
    /// ```
    /// let d = seedloop::fs::DiskConfig::new().io_error(0.1);
    /// assert_eq!(d.io_error_probability(), 0.1);
    /// ```
    pub fn io_error(mut self, p: f64) -> DiskConfig {
        self.io_error = p;
        self
    }

    /// The probability that a read returns one silently flipped bit (the
    /// data on the disk stays intact; checksums are the application's job).
    ///
    /// ```
    /// let d = seedloop::fs::DiskConfig::new().corruption(0.001);
    /// assert_eq!(d.corruption_probability(), 0.001);
    /// ```
    pub fn corruption(mut self, p: f64) -> DiskConfig {
        self.corruption = p;
        self
    }

    /// Pending writes survive a crash sector by sector, each sector on its
    /// own coin; a sector that did not survive keeps what the disk held
    /// before (zeros past the old end). `sector_bytes` must be a power of two.
    ///
    /// ```
    /// let d = seedloop::fs::DiskConfig::new().torn_writes(512);
    /// assert_eq!(d.sector_bytes(), Some(512));
    /// assert!(seedloop::fs::DiskConfig::new().torn_writes(500).validate().is_err());
    /// ```
    pub fn torn_writes(mut self, sector_bytes: u64) -> DiskConfig {
        self.sector = Some(sector_bytes);
        self
    }

    /// The probability with which a random strategy keeps each pending
    /// operation (or sector) at a crash. `0.0` loses everything that was
    /// not made durable, without drawing a choice.
    ///
    /// ```
    /// let d = seedloop::fs::DiskConfig::new().keep_unsynced(0.0);
    /// assert_eq!(d.keep_unsynced_probability(), 0.0);
    /// ```
    pub fn keep_unsynced(mut self, p: f64) -> DiskConfig {
        self.keep_unsynced = p;
        self
    }

    /// ext4's `data=ordered`: an entry that links a file (its creation, a
    /// rename onto a name) survives only with the writes to that file made
    /// before it, and `sync_dir` makes those durable first.
    ///
    /// ```
    /// let d = seedloop::fs::DiskConfig::new().ordered(true);
    /// assert!(d.is_ordered());
    /// ```
    pub fn ordered(mut self, on: bool) -> DiskConfig {
        self.ordered = on;
        self
    }

    /// The capacity, if limited.
    ///
    /// ```
    /// assert_eq!(seedloop::fs::DiskConfig::new().capacity_bytes(), None);
    /// ```
    pub fn capacity_bytes(&self) -> Option<u64> {
        self.capacity
    }

    /// The latency range.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(seedloop::fs::DiskConfig::new().latency_range(), Duration::ZERO..Duration::ZERO);
    /// ```
    pub fn latency_range(&self) -> Range<Duration> {
        self.latency.clone()
    }

    /// The I/O error probability.
    ///
    /// ```
    /// assert_eq!(seedloop::fs::DiskConfig::new().io_error_probability(), 0.0);
    /// ```
    pub fn io_error_probability(&self) -> f64 {
        self.io_error
    }

    /// The corruption probability.
    ///
    /// ```
    /// assert_eq!(seedloop::fs::DiskConfig::new().corruption_probability(), 0.0);
    /// ```
    pub fn corruption_probability(&self) -> f64 {
        self.corruption
    }

    /// The sector size of torn writes, if on.
    ///
    /// ```
    /// assert_eq!(seedloop::fs::DiskConfig::new().sector_bytes(), None);
    /// ```
    pub fn sector_bytes(&self) -> Option<u64> {
        self.sector
    }

    /// The probability of keeping a pending operation at a crash.
    ///
    /// ```
    /// assert_eq!(seedloop::fs::DiskConfig::new().keep_unsynced_probability(), 0.5);
    /// ```
    pub fn keep_unsynced_probability(&self) -> f64 {
        self.keep_unsynced
    }

    /// Whether the disk orders a file's writes before its entry.
    ///
    /// ```
    /// assert!(!seedloop::fs::DiskConfig::new().is_ordered());
    /// ```
    pub fn is_ordered(&self) -> bool {
        self.ordered
    }

    /// Checks the values.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting and value: a probability outside
    /// `0..=1` or NaN, a sector size of 0 or not a power of two, a latency
    /// range whose start is after its end.
    ///
    /// ```
    /// let err = seedloop::fs::DiskConfig::new().corruption(f64::NAN).validate().unwrap_err();
    /// assert_eq!(err.setting(), "corruption");
    /// assert_eq!(err.value(), "NaN");
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::probability("io_error", self.io_error)?;
        ConfigError::probability("corruption", self.corruption)?;
        ConfigError::probability("keep_unsynced", self.keep_unsynced)?;
        if let Some(s) = self.sector {
            if s == 0 || !s.is_power_of_two() {
                return Err(ConfigError::new(
                    "torn_writes",
                    s.to_string(),
                    "a sector size must be a power of two (512 or 4096, say)",
                ));
            }
        }
        if self.latency.start > self.latency.end {
            return Err(ConfigError::new(
                "latency",
                format!("{:?}", self.latency),
                "the range's start is after its end",
            ));
        }
        Ok(())
    }
}

impl Part for DiskConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        DiskConfig::validate(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Weather laid over every disk of a run, whatever its own settings (the
/// explorer's swarm profile): at least this I/O error probability, and
/// torn writes at this sector size on a disk that has none.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Weather {
    pub(crate) io_error: f64,
    pub(crate) torn_sector: Option<u64>,
}

impl Weather {
    /// `disk`, made at least as unreliable as the weather says.
    pub(crate) fn over(&self, disk: DiskConfig) -> DiskConfig {
        let io_error = disk.io_error.max(self.io_error);
        let mut d = disk.io_error(io_error);
        if d.sector.is_none() {
            d.sector = self.torn_sector;
        }
        d
    }
}

impl Part for Weather {
    fn validate(&self) -> Result<(), ConfigError> {
        DiskConfig::new()
            .io_error(self.io_error)
            .torn_writes(self.torn_sector.unwrap_or(512))
            .validate()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Builder {
    /// Lays `weather` over every disk of the run (the explorer's swarm).
    pub(crate) fn disk_weather(self, weather: Weather) -> Builder {
        self.with_part(weather)
    }
}

impl Builder {
    /// The disk of every node, `main`'s included, unless a node sets its
    /// own with [`node::Builder::disk`](crate::node::Builder::disk).
    /// Checked at [`Builder::try_build`].
    ///
    /// ```
    /// use seedloop::fs::DiskConfig;
    /// let err = seedloop::Sim::builder()
    ///     .disk(DiskConfig::new().io_error(1.5))
    ///     .try_build()
    ///     .unwrap_err();
    /// assert_eq!(err.setting(), "io_error");
    /// ```
    pub fn disk(self, disk: DiskConfig) -> Builder {
        self.with_part(disk)
    }
}

impl crate::node::Builder {
    /// This node's disk, instead of the simulation's default.
    ///
    /// ```
    /// use seedloop::fs::DiskConfig;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let bad = seedloop::node::Builder::new("db").disk(DiskConfig::new().torn_writes(0));
    ///     assert_eq!(bad.try_build().unwrap_err().to_string().contains("torn_writes"), true);
    /// });
    /// ```
    pub fn disk(self, disk: DiskConfig) -> crate::node::Builder {
        self.with_part(disk)
    }
}
