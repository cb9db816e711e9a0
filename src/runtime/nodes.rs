//! What the driver knows of nodes (pub(crate)): that every task belongs to
//! one, and whether that node runs, is paused or was killed, so that it
//! can park a paused node's tasks and drop a killed node's. The node layer
//! ([`crate::node`]) gives nodes everything else (addresses, `init`,
//! restarts) and announces their changes to the floors above.
//!
//! A node is an index: node 0 is `main`, which runs `block_on`'s future and
//! every task spawned from outside a node. Each node carries its name (for
//! reports) and typed [`Parts`]: per-node settings of the floors above,
//! which the driver stores without knowing them.
//!
//! A task may also belong to a *group*, a number set at spawn and inherited
//! by the tasks it spawns on its node: [`Core::kill_group`] drops a group's
//! tasks as [`Core::kill_tasks`] drops a node's. A floor gives the numbers
//! their meaning (a subprocess is one group).

use std::rc::Rc;

use super::core::{Core, Sched};
use super::parts::{Part, Parts};
use super::task::JoinError;
use super::task::cell::{Header, Runnable};
use crate::error::TaskInfo;

/// Where a node is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Running,
    Paused,
    Killed,
}

struct Record {
    name: Rc<str>,
    status: Status,
    parts: Parts,
}

/// The nodes of a run, node 0 (`main`) first.
pub(crate) struct Nodes(Vec<Record>);

impl Nodes {
    pub(crate) fn new() -> Nodes {
        Nodes(vec![Record {
            name: "main".into(),
            status: Status::Running,
            parts: Parts::default(),
        }])
    }

    fn any_paused(&self) -> bool {
        self.0.iter().any(|n| n.status == Status::Paused)
    }
}

impl Core {
    /// Adds a running node; its id is the next index.
    pub(crate) fn add_node(&self, name: Rc<str>, parts: Parts) -> u32 {
        let mut nodes = self.nodes.borrow_mut();
        let id = nodes.0.len() as u32;
        self.watch.name_node(id, &name);
        nodes.0.push(Record {
            name,
            status: Status::Running,
            parts,
        });
        id
    }

