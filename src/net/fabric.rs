//! The network fabric (pub(crate)): links, faults and packets in flight.
//!
//! A packet's life: a socket hands it to [`transmit`], which decides its
//! fate on the link from `src` to `dst`:
//! 1. same node: delivered at once (loopback has no latency and no faults);
//! 2. either end clogged: *held* until `unclog`, then sent as if new;
//! 3. the link partitioned: a datagram is *dropped*; a TCP segment *stalls*
//!    until `repair` (TCP never loses bytes);
//! 4. otherwise the link's loss coin (a datagram is *lost*; a TCP segment is
//!    retransmitted after 200 ms, 400 ms, ... each time the coin says lost),
//!    its latency (a choice, 0 = the minimum) and, for UDP, its duplication
//!    coin. TCP segments of one direction never overtake each other: each
//!    arrives no earlier than the one sent before it.
//!
//! A scheduled delivery is an entry of the core's timer queue (so deliveries
//! and timers keep one time order); when it fires, a packet for a killed
//! node is dropped (a dead machine answers nothing: a connect to it times
//! out), one for a paused or clogged node is held, and the rest reach their
//! socket. A TCP segment for a closed connection end is answered with a reset.
//!
//! Partitions are checked when a packet is sent, not while it flies: a packet
//! already on the wire arrives. A partition that lasts `partition_timeout`
//! breaks the TCP connections it cuts (a check event per cut pair, timed
//! from its first cut and taken off the timer queue by a repair).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use super::config::{LinkConfig, NetConfig, coin};
use super::tcp::conn::{self, Conn, ListenerShared};
use super::udp::{self, UdpShared};
use crate::node::table::Status;
use crate::runtime::core::Core;
use crate::runtime::timers::TimerKey;
use crate::strategy::ChoiceKind;
use crate::trace::PacketFate;

/// A packet's bytes: up to 64 inline (no allocation for the small
/// messages most simulations send), more on the heap.
#[derive(Clone)]
pub(crate) enum Payload {
    Small { len: u8, buf: [u8; 64] },
    Big(Vec<u8>),
}

impl Payload {
    #[inline]
    pub(crate) fn new(data: &[u8]) -> Payload {
        if data.len() <= 64 {
            let mut buf = [0; 64];
            buf[..data.len()].copy_from_slice(data);
            Payload::Small {
                len: data.len() as u8,
                buf,
            }
        } else {
            Payload::Big(data.to_vec())
        }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Small { len, buf } => &buf[..usize::from(*len)],
            Payload::Big(v) => v,
        }
    }
}

/// What a TCP packet carries.
pub(crate) enum Segment {
    Syn,
    SynAck,
    Data(Payload),
    Fin,
    Rst,
}

pub(crate) enum Body {
    Udp(Payload),
    Tcp {
        conn: u64,
        /// The end that receives it (0 = the connecting side).
        to_end: usize,
        seg: Segment,
    },
}

pub(crate) struct Packet {
    pub(crate) from: SocketAddr,
    pub(crate) to: SocketAddr,
    pub(crate) src: u32,
    pub(crate) dst: u32,
    pub(crate) body: Body,
}

impl Packet {
    fn proto(&self) -> &'static str {
        match self.body {
            Body::Udp(_) => "udp",
            Body::Tcp { .. } => "tcp",
        }
    }

    fn len(&self) -> usize {
        match &self.body {
            Body::Udp(d) => d.as_slice().len(),
            Body::Tcp {
                seg: Segment::Data(d),
                ..
            } => d.as_slice().len(),
            Body::Tcp { .. } => 0,
        }
    }
}

enum NetEvent {
    Deliver(Packet),
    PartitionCheck { a: u32, b: u32, epoch: u64 },
}

struct Held {
    packet: Packet,
    /// It crossed the link already (held on arrival), so it is delivered,
    /// not sent again.
    arrived: bool,
}

