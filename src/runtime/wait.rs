//! What every primitive is built from (pub(crate)): a FIFO list of waiting
//! tasks, and the switch point.
//!
//! **Wait list.** A waiter is pushed with its waker and some data (how many
//! permits it needs, say) and gets a key. The primitive *grants* a waiter by
//! removing it from the list and waking it; the waiter's future, on its next
//! poll, sees its key gone and knows it was granted. A future dropped while
//! its key is still listed removes itself (cancellation); one dropped after it
//! was granted hands back what it was given. Keys carry a generation, so a
//! stale key never matches a reused slot. Removal from the middle is lazy: the
//! FIFO order skips dead keys when they reach the front.
//!
//! **Waking after the borrow.** A primitive decides whom to wake while its
//! `RefCell` state is borrowed, but wakes only once the borrow is released:
//! a woken or dropped waker may free a task whose destructors re-enter the
//! primitive. [`WakeGuard`] owns the borrow and what to wake ([`Wakeups`],
//! or a single [`Wakeup`] for an operation that grants at most one task);
//! dropping it releases the borrow first, then wakes in the order the
//! wakers were added (that order decides the ready queue's, so a run's).
//! Neither allocates for a single grant, and the single one costs what the
//! `Option<Waker>` it replaced did: lock, unlock, send and receive are no
//! slower for it.
//!
//! **Switch point.** An operation that could proceed at once (an uncontended
//! lock, a send with room, a receive with a message waiting) first asks the
//! strategy whether to yield (a choice on the tape, 0 = proceed). Without it,
//! a task that never blocks runs to its next real await in one step, and most
//! races around locks and channels can never show.

use std::cell::RefMut;
use std::collections::VecDeque;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::task::{Context, Poll, Waker};

/// What a blocked task waits on, as a deadlock report names it. Each
/// primitive declares its own as a `static` (the event loop knows none of
/// them): `static LOCK: WaitKind = WaitKind::at("Mutex::lock");`.
#[derive(Debug)]
pub(crate) struct WaitKind {
    label: &'static str,
    place: Place,
}

/// How the place given with a wait is shown.
#[derive(Debug)]
enum Place {
    /// `label at <caller>`: where the user called the operation.
    Caller,
    /// `label of a task spawned at <site>`: the awaited task's spawn site.
    Task,
    /// `label` alone: the operation is inside seedloop (a socket's), its place says nothing.
    Hidden,
}

impl WaitKind {
    /// Reported as `label at <where it was called>`.
    pub(crate) const fn at(label: &'static str) -> WaitKind {
        WaitKind {
            label,
            place: Place::Caller,
        }
    }

    /// Reported as `label of a task spawned at <its spawn site>`.
    pub(crate) const fn of_task(label: &'static str) -> WaitKind {
        WaitKind {
            label,
            place: Place::Task,
        }
    }

    /// Reported as `label` alone.
    pub(crate) const fn plain(label: &'static str) -> WaitKind {
        WaitKind {
            label,
            place: Place::Hidden,
        }
    }

    /// The operation's name (`Mutex::lock`).
    pub(crate) fn label(&self) -> &'static str {
        self.label
    }

    /// The words of a deadlock report for a wait noted at `at`.
    pub(crate) fn describe(&self, at: &Location<'_>) -> String {
        match self.place {
            Place::Caller => format!("{} at {at}", self.label),
            Place::Task => format!("{} of a task spawned at {at}", self.label),
            Place::Hidden => self.label.to_string(),
        }
    }
}

/// Identifies one waiter of a [`WaitList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaitKey {
    index: u32,
    generation: u32,
}

struct Slot<T> {
    generation: u32,
    waiter: Option<(Waker, T)>,
}

/// A FIFO list of waiting tasks, each with data of type `T`.
pub(crate) struct WaitList<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    order: VecDeque<WaitKey>,
    len: usize,
}

impl<T> Default for WaitList<T> {
    fn default() -> WaitList<T> {
        WaitList {
            slots: Vec::new(),
            free: Vec::new(),
            order: VecDeque::new(),
            len: 0,
        }
    }
}

impl<T> WaitList<T> {
    /// The number of waiters.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a waiter at the back.
    pub(crate) fn push(&mut self, waker: Waker, data: T) -> WaitKey {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    waiter: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        slot.waiter = Some((waker, data));
        let key = WaitKey {
            index,
            generation: slot.generation,
        };
        self.order.push_back(key);
        self.len += 1;
        key
    }

    fn slot(&self, key: WaitKey) -> Option<&Slot<T>> {
        self.slots
            .get(key.index as usize)
            .filter(|s| s.generation == key.generation && s.waiter.is_some())
    }

