//! The fabric (pub(crate)): links, packets in flight, and the one entry
//! point through which a packet reaches its node's endpoints.
//!
//! A packet's life: the sockets hand it to [`send`], which decides its fate
//! on the link from `src` to `dst`:
//! 1. same node: delivered at once (loopback has no latency and no faults);
//! 2. either end clogged: *held* until `unclog`, then sent as if new (a
//!    packet in flight *to* a clogged node is held when it arrives, below);
//! 3. the link partitioned: a datagram is *dropped*; a stream segment
//!    *stalls* until `repair` (a reliable channel never loses bytes);
//! 4. otherwise the link's loss coin (a datagram is *lost*; a segment is
//!    retransmitted after 200 ms, 400 ms, ... each time the coin says lost),
//!    its latency (a choice, 0 = the minimum) and, for a datagram, its
//!    duplication coin. Segments of one direction of a channel never
//!    overtake each other: each arrives no earlier than the one before it.
//!
//! A scheduled delivery is an entry of the driver's timer queue, with
//! [`fire`] as its callback (so deliveries and timers keep one time order);
//! when it fires, a packet for a killed node is dropped (a dead machine
//! answers nothing: a connect to it times out), one for a paused or clogged
//! node is held, and the rest go to the [`Endpoints`] that the sockets
//! attached: the transport knows no socket, only nodes, links and channels.
//!
//! Partitions are checked when a packet is sent, not while it flies: a packet
//! already on the wire arrives. A partition that lasts `partition_timeout`
//! breaks the channels it cuts (see `faults`).

use crate::runtime::footprint::Tracked;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io;
use std::rc::Rc;
use std::time::Duration;

use super::config::{LinkConfig, NetConfig, coin};
use super::packet::{Body, Packet};
use crate::node::table as nodes;
use crate::runtime::core::Core;
use crate::runtime::nodes::Status;
use crate::runtime::state::{PerRun, Slot};
use crate::runtime::timers::TimerKey;
use crate::strategy::ChoiceKind;
use crate::trace::{NodeChange, PacketFate};

/// Where the transport hands what arrives: the sockets' endpoint table,
/// one entry point per service.
#[derive(Clone, Copy)]
pub(crate) struct Endpoints {
    /// A datagram reached its (live, running) node.
    pub(crate) datagram: fn(&Core, &Packet),
    /// A stream segment reached its (live, running) node.
    pub(crate) segment: fn(&Core, &Packet),
    /// A partition outlasted its timeout: the channel breaks on both ends.
    pub(crate) broken: fn(&Core, u64, io::ErrorKind, Rc<str>),
}

pub(super) enum NetEvent {
    Deliver(Packet),
    PartitionCheck { a: u32, b: u32, epoch: u64 },
}

struct Held {
    packet: Packet,
    /// It crossed the link already (held on arrival), so it is delivered,
    /// not sent again.
    arrived: bool,
    /// A rule's `Hold`: it waits for `release` of its link.
    by_rule: bool,
}

/// A reliable channel between two nodes (a TCP connection, to the sockets).
struct Channel {
    /// The nodes of its two ends (end 0 opened it).
    nodes: [u32; 2],
    /// The arrival time of the last segment sent to each end.
    last_arrival: [u64; 2],
}

pub(super) struct Fabric {
    pub(super) links: BTreeMap<(u32, u32), LinkConfig>,
    pub(super) blocked: BTreeSet<(u32, u32)>,
    /// Bumped at every change of a pair's partitions (key: lower id first).
    pub(super) epochs: BTreeMap<(u32, u32), u64>,
    /// The pending partition check of a pair (key: lower id first), taken
    /// off the timer queue when the pair changes, so that a healed
    /// partition leaves no event behind.
    pub(super) checks: BTreeMap<(u32, u32), (TimerKey, u32)>,
    pub(super) clogged: BTreeSet<u32>,
    /// Links held both ways (`hold`), as (lower id, higher id).
    pub(super) held_links: BTreeSet<(u32, u32)>,
    held: VecDeque<Held>,
    stalled: VecDeque<Packet>,
    events: Vec<Option<NetEvent>>,
    /// When each event is due (by token; kept apart so that an event stays
    /// small to move).
    due: Vec<u64>,
    free: Vec<u32>,
    channels: BTreeMap<u64, Channel>,
    next_channel: u64,
    endpoints: Option<Endpoints>,
}