    /// How many nodes there are, `main` included.
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.borrow().0.len()
    }

    #[inline]
    pub(crate) fn node_status(&self, node: u32) -> Status {
        self.nodes.borrow().0[node as usize].status
    }

    pub(crate) fn node_name(&self, node: u32) -> Rc<str> {
        self.nodes.borrow().0[node as usize].name.clone()
    }

    /// As `node_name`, or `None` while the node table is being changed (for
    /// a log line written from inside such a change).
    pub(crate) fn try_node_name(&self, node: u32) -> Option<Rc<str>> {
        let nodes = self.nodes.try_borrow().ok()?;
        nodes.0.get(node as usize).map(|n| n.name.clone())
    }

    /// The node's setting of type `T`, if it was given one.
    pub(crate) fn node_part<T: Part + Clone>(&self, node: u32) -> Option<T> {
        self.nodes.borrow().0[node as usize]
            .parts
            .get::<T>()
            .cloned()
    }

    /// A task's report entry, naming its node when there are nodes.
    pub(crate) fn describe(&self, header: &Header) -> TaskInfo {
        let mut info = header.info();
        let nodes = self.nodes.borrow();
        if nodes.0.len() > 1 {
            info.node = Some(nodes.0[header.node as usize].name.to_string());
        }
        info
    }

    /// Moves the ready tasks of paused nodes to the parked list.
    #[cold]
    pub(super) fn park_paused(&self, sched: &mut Sched) {
        let nodes = self.nodes.borrow();
        let mut parked = self.parked.borrow_mut();
        let ready = std::mem::take(&mut sched.ready);
        for entry in ready {
            let header = entry.header();
            if !header.is_main && nodes.0[header.node as usize].status == Status::Paused {
                parked.push_back(entry);
            } else {
                sched.ready.push_back(entry);
            }
        }
    }

    fn set_status(&self, node: u32, status: Status) {
        let mut nodes = self.nodes.borrow_mut();
        nodes.0[node as usize].status = status;
        self.paused_any.set(nodes.any_paused());
    }

    /// Marks a node paused or running; resuming queues its parked tasks
    /// again, in the order they were woken. A killed node stays killed.
    pub(crate) fn set_paused(&self, node: u32, paused: bool) {
        crate::runtime::footprint::touch_all();
        if self.node_status(node) == Status::Killed {
            return;
        }
        let status = if paused {
            Status::Paused
        } else {
            Status::Running
        };
        self.set_status(node, status);
        if !paused {
            let mut sched = self.sched.borrow_mut();
            let mut parked = self.parked.borrow_mut();
            let all = std::mem::take(&mut *parked);
            for entry in all {
                if entry.header().node == node {
                    sched.ready.push_back(entry);
                } else {
                    parked.push_back(entry);
                }
            }
        }
    }

    /// Marks a node killed: nothing is spawned on it any more (a task
    /// spawned on it is cancelled before its first poll).
    pub(crate) fn mark_killed(&self, node: u32) {
        crate::runtime::footprint::touch_all();
        self.set_status(node, Status::Killed);
    }

    /// A killed node runs again (its restart).
    pub(crate) fn mark_running(&self, node: u32) {
        crate::runtime::footprint::touch_all();
        self.set_status(node, Status::Running);
    }

    /// Drops every task of `node` (destructors run now, as the current task
    /// of each); the running task, if it is one of them, stops at its next
    /// `await`.
    pub(crate) fn kill_tasks(&self, node: u32) {
        self.kill_where(&|h| h.node == node);
    }

    /// A new task group: a number no task has yet, for
    /// [`spawn_placed`](Core::spawn_placed). Groups are numbered from 1 in
    /// the order they are made.
    pub(crate) fn new_group(&self) -> u32 {
        let group = self.next_group.get() + 1;
        self.next_group.set(group);
        group
    }

    /// Drops every task of `group`, as `kill_tasks` does for a node's, and
    /// marks the group dead: a task spawned into it later (by a destructor
    /// that runs now, say) is cancelled before its first poll, as on a
    /// killed node. The running task, if it is of the group, stops at its
    /// next `await`, unless `spare_current` (it is ending anyway: a
    /// process's program that returned).
    pub(crate) fn kill_group(&self, group: u32, spare_current: bool) {
        debug_assert!(group != 0, "group 0 is every ungrouped task");
        {
            let mut dead = self.dead_groups.borrow_mut();
            let (word, bit) = ((group / 64) as usize, group % 64);
            if dead.len() <= word {
                dead.resize(word + 1, 0);
            }
            dead[word] |= 1 << bit;
        }
        let live = self.group_live.borrow().get(&group).copied().unwrap_or(0);
        let (_, current_group) = self.current_place();
        let others = live - u32::from(current_group == group).min(live);
        if others == 0 {
            // No other task to find: spare the scan of every task.
            if current_group == group && !spare_current {
                self.kill_where(&|h| h.group == group);
            }
            return;
        }
        let current = self.current.get();
        self.kill_where(&|h| h.group == group && !(spare_current && Some(h.id) == current));
    }

    /// A task of `group` ended.
    #[inline]
    pub(super) fn left_group(&self, group: u32) {
        let mut live = self.group_live.borrow_mut();
        if let Some(n) = live.get_mut(&group) {
            *n -= 1;
            if *n == 0 {
                live.remove(&group);
            }
        }
    }

    /// Whether `group` was killed.
    #[inline]
    pub(crate) fn group_is_dead(&self, group: u32) -> bool {
        let dead = self.dead_groups.borrow();
        dead.get((group / 64) as usize)
            .is_some_and(|w| w & (1 << (group % 64)) != 0)
    }

    fn kill_where(&self, doomed: &dyn Fn(&Header) -> bool) {
        crate::runtime::footprint::touch_all();
        let victims: Vec<Rc<dyn Runnable>> = self
            .sched
            .borrow()
            .slots
            .iter()
            .flatten()
            .filter(|t| doomed(t.header()) && !t.header().is_main)
            .cloned()
            .collect();
        let current = self.current.get();
        let mut removed = false;
        for task in victims {
            let header = task.header();
            if header.finished.get() {
                continue;
            }
            if Some(header.id) == current {
                Self::abort(&*task);
                continue;
            }
            header.aborted.set(true);
            self.rec.borrow_mut().cancel(self.now(), header.id);
            self.finish_quietly(&*task, JoinError::cancelled(header.id));
            if !header.finished.get() {
                self.remove(&*task);
            }
            removed = true;
        }
        if !removed {
            return;
        }
        // Their queue entries go too (released outside the borrows: the
        // last count frees the cell).
        let mut dead = Vec::new();
        {
            let mut sched = self.sched.borrow_mut();
            let mut parked = self.parked.borrow_mut();
            for queue in [&mut sched.ready, &mut *parked] {
                let all = std::mem::take(queue);
                for entry in all {
                    if entry.header().finished.get() {
                        dead.push(entry);
                    } else {
                        queue.push_back(entry);
                    }
                }
            }
        }
        self.release_all(dead);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::panic::Location;
    use std::rc::Rc;

    use crate::Sim;
    use crate::runtime::current_core;

    #[test]
    fn a_group_is_inherited_by_spawn_and_dropped_by_kill_group() {
        let mut sim = Sim::new(1);
        let alive = Rc::new(Cell::new(0u32));
        let a = alive.clone();
        sim.block_on(async move {
            let core = current_core();
            let group = core.new_group();
            assert_eq!(core.new_group(), group + 1, "fresh numbers");
            let a2 = a.clone();
            let leader = core.spawn_placed(
                0,
                group,
                async move {
                    let core = current_core();
                    assert_eq!(core.current_place(), (0, group));
                    // A task it spawns joins the group...
                    let member = crate::spawn(async { current_core().current_place().1 });
                    // ...one it places on a node explicitly does not.
                    let outsider = core.spawn_in(
                        Some(0),
                        async { current_core().current_place().1 },
                        None,
                        Location::caller(),
                    );
                    assert_eq!(member.await.unwrap(), group);
                    assert_eq!(outsider.await.unwrap(), 0);
                    a2.set(1);
                    std::future::pending::<()>().await
                },
                None,
                Location::caller(),
            );
            // Time moves once every task waits: the leader has checked by then.
            crate::time::sleep(std::time::Duration::from_millis(1)).await;
            assert_eq!(a.get(), 1);
            let bystander = crate::spawn(std::future::pending::<()>());
            core.kill_group(group, false);
            assert!(leader.await.unwrap_err().is_cancelled());
            assert!(!bystander.is_finished(), "only the group goes");
            bystander.abort();
            // A dead group takes no new task.
            assert!(core.group_is_dead(group) && !core.group_is_dead(group + 1));
            let late = core.spawn_placed(0, group, async { 1 }, None, Location::caller());
            assert!(late.await.unwrap_err().is_cancelled());
        });
    }
}
