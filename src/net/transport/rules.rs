//! Per-packet fault rules: `Rule::on_packet(&Packet) -> Verdict`
//! (turmoil-net's seam), installed for every link or for one direction of
//! one link.
//!
//! Each packet put on a link (loopback excepted: it has no faults) is shown
//! to the rules in the order they were installed, link rules of its
//! direction and global ones alike; the first verdict other than
//! [`Verdict::Deliver`] decides, and the packet then goes on to the link's
//! own settings (latency, loss, duplication) unless the verdict took it.
//! A retransmitted or released packet is not shown again.
//!
//! | verdict | a datagram (UDP) | a segment (TCP) |
//! |---|---|---|
//! | `Deliver` | the link decides | the link decides |
//! | `Drop` | dropped | lost once: sent again after the retransmission delay |
//! | `Delay(d)` | arrives `d` later than the link says | the same (later segments wait behind it) |
//! | `Hold` | held until [`release`](super::release) of its link | the same |
//! | `Duplicate` | sent twice, each copy with its own fate | the link decides (a reliable channel drops duplicates) |
//!
//! A rule's randomness comes from the tape: call [`crate::rand`] inside
//! `on_packet` (it runs inside the simulation), and each draw is a choice,
//! replayed and shrunk like any other. A rule must not install or remove
//! rules, nor call the network's fault controls.

use crate::runtime::footprint::Tracked;
use std::cell::Cell;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use super::packet::{Body, Packet as Raw, Segment};
use crate::node::{IntoNode, NodeId};
use crate::runtime::current_core;

/// What a rule decides for a packet.
///
/// | verdict | a datagram (UDP) | a segment (TCP) |
/// |---|---|---|
/// | `Deliver` | the link decides | the link decides |
/// | `Drop` | dropped | lost once: sent again after the retransmission delay |
/// | `Delay(d)` | arrives `d` later than the link says | the same (later segments wait behind it) |
/// | `Hold` | held until [`release`](crate::net::release) of its link | the same |
/// | `Duplicate` | sent twice, each copy with its own fate | the link decides (a reliable channel drops duplicates) |
///
/// ```
/// use seedloop::net::Verdict;
/// assert_eq!(Verdict::default(), Verdict::Deliver);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verdict {
    /// No decision: later rules and the link's settings decide.
    #[default]
    Deliver,
    /// A datagram is dropped; a segment is lost once.
    Drop,
    /// Arrives this much later than the link says.
    Delay(Duration),
    /// Held until `release` of its link.
    Hold,
    /// A datagram is sent twice.
    Duplicate,
}

/// A packet, as a [`Rule`] sees it.
///
/// ```
/// use seedloop::net::{self, Packet, Verdict};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     net::add_rule(|p: &Packet<'_>| {
///         assert_eq!(p.protocol(), "udp");
///         assert_eq!((p.len(), p.payload()), (2, &b"hi"[..]));
///         assert_eq!(p.segment(), None);
///         Verdict::Deliver
///     });
///     let a = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
///     seedloop::node::Builder::new("b").build();
///     a.send_to(b"hi", "b:9").await.unwrap();
/// });
/// ```
pub struct Packet<'a> {
    raw: &'a Raw,
}

impl fmt::Debug for Packet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packet")
            .field("protocol", &self.protocol())
            .field("segment", &self.segment())
            .field("from", &self.from())
            .field("to", &self.to())
            .field("len", &self.len())
            .finish()
    }
}

impl Packet<'_> {
    /// The sender's address.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert_eq!(p.from().port(), 49152);
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"x", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn from(&self) -> SocketAddr {
        self.raw.from
    }

    /// The destination address.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert_eq!(p.to().port(), 9);
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"x", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn to(&self) -> SocketAddr {
        self.raw.to
    }

    /// The sending node.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert_eq!(p.src().name(), "main");
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"x", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn src(&self) -> NodeId {
        NodeId(self.raw.src)
    }

    /// The receiving node.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let b = seedloop::node::Builder::new("b").build();
    /// net::add_rule(move |p: &Packet<'_>| {
    ///     assert_eq!(p.dst(), b);
    ///     Verdict::Deliver
    /// });
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"x", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn dst(&self) -> NodeId {
        NodeId(self.raw.dst)
    }

    /// `"udp"` or `"tcp"`.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert_eq!(p.protocol(), "udp");
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"x", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn protocol(&self) -> &'static str {
        self.raw.proto()
    }

    /// For a TCP segment, what it is: `"SYN"`, `"SYN-ACK"`, `"DATA"`,
    /// `"FIN"` or `"RST"`; `None` for a datagram.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert_eq!(p.segment(), None); // a datagram
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"x", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn segment(&self) -> Option<&'static str> {
        self.raw.segment()
    }

    /// The payload's length in bytes (0 for a TCP control segment).
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert_eq!(p.len(), 3);
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"abc", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether the payload is empty.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert!(!p.is_empty());
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"abc", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload's bytes.
    ///
    /// ```
    /// # use seedloop::net::{self, Packet, Verdict};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// net::add_rule(|p: &Packet<'_>| {
    ///     assert_eq!(p.payload(), b"abc");
    ///     Verdict::Deliver
    /// });
    /// # seedloop::node::Builder::new("b").build();
    /// # net::UdpSocket::bind("0.0.0.0:0").await.unwrap().send_to(b"abc", "b:9").await.unwrap();
    /// # });
    /// ```
    pub fn payload(&self) -> &[u8] {
        match &self.raw.body {
            Body::Datagram(data) => data.as_slice(),
            Body::Stream {
                seg: Segment::Data(data),
                ..
            } => data.as_slice(),
            Body::Stream { .. } => &[],
        }
    }
}

