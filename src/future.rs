//! Layer 3, futures: asyncio's `Future` and the combinators that await several.
//!
//! [`yield_now`] lets other tasks run; [`join`], [`try_join`] and [`select`]
//! come from the `futures` crate.

pub use crate::task::yield_now;
pub use futures::future::{Either, join, select, try_join};