pub(crate) struct Fabric {
    pub(crate) cfg: NetConfig,
    links: BTreeMap<(u32, u32), LinkConfig>,
    blocked: BTreeSet<(u32, u32)>,
    /// Bumped at every change of a pair's partitions (key: lower id first).
    epochs: BTreeMap<(u32, u32), u64>,
    /// The pending partition check of a pair (key: lower id first), taken
    /// off the timer queue when the pair changes, so that a healed
    /// partition leaves no event behind.
    checks: BTreeMap<(u32, u32), (TimerKey, u32)>,
    clogged: BTreeSet<u32>,
    held: VecDeque<Held>,
    stalled: VecDeque<Packet>,
    events: Vec<Option<NetEvent>>,
    free: Vec<u32>,
    pub(crate) udp: BTreeMap<SocketAddr, Rc<UdpShared>>,
    pub(crate) listeners: BTreeMap<SocketAddr, Rc<ListenerShared>>,
    /// TCP addresses in use: listeners and the local ends of connections.
    pub(crate) tcp_ports: BTreeSet<SocketAddr>,
    pub(crate) conns: BTreeMap<u64, Rc<Conn>>,
    next_conn: u64,
}

/// The longest retransmission delay of a TCP segment.
const MAX_RETRANSMIT: Duration = Duration::from_secs(60);
/// How many times in a row one segment may be lost before it gets through anyway.
const MAX_LOSSES: u32 = 16;

impl Fabric {
    fn new(cfg: NetConfig) -> Fabric {
        Fabric {
            cfg,
            links: BTreeMap::new(),
            blocked: BTreeSet::new(),
            epochs: BTreeMap::new(),
            checks: BTreeMap::new(),
            clogged: BTreeSet::new(),
            held: VecDeque::new(),
            stalled: VecDeque::new(),
            events: Vec::new(),
            free: Vec::new(),
            udp: BTreeMap::new(),
            listeners: BTreeMap::new(),
            tcp_ports: BTreeSet::new(),
            conns: BTreeMap::new(),
            next_conn: 1,
        }
    }

    pub(crate) fn fresh_conn_id(&mut self) -> u64 {
        let id = self.next_conn;
        self.next_conn += 1;
        id
    }

    fn schedule(&mut self, core: &Core, at: u64, event: NetEvent) -> (TimerKey, u32) {
        let token = match self.free.pop() {
            Some(t) => {
                self.events[t as usize] = Some(event);
                t
            }
            None => {
                self.events.push(Some(event));
                (self.events.len() - 1) as u32
            }
        };
        (core.timers.borrow_mut().insert_net(at, token), token)
    }

    fn bump_epoch(&mut self, core: &Core, a: u32, b: u32) -> u64 {
        let pair = (a.min(b), a.max(b));
        if let Some((key, token)) = self.checks.remove(&pair) {
            // Not fired yet (firing removes it): cancel it.
            drop(core.timers.borrow_mut().cancel(key));
            self.events[token as usize] = None;
            self.free.push(token);
        }
        let e = self.epochs.entry(pair).or_insert(0);
        *e += 1;
        *e
    }

    pub(crate) fn is_blocked(&self, from: u32, to: u32) -> bool {
        self.blocked.contains(&(from, to))
    }
}

/// Adds the task's waker to a socket's list of waiters, once.
pub(crate) fn add_waiter(
    list: &std::cell::RefCell<Vec<std::task::Waker>>,
    cx: &std::task::Context<'_>,
) {
    let mut wakers = list.borrow_mut();
    if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
        wakers.push(cx.waker().clone());
    }
}

/// Runs `f` on the simulation's network, creating it at first use.
#[inline]
pub(crate) fn with_net<R>(core: &Core, f: impl FnOnce(&mut Fabric) -> R) -> R {
    let mut slot = core.net.borrow_mut();
    let fabric = slot.get_or_insert_with(|| Box::new(Fabric::new(core.cfg.net.clone())));
    f(fabric)
}

/// Records a packet's fate in the trace and the fingerprint.
#[inline]
pub(crate) fn note_packet(core: &Core, fate: PacketFate, p: &Packet) {
    core.rec
        .borrow_mut()
        .packet(core.now(), fate, p.proto(), p.from, p.to, p.len());
}

