//! Every node's disk in one run (a per-run state), the node hook that
//! crashes a killed node's disk, and the gate every operation passes: its
//! switch point, its latency and its injected I/O error.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use super::config::{DiskConfig, Weather};
use super::disk::{Disk, Model};
use crate::buggify::to_units as coin;
use crate::node::table as nodes;
use crate::runtime::core::Core;
use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use crate::runtime::state::{PerRun, Slot};
use crate::runtime::wait::{Switch, WaitKind};
use crate::strategy::ChoiceKind;
use crate::time::Sleep;
use crate::trace::NodeChange;

/// One node's disk and its weather.
pub(crate) struct NodeDisk {
    pub(crate) node: u32,
    pub(crate) cfg: DiskConfig,
    /// Thread-checked, so that files and the futures of file operations
    /// are `Send` as tokio's are; they work only on the simulation's thread.
    pub(crate) disk: Local<Tracked<Disk>>,
}

/// The disks of a run, by node, each made at its node's first file operation.
pub(crate) struct Disks {
    disks: RefCell<BTreeMap<u32, Rc<NodeDisk>>>,
}

static DISKS: Slot<Disks> = Slot::new();

impl PerRun for Disks {
    fn new(core: &Core) -> Disks {
        nodes::on_change(core, on_node_change);
        Disks {
            disks: RefCell::new(BTreeMap::new()),
        }
    }
}

/// The disk of `node`, made (empty) at its first use.
pub(crate) fn disk_of(core: &Core, node: u32) -> Rc<NodeDisk> {
    let disks = core.state(&DISKS);
    if let Some(d) = disks.disks.borrow().get(&node) {
        return d.clone();
    }
    let cfg = core
        .node_part::<DiskConfig>(node)
        .or_else(|| core.cfg.parts.get::<DiskConfig>().cloned())
        .unwrap_or_default();
    let cfg = match core.cfg.parts.get::<Weather>() {
        Some(w) => w.over(cfg),
        None => cfg,
    };
    let model = Model {
        capacity: cfg.capacity,
        sector: cfg.sector,
        ordered: cfg.ordered,
    };
    let d = Rc::new(NodeDisk {
        node,
        cfg,
        disk: Local::new(Tracked::new(Disk::new(model))),
    });
    disks.disks.borrow_mut().insert(node, d.clone());
    d
}

fn on_node_change(core: &Core, node: u32, change: NodeChange) {
    if change != NodeChange::Killed {
        return;
    }
    let Some(d) = core
        .try_state(&DISKS)
        .and_then(|s| s.disks.borrow().get(&node).cloned())
    else {
        return;
    };
    let p = d.cfg.keep_unsynced;
    let mut draw = || core.choose(ChoiceKind::Coin { p: coin(p) }, 2) == 1;
    let draw: Option<&mut dyn FnMut() -> bool> = if p > 0.0 { Some(&mut draw) } else { None };
    let out = d.disk.borrow_mut().crash(draw);
    let code = ((out.kept as u64) << 40)
        ^ ((out.torn as u64) << 20)
        ^ out.lost as u64
        ^ ((out.dropped as u64) << 60);
    record(core, node, code, || {
        let mut text = format!(
            "crash: {} pending kept, {} torn, {} lost",
            out.kept, out.torn, out.lost
        );
        if out.dropped > 0 {
            text += &format!(", and {} writes a failed sync had dropped", out.dropped);
        }
        if !out.lost_ops.is_empty() {
            let more = if out.lost > out.lost_ops.len() {
                ", ..."
            } else {
                ""
            };
            text += &format!(" ({}{more})", out.lost_ops.join(", "));
        }
        text
    });
}

/// Puts an operation of `node`'s disk into the trace and the fingerprint.
pub(crate) fn record(core: &Core, node: u32, code: u64, describe: impl FnOnce() -> String) {
    core.rec.borrow_mut().disk(core.now(), node, code, || {
        (core.node_name(node).to_string(), describe())
    });
}

/// A stable code for a label and path, for the fingerprint.
pub(crate) fn code(label: &str, path: &str, n: u64) -> u64 {
    crate::trace::hash::fnv1a(label.bytes().chain([0]).chain(path.bytes())) ^ n.rotate_left(17)
}

/// The steps before an operation runs: a switch point, the latency the
/// disk draws, and an injected I/O error. Reused by a `File` across
/// operations; each `poll` that returns `Ready` resets it.
#[derive(Default)]
pub(crate) struct Gate {
    switch: Switch,
    switched: bool,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Gate {
    /// `Ready(Ok)` when the operation may run now; `Ready(Err)` with an
    /// injected EIO.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        d: &NodeDisk,
        kind: &'static WaitKind,
        at: &'static Location<'static>,
    ) -> Poll<io::Result<()>> {
        if !self.switched {
            ready!(self.switch.poll_proceed(cx, kind, at));
            self.switched = true;
            let range = d.cfg.latency.clone();
            if !range.end.is_zero() {
                let cost = crate::runtime::current_core().choose_duration(range.start, range.end);
                if !cost.is_zero() {
                    self.sleep = Some(Box::pin(crate::time::sleep(cost)));
                }
            }
        }
        if let Some(s) = &mut self.sleep {
            ready!(s.as_mut().poll(cx));
            self.sleep = None;
        }
        *self = Gate::default();
        let fails = d.cfg.io_error > 0.0 && {
            let core = crate::runtime::current_core();
            core.choose(
                ChoiceKind::Coin {
                    p: coin(d.cfg.io_error),
                },
                2,
            ) == 1
        };
        if fails {
            return Poll::Ready(Err(io::Error::other(format!(
                "injected I/O error (EIO) in {}",
                kind.label()
            ))));
        }
        Poll::Ready(Ok(()))
    }
}

/// Passes the gate of one operation on disk `d`.
pub(crate) async fn enter(
    d: &NodeDisk,
    kind: &'static WaitKind,
    at: &'static Location<'static>,
) -> io::Result<()> {
    let mut gate = Gate::default();
    std::future::poll_fn(|cx| gate.poll(cx, d, kind, at)).await
}

/// Whether a read of `len` bytes comes back corrupted: the bit to flip.
pub(crate) fn corrupt(d: &NodeDisk, len: usize) -> Option<u64> {
    if d.cfg.corruption <= 0.0 || len == 0 {
        return None;
    }
    let core = crate::runtime::current_core();
    if core.choose(
        ChoiceKind::Coin {
            p: coin(d.cfg.corruption),
        },
        2,
    ) == 0
    {
        return None;
    }
    let bits = (len as u64 * 8).min(u64::from(u32::MAX));
    Some(u64::from(core.choose(ChoiceKind::Cost, bits)))
}