/// The transport's state of one run: the network's settings and its fabric.
pub(crate) struct Transport {
    pub(crate) cfg: NetConfig,
    pub(super) fabric: Tracked<Fabric>,
    /// The per-packet fault rules (kept apart from the fabric: a rule runs
    /// user code, with no borrow of the fabric held).
    pub(super) rules: super::rules::Rules,
    /// Whether any link has an MTU (most runs have none: no lookup then).
    pub(super) mtus: std::cell::Cell<bool>,
    /// The number the next packet gets.
    next_packet: std::cell::Cell<u64>,
}

impl PerRun for Transport {
    fn new(core: &Core) -> Transport {
        nodes::on_change(core, on_node_change);
        let cfg: NetConfig = core
            .cfg
            .parts
            .get::<NetConfig>()
            .cloned()
            .unwrap_or_default();
        let cfg_mtu = cfg.link.mtu.is_some();
        Transport {
            cfg,
            fabric: Tracked::new(Fabric {
                links: BTreeMap::new(),
                blocked: BTreeSet::new(),
                epochs: BTreeMap::new(),
                checks: BTreeMap::new(),
                clogged: BTreeSet::new(),
                held_links: BTreeSet::new(),
                held: VecDeque::new(),
                stalled: VecDeque::new(),
                events: Vec::new(),
                due: Vec::new(),
                free: Vec::new(),
                channels: BTreeMap::new(),
                next_channel: 1,
                endpoints: None,
            }),
            rules: super::rules::Rules::default(),
            mtus: std::cell::Cell::new(cfg_mtu),
            next_packet: std::cell::Cell::new(0),
        }
    }

    fn shutdown(&self) {
        let mut f = self.fabric.borrow_mut();
        let events = std::mem::take(&mut f.events);
        let held = std::mem::take(&mut f.held);
        let stalled = std::mem::take(&mut f.stalled);
        drop(f);
        drop((events, held, stalled));
    }
}

static TRANSPORT: Slot<Transport> = Slot::new();

/// The transport of the running simulation, created at its first use.
#[inline]
pub(crate) fn get(core: &Core) -> &Transport {
    core.state(&TRANSPORT)
}

/// A number for a new packet: the next in the run.
#[inline]
pub(crate) fn packet_id(core: &Core) -> u64 {
    let next = &get(core).next_packet;
    let id = next.get();
    next.set(id + 1);
    id
}

/// The longest retransmission delay of a TCP segment.
const MAX_RETRANSMIT: Duration = Duration::from_secs(60);
/// How many times in a row one segment may be lost before it gets through anyway.
const MAX_LOSSES: u32 = 16;

impl Fabric {
    pub(super) fn schedule(&mut self, core: &Core, at: u64, event: NetEvent) -> (TimerKey, u32) {
        let token = match self.free.pop() {
            Some(t) => {
                self.events[t as usize] = Some(event);
                self.due[t as usize] = at;
                t
            }
            None => {
                self.events.push(Some(event));
                self.due.push(at);
                (self.events.len() - 1) as u32
            }
        };
        (core.timers.borrow_mut().insert_call(at, fire, token), token)
    }

    /// Forgets the event behind `token` (its timer was cancelled).
    pub(super) fn unschedule(&mut self, token: u32) {
        self.events[token as usize] = None;
        self.free.push(token);
    }

    pub(super) fn is_blocked(&self, from: u32, to: u32) -> bool {
        self.blocked.contains(&(from, to))
    }

    /// Whether the link between `a` and `b` is held (`hold`).
    #[inline]
    pub(super) fn link_held(&self, a: u32, b: u32) -> bool {
        !self.held_links.is_empty() && self.held_links.contains(&(a.min(b), a.max(b)))
    }

    /// A rule's holds on the link between `a` and `b` end (`release`).
    pub(super) fn release_rule_holds(&mut self, a: u32, b: u32) {
        for h in &mut self.held {
            let (s, d) = (h.packet.src, h.packet.dst);
            if (s, d) == (a, b) || (s, d) == (b, a) {
                h.by_rule = false;
            }
        }
    }

