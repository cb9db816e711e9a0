//! One allocation per task: its header, its future, later its output, and
//! its waker (the waker points at the allocation itself).
//!
//! A task's life: `Running(future)` while it is polled; then `Done(result)`
//! once the future completes, panics or is aborted; then `Taken` once its
//! `JoinHandle` has read the result. The event loop's slab holds the cell as
//! an `Rc<dyn Runnable>` while the task lives; the `JoinHandle` holds the
//! same allocation as an `Rc<dyn JoinTarget<T>>`; each `Waker` holds one
//! more count.
//!
//! The waker is a hand-written `RawWaker` over the `Rc`'s non-atomic count,
//! so that polling and waking cost no atomic operation. It stays sound when a
//! waker crosses threads because every vtable function first checks the
//! thread: on the simulation's thread it uses the count as usual; on any
//! other thread it reads only immutable fields (`id`, `queue`), never the
//! count: a clone there becomes a detached waker that holds no reference to
//! the task, a wake there is recorded as a foreign wake (which fails the run),
//! and a drop there leaks its count (so the allocation is never freed while
//! another thread might read it).
//!
//! Every raw pointer that touches the count comes from `Rc::as_ptr` (stored
//! once in `Header::this`), never from a `&TaskCell`, so it may address the
//! whole allocation. A queued task is a [`TaskRef`], which owns one count:
//! a task woken during its last poll may stay in a queue after it ended, and
//! the count keeps its memory valid until the entry is dropped.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::JoinError;
use super::waker::{WakeQueue, detached};
use crate::runtime::wait::WaitKind;
use crate::trace::Id;

/// Who waits for the task to end: the task awaiting its `JoinHandle`, or
/// the `JoinSet` that holds it (never both).
#[derive(Default)]
pub(crate) enum Joiner {
    #[default]
    None,
    Waker(Waker),
    Hook(Box<dyn FnOnce()>),
}

pub(crate) struct Header {
    /// `Rc::as_ptr` of this task's cell (as a thin pointer); set once at spawn.
    this: Cell<*const ()>,
    /// Count operations on the cell at `this`, for its concrete type.
    counts: &'static Counts,
    pub(crate) id: Id,
    pub(crate) slot: u32,
    pub(crate) is_main: bool,
    /// The node the task runs on (0: `main`); set once at spawn.
    pub(crate) node: u32,
    /// The task group it belongs to (0: none), inherited by the tasks it
    /// spawns on its node; set once at spawn. A floor that owns a group (a
    /// process) can drop all of its tasks at once.
    pub(crate) group: u32,
    /// Set from a wake until the task is next polled, so a task sits in the
    /// pending list or the ready queue at most once. Left set for good once
    /// the task ended, which turns later wakes into no-ops.
    pub(crate) notified: Cell<bool>,
    pub(crate) aborted: Cell<bool>,
    pub(crate) finished: Cell<bool>,
    pub(crate) queue: Arc<WakeQueue>,
    pub(crate) location: &'static Location<'static>,
    /// Boxed twice so that the common, unnamed task pays 8 bytes.
    #[allow(clippy::box_collection)]
    pub(crate) name: Option<Box<String>>,
    pub(crate) joiner: Cell<Joiner>,
    /// What the task blocked on in its last poll, for deadlock reports
    /// (cleared at every poll, set by a primitive that returns `Pending`).
    pub(crate) waiting_on: Cell<Option<(&'static WaitKind, &'static Location<'static>)>>,
}

impl Header {
    pub(crate) fn new(
        id: Id,
        slot: u32,
        name: Option<String>,
        location: &'static Location<'static>,
        queue: Arc<WakeQueue>,
    ) -> Header {
        Header {
            this: Cell::new(std::ptr::null()),
            counts: &UNSET,
            id,
            slot,
            is_main: false,
            node: 0,
            group: 0,
            notified: Cell::new(true),
            aborted: Cell::new(false),
            finished: Cell::new(false),
            queue,
            location,
            name: name.map(Box::new),
            joiner: Cell::new(Joiner::None),
            waiting_on: Cell::new(None),
        }
    }

