//! The event loop's state and its one-step transition (pub(crate)).
//!
//! A step is one of:
//! - *poll*: some task is ready. The strategy picks one (a choice on the tape
//!   when two or more are ready; 0 = the oldest), it is removed from the
//!   ready queue and polled once.
//! - *advance*: no task is ready but a timer is pending. The clock jumps to
//!   the earliest deadline and every timer due then fires, in an order that
//!   is a choice (0 = registration order).
//! - *idle*: nothing is ready and no timer is pending; the caller decides
//!   whether that is a deadlock.
//!
//! The ready queue is a `VecDeque` of task references, each owning a count of
//! its task (the slab that owns the tasks is only touched at spawn and at the
//! end of a task, keeping the poll path to one cache line per task). A task
//! woken during its last poll is still queued after it ended; it is dropped
//! from the queue, unpolled, when the wakes are drained. Picking index `i` removes it with
//! `swap_remove_front`, O(1): the oldest task takes the picked one's place. A
//! tape of zeros is therefore exact FIFO order, and every pick is
//! deterministic given the tape.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

use super::builder::{Config, PanicPolicy};
use super::nodes::{Nodes, Status};
use super::panic_hook;
use super::state::States;
use super::stretch::Stretch;
use super::task::cell::{Header, Runnable, TaskCell, TaskRef, panic_message};
use super::task::waker::WakeQueue;
use super::task::{JoinError, JoinHandle};
use super::timers::{Callback, Timers};
use super::wait::WaitKind;
use super::watchdog::{Lease, Watch};
use crate::error::{BusyTask, Error, TaskInfo};
use crate::strategy::{ChoiceKind, Scheduler};
use crate::trace::Id;
use crate::trace::Recorder;

/// Owns the live tasks (the main future of a `block_on` call counts as one:
/// a cell whose header says `is_main`, polled by `block_on` itself).
pub(super) struct Sched {
    pub(super) slots: Vec<Option<Rc<dyn Runnable>>>,
    free: Vec<u32>,
    pub(super) ready: VecDeque<TaskRef>,
    live: usize,
}

/// What one call to [`Core::step`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A task was polled.
    Polled,
    /// The main future is picked: the caller must poll it now.
    Main,
    /// The clock advanced and timers fired.
    Advanced,
    /// Nothing is ready and no timer is pending.
    Idle,
    /// The run failed; the error is in `take_failure`.
    Failed,
}

pub(crate) struct Core {
    pub(crate) cfg: Config,
    now: Cell<u64>,
    steps: Cell<u64>,
    next_id: Cell<u64>,
    pub(super) sched: RefCell<Sched>,
    pub(crate) timers: RefCell<Timers>,
    scheduler: RefCell<Box<dyn Scheduler>>,
    /// Whether the strategy wants to see steps with one ready task too.
    every_step: bool,
    /// Whether the strategy wants each step's footprint (`Dfs`): recorded
    /// on this thread while the run lasts, handed over before each pick.
    footprints: bool,
    /// Choices made since the `Sim` last collected them.
    pub(crate) tape_buf: RefCell<Vec<u32>>,
    pub(crate) rec: RefCell<Recorder>,
    wakes: Arc<WakeQueue>,
    pub(super) current: Cell<Option<Id>>,
    /// The header of the task being polled (or dropped), null otherwise.
    /// Valid while set: the caller holds the task alive for that long.
    current_header: Cell<*const Header>,
    failure: RefCell<Option<Error>>,
    fired: RefCell<Vec<Waker>>,
    /// The callbacks due at the instant being advanced to.
    calls_due: RefCell<Vec<(Callback, u32)>>,
    /// The nodes tasks belong to (node 0 is `main`).
    pub(super) nodes: RefCell<Nodes>,
    /// Whether some node is paused: its woken tasks are parked, not queued.
    pub(super) paused_any: Cell<bool>,
    /// Tasks of paused nodes that were woken, in wake order.
    pub(super) parked: RefCell<VecDeque<TaskRef>>,
    /// The floors' per-run state (see `state`).
    pub(super) states: States,
    /// What the poll watchdog sees of this run (see `watchdog`).
    pub(super) watch: Lease,
    /// Who took the steps just before the step limit (see `stretch`).
    stretch: Stretch,
    /// The last task group handed out (see `nodes::new_group`).
    pub(super) next_group: Cell<u32>,
    /// One bit per task group: set once the group was killed, after which
    /// a task spawned into it is cancelled before its first poll.
    pub(super) dead_groups: RefCell<Vec<u64>>,
    /// How many live tasks each task group has (groups with none are left out).
    pub(super) group_live: RefCell<std::collections::BTreeMap<u32, u32>>,
}

