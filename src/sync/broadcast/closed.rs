//! The future of `Sender::closed`: it waits for the last receiver to go.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Shared;
use crate::runtime::local::Local;
use crate::runtime::wait::{Switch, WaitKind, WaitState, WakeGuard};

/// A task blocked here is reported as waiting on `broadcast::Sender::closed`.
static CLOSED: WaitKind = WaitKind::at("broadcast::Sender::closed");

/// The future of [`Sender::closed`](super::Sender::closed).
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, rx) = seedloop::sync::broadcast::channel::<u8>(1);
///     drop(rx);
///     let closed: seedloop::sync::broadcast::Closed<'_, u8> = tx.closed();
///     closed.await; // no receiver: at once
/// });
/// ```
pub struct Closed<'a, T> {
    pub(super) shared: &'a Local<Rc<Shared<T>>>,
    pub(super) state: WaitState,
    pub(super) switch: Switch,
    pub(super) at: &'static Location<'static>,
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Closed").finish_non_exhaustive()
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        match this.state {
            WaitState::Done => Poll::Ready(()),
            WaitState::Waiting(key) => {
                let s = WakeGuard::one(this.shared.state.borrow_mut());
                if s.closed_waiters.contains(key) {
                    s.wait_again(|s| &mut s.closed_waiters, key, cx, &CLOSED, this.at)
                } else {
                    this.state = WaitState::Done;
                    Poll::Ready(())
                }
            }
            WaitState::Init => {
                let none_left = this.shared.state.borrow().receivers == 0;
                if none_left && this.switch.poll_proceed(cx, &CLOSED, this.at).is_pending() {
                    return Poll::Pending;
                }
                let mut s = this.shared.state.borrow_mut();
                if s.receivers == 0 {
                    drop(s);
                    this.state = WaitState::Done;
                    return Poll::Ready(());
                }
                this.state
                    .wait(&mut s.closed_waiters, (), cx, &CLOSED, this.at)
            }
        }
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        if !self.shared.is_reachable() {
            return; // dropped on another thread
        }
        self.state
            .cancel(&self.shared.state, |s| &mut s.closed_waiters);
    }
}
