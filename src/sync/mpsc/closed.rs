//! The future of `Sender::closed` and `UnboundedSender::closed`.
//!
//! State machine: *init* → *done* at once if the receiver is already
//! closed; else *waiting* (listed in the channel's `closed_waiters`) →
//! *done* once closing the receiver drained the list. Dropped while
//! waiting, it removes itself.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{WaitState, WakeGuard};

use super::chan::Chan;

/// A task blocked here is reported as waiting on `mpsc::Sender::closed`.
static CLOSED: WaitKind = WaitKind::at("mpsc::Sender::closed");

/// The future of `closed` on a [`Sender`](super::Sender) or an
/// [`UnboundedSender`](super::UnboundedSender): completes once the receiver
/// is closed or dropped.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, rx) = mpsc::channel::<u8>(1);
///     let closed: mpsc::Closed<'_, u8> = tx.closed();
///     drop(rx);
///     closed.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    chan: &'a Chan<T>,
    state: WaitState,
    at: &'static Location<'static>,
}

impl<'a, T> Closed<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>, at: &'static Location<'static>) -> Closed<'a, T> {
        Closed {
            chan,
            state: WaitState::Init,
            at,
        }
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").field("at", &self.at).finish()
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut inner = WakeGuard::one(this.chan.inner.borrow_mut());
        match this.state {
            WaitState::Done => Poll::Ready(()),
            WaitState::Waiting(key) if !inner.closed_waiters.contains(key) => {
                this.state = WaitState::Done;
                Poll::Ready(())
            }
            WaitState::Waiting(key) => {
                inner.wait_again(|inner| &mut inner.closed_waiters, key, cx, &CLOSED, this.at)
            }
            WaitState::Init if inner.rx_closed => {
                this.state = WaitState::Done;
                Poll::Ready(())
            }
            WaitState::Init => this
                .state
                .wait(&mut inner.closed_waiters, (), cx, &CLOSED, this.at),
        }
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        if !self.chan.inner.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        self.state
            .cancel(&self.chan.inner, |inner| &mut inner.closed_waiters);
    }
}