impl Drop for Core {
    fn drop(&mut self) {
        if self.footprints {
            crate::runtime::footprint::stop();
        }
    }
}

impl Core {
    /// The core of a run whose scheduler was started already.
    pub(crate) fn new(cfg: Config, scheduler: Box<dyn Scheduler>) -> Core {
        let log = crate::trace::runtime_logging();
        let footprints = scheduler.footprints();
        if footprints {
            crate::runtime::footprint::start();
        }
        Core {
            every_step: scheduler.every_step() || footprints,
            footprints,
            now: Cell::new(0),
            steps: Cell::new(0),
            next_id: Cell::new(1),
            sched: RefCell::new(Sched {
                slots: Vec::new(),
                free: Vec::new(),
                ready: VecDeque::new(),
                live: 0,
            }),
            timers: RefCell::new(Timers::default()),
            scheduler: RefCell::new(scheduler),
            tape_buf: RefCell::new(Vec::new()),
            rec: RefCell::new(Recorder::new(cfg.record_trace, log)),
            wakes: WakeQueue::new(log),
            current: Cell::new(None),
            current_header: Cell::new(std::ptr::null()),
            failure: RefCell::new(None),
            fired: RefCell::new(Vec::new()),
            calls_due: RefCell::new(Vec::new()),
            nodes: RefCell::new(Nodes::new()),
            paused_any: Cell::new(false),
            parked: RefCell::new(VecDeque::new()),
            states: States::new(),
            watch: Watch::register(cfg.seed),
            stretch: Stretch::new(cfg.step_limit),
            next_group: Cell::new(0),
            dead_groups: RefCell::new(Vec::new()),
            group_live: RefCell::new(std::collections::BTreeMap::new()),
            cfg,
        }
    }