/// Puts a packet on the link from its source node to its destination.
pub(crate) fn transmit(core: &Core, f: &mut Fabric, p: Packet) {
    let now = core.now();
    if p.src == p.dst {
        note_packet(core, PacketFate::Sent, &p);
        let at = order(f, &p, now);
        f.schedule(core, at, NetEvent::Deliver(p));
        return;
    }
    // A TCP segment never overtakes an earlier one of its direction that
    // waits for a partition to heal (even if a clog would hold it instead).
    if let Body::Tcp { conn, to_end, .. } = &p.body {
        let behind = f.stalled.iter().any(
            |q| matches!(&q.body, Body::Tcp { conn: c, to_end: e, .. } if c == conn && e == to_end),
        );
        if behind {
            note_packet(core, PacketFate::Stalled, &p);
            f.stalled.push_back(p);
            return;
        }
    }
    if f.clogged.contains(&p.src) || f.clogged.contains(&p.dst) {
        note_packet(core, PacketFate::Held, &p);
        f.held.push_back(Held {
            packet: p,
            arrived: false,
        });
        return;
    }
    if f.blocked.contains(&(p.src, p.dst)) {
        if matches!(p.body, Body::Udp(_)) {
            note_packet(core, PacketFate::Dropped, &p);
        } else {
            note_packet(core, PacketFate::Stalled, &p);
            f.stalled.push_back(p);
        }
        return;
    }
    let link = f.links.get(&(p.src, p.dst)).unwrap_or(&f.cfg.link);
    let (lo, hi, loss, dup) = (
        link.latency.start,
        link.latency.end,
        link.loss,
        link.duplicate,
    );
    let lost = |core: &Core| loss > 0.0 && core.choose(ChoiceKind::Coin { p: coin(loss) }, 2) == 1;
    let to_ns = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    if matches!(p.body, Body::Udp(_)) {
        if lost(core) {
            note_packet(core, PacketFate::Lost, &p);
            return;
        }
        let at = now.saturating_add(to_ns(core.choose_duration(lo, hi)));
        let copy = if dup > 0.0 && core.choose(ChoiceKind::Coin { p: coin(dup) }, 2) == 1 {
            match &p.body {
                Body::Udp(d) => Some(Packet {
                    body: Body::Udp(d.clone()),
                    ..p
                }),
                Body::Tcp { .. } => None,
            }
        } else {
            None
        };
        note_packet(core, PacketFate::Sent, &p);
        f.schedule(core, at, NetEvent::Deliver(p));
        if let Some(copy) = copy {
            note_packet(core, PacketFate::Duplicated, &copy);
            let at = now.saturating_add(to_ns(core.choose_duration(lo, hi)));
            f.schedule(core, at, NetEvent::Deliver(copy));
        }
        return;
    }
    // TCP: a lost segment is sent again after a growing delay.
    let mut delay = Duration::ZERO;
    let mut rto = f.cfg.retransmit;
    for _ in 0..MAX_LOSSES {
        if !lost(core) {
            break;
        }
        note_packet(core, PacketFate::Lost, &p);
        delay += rto;
        rto = (rto * 2).min(MAX_RETRANSMIT);
    }
    let at = now.saturating_add(to_ns(core.choose_duration(lo, hi) + delay));
    let at = order(f, &p, at);
    note_packet(core, PacketFate::Sent, &p);
    f.schedule(core, at, NetEvent::Deliver(p));
}

/// A TCP segment arrives no earlier than the previous one of its direction.
fn order(f: &Fabric, p: &Packet, at: u64) -> u64 {
    if let Body::Tcp { conn, to_end, .. } = &p.body {
        if let Some(c) = f.conns.get(conn) {
            let last = &c.ends[1 - to_end].last_arrival;
            let at = at.max(last.get());
            last.set(at);
            return at;
        }
    }
    at
}