    pub(crate) fn info(&self) -> crate::error::TaskInfo {
        crate::error::TaskInfo {
            id: self.id,
            name: self.name.as_deref().cloned(),
            node: None,
            spawned_at: self.location.to_string(),
            waiting_on: self.waiting_on.get().map(|(kind, at)| kind.describe(at)),
        }
    }

    /// Marks the task finished and tells whoever waits for it.
    pub(crate) fn complete(&self) {
        crate::runtime::footprint::touch(crate::runtime::footprint::task(self.id.as_u64()));
        self.finished.set(true);
        self.notified.set(true);
        match self.joiner.take() {
            Joiner::None => {}
            Joiner::Waker(w) => w.wake(),
            Joiner::Hook(f) => f(),
        }
    }
}

/// The type-erased count operations of a `TaskCell<F>`.
pub(crate) struct Counts {
    /// Takes one more count of the cell at `this`.
    retain: unsafe fn(*const ()),
    /// Gives up one count (the type-erased `Rc::decrement_strong_count`).
    release: unsafe fn(*const ()),
    /// The `dyn Runnable` pointer for `this` (the type-erased unsizing).
    as_dyn: fn(*const ()) -> NonNull<dyn Runnable>,
    /// True when only one count of the cell at `this` is left.
    is_last: unsafe fn(*const ()) -> bool,
}

unsafe fn is_last_unset(_: *const ()) -> bool {
    unreachable!("a task header is only used inside its cell")
}

fn unset(_: *const ()) {
    unreachable!("a task header is only used inside its cell")
}

fn as_dyn_unset(_: *const ()) -> NonNull<dyn Runnable> {
    unreachable!("a task header is only used inside its cell")
}

static UNSET: Counts = Counts {
    retain: unset,
    release: unset,
    as_dyn: as_dyn_unset,
    is_last: is_last_unset,
};

/// A queued task: a pointer that owns one count of the task's cell.
pub(crate) struct TaskRef(NonNull<dyn Runnable>);

impl TaskRef {
    /// A new count of the task behind `header`.
    pub(crate) fn new(header: &Header) -> TaskRef {
        let this = header.this.get();
        debug_assert!(!this.is_null(), "task header used outside its cell");
        // SAFETY: `this` is `Rc::as_ptr` of the live cell that owns `header`;
        // the count taken here is given back in `Drop`.
        unsafe { (header.counts.retain)(this) };
        TaskRef((header.counts.as_dyn)(this))
    }

    pub(crate) fn get(&self) -> &dyn Runnable {
        // SAFETY: this entry owns a count, so the cell is live.
        unsafe { self.0.as_ref() }
    }

    /// The task's header, read directly (see `TaskCell`'s layout).
    #[inline]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: this entry owns a count, so the cell is live, and every
        // `dyn Runnable` is a `repr(C)` `TaskCell` whose first field is the
        // header.
        unsafe { &*(self.0.as_ptr() as *const Header) }
    }

    /// True when this entry holds the task's last count, so that dropping
    /// it frees the task (and runs its output's destructor).
    pub(crate) fn is_last(&self) -> bool {
        let header = self.header();
        // SAFETY: this entry owns a count, so the cell at `this` is live.
        unsafe { (header.counts.is_last)(header.this.get()) }
    }

    pub(crate) fn is(&self, other: &dyn Runnable) -> bool {
        std::ptr::addr_eq(self.0.as_ptr(), other as *const dyn Runnable)
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        let (this, release) = {
            let header = self.header();
            (header.this.get(), header.counts.release)
        };
        // SAFETY: gives back the count taken in `new`; no reference into the
        // cell is live here, so freeing it (if this was the last count) is fine.
        unsafe { release(this) };
    }
}

enum Stage<F: Future> {
    Running(F),
    Done(Result<F::Output, JoinError>),
    Taken,
}

