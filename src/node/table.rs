//! The node layer's table (pub(crate)): names, addresses and `init`s, and
//! the hooks that hear of every node's changes.
//!
//! The driver knows a node as an index with a status ([`crate::runtime::nodes`]);
//! this table gives it a name to look it up by, an IP address, and the
//! function it runs at start and at every restart. Names and addresses are
//! looked up through `BTreeMap`s, so nothing here depends on hashing.

use crate::runtime::footprint::Tracked;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::rc::Rc;

use crate::error::ConfigError;
use crate::runtime::core::Core;
use crate::runtime::parts::Parts;
use crate::runtime::state::{PerRun, Slot};
use crate::trace::NodeChange;

/// A node's start function: called at `build` and again at every restart.
pub(crate) type Init = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

/// A floor's hook: told of every change of every node (see [`on_change`]).
pub(crate) type Hook = fn(&Core, u32, NodeChange);

struct Entry {
    ip: IpAddr,
    init: Option<Init>,
}

#[derive(Default)]
struct Inner {
    /// By node id; `main` is entry 0.
    nodes: Vec<Entry>,
    by_name: BTreeMap<Rc<str>, u32>,
    by_ip: BTreeMap<IpAddr, u32>,
    /// The next automatic address to try, as the last octets of 10.0.0.0/8.
    next_auto: u32,
    hooks: Vec<Hook>,
}

/// The node layer's state of one run.
pub(crate) struct Table(Tracked<Inner>);

/// The address of the implicit node `main`.
pub(crate) const MAIN_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

impl PerRun for Table {
    fn new(_: &Core) -> Table {
        let mut inner = Inner {
            next_auto: 2,
            ..Inner::default()
        };
        inner.by_name.insert("main".into(), 0);
        inner.by_ip.insert(IpAddr::V4(MAIN_IP), 0);
        inner.nodes.push(Entry {
            ip: IpAddr::V4(MAIN_IP),
            init: None,
        });
        Table(Tracked::new(inner))
    }
}

static TABLE: Slot<Table> = Slot::new();

fn table(core: &Core) -> &Tracked<Inner> {
    &core.state(&TABLE).0
}

/// Adds a node (to the driver, then to the table); its address is the next
/// free one of 10.0.0.0/8 when not given.
pub(crate) fn add(
    core: &Core,
    name: Rc<str>,
    ip: Option<IpAddr>,
    init: Option<Init>,
    parts: Parts,
) -> Result<u32, ConfigError> {
    let mut t = table(core).borrow_mut();
    if name.is_empty() || name.contains([':', ' ', '/']) {
        return Err(ConfigError::new(
            "node name",
            &*name,
            "must be non-empty, without ':', '/' or spaces (it is used in \"name:port\")",
        ));
    }
    if name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok() {
        // "name:port" would resolve to the address, never to this node.
        return Err(ConfigError::new(
            "node name",
            &*name,
            "reads as an address (an IP literal or localhost), so \"name:port\" could never reach the node",
        ));
    }
    if t.by_name.contains_key(&name) {
        return Err(ConfigError::new(
            "node name",
            &*name,
            "is already the name of a node",
        ));
    }
    let ip = match ip {
        Some(ip) => {
            if ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() {
                return Err(ConfigError::new(
                    "node address",
                    ip.to_string(),
                    "must be a unicast address (not unspecified, loopback or multicast)",
                ));
            }
            if let Some(&other) = t.by_ip.get(&ip) {
                return Err(ConfigError::new(
                    "node address",
                    ip.to_string(),
                    format!("is already the address of node '{}'", core.node_name(other)),
                ));
            }
            ip
        }
        None => t.auto_ip()?,
    };
    let id = core.add_node(name.clone(), parts);
    debug_assert_eq!(
        id as usize,
        t.nodes.len(),
        "the driver and the table agree on ids"
    );
    t.by_name.insert(name, id);
    t.by_ip.insert(ip, id);
    t.nodes.push(Entry { ip, init });
    Ok(id)
}

impl Inner {
    fn auto_ip(&mut self) -> Result<IpAddr, ConfigError> {
        while self.next_auto < 1 << 24 {
            let n = self.next_auto;
            self.next_auto += 1;
            let ip = IpAddr::V4(Ipv4Addr::new(10, (n >> 16) as u8, (n >> 8) as u8, n as u8));
            if n & 0xff != 0 && n & 0xff != 0xff && !self.by_ip.contains_key(&ip) {
                return Ok(ip);
            }
        }
        Err(ConfigError::new(
            "node address",
            "automatic",
            "10.0.0.0/8 has no free address left",
        ))
    }
}