    /// The channels between nodes `a` and `b`, in the order they were opened.
    pub(super) fn channels_between(&self, a: u32, b: u32) -> Vec<u64> {
        self.channels
            .iter()
            .filter(|(_, c)| {
                let [x, y] = c.nodes;
                a != b && ((x, y) == (a, b) || (x, y) == (b, a))
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Drops the stalled segments of these channels (they broke).
    pub(super) fn drop_stalled(&mut self, core: &Core, channels: &BTreeSet<u64>) {
        let (now, mut rec) = (core.now(), core.rec.borrow_mut());
        self.stalled.retain(|p| {
            let keep = p.flow().is_none_or(|(c, _)| !channels.contains(&c));
            if !keep {
                rec.discard(now, p.id);
            }
            keep
        });
    }

    pub(super) fn endpoints(&self) -> Option<Endpoints> {
        self.endpoints
    }
}

/// The sockets attach their endpoint table: where arrivals go from now on.
pub(crate) fn attach(core: &Core, endpoints: Endpoints) {
    get(core).fabric.borrow_mut().endpoints = Some(endpoints);
}

/// Opens a reliable channel between the nodes `a` (its end 0) and `b`;
/// ids count from 1, in opening order.
pub(crate) fn open_channel(core: &Core, a: u32, b: u32) -> u64 {
    let mut f = get(core).fabric.borrow_mut();
    let id = f.next_channel;
    f.next_channel += 1;
    f.channels.insert(
        id,
        Channel {
            nodes: [a, b],
            last_arrival: [0; 2],
        },
    );
    id
}

/// Forgets a channel: both its ends are closed.
pub(crate) fn close_channel(core: &Core, id: u64) {
    get(core).fabric.borrow_mut().channels.remove(&id);
}

/// The MTU of the link from node `src` to node `dst`, if it has one
/// (loopback has none).
#[inline]
pub(crate) fn mtu(core: &Core, src: u32, dst: u32) -> Option<usize> {
    get(core).link_mtu(src, dst)
}

impl Transport {
    /// The MTU of the link from `src` to `dst`: none for loopback, nor
    /// while no link has one (then no lookup at all).
    #[inline]
    fn link_mtu(&self, src: u32, dst: u32) -> Option<usize> {
        if src == dst || !self.mtus.get() {
            return None;
        }
        let f = self.fabric.borrow();
        f.links.get(&(src, dst)).unwrap_or(&self.cfg.link).mtu
    }
}

/// Where a packet on the wire is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// Flying: it arrives at this virtual time since the start.
    Arriving(Duration),
    /// Held by a clog, a hold, a pause or a rule, until released.
    Held,
    /// Waiting for a partition to heal (a TCP segment).
    Stalled,
}

/// A packet on the wire, as [`in_flight`] lists it.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
///     s.send_to(b"abc", "b:9").await.unwrap();
///     let flying: Vec<seedloop::net::InFlight> = seedloop::net::in_flight();
///     assert_eq!((flying[0].protocol, flying[0].len), ("udp", 3));
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InFlight {
    /// `"udp"` or `"tcp"`.
    pub protocol: &'static str,
    /// For a TCP segment: `"SYN"`, `"SYN-ACK"`, `"DATA"`, `"FIN"` or `"RST"`.
    pub segment: Option<&'static str>,
    /// The sender's address.
    pub from: std::net::SocketAddr,
    /// The destination address.
    pub to: std::net::SocketAddr,
    /// The payload's length in bytes.
    pub len: usize,
    /// Where it is.
    pub wire: Wire,
}

fn summary(p: &Packet, wire: Wire) -> InFlight {
    InFlight {
        protocol: p.proto(),
        segment: p.segment(),
        from: p.from,
        to: p.to,
        len: p.len(),
        wire,
    }
}

/// Every packet on the wire now: flying (by arrival time, then in the
/// order sent), then held, then stalled, each in order. For tests that
/// assert on what the network carries.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use seedloop::net::{self, Wire};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     net::clog("b");
///     let s = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
///     s.send_to(b"waits", "b:9").await.unwrap();
///     assert_eq!(net::in_flight()[0].wire, Wire::Held);
///     net::unclog("b");
///     assert!(matches!(net::in_flight()[0].wire, Wire::Arriving(_)));
/// });
/// ```
#[track_caller]
pub fn in_flight() -> Vec<InFlight> {
    let core = crate::runtime::current_core();
    let f = get(&core).fabric.borrow();
    let mut flying: Vec<(u64, usize, InFlight)> = f
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            Some(NetEvent::Deliver(p)) => {
                let at = f.due[i];
                Some((at, i, summary(p, Wire::Arriving(Duration::from_nanos(at)))))
            }
            _ => None,
        })
        .collect();
    flying.sort_by_key(|(at, i, _)| (*at, *i));
    let mut out: Vec<InFlight> = flying.into_iter().map(|(_, _, x)| x).collect();
    out.extend(f.held.iter().map(|h| summary(&h.packet, Wire::Held)));
    out.extend(f.stalled.iter().map(|p| summary(p, Wire::Stalled)));
    out
}