/// `repr(C)` with the header first: a pointer to any task cell is also a
/// pointer to its header, which `TaskRef::header` reads without a virtual call.
#[repr(C)]
pub(crate) struct TaskCell<F: Future> {
    header: Header,
    stage: RefCell<Stage<F>>,
}

/// The event loop's view of a task.
pub(crate) trait Runnable {
    fn header(&self) -> &Header;
    /// Polls the future once; on completion stores the output.
    fn run(&self) -> Poll<()>;
    /// Drops the future if it still runs and stores `err` as the result.
    fn finish_with(&self, err: JoinError);
    /// Queues the task to be polled (owner thread only).
    fn wake(&self);
    /// A new waker for the task.
    fn waker(&self) -> Waker;
}

/// The `JoinHandle`'s view of a task.
pub(crate) trait JoinTarget<T> {
    fn header(&self) -> &Header;
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn runnable(self: Rc<Self>) -> Rc<dyn Runnable>;
    fn as_runnable(&self) -> &dyn Runnable;
}

impl<F: Future + 'static> TaskCell<F> {
    const COUNTS: Counts = Counts {
        retain: Self::retain,
        release: Self::release,
        as_dyn: Self::as_dyn,
        is_last: Self::is_last,
    };

    /// SAFETY: `this` is `Rc::as_ptr` of a live `Rc<TaskCell<F>>`.
    unsafe fn is_last(this: *const ()) -> bool {
        // Borrow the count without taking or giving one.
        let rc = ManuallyDrop::new(unsafe { Rc::from_raw(this as *const Self) });
        Rc::strong_count(&rc) == 1
    }

    pub(crate) fn new(mut header: Header, future: F) -> Rc<TaskCell<F>> {
        header.counts = &Self::COUNTS;
        let cell = Rc::new(TaskCell {
            header,
            stage: RefCell::new(Stage::Running(future)),
        });
        cell.header.this.set(Rc::as_ptr(&cell) as *const ());
        cell
    }

    /// SAFETY: `this` is `Rc::as_ptr` of a live `Rc<TaskCell<F>>`.
    unsafe fn retain(this: *const ()) {
        unsafe { Rc::increment_strong_count(this as *const Self) };
    }

    /// SAFETY: `this` is `Rc::as_ptr` of a live `Rc<TaskCell<F>>`, and the
    /// caller gives up a count it owns.
    unsafe fn release(this: *const ()) {
        unsafe { Rc::decrement_strong_count(this as *const Self) };
    }

    fn as_dyn(this: *const ()) -> NonNull<dyn Runnable> {
        let ptr = this as *const Self as *mut Self as *mut dyn Runnable;
        NonNull::new(ptr).expect("a task pointer is not null")
    }

    fn this(&self) -> *const () {
        self.header.this.get()
    }

    const VTABLE: RawWakerVTable = RawWakerVTable::new(
        Self::waker_clone,
        Self::waker_wake,
        Self::waker_wake_by_ref,
        Self::waker_drop,
    );

    /// Owner thread: queue the task unless it is queued already.
    #[inline]
    fn wake_local(&self) {
        if self.header.notified.replace(true) {
            return;
        }
        if self.header.queue.logs() {
            log_wake(self.header.id);
        }
        // SAFETY: callers run on the owner thread.
        unsafe { self.header.queue.push(TaskRef::new(&self.header)) };
    }

    // SAFETY (all four): `data` is `Rc::as_ptr` of a live `Rc<TaskCell<F>>`
    // (it comes from `Header::this`) whose count includes this waker's
    // reference. On another thread only the immutable `id` and `queue` fields
    // are read and the count is untouched.
    unsafe fn waker_clone(data: *const ()) -> RawWaker {
        let cell = unsafe { &*(data as *const Self) };
        if cell.header.queue.is_owner() {
            unsafe { Rc::increment_strong_count(data as *const Self) };
            RawWaker::new(data, &Self::VTABLE)
        } else {
            detached(&cell.header.queue, cell.header.id)
        }
    }

    unsafe fn waker_wake(data: *const ()) {
        unsafe {
            Self::waker_wake_by_ref(data);
            Self::waker_drop(data);
        }
    }

    unsafe fn waker_wake_by_ref(data: *const ()) {
        let cell = unsafe { &*(data as *const Self) };
        if cell.header.queue.is_owner() {
            cell.wake_local();
        } else {
            cell.header.queue.record_foreign(cell.header.id);
        }
    }

    unsafe fn waker_drop(data: *const ()) {
        let cell = unsafe { &*(data as *const Self) };
        if cell.header.queue.is_owner() {
            unsafe { Rc::decrement_strong_count(data as *const Self) };
        }
        // Another thread: leak this reference (see the module comment).
    }

    /// A waker that borrows this task's reference instead of owning one.
    fn borrowed_waker(&self) -> ManuallyDrop<Waker> {
        let raw = RawWaker::new(self.this(), &Self::VTABLE);
        // SAFETY: the vtable's contract holds (see above); the waker is never
        // dropped (ManuallyDrop), so it needs no count of its own, and it
        // does not outlive `&self`: clones made from it take their own count.
        ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
    }
}

