//! The driver's tasks (pub(crate)): one allocation per task ([`cell`]), the
//! wakers that queue it ([`waker`]), and the handles that see it from
//! outside ([`JoinHandle`], [`AbortHandle`], [`JoinError`]), which
//! [`crate::task`] makes public.

pub(crate) mod cell;
mod error;
mod join;
pub(crate) mod waker;

pub use error::JoinError;
pub use join::{AbortHandle, JoinHandle};
