//! Layer 3, futures: asyncio's `Future` and the combinators that await several.
//!
//! [`yield_now`] lets other tasks run; [`join`], [`try_join`] and [`select`]
//! come from the `futures` crate.
//!
//! ```
//! use seedloop::future::{join, yield_now};
//!
//! let mut sim = seedloop::Sim::new(1);
//! let (a, b) = sim.block_on(async {
//!     join(async { yield_now().await; 1 }, async { 2 }).await
//! });
//! assert_eq!(a + b, 3);
//! ```

pub use crate::task::yield_now;
pub use futures::future::{Either, join, select, try_join};