    /// True while the waiter is listed (not yet granted nor removed).
    pub(crate) fn contains(&self, key: WaitKey) -> bool {
        self.slot(key).is_some()
    }

    /// The waiter's data, while it is listed.
    pub(crate) fn data_mut(&mut self, key: WaitKey) -> Option<&mut T> {
        self.slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)
            .and_then(|s| s.waiter.as_mut())
            .map(|(_, data)| data)
    }

    /// Replaces the waiter's waker if it would not wake the same task; the
    /// old waker is returned, to be dropped outside any borrow.
    pub(crate) fn update_waker(&mut self, key: WaitKey, waker: &Waker) -> Option<Waker> {
        let slot = self
            .slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)?;
        let (old, _) = slot.waiter.as_mut()?;
        if old.will_wake(waker) {
            None
        } else {
            Some(std::mem::replace(old, waker.clone()))
        }
    }

    /// Removes a listed waiter (cancellation), returning its waker and data.
    pub(crate) fn remove(&mut self, key: WaitKey) -> Option<(Waker, T)> {
        let slot = self
            .slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)?;
        let waiter = slot.waiter.take()?;
        self.free.push(key.index);
        self.len -= 1;
        if self.order.len() > 2 * self.len + 32 {
            let slots = &self.slots;
            self.order.retain(|k| {
                slots[k.index as usize].generation == k.generation
                    && slots[k.index as usize].waiter.is_some()
            });
        }
        Some(waiter)
    }

    /// The first listed waiter.
    pub(crate) fn front(&mut self) -> Option<WaitKey> {
        while let Some(&key) = self.order.front() {
            if self.slot(key).is_some() {
                return Some(key);
            }
            self.order.pop_front();
        }
        None
    }

    /// Removes the first waiter: it is granted. Returns its waker (to be
    /// woken once no borrow is held) and data.
    pub(crate) fn pop_front(&mut self) -> Option<(Waker, T)> {
        let key = self.front()?;
        self.order.pop_front();
        self.remove(key)
    }

    /// The listed waiters' keys, in FIFO order.
    pub(crate) fn keys(&mut self) -> Vec<WaitKey> {
        let slots = &self.slots;
        self.order.retain(|k| {
            slots[k.index as usize].generation == k.generation
                && slots[k.index as usize].waiter.is_some()
        });
        self.order.iter().copied().collect()
    }

    /// A clone of a listed waiter's waker.
    pub(crate) fn waker(&self, key: WaitKey) -> Option<Waker> {
        self.slot(key)
            .and_then(|s| s.waiter.as_ref())
            .map(|(w, _)| w.clone())
    }
}

/// Stores `waker` in a primitive's one-waiter slot unless the waker there
/// already wakes the same task; returns the one it replaced, to be dropped
/// with no borrow held ([`WakeGuard::discard`]).
#[inline]
pub(crate) fn register(slot: &mut Option<Waker>, waker: &Waker) -> Option<Waker> {
    match slot {
        Some(w) if w.will_wake(waker) => None,
        _ => slot.replace(waker.clone()),
    }
}

/// What to do with a waker once no borrow is held.
enum Deferred {
    /// Wake its task: a grant.
    Wake(Waker),
    /// Only drop it: a registration replaced or withdrawn. The last waker of
    /// a finished task frees it, and its output's destructor may re-enter.
    Drop(Waker),
}

impl Deferred {
    fn run(self) {
        match self {
            Deferred::Wake(waker) => waker.wake(),
            Deferred::Drop(waker) => drop(waker),
        }
    }
}

/// How many wakers a [`Wakeups`] holds before it allocates: a single grant
/// (an unlock, a send, a receive) and small fan-outs never allocate.
const INLINE: usize = 4;

/// Wakers to wake (or drop) once no borrow is held, run in the order they
/// were added when the list is dropped. Usually met inside a [`WakeGuard`];
/// on its own where the deciding code takes the list as a parameter.
///
/// It is on every hot path, so it is kept cheap: the first wakers sit
/// inline (a `None` slot is one null word), whether each is only dropped is
/// a bit, and dropping an empty list costs two tests.
pub(crate) struct Wakeups {
    /// No drop glue: `drop` empties every used slot, and the others are
    /// `None`. (A waker that panics in `wake` leaks the ones after it.)
    inline: ManuallyDrop<[Option<Waker>; INLINE]>,
    /// How many `inline` slots are used; once all are, `spilled` takes the rest.
    len: u8,
    /// Bit `i` set: `inline[i]` is only dropped, not woken.
    discards: u8,
    spilled: Vec<Deferred>,
}