/// Records a packet's fate in the trace and the fingerprint, where it was
/// sent (or kept from going).
#[inline]
pub(crate) fn note(core: &Core, fate: PacketFate, p: &Packet) {
    note_on(core, fate, p, p.src);
}

/// Records a packet's fate at its destination node (delivered, or dropped
/// or held on arrival).
#[inline]
pub(crate) fn note_arrival(core: &Core, fate: PacketFate, p: &Packet) {
    note_on(core, fate, p, p.dst);
}

#[inline]
fn note_on(core: &Core, fate: PacketFate, p: &Packet, at: u32) {
    let mut rec = core.rec.borrow_mut();
    let mark = (p.id, p.src, p.dst, at);
    match p.control() {
        Some(segment) => rec.control(core.now(), fate, segment, p.from, p.to, mark),
        None => rec.packet(core.now(), fate, p.proto(), p.from, p.to, p.len(), mark),
    }
}

/// Puts a packet on the link from its source node to its destination.
// Not inlined: the caller builds the packet in the argument's place, and
// this passes it on to `transmit` without another copy.
#[inline(never)]
pub(crate) fn send(core: &Core, p: Packet) {
    let transport = get(core);
    if transport.rules.any() && p.src != p.dst {
        return judged(core, transport, p);
    }
    transmit_after(
        core,
        &transport.cfg,
        &mut transport.fabric.borrow_mut(),
        p,
        0,
    );
}

/// A duration in virtual nanoseconds (saturating).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Puts a datagram on its link, unless it does not fit the link's MTU:
/// then `Err(mtu)`, and nothing is sent.
#[inline(never)]
pub(crate) fn send_datagram(core: &Core, p: Packet) -> Result<(), usize> {
    let transport = get(core);
    if let Some(mtu) = transport.link_mtu(p.src, p.dst) {
        if !super::config::datagram_fits(p.len(), mtu) {
            return Err(mtu);
        }
    }
    if transport.rules.any() && p.src != p.dst {
        judged(core, transport, p);
        return Ok(());
    }
    transmit_after(
        core,
        &transport.cfg,
        &mut transport.fabric.borrow_mut(),
        p,
        0,
    );
    Ok(())
}

/// A packet the rules decide about first (see `rules`).
#[cold]
fn judged(core: &Core, transport: &Transport, p: Packet) {
    use super::rules::Verdict;
    let verdict = transport.rules.judge(&p);
    let cfg = &transport.cfg;
    let mut f = transport.fabric.borrow_mut();
    let datagram = matches!(p.body, Body::Datagram(_));
    match verdict {
        Verdict::Deliver => transmit(core, cfg, &mut f, p),
        Verdict::Drop if datagram => note(core, PacketFate::Dropped, &p),
        Verdict::Drop => {
            // A reliable channel loses no bytes: the segment goes again.
            note(core, PacketFate::Lost, &p);
            transmit_after(core, cfg, &mut f, p, nanos(cfg.retransmit));
        }
        Verdict::Delay(d) => transmit_after(core, cfg, &mut f, p, nanos(d)),
        Verdict::Hold => {
            note(core, PacketFate::Held, &p);
            f.held.push_back(Held {
                packet: p,
                arrived: false,
                by_rule: true,
            });
        }
        Verdict::Duplicate if datagram => {
            let Body::Datagram(data) = &p.body else {
                unreachable!("checked to be a datagram")
            };
            let copy = Packet {
                id: packet_id(core),
                body: Body::Datagram(data.clone()),
                ..p
            };
            note(core, PacketFate::Duplicated, &copy);
            transmit(core, cfg, &mut f, p);
            transmit(core, cfg, &mut f, copy);
        }
        Verdict::Duplicate => transmit(core, cfg, &mut f, p),
    }
}