/// A per-packet fault rule (turmoil-net's `Rule`). Closures
/// `FnMut(&Packet) -> Verdict` are rules.
///
/// ```
/// use seedloop::net::{Packet, Rule, Verdict};
///
/// /// Drops every third SYN.
/// struct EveryThirdSyn(u32);
///
/// impl Rule for EveryThirdSyn {
///     fn on_packet(&mut self, p: &Packet<'_>) -> Verdict {
///         if p.segment() != Some("SYN") {
///             return Verdict::Deliver;
///         }
///         self.0 += 1;
///         if self.0 % 3 == 0 { Verdict::Drop } else { Verdict::Deliver }
///     }
/// }
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::net::add_rule(EveryThirdSyn(0));
/// });
/// ```
pub trait Rule {
    /// The verdict for one packet put on a link.
    fn on_packet(&mut self, packet: &Packet<'_>) -> Verdict;
}

impl<F: FnMut(&Packet<'_>) -> Verdict> Rule for F {
    fn on_packet(&mut self, packet: &Packet<'_>) -> Verdict {
        self(packet)
    }
}

/// Names an installed rule, to [`remove_rule`] it.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let id: seedloop::net::RuleId = seedloop::net::add_rule(|_: &seedloop::net::Packet<'_>| {
///         seedloop::net::Verdict::Deliver
///     });
///     assert!(seedloop::net::remove_rule(id));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(u64);

struct Installed {
    id: RuleId,
    /// `None`: every link; else one direction `(from, to)`.
    link: Option<(u32, u32)>,
    rule: Box<dyn Rule>,
}

/// The rules of one run.
#[derive(Default)]
pub(crate) struct Rules {
    installed: Tracked<Vec<Installed>>,
    next: Cell<u64>,
    /// Whether any rule is installed (the common case has none).
    any: Cell<bool>,
}

impl Rules {
    #[inline]
    pub(crate) fn any(&self) -> bool {
        self.any.get()
    }

    fn add(&self, link: Option<(u32, u32)>, rule: Box<dyn Rule>) -> RuleId {
        let id = RuleId(self.next.get());
        self.next.set(id.0 + 1);
        self.installed
            .borrow_mut()
            .push(Installed { id, link, rule });
        self.any.set(true);
        id
    }

    fn remove(&self, id: RuleId) -> bool {
        let mut installed = self.installed.borrow_mut();
        let before = installed.len();
        installed.retain(|r| r.id != id);
        self.any.set(!installed.is_empty());
        installed.len() != before
    }

    /// The verdict of the installed rules for `raw`.
    pub(crate) fn judge(&self, raw: &Raw) -> Verdict {
        let packet = Packet { raw };
        let mut installed = self.installed.borrow_mut();
        for r in installed.iter_mut() {
            if r.link.is_some_and(|l| l != (raw.src, raw.dst)) {
                continue;
            }
            let v = r.rule.on_packet(&packet);
            if v != Verdict::Deliver {
                return v;
            }
        }
        Verdict::Deliver
    }
}

/// Installs `rule` for every link. Each packet put on a link (loopback
/// excepted) is shown to the rules in the order they were installed; the
/// first verdict other than [`Verdict::Deliver`] decides. A rule's
/// randomness comes from the tape: call [`crate::rand`] inside it. A rule
/// must not install or remove rules, nor call the fault controls.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use std::time::Duration;
/// use seedloop::net::{self, Packet, Verdict};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     // Delay packets bigger than 1 KiB by 50 ms.
///     net::add_rule(|p: &Packet<'_>| {
///         if p.len() > 1024 { Verdict::Delay(Duration::from_millis(50)) } else { Verdict::Deliver }
///     });
/// });
/// ```
#[track_caller]
pub fn add_rule(rule: impl Rule + 'static) -> RuleId {
    let core = current_core();
    super::fabric::get(&core).rules.add(None, Box::new(rule))
}

/// Installs `rule` for the direction `from` -> `to` of one link.
///
/// # Panics
///
/// Outside a simulation, or if a node is unknown.
///
/// ```
/// use seedloop::net::{self, Packet, Verdict};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let b = seedloop::node::Builder::new("b").build();
///     net::add_rule_on("main", b, |_: &Packet<'_>| Verdict::Drop); // main -> b only
/// });
/// ```
#[track_caller]
pub fn add_rule_on(from: impl IntoNode, to: impl IntoNode, rule: impl Rule + 'static) -> RuleId {
    let (from, to) = (from.node_id(), to.node_id());
    let core = current_core();
    super::fabric::get(&core)
        .rules
        .add(Some((from.0, to.0)), Box::new(rule))
}

/// Removes an installed rule; false if it was removed already.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use seedloop::net::{self, Packet, Verdict};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let id = net::add_rule(|_: &Packet<'_>| Verdict::Drop);
///     assert!(net::remove_rule(id));
///     assert!(!net::remove_rule(id));
/// });
/// ```
#[track_caller]
pub fn remove_rule(id: RuleId) -> bool {
    let core = current_core();
    super::fabric::get(&core).rules.remove(id)
}
