//! One allocation per task: its header and its future, later its output.
//!
//! A task's life: `Running(future)` while it is polled; then `Done(result)`
//! once the future completes, panics or is aborted; then `Taken` once its
//! `JoinHandle` has read the result. The event loop holds the cell as an
//! `Rc<dyn Runnable>` in its slab while the task lives; the `JoinHandle` holds
//! the same allocation as an `Rc<dyn JoinTarget<T>>`.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::waker::TaskWaker;
use crate::task::{Id, JoinError};

/// What a blocked task waits on, for deadlock reports.
pub(crate) type WaitingOn = (&'static str, &'static Location<'static>);

pub(crate) struct Header {
    pub(crate) id: Id,
    pub(crate) name: Option<Box<str>>,
    pub(crate) location: &'static Location<'static>,
    pub(crate) task_waker: Arc<TaskWaker>,
    pub(crate) waker: Waker,
    pub(crate) aborted: Cell<bool>,
    pub(crate) finished: Cell<bool>,
    pub(crate) join_waker: Cell<Option<Waker>>,
    pub(crate) on_finish: Cell<Option<Box<dyn FnOnce()>>>,
    pub(crate) waiting_on: Cell<Option<WaitingOn>>,
}

impl Header {
    pub(crate) fn new(
        id: Id,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
        task_waker: Arc<TaskWaker>,
    ) -> Header {
        Header {
            id,
            name,
            location,
            waker: task_waker.waker(),
            task_waker,
            aborted: Cell::new(false),
            finished: Cell::new(false),
            join_waker: Cell::new(None),
            on_finish: Cell::new(None),
            waiting_on: Cell::new(None),
        }
    }

    pub(crate) fn info(&self) -> crate::error::TaskInfo {
        crate::error::TaskInfo {
            id: self.id,
            name: self.name.as_deref().map(str::to_string),
            spawned_at: self.location.to_string(),
            waiting_on: self
                .waiting_on
                .get()
                .map(|(what, at)| format!("{what} ({at})")),
        }
    }

    /// Marks the task finished and tells whoever waits for it.
    pub(crate) fn complete(&self) {
        self.finished.set(true);
        self.task_waker
            .notified
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(w) = self.join_waker.take() {
            w.wake();
        }
        if let Some(f) = self.on_finish.take() {
            f();
        }
    }
}

enum Stage<F: Future> {
    Running(F),
    Done(Result<F::Output, JoinError>),
    Taken,
}

pub(crate) struct TaskCell<F: Future> {
    header: Header,
    stage: RefCell<Stage<F>>,
}

impl<F: Future> TaskCell<F> {
    pub(crate) fn new(header: Header, future: F) -> Rc<TaskCell<F>> {
        Rc::new(TaskCell {
            header,
            stage: RefCell::new(Stage::Running(future)),
        })
    }
}

/// The event loop's view of a task.
pub(crate) trait Runnable {
    fn header(&self) -> &Header;
    /// Polls the future once; on completion stores the output.
    fn run(&self, cx: &mut Context<'_>) -> Poll<()>;
    /// Drops the future if it still runs and stores `err` as the result.
    fn finish_with(&self, err: JoinError);
}

/// The `JoinHandle`'s view of a task.
pub(crate) trait JoinTarget<T> {
    fn header(&self) -> &Header;
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn runnable(self: Rc<Self>) -> Rc<dyn Runnable>;
}

impl<F: Future + 'static> Runnable for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn run(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut stage = self.stage.borrow_mut();
        let Stage::Running(future) = &mut *stage else {
            debug_assert!(false, "task {} polled after it finished", self.header.id);
            return Poll::Ready(());
        };
        // SAFETY: the future lives inside the `Rc` allocation and is never
        // moved out of it: it is only dropped in place, when the stage is
        // overwritten below or in `finish_with`, or when the cell is dropped.
        let future = unsafe { Pin::new_unchecked(future) };
        match future.poll(cx) {
            Poll::Ready(out) => {
                *stage = Stage::Done(Ok(out));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn finish_with(&self, err: JoinError) {
        // Take the future out of the cell before dropping it, so that a
        // destructor which touches this task's handle finds no borrow held.
        let old = std::mem::replace(&mut *self.stage.borrow_mut(), Stage::Taken);
        drop(old);
        *self.stage.borrow_mut() = Stage::Done(Err(err));
    }
}

impl<F: Future + 'static> JoinTarget<F::Output> for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        // A task polling its own handle finds the stage borrowed: it is
        // running, so not finished.
        if let Ok(mut stage) = self.stage.try_borrow_mut() {
            match &*stage {
                Stage::Done(_) => {
                    if let Stage::Done(result) = std::mem::replace(&mut *stage, Stage::Taken) {
                        return Poll::Ready(result);
                    }
                }
                Stage::Taken if self.header.finished.get() => {
                    panic!("JoinHandle polled after it returned the task's result")
                }
                _ => {}
            }
        }
        let new = cx.waker();
        match self.header.join_waker.take() {
            Some(w) if w.will_wake(new) => self.header.join_waker.set(Some(w)),
            _ => self.header.join_waker.set(Some(new.clone())),
        }
        Poll::Pending
    }

    fn runnable(self: Rc<Self>) -> Rc<dyn Runnable> {
        self
    }
}

/// The message of a panic payload, as the standard hook would print it.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}