impl Wakeups {
    #[inline]
    pub(crate) const fn new() -> Wakeups {
        Wakeups {
            inline: ManuallyDrop::new([const { None }; INLINE]),
            len: 0,
            discards: 0,
            spilled: Vec::new(),
        }
    }

    #[inline]
    fn defer(&mut self, waker: Waker, discard: bool) {
        let i = usize::from(self.len);
        if i < INLINE {
            self.inline[i] = Some(waker);
            self.discards |= u8::from(discard) << i;
            self.len += 1;
        } else if discard {
            self.spilled.push(Deferred::Drop(waker));
        } else {
            self.spilled.push(Deferred::Wake(waker));
        }
    }

    /// Wakes `waker` (if there is one) later.
    #[inline]
    pub(crate) fn wake(&mut self, waker: impl Into<Option<Waker>>) {
        if let Some(waker) = waker.into() {
            self.defer(waker, false);
        }
    }

    /// Grants every waiter of `list`, to be woken in FIFO order.
    pub(crate) fn grant_all(&mut self, list: &mut WaitList<()>) {
        let beyond_inline = (usize::from(self.len) + list.len()).saturating_sub(INLINE);
        if beyond_inline > 0 {
            self.spilled.reserve(beyond_inline);
        }
        while let Some((waker, ())) = list.pop_front() {
            self.wake(waker);
        }
    }

    #[cold]
    fn run_spilled(&mut self) {
        for deferred in std::mem::take(&mut self.spilled) {
            deferred.run();
        }
    }
}

impl Drop for Wakeups {
    #[inline]
    fn drop(&mut self) {
        let used = usize::from(self.len);
        for (i, slot) in self.inline[..used].iter_mut().enumerate() {
            let Some(waker) = slot.take() else { continue };
            if self.discards & (1 << i) == 0 {
                waker.wake();
            } else {
                drop(waker);
            }
        }
        if !self.spilled.is_empty() {
            self.run_spilled();
        }
    }
}

/// At most one waker to wake (or drop) once no borrow is held: what an
/// operation that grants at most one task keeps (a send waking the
/// receiver, a waiter polled again dropping its old waker). It costs what
/// the `Option<Waker>` it replaces did.
pub(crate) struct Wakeup {
    waker: Option<Waker>,
    discard: bool,
}

impl Drop for Wakeup {
    #[inline]
    fn drop(&mut self) {
        if let Some(waker) = self.waker.take() {
            if self.discard {
                drop(waker);
            } else {
                waker.wake();
            }
        }
    }
}

/// What a [`WakeGuard`] keeps to do once it has released the borrow:
/// [`Wakeups`], or a single [`Wakeup`].
pub(crate) trait Defer {
    /// Wakes `waker` later, or (`discard`) only drops it.
    fn defer(&mut self, waker: Waker, discard: bool);
}

impl Defer for Wakeups {
    #[inline]
    fn defer(&mut self, waker: Waker, discard: bool) {
        Wakeups::defer(self, waker, discard);
    }
}

impl Defer for Wakeup {
    #[inline]
    fn defer(&mut self, waker: Waker, discard: bool) {
        assert!(self.waker.is_none(), "a Wakeup holds one waker");
        self.waker = Some(waker);
        self.discard = discard;
    }
}

/// A borrow of a primitive's state together with what to wake once it is
/// released: [`WakeGuard::new`] keeps [`Wakeups`] (any number),
/// [`WakeGuard::one`] a single [`Wakeup`]. It derefs to the state; dropping
/// it releases the borrow, then wakes, in the order the wakers were added.
/// Values other than wakers that must be dropped with no borrow held
/// (messages, items) are moved out and dropped by the caller, which also
/// decides whether they go before or after the wakes ([`WakeGuard::unlock`]).
pub(crate) struct WakeGuard<'a, S, W = Wakeups> {
    // Fields drop in declaration order: the borrow goes before any waker.
    state: RefMut<'a, S>,
    wakeups: W,
}

