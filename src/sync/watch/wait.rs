//! The future behind `Receiver::changed` and `Sender::closed`.

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitList, WaitState, WakeGuard};

use super::{CLOSED, Shared};

/// The future of [`Receiver::changed`](super::Receiver::changed) (kind
/// `CHANGED`, on the `changed` list) and of
/// [`Sender::closed`](super::Sender::closed) (kind `CLOSED`, on the `closed`
/// list): waits until `check` has an outcome. `check(false)` only
/// tells whether there is one; `check(true)` also commits it (marks the
/// value seen), which happens only when the future returns.
pub(super) struct Wait<T, C> {
    shared: Local<Rc<Shared<T>>>,
    kind: &'static WaitKind,
    check: C,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl<T, C> Wait<T, C> {
    pub(super) fn new(
        shared: &Local<Rc<Shared<T>>>,
        kind: &'static WaitKind,
        at: &'static Location<'static>,
        check: C,
    ) -> Self {
        Wait {
            shared: shared.clone(),
            kind,
            check,
            state: WaitState::Init,
            switch: Switch::default(),
            at,
        }
    }
}

/// The list a wait of `kind` is on.
fn waiters_of<'a, T>(shared: &'a Shared<T>, kind: &'static WaitKind) -> &'a Tracked<WaitList<()>> {
    if std::ptr::eq(kind, &CLOSED) {
        &shared.closed
    } else {
        &shared.changed
    }
}

impl<T, R, C: FnMut(bool) -> Option<R> + Unpin> Future for Wait<T, C> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let this = &mut *self;
        match this.state {
            WaitState::Done => panic!("{} polled after it completed", this.kind.label()),
            WaitState::Waiting(key) => {
                let list = WakeGuard::one(waiters_of(&this.shared, this.kind).borrow_mut());
                if list.contains(key) {
                    return list.wait_again(|list| list, key, cx, this.kind, this.at);
                }
            }
            WaitState::Init => {
                if (this.check)(false).is_some()
                    && this
                        .switch
                        .poll_proceed(cx, this.kind, this.at)
                        .is_pending()
                {
                    return Poll::Pending;
                }
            }
        }
        // First poll after the switch point, or granted: decide, or (for a
        // grant that no longer holds, say a new subscriber) wait again.
        if let Some(out) = (this.check)(true) {
            this.state = WaitState::Done;
            return Poll::Ready(out);
        }
        let mut list = waiters_of(&this.shared, this.kind).borrow_mut();
        this.state.wait(&mut list, (), cx, this.kind, this.at)
    }
}

impl<T, C> Drop for Wait<T, C> {
    fn drop(&mut self) {
        // Granted or not, nothing was taken: every waiter is granted at
        // once, so there is nothing to pass on.
        self.state
            .cancel(waiters_of(&self.shared, self.kind), |list| list);
    }
}
