//! The processes of one run (a per-run state): each live process by its
//! task group, the programs installed on every node, and how a process
//! ends.
//!
//! A process is a task group on its parent's node: its program's task and
//! every task spawned from it. It ends once, in one of three ways: its
//! program returns (its exit code), it is killed ([`Child::start_kill`],
//! its node's crash), or its program's task panics or is dropped. Ending
//! closes its ends of its pipes, drops the rest of its tasks, puts the end
//! into the trace and wakes whoever waits for it.
//!
//! [`Child::start_kill`]: super::Child::start_kill

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::pipe::{Fd, Pipe};
use super::program::Program;
use crate::node::table as nodes;
use crate::runtime::core::Core;
use crate::runtime::footprint::{Tracked, TrackedCell};
use crate::runtime::state::{PerRun, Slot};
use crate::trace::NodeChange;

/// The signal a kill sends.
pub(crate) const SIGKILL: i32 = 9;

/// What a Rust program that panics exits with.
const PANIC_EXIT: i32 = 101;

/// Where one of a process's standard streams goes.
#[derive(Clone)]
pub(crate) enum Target {
    /// Nowhere: writes vanish, reads are EOF.
    Null,
    /// The test process's own stdout or stderr (a stream inherited all the
    /// way from a task outside any process). As stdin, it is EOF.
    Console,
    /// One end of a pipe.
    Pipe(Rc<Pipe>),
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// Its program returned this code.
    Code(i32),
    /// Its program panicked: exit code 101, as a Rust binary's.
    Panicked,
    /// A signal killed it.
    Signal(i32),
}

impl Ended {
    /// As a unix wait status: the code's low byte, or the signal.
    pub(crate) fn status(self) -> ExitStatus {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            match self {
                Ended::Code(c) => ExitStatus::from_raw((c & 0xff) << 8),
                Ended::Panicked => ExitStatus::from_raw(PANIC_EXIT << 8),
                Ended::Signal(s) => ExitStatus::from_raw(s & 0x7f),
            }
        }
        #[cfg(windows)]
        {
            use std::os::windows::process::ExitStatusExt;
            match self {
                Ended::Code(c) => ExitStatus::from_raw(c as u32),
                Ended::Panicked => ExitStatus::from_raw(PANIC_EXIT as u32),
                Ended::Signal(_) => ExitStatus::from_raw(1),
            }
        }
    }
}

/// One simulated process.
pub(crate) struct Proc {
    pub(crate) pid: u32,
    pub(crate) node: u32,
    /// Its task group (see `Core::new_group`).
    pub(crate) group: u32,
    pub(crate) program: Rc<str>,
    /// Passed on to the processes it spawns.
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) cwd: PathBuf,
    /// Its fds 0, 1 and 2 while open.
    pub(crate) fds: Tracked<[Option<Target>; 3]>,
    pub(crate) ended: TrackedCell<Option<Ended>>,
    waiters: Tracked<Vec<Waker>>,
}

impl std::fmt::Debug for Proc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proc")
            .field("pid", &self.pid)
            .field("program", &&*self.program)
            .field("ended", &self.ended.get())
            .finish_non_exhaustive()
    }
}

impl Proc {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        pid: u32,
        node: u32,
        group: u32,
        program: Rc<str>,
        env: BTreeMap<String, String>,
        cwd: PathBuf,
        fds: [Option<Target>; 3],
    ) -> Proc {
        Proc {
            pid,
            node,
            group,
            program,
            env,
            cwd,
            fds: Tracked::new(fds),
            ended: TrackedCell::new(None),
            waiters: Tracked::new(Vec::new()),
        }
    }

    /// `Ready` with how it ended, or `Pending` with `cx` told at its end.
    pub(crate) fn poll_ended(&self, cx: &Context<'_>) -> Poll<Ended> {
        let mut waiters = self.waiters.borrow_mut();
        if let Some(how) = self.ended.get() {
            return Poll::Ready(how);
        }
        if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }

    /// The target of fd `fd`, if it is open.
    pub(crate) fn fd(&self, fd: Fd) -> Option<Target> {
        self.fds.borrow()[fd.number()].clone()
    }

    /// Closes fd `fd` (a second close does nothing).
    pub(crate) fn close(&self, fd: Fd) {
        let target = self.fds.borrow_mut()[fd.number()].take();
        if let Some(Target::Pipe(pipe)) = target {
            match fd {
                Fd::Stdin => pipe.close_reader(),
                Fd::Stdout | Fd::Stderr => pipe.close_writer(),
            }
        }
    }
}

