//! Layer 3, futures: asyncio's `Future` and the combinators that await several.
//!
//! | asyncio | seedloop |
//! |---|---|
//! | `loop.create_future()`, `fut.set_result(x)`, `await fut` | [`Promise::new`], [`Promise::set_result`], [`Promise::wait`] |
//! | `fut.cancel()`, `fut.done()`, `fut.cancelled()`, `fut.result()` | [`Promise::cancel`], [`Promise::is_done`], [`Promise::is_cancelled`], [`Promise::result`] |
//! | `asyncio.gather(a, b)` | [`join`], [`try_join`] (from the `futures` crate) |
//! | `asyncio.wait([a, b], return_when=FIRST_COMPLETED)` | [`select`] (seedloop's own, explored by the harness) |
//! | `await asyncio.sleep(0)` | [`yield_now`] |
//!
//! [`join`], [`try_join`] and [`Either`] are re-exported from `futures`.
//! [`select`] is not: it has the same shape as `futures::future::select`, but
//! when both futures are ready it lets the tape decide which one wins, so the
//! harness explores both outcomes and a replay repeats the same one. Avoid the
//! `futures::select!` macro in simulated code: it orders its branches with a
//! random generator of its own, outside the tape, so a run is not
//! reproducible from its seed.
//!
//! ```
//! use seedloop::future::{Promise, join, yield_now};
//!
//! let mut sim = seedloop::Sim::new(1);
//! let (a, b) = sim.block_on(async {
//!     let p = Promise::new();
//!     let producer = async {
//!         yield_now().await;
//!         p.set_result(1).unwrap();
//!         "set"
//!     };
//!     let consumer = async { p.wait().await.unwrap() + 1 };
//!     join(producer, consumer).await
//! });
//! assert_eq!((a, b), ("set", 2));
//! ```

pub(crate) mod io;
mod macro_support;
mod promise;
mod select;

pub use crate::task::yield_now;
pub use futures::future::{Either, join, try_join};
pub use promise::{Cancelled, Promise, Wait};
pub use select::{Select, select};

/// What the `select!` macro's expansion calls.
#[doc(hidden)]
pub mod __macro {
    pub use super::macro_support::first_branch;
}