#[inline]
fn transmit(core: &Core, cfg: &NetConfig, f: &mut Fabric, p: Packet) {
    transmit_after(core, cfg, f, p, 0);
}

/// Puts a packet on its link, arriving `extra` later than the link says.
fn transmit_after(core: &Core, cfg: &NetConfig, f: &mut Fabric, p: Packet, extra: u64) {
    let now = core.now();
    if p.src == p.dst {
        note(core, PacketFate::Sent, &p);
        let at = order(f, &p, now);
        f.schedule(core, at, NetEvent::Deliver(p));
        return;
    }
    // A segment never overtakes an earlier one of its direction that waits
    // for a partition to heal (even if a clog would hold it instead).
    if let Some(flow) = p.flow() {
        if f.stalled.iter().any(|q| q.flow() == Some(flow)) {
            note(core, PacketFate::Stalled, &p);
            f.stalled.push_back(p);
            return;
        }
    }
    if f.clogged.contains(&p.src) || f.clogged.contains(&p.dst) || f.link_held(p.src, p.dst) {
        note(core, PacketFate::Held, &p);
        f.held.push_back(Held {
            packet: p,
            arrived: false,
            by_rule: false,
        });
        return;
    }
    if f.blocked.contains(&(p.src, p.dst)) {
        if matches!(p.body, Body::Datagram(_)) {
            note(core, PacketFate::Dropped, &p);
        } else {
            note(core, PacketFate::Stalled, &p);
            f.stalled.push_back(p);
        }
        return;
    }
    let link = f.links.get(&(p.src, p.dst)).unwrap_or(&cfg.link);
    let (lo, hi, loss, dup) = (
        link.latency.start,
        link.latency.end,
        link.loss,
        link.duplicate,
    );
    let lost = |core: &Core| loss > 0.0 && core.choose(ChoiceKind::Coin { p: coin(loss) }, 2) == 1;
    let to_ns = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    if let Body::Datagram(data) = &p.body {
        if lost(core) {
            note(core, PacketFate::Lost, &p);
            return;
        }
        let at = now
            .saturating_add(to_ns(core.choose_duration(lo, hi)))
            .saturating_add(extra);
        let copy =
            (dup > 0.0 && core.choose(ChoiceKind::Coin { p: coin(dup) }, 2) == 1).then(|| Packet {
                id: packet_id(core),
                body: Body::Datagram(data.clone()),
                ..p
            });
        note(core, PacketFate::Sent, &p);
        f.schedule(core, at, NetEvent::Deliver(p));
        if let Some(copy) = copy {
            note(core, PacketFate::Duplicated, &copy);
            let at = now
                .saturating_add(to_ns(core.choose_duration(lo, hi)))
                .saturating_add(extra);
            f.schedule(core, at, NetEvent::Deliver(copy));
        }
        return;
    }
    // A stream segment: a lost one is sent again after a growing delay.
    let mut delay = Duration::ZERO;
    let mut rto = cfg.retransmit;
    for _ in 0..MAX_LOSSES {
        if !lost(core) {
            break;
        }
        note(core, PacketFate::Lost, &p);
        delay += rto;
        rto = (rto * 2).min(MAX_RETRANSMIT);
    }
    let at = now
        .saturating_add(to_ns(core.choose_duration(lo, hi) + delay))
        .saturating_add(extra);
    let at = order(f, &p, at);
    note(core, PacketFate::Sent, &p);
    f.schedule(core, at, NetEvent::Deliver(p));
}

/// A segment arrives no earlier than the previous one of its direction.
fn order(f: &mut Fabric, p: &Packet, at: u64) -> u64 {
    if let Some((channel, to_end)) = p.flow() {
        if let Some(c) = f.channels.get_mut(&channel) {
            let last = &mut c.last_arrival[to_end];
            *last = at.max(*last);
            return *last;
        }
    }
    at
}

