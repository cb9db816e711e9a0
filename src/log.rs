//! Logging with virtual timestamps.
//!
//! The runtime emits `tracing` events (target `seedloop::runtime`, level
//! `TRACE`) for spawns, polls, wakes and timers, with the virtual time
//! (`vtime`, in nanoseconds) and the task as fields. [`init`] installs a
//! subscriber whose timestamps are virtual time and the running task instead
//! of wall-clock time, so logs of two runs of a seed line up.
//!
//! ```
//! seedloop::log::init(); // once, e.g. at the start of a test
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     seedloop::sleep(std::time::Duration::from_secs(2)).await;
//!     tracing::info!("stamped 2.000s, not with the wall clock");
//! });
//! ```

use std::fmt;

use tracing::Level;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// Timestamps for `tracing_subscriber::fmt`: virtual time and task id, or
/// `-` outside a simulation.
///
/// # Examples
///
/// ```
/// let _ = tracing_subscriber::fmt()
///     .with_timer(seedloop::log::VirtualTime)
///     .try_init();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct VirtualTime;

impl FormatTime for VirtualTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        match crate::runtime::try_core() {
            Some(core) => {
                let t = crate::trace::fmt_time(std::time::Duration::from_nanos(core.now()));
                match core.current_task() {
                    Some(id) => write!(w, "{t:>12} task {id:<3}"),
                    None => write!(w, "{t:>12} -       "),
                }
            }
            None => write!(w, "{:>12} -       ", "-"),
        }
    }
}

/// Installs a global `tracing` subscriber at level `INFO` that prints virtual
/// time. Returns `false` if a global subscriber was already installed.
///
/// ```
/// seedloop::log::init();
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async { tracing::info!("hello from virtual time 0") });
/// ```
pub fn init() -> bool {
    init_with_level(Level::INFO)
}

/// As [`init`], at the given level (`TRACE` shows every poll and wake).
///
/// ```
/// let _ = seedloop::log::init_with_level(tracing::Level::DEBUG);
/// ```
pub fn init_with_level(level: Level) -> bool {
    tracing_subscriber::fmt()
        .with_timer(VirtualTime)
        .with_max_level(level)
        .with_target(false)
        .try_init()
        .is_ok()
}
