//! tokio's API, run in seedloop's deterministic simulation.
//!
//! Rename it to `tokio` in `Cargo.toml`, and a program written for tokio
//! keeps every import:
//!
//! ```toml
//! [dependencies]
//! tokio = { package = "seedloop-tokio", version = "0.1", features = ["full"] }
//! ```
//!
//! - **Built normally**, this crate *is* tokio: it re-exports tokio's whole
//!   API, and each of tokio's feature names turns on the same feature of
//!   tokio.
//! - **Built with `RUSTFLAGS="--cfg seedloop"`**, the runtime comes from
//!   seedloop under tokio's own paths: `tokio::spawn`, `tokio::time::sleep`,
//!   `tokio::sync::Mutex`, `tokio::net::TcpStream`, `tokio::fs::File`,
//!   `tokio::process::Command`, `tokio::select!`, `#[tokio::main]`,
//!   `#[tokio::test]` and the rest run in one simulation, on one thread, in
//!   virtual time, with every scheduling decision drawn from one seed.
//!   `#[tokio::test]` becomes `#[seedloop::test]`: a sweep of seeds that
//!   shrinks a failure, saves it under `seeds/` and prints the command that
//!   replays it.
//!
//! tokio's io traits and utilities (`AsyncRead`, `AsyncWriteExt`,
//! `BufReader`, `split`, `copy`, `duplex`, ...) need no runtime, so they stay
//! tokio's own in both builds, and seedloop's sockets and files implement
//! them. What tokio has and the simulation does not (Unix sockets,
//! `block_in_place`, `io::stdin`, ...) is still nameable under
//! `--cfg seedloop`, but using it is a compile error that names the item
//! and what to use instead: nothing falls through to real tokio inside a
//! simulation.
//!
//! docs/13-tokio.md in seedloop's repository has the table of every public
//! item of tokio and what it is here, and a migration guide.
//!
//! # Determinism
//!
//! Under `--cfg seedloop` the same seed (`SEEDLOOP_SEED`, 0 when unset)
//! gives the same run, bit for bit: the same interleaving, the same virtual
//! times, the same packets lost. A program's
//! `tokio::time::sleep(Duration::from_secs(3600))` takes no wall time.
//!
//! ```
//! # #[cfg(seedloop)] {
//! use std::time::Duration;
//!
//! let rt = seedloop_tokio::runtime::Runtime::new().unwrap();
//! let waited = rt.block_on(async {
//!     let start = seedloop_tokio::time::Instant::now();
//!     seedloop_tokio::time::sleep(Duration::from_secs(3600)).await;
//!     start.elapsed()
//! });
//! assert_eq!(waited, Duration::from_secs(3600));
//! # }
//! ```

#![warn(missing_docs)]

#[cfg(not(seedloop))]
pub use tokio::*;

#[cfg(seedloop)]
mod sim;

#[cfg(seedloop)]
pub use sim::*;