/// A scheduled network event is due (the timer queue's callback).
fn fire(core: &Core, token: u32) {
    let transport = get(core);
    let mut f = transport.fabric.borrow_mut();
    let e = f.events[token as usize].take();
    f.free.push(token);
    match e {
        Some(NetEvent::Deliver(p)) => {
            if arrives(core, &f, &p) {
                let endpoints = f.endpoints;
                drop(f);
                hand_over(core, endpoints, &p);
            } else {
                stop(core, &mut f, p);
            }
        }
        Some(NetEvent::PartitionCheck { a, b, epoch }) => {
            let pair = (a.min(b), a.max(b));
            if f.checks.get(&pair).is_some_and(|&(_, t)| t == token) {
                f.checks.remove(&pair);
            }
            drop(f);
            super::faults::partition_check(core, a, b, epoch);
        }
        None => {}
    }
}

/// Whether a packet that reached its node is handed over: not if the node
/// is dead, paused or clogged (then [`stop`] it).
#[inline]
fn arrives(core: &Core, f: &Fabric, p: &Packet) -> bool {
    core.node_status(p.dst) == Status::Running
        && !f.clogged.contains(&p.dst)
        && !f.link_held(p.src, p.dst)
}

/// A packet that does not arrive: a dead machine drops it (it answers
/// nothing: a connect to it times out), a paused or clogged one holds it.
#[cold]
fn stop(core: &Core, f: &mut Fabric, p: Packet) {
    if core.node_status(p.dst) == Status::Killed {
        note_arrival(core, PacketFate::Dropped, &p);
    } else {
        note_arrival(core, PacketFate::Held, &p);
        f.held.push_back(Held {
            packet: p,
            arrived: true,
            by_rule: false,
        });
    }
}

/// The entry points into a node's endpoints (called with no borrow of the
/// fabric held: the sockets may send replies at once).
#[inline]
fn hand_over(core: &Core, endpoints: Option<Endpoints>, p: &Packet) {
    match (endpoints, &p.body) {
        (Some(e), Body::Datagram(_)) => (e.datagram)(core, p),
        (Some(e), Body::Stream { .. }) => (e.segment)(core, p),
        (None, _) => note_arrival(core, PacketFate::Dropped, p),
    }
}

/// Sends or delivers the held packets that nothing holds any more, in the
/// order they were held (after `unclog` and `resume`). Those that arrived
/// already are delivered at once: packets sent now, even with no latency,
/// cannot overtake them.
pub(super) fn release_held(core: &Core) {
    let transport = get(core);
    let held = std::mem::take(&mut transport.fabric.borrow_mut().held);
    for h in held {
        let status = core.node_status(h.packet.dst);
        let mut f = transport.fabric.borrow_mut();
        let still = h.by_rule
            || f.clogged.contains(&h.packet.src)
            || f.clogged.contains(&h.packet.dst)
            || f.link_held(h.packet.src, h.packet.dst);
        if still || (h.arrived && status == Status::Paused) {
            f.held.push_back(h);
        } else if h.arrived {
            if arrives(core, &f, &h.packet) {
                let endpoints = f.endpoints;
                drop(f);
                hand_over(core, endpoints, &h.packet);
            } else {
                stop(core, &mut f, h.packet);
            }
        } else {
            transmit(core, &transport.cfg, &mut f, h.packet);
        }
    }
}

/// Sends the stalled segments whose link is open again, in order.
pub(super) fn release_stalled(core: &Core, cfg: &NetConfig, f: &mut Fabric) {
    let stalled = std::mem::take(&mut f.stalled);
    for p in stalled {
        if f.blocked.contains(&(p.src, p.dst)) {
            f.stalled.push_back(p);
        } else {
            transmit(core, cfg, f, p);
        }
    }
}

/// The transport's node hook: a killed node's packets held or stalled go
/// (before the sockets send their resets, which then wait behind a clog or
/// a partition like any packet); a resumed node gets what was held for it.
fn on_node_change(core: &Core, node: u32, change: NodeChange) {
    match change {
        NodeChange::Killed => {
            let mut f = get(core).fabric.borrow_mut();
            let (now, mut rec) = (core.now(), core.rec.borrow_mut());
            f.held.retain(|h| {
                let keep = h.packet.src != node && !(h.arrived && h.packet.dst == node);
                if !keep {
                    rec.discard(now, h.packet.id);
                }
                keep
            });
            f.stalled.retain(|p| {
                if p.src == node {
                    rec.discard(now, p.id);
                }
                p.src != node
            });
        }
        NodeChange::Resumed => release_held(core),
        _ => {}
    }
}