impl<F: Future + 'static> Runnable for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn run(&self) -> Poll<()> {
        let waker = self.borrowed_waker();
        let mut cx = Context::from_waker(&waker);
        let mut stage = self.stage.borrow_mut();
        let Stage::Running(future) = &mut *stage else {
            debug_assert!(false, "task {} polled after it finished", self.header.id);
            return Poll::Ready(());
        };
        // SAFETY: the future lives inside the `Rc` allocation and is never
        // moved out of it: it is only dropped in place, when the stage is
        // overwritten below or in `finish_with`, or when the cell is dropped.
        let future = unsafe { Pin::new_unchecked(future) };
        match future.poll(&mut cx) {
            Poll::Ready(out) => {
                *stage = Stage::Done(Ok(out));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn finish_with(&self, err: JoinError) {
        // Assigning drops the future in place (it is pinned: it must not be
        // moved before it is dropped), and stores the error even if that
        // drop unwinds. A destructor that polls this task's own handle finds
        // the stage borrowed and is told the task still runs.
        *self.stage.borrow_mut() = Stage::Done(Err(err));
    }

    fn wake(&self) {
        debug_assert!(self.header.queue.is_owner());
        self.wake_local();
    }

    fn waker(&self) -> Waker {
        // SAFETY: as `waker_clone`: this takes a count of its own.
        unsafe { Waker::from_raw(Self::waker_clone(self.this())) }
    }
}

impl<F: Future + 'static> JoinTarget<F::Output> for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        crate::runtime::footprint::touch(crate::runtime::footprint::task(self.header.id.as_u64()));
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
        crate::runtime::wait::mark_waiting(&JOIN, self.header.location);
        let new = cx.waker();
        let joiner = match self.header.joiner.take() {
            Joiner::Waker(w) if w.will_wake(new) => Joiner::Waker(w),
            Joiner::Hook(f) => Joiner::Hook(f),
            _ => Joiner::Waker(new.clone()),
        };
        self.header.joiner.set(joiner);
        Poll::Pending
    }

    fn runnable(self: Rc<Self>) -> Rc<dyn Runnable> {
        self
    }

    fn as_runnable(&self) -> &dyn Runnable {
        self
    }
}

/// Awaiting a `JoinHandle`: reported with the joined task's spawn site.
static JOIN: WaitKind = WaitKind::of_task("the JoinHandle");

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

/// A wake as a log line. Not a trace event (a wake changes nothing until
/// the task runs, and its poll is one), but worth a line in a log.
#[cold]
#[inline(never)]
fn log_wake(id: Id) {
    tracing::trace!(target: "seedloop::runtime", "wake    task {id}");
}