impl<'a, S> WakeGuard<'a, S> {
    #[inline]
    pub(crate) fn new(state: RefMut<'a, S>) -> WakeGuard<'a, S> {
        WakeGuard {
            state,
            wakeups: Wakeups::new(),
        }
    }

    /// Grants every waiter of the state's `list`, in FIFO order.
    pub(crate) fn grant_all(&mut self, list: impl FnOnce(&mut S) -> &mut WaitList<()>) {
        self.wakeups.grant_all(list(&mut self.state));
    }

    /// Runs `decide`, which changes the state and adds to the wakeups.
    #[inline]
    pub(crate) fn with_wakeups<R>(&mut self, decide: impl FnOnce(&mut S, &mut Wakeups) -> R) -> R {
        decide(&mut self.state, &mut self.wakeups)
    }

    /// Releases the borrow now; the wakeups run when the returned list is
    /// dropped, so the caller can drop a value in between.
    pub(crate) fn unlock(self) -> Wakeups {
        let WakeGuard { state, wakeups } = self;
        drop(state);
        wakeups
    }
}

impl<'a, S> WakeGuard<'a, S, Wakeup> {
    /// A guard that wakes (or drops) at most one waker.
    #[inline]
    pub(crate) fn one(state: RefMut<'a, S>) -> WakeGuard<'a, S, Wakeup> {
        WakeGuard {
            state,
            wakeups: Wakeup {
                waker: None,
                discard: false,
            },
        }
    }
}

impl<S, W: Defer> WakeGuard<'_, S, W> {
    /// Wakes `waker` (if there is one) once the borrow is released.
    #[inline]
    pub(crate) fn wake(&mut self, waker: impl Into<Option<Waker>>) {
        if let Some(waker) = waker.into() {
            self.wakeups.defer(waker, false);
        }
    }

    /// Drops `waker` (if there is one) once the borrow is released.
    #[inline]
    pub(crate) fn discard(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            self.wakeups.defer(waker, true);
        }
    }

    /// A listed waiter polled again: it keeps waiting with `cx`'s waker (the
    /// one it replaces is dropped after the borrow) and is noted as blocked
    /// on `kind`, called at `at`.
    pub(crate) fn wait_again<T, R>(
        mut self,
        list: impl FnOnce(&mut S) -> &mut WaitList<T>,
        key: WaitKey,
        cx: &Context<'_>,
        kind: &'static WaitKind,
        at: &'static Location<'static>,
    ) -> Poll<R> {
        let old = list(&mut self.state).update_waker(key, cx.waker());
        self.discard(old);
        drop(self);
        mark_waiting(kind, at);
        Poll::Pending
    }
}

impl<S, W> Deref for WakeGuard<'_, S, W> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.state
    }
}

impl<S, W> DerefMut for WakeGuard<'_, S, W> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.state
    }
}

/// Grants every waiter of a list kept in a `RefCell` of its own.
pub(crate) fn grant_all(list: &crate::runtime::footprint::Tracked<WaitList<()>>) {
    WakeGuard::new(list.borrow_mut()).grant_all(|list| list);
}

/// Where a waiting future stands: not yet polled, listed under its key, or
/// finished.
#[derive(Clone, Copy, Debug)]
pub(crate) enum WaitState {
    Init,
    Waiting(WaitKey),
    Done,
}

impl WaitState {
    /// The future starts waiting: it is listed on `list` with `data`, and
    /// noted as blocked on `kind`, called at `at`.
    pub(crate) fn wait<T, R>(
        &mut self,
        list: &mut WaitList<T>,
        data: T,
        cx: &Context<'_>,
        kind: &'static WaitKind,
        at: &'static Location<'static>,
    ) -> Poll<R> {
        *self = WaitState::Waiting(list.push(cx.waker().clone(), data));
        mark_waiting(kind, at);
        Poll::Pending
    }

    /// The future is dropped: if it is still listed on the `list` of
    /// `state`, it leaves it (cancellation), and what it takes with it (its
    /// waker and data) is dropped after the borrow.
    pub(crate) fn cancel<S, T>(
        self,
        state: &crate::runtime::footprint::Tracked<S>,
        list: impl FnOnce(&mut S) -> &mut WaitList<T>,
    ) {
        if let WaitState::Waiting(key) = self {
            let removed = list(&mut state.borrow_mut()).remove(key);
            drop(removed);
        }
    }
}

/// The switch point of one operation: asked at most once.
#[derive(Debug, Default)]
pub(crate) struct Switch {
    asked: bool,
}