/// The node's IP address.
#[inline]
pub(crate) fn ip(core: &Core, node: u32) -> IpAddr {
    table(core).borrow().nodes[node as usize].ip
}

/// The node with this address, if any.
#[inline]
pub(crate) fn by_ip(core: &Core, ip: IpAddr) -> Option<u32> {
    table(core).borrow().by_ip.get(&ip).copied()
}

/// The node with this name, if any.
pub(crate) fn by_name(core: &Core, name: &str) -> Option<u32> {
    table(core).borrow().by_name.get(name).copied()
}

/// The node's `init`, if it has one.
pub(crate) fn init(core: &Core, node: u32) -> Option<Init> {
    table(core).borrow().nodes[node as usize].init.clone()
}

/// Registers `hook`: from now on it hears of every change of every node of
/// this run, after the hooks registered before it. A floor registers when
/// its per-run state is created; a floor built on another creates that
/// floor's state first, so the lower floor hears first.
pub(crate) fn on_change(core: &Core, hook: Hook) {
    table(core).borrow_mut().hooks.push(hook);
}

/// Tells every hook, in registration order, that `node` went through `change`.
pub(crate) fn announce(core: &Core, node: u32, change: NodeChange) {
    let hooks = table(core).borrow().hooks.clone();
    for hook in hooks {
        hook(core, node, change);
    }
}

#[cfg(test)]
mod tests {
    //! A floor of its own, written only against the seam (per-run state, a
    //! builder setting, a node setting, a node hook and a timer callback),
    //! to check what the seam promises without touching a floor below.

    use std::any::Any;
    use std::time::Duration;

    use super::*;
    use crate::runtime::Builder;
    use crate::runtime::parts::Part;

    thread_local! {
        static LOG: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn log(line: String) {
        LOG.with(|l| l.borrow_mut().push(line));
    }

    #[derive(Clone, Debug)]
    struct Volume(u32);

    impl Part for Volume {
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    impl Builder {
        fn volume(self, v: u32) -> Builder {
            self.with_part(Volume(v))
        }
    }

    struct Disk {
        size: u32,
    }

    impl PerRun for Disk {
        fn new(core: &Core) -> Disk {
            on_change(core, first_hook);
            on_change(core, second_hook);
            Disk {
                size: core.cfg.parts.get::<Volume>().map_or(1, |v| v.0),
            }
        }
    }

    static DISK: Slot<Disk> = Slot::new();

    fn first_hook(core: &Core, node: u32, change: NodeChange) {
        let size = core.state(&DISK).size;
        let volume = core.node_part::<Volume>(node).map_or(size, |v| v.0);
        log(format!(
            "{change:?} '{}' {:?} volume {volume}",
            core.node_name(node),
            core.node_status(node)
        ));
        if change == NodeChange::Killed {
            let at = core.now() + 1_000_000_000;
            let _key = core.timers.borrow_mut().insert_call(at, fsck, node);
        }
    }

    fn second_hook(_: &Core, _: u32, change: NodeChange) {
        log(format!("then {change:?}"));
    }

    fn fsck(core: &Core, node: u32) {
        log(format!(
            "fsck '{}' at {}ns",
            core.node_name(node),
            core.now()
        ));
    }

    struct Guard;

    impl Drop for Guard {
        fn drop(&mut self) {
            log("task dropped".into());
        }
    }

    #[test]
    fn a_floor_hears_every_change_in_order_and_its_timers_call_back() {
        LOG.with(|l| l.borrow_mut().clear());
        let mut sim = Builder::new().volume(7).build();
        sim.block_on(async {
            crate::runtime::current_core().state(&DISK);
            let db = crate::node::Builder::new("db")
                .with_part(Volume(9))
                .init(|| async {
                    let _guard = Guard;
                    std::future::pending::<()>().await
                })
                .build();
            crate::sleep(Duration::from_millis(1)).await;
            crate::node::kill(db);
            crate::sleep(Duration::from_secs(2)).await;
            crate::node::restart(db);
            crate::node::pause(db);
            crate::node::resume(db);
        });
        let log = LOG.with(|l| l.take());
        assert_eq!(
            log,
            [
                "Started 'db' Running volume 9",
                "then Started",
                // The node is marked killed; its tasks are dropped after the hooks.
                "Killed 'db' Killed volume 9",
                "then Killed",
                "task dropped",
                "fsck 'db' at 1001000000ns",
                "Restarted 'db' Running volume 9",
                "then Restarted",
                "Paused 'db' Paused volume 9",
                "then Paused",
                "Resumed 'db' Running volume 9",
                "then Resumed",
            ]
        );
    }
}