    /// Virtual nanoseconds since the start of the simulation.
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        self.now.get()
    }

    pub(crate) fn steps(&self) -> u64 {
        self.steps.get()
    }

    pub(crate) fn current_task(&self) -> Option<Id> {
        self.current.get()
    }

    /// Calls `f` with the running task's name, if it runs and has one.
    pub(crate) fn with_current_task_name<R>(&self, f: impl FnOnce(Option<&str>) -> R) -> R {
        // SAFETY: as in `current_node`.
        let header = unsafe { self.current_header.get().as_ref() };
        f(header.and_then(|h| h.name.as_deref()).map(String::as_str))
    }

    /// The node of the running task (0, `main`, outside any task).
    #[inline]
    pub(crate) fn current_node(&self) -> u32 {
        // SAFETY: `current_header` is only non-null inside `as_current`,
        // whose caller keeps the header alive.
        unsafe { self.current_header.get().as_ref() }.map_or(0, |h| h.node)
    }

    /// The node and task group of the running task ((0, 0) outside any task).
    #[inline]
    pub(crate) fn current_place(&self) -> (u32, u32) {
        // SAFETY: as in `current_node`.
        unsafe { self.current_header.get().as_ref() }.map_or((0, 0), |h| (h.node, h.group))
    }

    /// Asks the strategy for a value in `0..n` and records it. A choice with
    /// one option is not asked and not recorded.
    #[inline]
    pub(crate) fn choose(&self, kind: ChoiceKind, n: u64) -> u32 {
        if n <= 1 {
            return 0;
        }
        debug_assert!(n <= 1 << 32, "choice bound {n} too large");
        debug_assert!(
            kind != ChoiceKind::Yield,
            "a switch point asks through choose_switch"
        );
        let v = self.scheduler.borrow_mut().choose(kind, n);
        self.record(kind, n, v);
        v
    }

    /// Asks the strategy whether the running task yields at a switch point
    /// (1) or proceeds (0), and records the answer. A strategy that sees
    /// task ids (`every_step`) is shown the other ready tasks: `Pct` yields
    /// to a ready task of higher priority.
    #[inline]
    pub(crate) fn choose_switch(&self) -> u32 {
        if !self.every_step {
            // No footprints either (they imply `every_step`): a plain choice.
            let v = self.scheduler.borrow_mut().choose(ChoiceKind::Yield, 2);
            self.record(ChoiceKind::Yield, 2, v);
            return v;
        }
        if self.footprints {
            // A switch point ends a segment of the running task's step.
            self.scheduler
                .borrow_mut()
                .stepped(crate::runtime::footprint::take());
        }
        let current = self.current.get().map(|id| id.as_u64());
        let v = {
            let sched = self.sched.borrow();
            let others = |f: &mut dyn FnMut(u64)| {
                for task in &sched.ready {
                    f(task.header().id.as_u64());
                }
                self.wakes.for_each_pending(&mut |id| {
                    if Some(id) != current {
                        f(id);
                    }
                });
            };
            self.scheduler.borrow_mut().switch_point(&others)
        };
        if self.footprints && v == 0 {
            crate::runtime::footprint::proceed();
        }
        self.record(ChoiceKind::Yield, 2, v);
        v
    }

    /// Puts a choice on the tape (which the fingerprint covers: see
    /// `Sim::fingerprint`).
    /// With the trace recorded, the recorder's sidecar also notes where
    /// each non-zero choice was made, for the picture of the run.
    #[inline]
    fn record(&self, kind: ChoiceKind, n: u64, v: u32) {
        debug_assert!(u64::from(v) < n, "strategy chose {v} for a bound of {n}");
        self.tape_buf.borrow_mut().push(v);
        if self.cfg.record_trace {
            self.rec
                .borrow_mut()
                .choice(self.now(), kind.name(), n, v, self.current.get());
        }
    }

    /// A duration in `lo..hi` (exactly `lo` if `hi <= lo`), 0 = `lo`. The
    /// range is cut into at most 2^32 equal steps of whole nanoseconds.
    pub(crate) fn choose_duration(&self, lo: Duration, hi: Duration) -> Duration {
        if hi <= lo {
            return lo;
        }
        let span = u64::try_from((hi - lo).as_nanos()).unwrap_or(u64::MAX);
        let unit = span.div_ceil(1 << 32).max(1);
        let options = span / unit;
        let v = u64::from(self.choose(ChoiceKind::Cost, options));
        lo + Duration::from_nanos(v * unit)
    }

    fn fresh_id(&self) -> Id {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        Id::from_u64(id)
    }

    fn alloc_slot(sched: &mut Sched) -> u32 {
        match sched.free.pop() {
            Some(i) => i,
            None => {
                sched.slots.push(None);
                (sched.slots.len() - 1) as u32
            }
        }
    }

    /// Puts a new task in the slab and the ready queue.
    fn insert(sched: &mut Sched, slot: u32, task: Rc<dyn Runnable>) {
        sched.ready.push_back(TaskRef::new(task.header()));
        sched.slots[slot as usize] = Some(task);
        sched.live += 1;
    }

    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<String>,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_in(None, future, name, location)
    }

    /// Spawns on `node`, or on the current task's node (and in its task
    /// group) when `None`. A task spawned on a killed node is cancelled
    /// before its first poll.
    #[inline]
    pub(crate) fn spawn_in<F>(
        &self,
        node: Option<u32>,
        future: F,
        name: Option<String>,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (node, group) = match node {
            Some(node) => (node, 0),
            None => self.current_place(),
        };
        self.spawn_placed(node, group, future, name, location)
    }

    /// Spawns on `node`, in task `group` (0: none): what `spawn_in` does
    /// once it knows both.
    #[inline]
    pub(crate) fn spawn_placed<F>(
        &self,
        node: u32,
        group: u32,
        future: F,
        name: Option<String>,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::runtime::footprint::touch(crate::runtime::footprint::SPAWN);
        let id = self.fresh_id();
        let parent = self.current.get();
        self.rec
            .borrow_mut()
            .spawn(self.now(), id, parent, name.as_deref(), (node, location));
        let mut sched = self.sched.borrow_mut();
        let slot = Self::alloc_slot(&mut sched);
        if let Some(name) = &name {
            self.watch.name_task(id.as_u64(), name);
        }
        let mut header = Header::new(id, slot, name, location, self.wakes.clone());
        header.node = node;
        header.group = group;
        if group != 0 {
            *self.group_live.borrow_mut().entry(group).or_insert(0) += 1;
        }
        if (node != 0 && self.node_status(node) == Status::Killed)
            || (group != 0 && self.group_is_dead(group))
        {
            header.aborted.set(true);
        }
        let cell = TaskCell::new(header, future);
        Self::insert(&mut sched, slot, cell.clone());
        JoinHandle::new(cell)
    }

    /// Registers the main future of a `block_on` call as a task, ready to run.
    pub(crate) fn enter_main(&self, location: &'static Location<'static>) -> Rc<dyn Runnable> {
        let id = self.fresh_id();
        self.rec
            .borrow_mut()
            .spawn(self.now(), id, None, Some("main"), (0, location));
        self.watch.name_main(id.as_u64());
        let mut sched = self.sched.borrow_mut();
        let slot = Self::alloc_slot(&mut sched);
        let mut header = Header::new(
            id,
            slot,
            Some("main".to_string()),
            location,
            self.wakes.clone(),
        );
        header.is_main = true;
        let cell: Rc<dyn Runnable> = TaskCell::new(header, std::future::pending::<()>());
        Self::insert(&mut sched, slot, cell.clone());
        cell
    }

    /// Removes the main task (it finished, failed or its `block_on` unwinds).
    pub(crate) fn exit_main(&self, main: &Rc<dyn Runnable>) {
        let header = main.header();
        let slot = header.slot as usize;
        let (owned, queued) = {
            let mut sched = self.sched.borrow_mut();
            if sched
                .slots
                .get(slot)
                .and_then(Option::as_ref)
                .is_some_and(|t| Rc::ptr_eq(t, main))
            {
                sched.free.push(header.slot);
                sched.live -= 1;
                // Take main out of both queues (it may have woken itself).
                let mut queued = self.drain_wakes(&mut sched);
                let (main_entries, rest): (VecDeque<TaskRef>, VecDeque<TaskRef>) =
                    std::mem::take(&mut sched.ready)
                        .into_iter()
                        .partition(|t| t.is(&**main));
                sched.ready = rest;
                queued.extend(main_entries);
                (sched.slots[slot].take(), queued)
            } else {
                (None, Vec::new())
            }
        };
        header.complete();
        self.release_all(queued);
        drop(owned);
    }

    /// Runs `f` as the current task (for `task::id()`, spawn parents and
    /// `mark_waiting`). `header` must stay alive while `f` runs.
    pub(crate) fn as_current<R>(&self, header: &Header, f: impl FnOnce() -> R) -> R {
        let prev = self.current.replace(Some(header.id));
        let prev_header = self.current_header.replace(header);
        let watched = self
            .watch
            .enter(header.id.as_u64(), header.node, header.location);
        let out = f();
        if watched {
            self.watch.leave();
        }
        self.current.set(prev);
        self.current_header.set(prev_header);
        out
    }

    /// Notes what the running task is about to block on, for deadlock reports.
    #[inline]
    pub(crate) fn mark_waiting(&self, kind: &'static WaitKind, at: &'static Location<'static>) {
        // SAFETY: `current_header` is only non-null inside `as_current`,
        // whose caller keeps the header alive.
        if let Some(header) = unsafe { self.current_header.get().as_ref() } {
            header.waiting_on.set(Some((kind, at)));
        }
    }

    pub(crate) fn fail(&self, err: Error) {
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(err);
        }
    }

    pub(crate) fn take_failure(&self) -> Option<Error> {
        let mut failure = self.failure.borrow_mut().take();
        if let Some(Error::StepLimit { busiest, .. }) = &mut failure {
            if busiest.is_empty() {
                *busiest = self.busiest();
            }
        }
        failure
    }

    /// Counts a step, failing the run at the step limit.
    #[inline]
    fn count_step(&self) -> bool {
        let steps = self.steps.get();
        if steps >= self.stretch.from {
            return self.count_last_steps(steps);
        }
        self.steps.set(steps + 1);
        true
    }

    /// `count_step` in the last stretch before the limit: polls are
    /// counted by task, and at the limit the busiest are named.
    #[cold]
    fn count_last_steps(&self, steps: u64) -> bool {
        let limit = self.cfg.step_limit;
        if steps < limit {
            self.stretch.start();
            self.steps.set(steps + 1);
            return true;
        }
        // The busiest tasks are named when the error is taken: the slab
        // may be borrowed here.
        self.fail(Error::StepLimit {
            limit,
            time: Duration::from_nanos(self.now()),
            busiest: Vec::new(),
        });
        false
    }

    /// The tasks of the last stretch, most polled first, as a report names them.
    fn busiest(&self) -> Vec<BusyTask> {
        let of = self.stretch.len(self.cfg.step_limit);
        self.stretch
            .busiest(3)
            .into_iter()
            .filter_map(|(id, polls)| {
                let task = self.task_info(id)?;
                Some(BusyTask { task, polls, of })
            })
            .collect()
    }

    /// Takes one step of the event loop.
    pub(crate) fn step(&self) -> Step {
        self.step_or_advance(true)
    }

    /// Takes one step, but never advances the clock (`Idle` instead).
    pub(crate) fn step_ready(&self) -> Step {
        self.step_or_advance(false)
    }

    /// Takes the scheduler out (it spans runs: the caller starts it on the
    /// next), leaving one that answers zeros.
    pub(crate) fn take_scheduler(&self) -> Box<dyn Scheduler> {
        if self.footprints {
            // The run's last step ends here.
            self.scheduler
                .borrow_mut()
                .stepped(crate::runtime::footprint::take());
            crate::runtime::footprint::stop();
        }
        std::mem::replace(&mut *self.scheduler.borrow_mut(), crate::strategy::zeros())
    }

    /// Moves the pending wakes into the ready queue, in wake order, except
    /// those of tasks that ended since (they woke themselves in their last
    /// poll): those are returned, to be released once `sched` is no longer
    /// borrowed (releasing may run user destructors).
    #[inline]
    fn drain_wakes(&self, sched: &mut Sched) -> Vec<TaskRef> {
        let before = sched.ready.len();
        self.wakes.drain_into(&mut sched.ready);
        if self.wakes.has_pending() {
            self.resolve_id_wakes(sched);
        }
        if !sched
            .ready
            .range(before..)
            .any(|t| t.header().finished.get())
        {
            return Vec::new();
        }
        let tail = sched.ready.split_off(before);
        let (ended, live): (Vec<_>, Vec<_>) =
            tail.into_iter().partition(|t| t.header().finished.get());
        sched.ready.extend(live);
        ended
    }

    /// Drops queue entries; the last count of an ended task may run its
    /// output's destructor, whose panic is reported like a task's.
    #[inline]
    pub(super) fn release_all(&self, entries: Vec<TaskRef>) {
        if entries.is_empty() {
            return;
        }
        for entry in entries {
            self.release(entry);
        }
    }

    #[inline]
    fn release(&self, entry: TaskRef) {
        if entry.is_last() {
            self.release_last(entry);
        }
    }

    /// Frees an ended task whose queue entry held the last count.
    #[cold]
    fn release_last(&self, entry: TaskRef) {
        // What a report needs, copied: the cell is freed below.
        let (id, location, name) = {
            let header = entry.header();
            (header.id, header.location, header.name.as_deref().cloned())
        };
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(entry))) {
            if self.cfg.panic_policy == PanicPolicy::FailRun {
                self.fail(Error::Panicked {
                    task: Box::new(TaskInfo {
                        id,
                        node: None,
                        name,
                        spawned_at: location.to_string(),
                        waiting_on: None,
                    }),
                    message: panic_message(&*payload),
                    location: panic_hook::take_location(),
                    time: Duration::from_nanos(self.now()),
                });
            }
        }
    }

    fn step_or_advance(&self, advance: bool) -> Step {
        if self.failure.borrow().is_some() {
            return Step::Failed;
        }
        if let Some((id, thread)) = self.wakes.foreign() {
            let task = Box::new(self.task_info(id).unwrap_or_else(|| TaskInfo {
                id,
                name: None,
                node: None,
                spawned_at: "<finished task>".to_string(),
                waiting_on: None,
            }));
            self.fail(Error::ForeignWake { task, thread });
            return Step::Failed;
        }
        let (picked, ended) = {
            let mut sched = self.sched.borrow_mut();
            let ended = self.drain_wakes(&mut sched);
            if self.paused_any.get() {
                self.park_paused(&mut sched);
            }
            let n = sched.ready.len();
            if n == 0 {
                (None, ended)
            } else {
                if !self.count_step() {
                    drop(sched);
                    self.release_all(ended);
                    return Step::Failed;
                }
                // One ready task is not a choice, but `Pct` counts every
                // step: it is asked too, and its answer (0) not recorded.
                let i = if n > 1 || self.every_step {
                    if self.footprints {
                        self.scheduler
                            .borrow_mut()
                            .stepped(crate::runtime::footprint::take());
                    }
                    let ready = &sched.ready;
                    let v = self
                        .scheduler
                        .borrow_mut()
                        .pick(n, &|i| ready[i].header().id.as_u64());
                    if n > 1 {
                        self.record(ChoiceKind::Schedule, n as u64, v);
                    }
                    v as usize
                } else {
                    0
                };
                let picked = if i == 0 {
                    sched.ready.pop_front()
                } else {
                    sched.ready.swap_remove_front(i)
                };
                (picked, ended)
            }
        };
        self.release_all(ended);
        let Some(entry) = picked else {
            return if advance { self.advance() } else { Step::Idle };
        };
        let header = entry.header();
        if header.is_main {
            header.notified.set(false);
            self.rec.borrow_mut().poll(self.now(), header.id);
            self.stretch.polled(header.id);
            return Step::Main;
        }
        // The entry's count keeps the task alive through its poll and its
        // removal from the slab; it is given back after.
        self.run_task(&entry);
        self.release(entry);
        if self.failure.borrow().is_some() {
            Step::Failed
        } else {
            Step::Polled
        }
    }

    /// Queues the tasks woken by id (through a waker that crossed threads and
    /// came back): rare, so a scan of the slab is fine.
    #[cold]
    fn resolve_id_wakes(&self, sched: &mut Sched) {
        for id in self.wakes.take_ids() {
            let found = sched.slots.iter().flatten().find(|t| t.header().id == id);
            if let Some(task) = found {
                let header = task.header();
                if !header.notified.replace(true) {
                    sched.ready.push_back(TaskRef::new(header));
                }
            }
        }
    }

    fn advance(&self) -> Step {
        let Some(deadline) = self.timers.borrow_mut().next_deadline() else {
            return Step::Idle;
        };
        if deadline > u64::try_from(self.cfg.time_limit.as_nanos()).unwrap_or(u64::MAX) {
            self.fail(Error::TimeLimit {
                limit: self.cfg.time_limit,
            });
            return Step::Failed;
        }
        if !self.count_step() {
            return Step::Failed;
        }
        if self.footprints {
            let mut scheduler = self.scheduler.borrow_mut();
            scheduler.stepped(crate::runtime::footprint::take());
            scheduler.advancing();
        }
        crate::runtime::footprint::touch_all();
        self.now.set(deadline.max(self.now()));
        let mut fired = std::mem::take(&mut *self.fired.borrow_mut());
        let mut calls = std::mem::take(&mut *self.calls_due.borrow_mut());
        self.timers
            .borrow_mut()
            .pop_due(deadline, &mut fired, &mut calls);
        // Callbacks first, in the order they were scheduled: the floors'
        // events (a packet's arrival) only move data and wake tasks, no
        // user code runs.
        for (call, token) in calls.drain(..) {
            call(self, token);
        }
        *self.calls_due.borrow_mut() = calls;
        // Which of the simultaneous timers fires first is a choice: pick the
        // next one among those left (0 = the earliest registered, so a tape
        // of zeros keeps registration order; a non-zero pick swaps).
        for i in 0..fired.len() {
            let left = fired.len() - i;
            let j = self.choose(ChoiceKind::TimerOrder, left as u64) as usize;
            fired.swap(i, i + j);
        }
        self.rec
            .borrow_mut()
            .advance(self.now(), fired.len() as u32);
        for w in fired.drain(..) {
            w.wake();
        }
        *self.fired.borrow_mut() = fired;
        Step::Advanced
    }

    fn run_task(&self, entry: &TaskRef) {
        let task = entry.get();
        let header = entry.header();
        header.notified.set(false);
        let id = header.id;
        if header.aborted.get() {
            self.rec.borrow_mut().cancel(self.now(), id);
            self.finish_quietly(task, JoinError::cancelled(id));
            self.remove(task);
            return;
        }
        self.prefetch_slot(header.slot);
        self.rec.borrow_mut().poll(self.now(), id);
        self.stretch.polled(id);
        header.waiting_on.set(None);
        let result = self.as_current(header, || catch_unwind(AssertUnwindSafe(|| task.run())));
        match result {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(())) => {
                self.rec.borrow_mut().finish(self.now(), id);
                self.remove(task);
            }
            Err(payload) => {
                let message = panic_message(&*payload);
                let location = panic_hook::take_location();
                // A wait noted earlier in this poll was left by the panic:
                // the report must not say the task still waits on it.
                header.waiting_on.set(None);
                self.rec.borrow_mut().panic(self.now(), id);
                if self.cfg.panic_policy == PanicPolicy::FailRun {
                    self.fail(Error::Panicked {
                        task: Box::new(self.describe(header)),
                        message,
                        location,
                        time: Duration::from_nanos(self.now()),
                    });
                }
                self.finish_quietly(task, JoinError::panic(id, payload));
                self.remove(task);
            }
        }
    }

    /// Stores `err` as the task's result, dropping its future; a panic while
    /// dropping it is swallowed (the task already ended).
    pub(super) fn finish_quietly(&self, task: &dyn Runnable, err: JoinError) {
        let _ = self.as_current(task.header(), || {
            catch_unwind(AssertUnwindSafe(|| task.finish_with(err)))
        });
    }

    /// Starts loading the task's slab entry while the task is polled, so that
    /// `remove` does not wait for it (with many tasks it is a cache miss).
    #[inline]
    fn prefetch_slot(&self, slot: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(entry) = self.sched.borrow().slots.get(slot as usize) {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            // SAFETY: SSE is part of the x86_64 baseline, and a prefetch
            // never faults, whatever the address.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>((entry as *const Option<Rc<dyn Runnable>>).cast())
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    /// Takes an ended task out of the slab and tells its waiters. The caller
    /// holds a count of its own, so the cell outlives this call.
    pub(super) fn remove(&self, task: &dyn Runnable) {
        let slot = task.header().slot;
        let owned = {
            let mut sched = self.sched.borrow_mut();
            sched.free.push(slot);
            sched.live -= 1;
            sched.slots[slot as usize].take()
        };
        let owned = owned.expect("an ended task is in the slab");
        if owned.header().group != 0 {
            self.left_group(owned.header().group);
        }
        if owned.header().name.is_some() {
            self.watch.forget_task(owned.header().id.as_u64());
        }
        owned.header().complete();
    }

    /// Asks a task to stop: it is dropped the next time it is picked.
    pub(crate) fn abort(task: &dyn Runnable) {
        crate::runtime::footprint::touch_all();
        let header = task.header();
        if !header.finished.get() && !header.aborted.replace(true) {
            task.wake();
        }
    }

    /// The live tasks, in id order.
    pub(crate) fn live_tasks(&self) -> Vec<TaskInfo> {
        let sched = self.sched.borrow();
        let mut out: Vec<TaskInfo> = sched
            .slots
            .iter()
            .flatten()
            .map(|t| self.describe(t.header()))
            .collect();
        out.sort_by_key(|t| t.id);
        out
    }

    fn task_info(&self, id: Id) -> Option<TaskInfo> {
        self.live_tasks().into_iter().find(|t| t.id == id)
    }

    pub(crate) fn live_count(&self) -> usize {
        self.sched.borrow().live
    }

    /// Drops every task and timer (on this thread, with the simulation
    /// current, so destructors may still use it). Destructors may spawn; a
    /// bounded number of rounds catches those too.
    pub(crate) fn shutdown(&self) {
        for _ in 0..64 {
            let (slots, ready) = {
                let mut sched = self.sched.borrow_mut();
                sched.free.clear();
                sched.live = 0;
                (
                    std::mem::take(&mut sched.slots),
                    std::mem::take(&mut sched.ready),
                )
            };
            if slots.is_empty() && ready.is_empty() {
                break;
            }
            let _ = catch_unwind(AssertUnwindSafe(|| drop(ready)));
            for task in slots.into_iter().flatten() {
                let id = task.header().id;
                self.finish_quietly(&*task, JoinError::cancelled(id));
                let _ = catch_unwind(AssertUnwindSafe(|| {
                    task.header().complete();
                    drop(task);
                }));
            }
            let _ = catch_unwind(AssertUnwindSafe(|| self.wakes.clear()));
        }
        let _ = catch_unwind(AssertUnwindSafe(|| self.states.shutdown()));
        let parked = std::mem::take(&mut *self.parked.borrow_mut());
        let _ = catch_unwind(AssertUnwindSafe(|| drop(parked)));
        let timers = std::mem::take(&mut *self.timers.borrow_mut());
        drop(timers);
    }
}