/// The processes and programs of a run.
pub(crate) struct Table {
    /// The live processes, by task group.
    live: RefCell<BTreeMap<u32, Rc<Proc>>>,
    /// The last pid handed out.
    last_pid: Cell<u32>,
    /// What [`register`](super::register) installed on every node.
    pub(crate) programs: RefCell<BTreeMap<String, Program>>,
}

static TABLE: Slot<Table> = Slot::new();

impl PerRun for Table {
    fn new(core: &Core) -> Table {
        nodes::on_change(core, on_node_change);
        Table {
            live: RefCell::new(BTreeMap::new()),
            last_pid: Cell::new(1),
            programs: RefCell::new(BTreeMap::new()),
        }
    }

    fn shutdown(&self) {
        let live = std::mem::take(&mut *self.live.borrow_mut());
        let programs = std::mem::take(&mut *self.programs.borrow_mut());
        drop((live, programs));
    }
}

/// The run's process table.
pub(crate) fn get(core: &Core) -> &Table {
    core.state(&TABLE)
}

impl Table {
    /// A new pid: 2, 3, ... in spawn order (1 is init's).
    pub(crate) fn next_pid(&self) -> u32 {
        let pid = self.last_pid.get() + 1;
        self.last_pid.set(pid);
        pid
    }

    pub(crate) fn insert(&self, proc: Rc<Proc>) {
        self.live.borrow_mut().insert(proc.group, proc);
    }

    /// The live process whose task group is `group`.
    pub(crate) fn by_group(&self, group: u32) -> Option<Rc<Proc>> {
        if group == 0 {
            return None;
        }
        self.live.borrow().get(&group).cloned()
    }
}

/// The process the running task belongs to, if any.
pub(crate) fn current(core: &Core) -> Option<Rc<Proc>> {
    let (_, group) = core.current_place();
    core.try_state(&TABLE)?.by_group(group)
}

/// Puts a process's start or end into the trace and the fingerprint.
pub(crate) fn record(core: &Core, proc: &Proc, code: u64, describe: impl FnOnce() -> String) {
    core.rec
        .borrow_mut()
        .process(core.now(), proc.node, proc.pid, code, || {
            (core.node_name(proc.node).to_string(), describe())
        });
}

/// Ends `proc` (see the module documentation); a second end does nothing.
/// `by_itself`: the running task is the process's own program, which
/// returned or panicked (it is not aborted: it ends anyway).
pub(crate) fn end(core: &Core, proc: &Rc<Proc>, how: Ended, by_itself: bool) {
    if proc.ended.get().is_some() {
        return;
    }
    proc.ended.set(Some(how));
    if let Some(table) = core.try_state(&TABLE) {
        table.live.borrow_mut().remove(&proc.group);
    }
    let code = match how {
        Ended::Code(c) => u64::from(c as u32),
        Ended::Panicked => 2 << 32 | u64::from(PANIC_EXIT as u32),
        Ended::Signal(s) => 1 << 32 | u64::from(s as u32),
    };
    record(core, proc, code, || match how {
        Ended::Code(c) => format!("exit {c}"),
        Ended::Panicked => format!("exit {PANIC_EXIT} (its program panicked)"),
        Ended::Signal(s) => format!("killed by signal {s}"),
    });
    for fd in [Fd::Stdin, Fd::Stdout, Fd::Stderr] {
        proc.close(fd);
    }
    core.kill_group(proc.group, by_itself);
    let waiters = std::mem::take(&mut *proc.waiters.borrow_mut());
    waiters.into_iter().for_each(Waker::wake);
}

/// A crashed node takes its processes with it: each is killed, as by
/// `SIGKILL`, before the node's tasks are dropped.
fn on_node_change(core: &Core, node: u32, change: NodeChange) {
    if change != NodeChange::Killed {
        return;
    }
    let Some(table) = core.try_state(&TABLE) else {
        return;
    };
    let doomed: Vec<Rc<Proc>> = table
        .live
        .borrow()
        .values()
        .filter(|p| p.node == node)
        .cloned()
        .collect();
    for proc in doomed {
        end(core, &proc, Ended::Signal(SIGKILL), false);
    }
}