/// A scheduled network event is due (called by the core's `advance`).
pub(crate) fn fire(core: &Core, token: u32) {
    // A delivery is handled within one borrow of the fabric, the packet
    // moved as little as possible (this is the hot path of every packet).
    let check = with_net(core, |f| {
        let e = f.events[token as usize].take();
        f.free.push(token);
        match e {
            Some(NetEvent::Deliver(p)) => {
                deliver_in(core, f, p);
                None
            }
            Some(NetEvent::PartitionCheck { a, b, epoch }) => {
                let pair = (a.min(b), a.max(b));
                if f.checks.get(&pair).is_some_and(|&(_, t)| t == token) {
                    f.checks.remove(&pair);
                }
                Some((a, b, epoch))
            }
            None => None,
        }
    });
    if let Some((a, b, epoch)) = check {
        partition_check(core, a, b, epoch);
    }
}

fn deliver(core: &Core, p: Packet) {
    with_net(core, |f| deliver_in(core, f, p));
}

#[inline]
fn deliver_in(core: &Core, f: &mut Fabric, p: Packet) {
    let status = core.nodes.borrow().get(p.dst).status;
    if status == Status::Killed {
        // A dead machine answers nothing: a connect to it times out.
        note_packet(core, PacketFate::Dropped, &p);
        return;
    }
    if status == Status::Paused || f.clogged.contains(&p.dst) {
        note_packet(core, PacketFate::Held, &p);
        f.held.push_back(Held {
            packet: p,
            arrived: true,
        });
        return;
    }
    match p.body {
        Body::Udp(_) => udp::deliver(core, f, p),
        Body::Tcp { .. } => conn::on_segment(core, f, p),
    }
}

/// Sends or delivers the held packets that nothing holds any more, in the
/// order they were held (after `unclog` and `resume`). Those that arrived
/// already are delivered at once: packets sent now, even with no latency,
/// cannot overtake them.
pub(crate) fn release_held(core: &Core) {
    let held = with_net(core, |f| std::mem::take(&mut f.held));
    for h in held {
        let status = core.nodes.borrow().get(h.packet.dst).status;
        let arrived = with_net(core, |f| {
            let still = f.clogged.contains(&h.packet.src) || f.clogged.contains(&h.packet.dst);
            if still || (h.arrived && status == Status::Paused) {
                f.held.push_back(h);
                None
            } else if h.arrived {
                Some(h.packet)
            } else {
                transmit(core, f, h.packet);
                None
            }
        });
        if let Some(p) = arrived {
            deliver(core, p);
        }
    }
}

/// Sends the stalled TCP segments whose link is open again, in order.
fn release_stalled(core: &Core, f: &mut Fabric) {
    let stalled = std::mem::take(&mut f.stalled);
    for p in stalled {
        if f.blocked.contains(&(p.src, p.dst)) {
            f.stalled.push_back(p);
        } else {
            transmit(core, f, p);
        }
    }
}

fn partition_check(core: &Core, a: u32, b: u32, epoch: u64) {
    let names = {
        let nodes = core.nodes.borrow();
        (nodes.get(a).name.clone(), nodes.get(b).name.clone())
    };
    let broken = with_net(core, |f| {
        let current = f.epochs.get(&(a.min(b), a.max(b))).copied();
        if current != Some(epoch) || !(f.is_blocked(a, b) || f.is_blocked(b, a)) {
            return Vec::new();
        }
        let timeout = f.cfg.partition_timeout;
        let message: Rc<str> = format!(
            "connection timed out: the network between '{}' and '{}' was partitioned for longer than {timeout:?}",
            names.0, names.1
        )
        .into();
        let cut: Vec<Rc<Conn>> = f
            .conns
            .values()
            .filter(|c| c.joins(a, b))
            .cloned()
            .collect();
        let ids: BTreeSet<u64> = cut.iter().map(|c| c.id).collect();
        f.stalled.retain(|p| match &p.body {
            Body::Tcp { conn, .. } => !ids.contains(conn),
            Body::Udp(_) => true,
        });
        cut.into_iter().map(|c| (c, message.clone())).collect()
    });
    for (c, message) in broken {
        c.break_both(std::io::ErrorKind::TimedOut, message);
    }
}

