//! The simulation's table of nodes (pub(crate)): names, addresses, status.
//!
//! A node is an index into a `Vec`; node 0 is the implicit node `main` that
//! runs `block_on`'s future and every task spawned from outside a node. Names
//! and addresses are looked up through `BTreeMap`s, so nothing here depends
//! on hashing.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::rc::Rc;

use crate::error::ConfigError;

/// A node's start function: called at `build` and again at every restart.
pub(crate) type Init = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

/// Where a node is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Running,
    Paused,
    Killed,
}

pub(crate) struct NodeState {
    pub(crate) name: Rc<str>,
    pub(crate) ip: IpAddr,
    pub(crate) init: Option<Init>,
    pub(crate) status: Status,
    /// Added to the node's `system_now()`, in nanoseconds (negative: behind).
    pub(crate) skew: i128,
    /// Bumped at every kill: sockets of an older life are dead.
    pub(crate) life: u32,
    /// The next ephemeral port to try.
    pub(crate) next_port: u16,
}

/// The first ephemeral port (IANA's dynamic range).
pub(crate) const EPHEMERAL_START: u16 = 49_152;

pub(crate) struct Nodes {
    nodes: Vec<NodeState>,
    by_name: BTreeMap<Rc<str>, u32>,
    by_ip: BTreeMap<IpAddr, u32>,
    /// The next automatic address to try, as the last octets of 10.0.0.0/8.
    next_auto: u32,
}

/// The address of the implicit node `main`.
pub(crate) const MAIN_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

impl Nodes {
    pub(crate) fn new() -> Nodes {
        let mut nodes = Nodes {
            nodes: Vec::new(),
            by_name: BTreeMap::new(),
            by_ip: BTreeMap::new(),
            next_auto: 2,
        };
        nodes
            .add("main".into(), Some(IpAddr::V4(MAIN_IP)), None, 0)
            .expect("the main node is the first");
        nodes
    }

    /// Adds a node; its address is the next free one of 10.0.0.0/8 when not given.
    pub(crate) fn add(
        &mut self,
        name: Rc<str>,
        ip: Option<IpAddr>,
        init: Option<Init>,
        skew: i128,
    ) -> Result<u32, ConfigError> {
        if name.is_empty() || name.contains([':', ' ', '/']) {
            return Err(ConfigError::new(
                "node name",
                &*name,
                "must be non-empty, without ':', '/' or spaces (it is used in \"name:port\")",
            ));
        }
        if self.by_name.contains_key(&name) {
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
                if let Some(&other) = self.by_ip.get(&ip) {
                    return Err(ConfigError::new(
                        "node address",
                        ip.to_string(),
                        format!(
                            "is already the address of node '{}'",
                            self.nodes[other as usize].name
                        ),
                    ));
                }
                ip
            }
            None => self.auto_ip()?,
        };
        let id = self.nodes.len() as u32;
        self.by_name.insert(name.clone(), id);
        self.by_ip.insert(ip, id);
        self.nodes.push(NodeState {
            name,
            ip,
            init,
            status: Status::Running,
            skew,
            life: 0,
            next_port: EPHEMERAL_START,
        });
        Ok(id)
    }

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

    #[inline]
    pub(crate) fn get(&self, id: u32) -> &NodeState {
        &self.nodes[id as usize]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, id: u32) -> &mut NodeState {
        &mut self.nodes[id as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether some node is paused.
    pub(crate) fn any_paused(&self) -> bool {
        self.nodes.iter().any(|n| n.status == Status::Paused)
    }

    pub(crate) fn by_name(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    #[inline]
    pub(crate) fn by_ip(&self, ip: IpAddr) -> Option<u32> {
        self.by_ip.get(&ip).copied()
    }
}
