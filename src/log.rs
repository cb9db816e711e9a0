//! Logging that suits tests: virtual time, the seed, the node and the task
//! on every line, captured by the test harness.
//!
//! [`init`] installs a global `tracing` subscriber that
//! - writes through libtest's capture (a passing test's log is not shown,
//!   a failing one's is, next to its report), as `tracing_subscriber`'s
//!   test writer does;
//! - colours its output only when standard output is a terminal and
//!   `NO_COLOR` is not set;
//! - stamps each line with the virtual time, the seed, the node and the
//!   task ([`SimStamp`]), so the logs of two runs of one seed line up line
//!   for line, and a line of a sweep says which run it came from.
//!
//! At `TRACE` ([`init_with_level`]) the runtime's own events show too
//! (target `seedloop::runtime`): every event of the trace (spawn, poll,
//! finish, clock advance, packet and its fate, TCP segment, fault, node
//! change, yield at a switch point) in the trace's words, and every wake.
//! Whether anyone listens to those is asked once, when a `Sim` is built:
//! install the subscriber before building the simulations it should see.
//!
//! ```
//! seedloop::log::init(); // once, e.g. at the start of a test
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     seedloop::sleep(std::time::Duration::from_secs(2)).await;
//!     // "        2.000s seed 0x1 main task 1 'main'  INFO stamped..."
//!     tracing::info!("stamped with virtual time, not the wall clock");
//! });
//! ```
//!
//! # Determinism
//!
//! Logging reads the simulation and never changes it: the same seed gives
//! the same run, and the same log, whether a subscriber listens or not.

use std::fmt;
use std::io::IsTerminal;

use tracing::Level;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// The stamp of a log line inside a simulation: virtual time, seed, node
/// and task, as `        0.250s seed 0x7 db task 3 'flush'`. Between
/// polls (the event loop's own events) node and task are one `-`; outside
/// any simulation time and all are `-`.
///
/// It is a `tracing_subscriber` timer, for a subscriber built by hand:
///
/// ```
/// let _ = tracing_subscriber::fmt()
///     .with_timer(seedloop::log::SimStamp)
///     .with_test_writer()
///     .try_init();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SimStamp;

impl FormatTime for SimStamp {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let Some(core) = crate::runtime::try_core() else {
            return write!(w, "{:>14} -", "-");
        };
        let t = crate::trace::fmt_time(std::time::Duration::from_nanos(core.now()));
        write!(w, "{t:>14} seed {:#x} ", core.cfg.seed)?;
        let Some(id) = core.current_task() else {
            return w.write_str("-");
        };
        let node = core.try_node_name(core.current_node());
        let node = node.as_deref().unwrap_or("?");
        core.with_current_task_name(|name| match name {
            Some(name) => write!(w, "{node} task {id} '{name}'"),
            None => write!(w, "{node} task {id}"),
        })
    }
}

/// The stamp without the seed and node: virtual time and task id only.
/// Kept for subscribers built with it; [`SimStamp`] says more.
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

/// Installs the global subscriber described in the [module](self) docs,
/// at level `INFO`. Returns `false` if a global subscriber was already
/// installed (then nothing changes).
///
/// ```
/// seedloop::log::init();
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async { tracing::info!("hello from virtual time 0") });
/// ```
pub fn init() -> bool {
    init_with_level(Level::INFO)
}

/// As [`init`], at the given level; `TRACE` adds the runtime's own
/// events.
///
/// ```
/// let _ = seedloop::log::init_with_level(tracing::Level::TRACE);
/// ```
pub fn init_with_level(level: Level) -> bool {
    tracing_subscriber::fmt()
        .with_timer(SimStamp)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(colour(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .with_test_writer()
        .try_init()
        .is_ok()
}

/// Whether to colour: on a terminal, unless `NO_COLOR` is set to anything
/// non-empty (<https://no-color.org>).
fn colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(!colour(false, None));
        assert!(!colour(true, Some("1".into())));
        assert!(colour(true, Some("".into())));
        assert!(!colour(false, Some("".into())));
    }
}