/// Everything of `node`'s network goes: its sockets close, TCP peers are
/// sent a reset, packets held for it or stalled from it are dropped.
pub(crate) fn node_down(core: &Core, node: u32) {
    if core.net.borrow().is_none() {
        return;
    }
    let wake = with_net(core, |f| {
        // First, so that the resets sent below wait behind a clog or a
        // partition like any packet, instead of being dropped with these.
        f.held
            .retain(|h| h.packet.src != node && !(h.arrived && h.packet.dst == node));
        f.stalled.retain(|p| p.src != node);
        let mut wake = udp::close_node(f, node);
        wake.extend(conn::close_node(core, f, node));
        wake
    });
    for w in wake {
        w.wake();
    }
}

// --- faults ---------------------------------------------------------------

fn fault_code(kind: u64, a: u32, b: u32) -> u64 {
    (kind << 56) ^ (u64::from(a) << 24) ^ u64::from(b)
}

fn name(core: &Core, n: u32) -> String {
    core.nodes.borrow().get(n).name.to_string()
}

pub(crate) fn partition(core: &Core, from: u32, to: u32, both: bool) {
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(1, from, to) ^ u64::from(both),
        || {
            let arrow = if both { "<->" } else { "->" };
            format!(
                "partition '{}' {arrow} '{}'",
                name(core, from),
                name(core, to)
            )
        },
    );
    with_net(core, |f| {
        // A pair already cut stays on the clock of its first cut.
        let was_cut = f.is_blocked(from, to) || f.is_blocked(to, from);
        f.blocked.insert((from, to));
        if both {
            f.blocked.insert((to, from));
        }
        if was_cut {
            return;
        }
        let epoch = f.bump_epoch(core, from, to);
        let at = core
            .now()
            .saturating_add(u64::try_from(f.cfg.partition_timeout.as_nanos()).unwrap_or(u64::MAX));
        let check = f.schedule(
            core,
            at,
            NetEvent::PartitionCheck {
                a: from,
                b: to,
                epoch,
            },
        );
        f.checks.insert((from.min(to), from.max(to)), check);
    });
}

pub(crate) fn repair(core: &Core, a: u32, b: u32) {
    core.rec
        .borrow_mut()
        .fault(core.now(), fault_code(2, a, b), || {
            format!("repair '{}' <-> '{}'", name(core, a), name(core, b))
        });
    with_net(core, |f| {
        f.blocked.remove(&(a, b));
        f.blocked.remove(&(b, a));
        f.bump_epoch(core, a, b);
        release_stalled(core, f);
    });
}

pub(crate) fn repair_all(core: &Core) {
    core.rec
        .borrow_mut()
        .fault(core.now(), fault_code(3, 0, 0), || {
            "repair all links".to_string()
        });
    with_net(core, |f| {
        let pairs: Vec<(u32, u32)> = std::mem::take(&mut f.blocked).into_iter().collect();
        for (a, b) in pairs {
            f.bump_epoch(core, a, b);
        }
        release_stalled(core, f);
    });
}

pub(crate) fn clog(core: &Core, node: u32, on: bool) {
    core.rec
        .borrow_mut()
        .fault(core.now(), fault_code(4, node, u32::from(on)), || {
            let what = if on { "clog" } else { "unclog" };
            format!("{what} '{}'", name(core, node))
        });
    let changed = with_net(core, |f| {
        if on {
            f.clogged.insert(node)
        } else {
            f.clogged.remove(&node)
        }
    });
    if changed && !on {
        release_held(core);
    }
}

pub(crate) fn set_link(core: &Core, from: u32, to: u32, link: LinkConfig) {
    core.rec
        .borrow_mut()
        .fault(core.now(), fault_code(5, from, to), || {
            format!(
                "link '{}' -> '{}': latency {:?}, loss {}, duplicate {}",
                name(core, from),
                name(core, to),
                link.latency,
                link.loss,
                link.duplicate
            )
        });
    with_net(core, |f| {
        f.links.insert((from, to), link);
    });
}
