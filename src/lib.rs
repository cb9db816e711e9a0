//! # seedloop
//!
//! Deterministic simulation testing for async Rust. Async code runs inside a
//! single-threaded executor driven by one seed, in virtual time: the same
//! seed replays the same run, event for event. Every nondeterministic decision
//! (which ready task runs next, which of two simultaneous timers fires first,
//! every random number) is a *choice* recorded on a [`Tape`]; 0 is always the
//! simplest value, so a tape of zeros is the plainest run.
//!
//! ```
//! use std::time::Duration;
//! use seedloop::Sim;
//!
//! let mut sim = Sim::new(0x2a);
//! let total = sim.block_on(async {
//!     let mut tasks = Vec::new();
//!     for i in 1..=3u64 {
//!         tasks.push(seedloop::spawn(async move {
//!             seedloop::sleep(Duration::from_secs(3600 * i)).await; // hours, instantly
//!             i
//!         }));
//!     }
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 6);
//! assert_eq!(sim.elapsed(), Duration::from_secs(3 * 3600));
//!
//! // The same seed gives the same run.
//! let again = {
//!     let mut sim2 = Sim::new(0x2a);
//!     sim2.block_on(async {
//!         let mut tasks = Vec::new();
//!         for i in 1..=3u64 {
//!             tasks.push(seedloop::spawn(async move {
//!                 seedloop::sleep(Duration::from_secs(3600 * i)).await;
//!                 i
//!             }));
//!         }
//!         for t in tasks {
//!             t.await.unwrap();
//!         }
//!     });
//!     sim2.fingerprint()
//! };
//! assert_eq!(sim.fingerprint(), again);
//! ```
//!
//! The layers, bottom to top (see `docs/` for a chapter per layer):
//! coroutines (Rust `async`), the event loop ([`Sim`]), futures ([`future`]),
//! tasks ([`task`]), simulated machines ([`node`]) and their
//! subprocesses ([`process`]), tools ([`sync`],
//! [`queue`]), the network's transport and sockets ([`net`]), and streams
//! ([`io`]); beside them virtual time ([`time`]), randomness ([`rand`]), the
//! event trace ([`trace`]), logging ([`log`]), linearizability checking
//! ([`check`]) and the exploration harness
//! ([`explore`]).

#![warn(missing_docs)]

pub mod buggify;
pub mod check;
mod env;
mod error;
pub mod explore;
pub mod fs;
pub mod future;
#[cfg(feature = "http")]
pub mod http;
pub mod io;
pub mod log;
pub mod net;
pub mod node;
pub mod process;
#[cfg(feature = "proptest")]
pub mod proptest;
pub mod queue;
pub mod rand;
mod runtime;
mod strategy;
pub mod sync;
mod tape;
pub mod task;
pub mod time;
pub mod trace;
pub mod view;

pub use error::{BusyTask, ConfigError, Error, TaskInfo};
pub use runtime::{Builder, Handle, PanicPolicy, Sim};
/// Marks an `async fn` as a test that seedloop explores over many seeds; see [`explore`].
pub use seedloop_macros::{select, test};
pub use strategy::Strategy;
pub use tape::{ParseTapeError, Tape};
pub use task::spawn;
pub use time::sleep;

/// Reads a seed written in decimal or in `0x` hexadecimal (as `SEEDLOOP_SEED` takes it).
///
/// # Errors
///
/// A [`ConfigError`] naming `setting` and the text when it is not a `u64`.
///
/// ```
/// assert_eq!(seedloop::parse_seed("SEEDLOOP_SEED", "0x2a"), Ok(42));
/// assert_eq!(seedloop::parse_seed("SEEDLOOP_SEED", " 42 "), Ok(42));
/// assert!(seedloop::parse_seed("SEEDLOOP_SEED", "forty-two").is_err());
/// ```
pub fn parse_seed(setting: &str, text: &str) -> Result<u64, ConfigError> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            u64::from_str_radix(hex, 16).ok()
        }
        Some(_) => None,
        None if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t.parse().ok(),
        None => None,
    };
    parsed.ok_or_else(|| {
        ConfigError::new(
            setting,
            text,
            "expected a u64 in decimal (42) or hexadecimal with 0x (0x2a)",
        )
    })
}

#[cfg(doctest)]
mod chapters {
    #[doc = include_str!("../docs/01-coroutines.md")]
    struct Coroutines;
    #[doc = include_str!("../docs/02-event-loop.md")]
    struct EventLoop;
    #[doc = include_str!("../docs/03-futures.md")]
    struct Futures;
    #[doc = include_str!("../docs/04-tasks.md")]
    struct Tasks;
    #[doc = include_str!("../docs/05-processes.md")]
    struct Processes;
    #[doc = include_str!("../docs/06-tools.md")]
    struct Tools;
    #[doc = include_str!("../docs/07-transport.md")]
    struct Transport;
    #[doc = include_str!("../docs/08-sockets.md")]
    struct Sockets;
    #[doc = include_str!("../docs/09-streams.md")]
    struct Streams;
    #[doc = include_str!("../docs/time-tape-trace.md")]
    struct TimeTapeTrace;
    #[doc = include_str!("../docs/12-harness.md")]
    struct Harness;
    #[doc = include_str!("../docs/14-checking.md")]
    struct Checking;
    #[doc = include_str!("../docs/15-view.md")]
    struct View;
    #[cfg(feature = "proptest")]
    #[doc = include_str!("../docs/11-property-tests.md")]
    struct PropertyTests;
}