impl Switch {
    /// `Ready` when the operation may proceed now; `Pending` (having woken
    /// the task, so it is polled again soon) when the strategy chose to
    /// yield first, which goes into the trace as `yielded at <op>` with
    /// `at`, where the operation was called. Outside a simulation it always
    /// proceeds.
    #[inline]
    pub(crate) fn poll_proceed(
        &mut self,
        cx: &mut Context<'_>,
        kind: &'static WaitKind,
        at: &'static Location<'static>,
    ) -> Poll<()> {
        if self.asked {
            return Poll::Ready(());
        }
        self.asked = true;
        let yields = crate::runtime::with_core(|core| {
            core.is_some_and(|c| {
                let yields = c.choose_switch() == 1;
                if yields {
                    if let Some(task) = c.current_task() {
                        c.rec.borrow_mut().yielded(c.now(), task, kind.label(), at);
                    }
                    c.mark_waiting(kind, at);
                }
                yields
            })
        });
        if yields {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(())
    }
}

/// Notes that the running task blocks on `kind`, called at `at`.
#[inline]
pub(crate) fn mark_waiting(kind: &'static WaitKind, at: &'static Location<'static>) {
    crate::runtime::with_core(|core| {
        if let Some(core) = core {
            core.mark_waiting(kind, at);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_cancellation_in_the_middle() {
        let mut list = WaitList::default();
        let w = || Waker::noop().clone();
        let a = list.push(w(), 'a');
        let b = list.push(w(), 'b');
        let c = list.push(w(), 'c');
        assert_eq!(list.remove(b).map(|(_, d)| d), Some('b'));
        assert!(!list.contains(b));
        assert_eq!(list.pop_front().map(|(_, d)| d), Some('a'));
        assert!(!list.contains(a));
        let d = list.push(w(), 'd'); // reuses a slot: the old key must not match
        assert!(!list.contains(a) && !list.contains(b));
        assert_eq!(list.front(), Some(c));
        let rest: String = std::iter::from_fn(|| list.pop_front().map(|(_, d)| d)).collect();
        assert_eq!(rest, "cd");
        assert!(list.is_empty() && !list.contains(d));
    }

    /// A waker that logs its name, and whether the state was free, when it
    /// is woken or dropped.
    struct Logged {
        name: char,
        state: std::rc::Rc<std::cell::RefCell<WaitList<()>>>,
        log: std::rc::Rc<std::cell::RefCell<String>>,
    }

    impl Logged {
        fn waker(self) -> Waker {
            use std::task::{RawWaker, RawWakerVTable};
            const VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_it);
            unsafe fn clone(_: *const ()) -> RawWaker {
                unreachable!("the test never clones its wakers")
            }
            unsafe fn wake(data: *const ()) {
                // SAFETY: `data` is the `Box<Logged>` made below, given up once.
                let this = unsafe { Box::from_raw(data as *mut Logged) };
                this.note("woke");
            }
            unsafe fn wake_by_ref(_: *const ()) {
                unreachable!("the test wakes by value")
            }
            unsafe fn drop_it(data: *const ()) {
                // SAFETY: as `wake`.
                let this = unsafe { Box::from_raw(data as *mut Logged) };
                this.note("dropped");
            }
            let raw = RawWaker::new(Box::into_raw(Box::new(self)) as *const (), &VTABLE);
            // SAFETY: the vtable frees the box exactly once, on wake or drop.
            unsafe { Waker::from_raw(raw) }
        }

        fn note(&self, what: &str) {
            let free = self.state.try_borrow_mut().is_ok();
            self.log
                .borrow_mut()
                .push_str(&format!("{} {what} free={free}; ", self.name));
        }
    }

    #[test]
    fn a_guard_releases_the_borrow_then_wakes_in_order() {
        let state = std::rc::Rc::new(std::cell::RefCell::new(WaitList::default()));
        let log = std::rc::Rc::default();
        let waker = |name| {
            Logged {
                name,
                state: state.clone(),
                log: std::rc::Rc::clone(&log),
            }
            .waker()
        };
        for name in ['a', 'b', 'c', 'd', 'e'] {
            state.borrow_mut().push(waker(name), ());
        }
        {
            let mut guard = WakeGuard::new(state.borrow_mut());
            guard.wake(waker('x'));
            guard.discard(Some(waker('y')));
            guard.grant_all(|list| list); // a..e: spills past the inline slots
            guard.wake(None);
            assert!(guard.is_empty());
        }
        assert_eq!(
            log.borrow().as_str(),
            "x woke free=true; y dropped free=true; a woke free=true; b woke free=true; \
             c woke free=true; d woke free=true; e woke free=true; "
        );
        log.borrow_mut().clear();
        WakeGuard::one(state.borrow_mut()).wake(waker('o'));
        WakeGuard::one(state.borrow_mut()).discard(Some(waker('p')));
        assert_eq!(
            log.borrow().as_str(),
            "o woke free=true; p dropped free=true; "
        );
    }

    #[test]
    fn many_cancellations_do_not_grow_the_order() {
        let mut list = WaitList::default();
        let keep = list.push(Waker::noop().clone(), 0);
        for i in 0..10_000 {
            let k = list.push(Waker::noop().clone(), i);
            list.remove(k);
        }
        assert!(list.order.len() < 100, "{}", list.order.len());
        assert_eq!(list.front(), Some(keep));
    }
}
