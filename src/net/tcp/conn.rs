//! The state of TCP connections and listeners, and what segments do to it
//! (pub(crate)).
//!
//! A connection is one `Conn` shared by both ends (end 0 connected, end 1
//! accepted) and by the fabric. Each end has a receive buffer, an EOF flag,
//! an error, and the count of bytes it wrote that its peer has not read yet
//! (`unacked`): a writer waits while that count is at the send buffer size,
//! which gives backpressure end to end. Reading frees room at once (window
//! updates are not simulated packets).
//!
//! The handshake: `connect` sends `Syn`; a listener answers `SynAck` (the
//! accepted end is established at once), no listener answers `Rst`
//! (`ConnectionRefused`), and no answer at all ends in `TimedOut`. Closing a
//! stream sends `Fin` (the peer reads EOF), unless bytes it received were
//! never read: then it sends `Rst`, and the peer reads what reached it
//! before and then `ConnectionReset`. Data arriving at an end nobody
//! holds is answered with `Rst` too, and so is every connection of a
//! killed node.

use crate::runtime::footprint::Tracked;
use std::cell::Cell;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::net::sockets::{self, Table};
use crate::net::transport::{self, Body, Packet, Payload, Segment};
use crate::runtime::core::Core;
use crate::runtime::wait::WaitKind;
use crate::runtime::wait::Wakeups;
use crate::trace::PacketFate;

/// A task blocked here is reported as waiting on `TcpStream::connect`.
static CONNECT: WaitKind = WaitKind::plain("TcpStream::connect");
/// A task blocked here is reported as waiting on `a read of a TcpStream`.
static READ: WaitKind = WaitKind::plain("a read of a TcpStream");
/// A task blocked here is reported as waiting on `a write of a TcpStream (the peer reads nothing)`.
static WRITE: WaitKind = WaitKind::plain("a write of a TcpStream (the peer reads nothing)");

/// The node of an end whose address no node has (its packets go nowhere).
pub(crate) const NO_NODE: u32 = u32::MAX;

pub(crate) struct End {
    pub(crate) addr: SocketAddr,
    pub(crate) node: u32,
    rx: Tracked<VecDeque<u8>>,
    rx_eof: Cell<bool>,
    error: Tracked<Option<(io::ErrorKind, Rc<str>)>>,
    read_waker: Tracked<Option<Waker>>,
    write_waker: Tracked<Option<Waker>>,
    unacked: Cell<usize>,
    established: Cell<bool>,
    wr_shut: Cell<bool>,
    /// Live user handles (a stream, or its two halves).
    pub(crate) handles: Cell<u8>,
    closed: Cell<bool>,
    /// The socket options: recorded and observable (see `TcpStream`).
    pub(crate) nodelay: Cell<bool>,
    pub(crate) ttl: Cell<u32>,
    /// `Some(0)`: a close sends a reset (`SO_LINGER` with a zero timeout).
    pub(crate) linger: Cell<Option<std::time::Duration>>,
}

impl End {
    fn new(addr: SocketAddr, node: u32) -> End {
        End {
            addr,
            node,
            rx: Tracked::new(VecDeque::new()),
            rx_eof: Cell::new(false),
            error: Tracked::new(None),
            read_waker: Tracked::new(None),
            write_waker: Tracked::new(None),
            unacked: Cell::new(0),
            established: Cell::new(false),
            wr_shut: Cell::new(false),
            handles: Cell::new(0),
            closed: Cell::new(false),
            nodelay: Cell::new(false),
            ttl: Cell::new(64),
            linger: Cell::new(None),
        }
    }

    fn error(&self) -> Option<io::Error> {
        self.error
            .borrow()
            .as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.to_string()))
    }

    fn fail(&self, kind: io::ErrorKind, message: Rc<str>) {
        let mut e = self.error.borrow_mut();
        if e.is_none() {
            *e = Some((kind, message));
        }
        drop(e);
        self.wake();
    }

    fn wake(&self) {
        if let Some(w) = self.read_waker.borrow_mut().take() {
            w.wake();
        }
        if let Some(w) = self.write_waker.borrow_mut().take() {
            w.wake();
        }
    }
}

fn register_as(kind: &'static WaitKind, slot: &Tracked<Option<Waker>>, cx: &Context<'_>) {
    crate::runtime::wait::mark_waiting(kind, std::panic::Location::caller());
    register(slot, cx);
}

fn register(slot: &Tracked<Option<Waker>>, cx: &Context<'_>) {
    let mut slot = slot.borrow_mut();
    match &*slot {
        Some(w) if w.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

pub(crate) struct Conn {
    /// The id of its transport channel.
    pub(crate) id: u64,
    pub(crate) ends: [End; 2],
    send_buffer: usize,
    /// Whether the connecting end's ephemeral port was given back (once:
    /// a later connection may have it by now).
    port_freed: Cell<bool>,
}

impl Conn {
    pub(crate) fn new(
        id: u64,
        local: (SocketAddr, u32),
        remote: (SocketAddr, u32),
        send_buffer: usize,
    ) -> Conn {
        Conn {
            id,
            ends: [End::new(local.0, local.1), End::new(remote.0, remote.1)],
            send_buffer,
            port_freed: Cell::new(false),
        }
    }

    /// Both ends fail with this error (a partition outlasted its timeout).
    pub(crate) fn break_both(&self, kind: io::ErrorKind, message: Rc<str>) {
        for end in &self.ends {
            if !end.closed.get() {
                end.fail(kind, message.clone());
            }
        }
    }

    pub(crate) fn poll_connected(&self, cx: &Context<'_>) -> Poll<io::Result<()>> {
        let e = &self.ends[0];
        if e.established.get() {
            return Poll::Ready(Ok(()));
        }
        if let Some(err) = e.error() {
            return Poll::Ready(Err(err));
        }
        register_as(&CONNECT, &e.write_waker, cx);
        Poll::Pending
    }

    pub(crate) fn poll_read(
        &self,
        end: usize,
        cx: &Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_take(end, cx, buf, true)
    }

    /// As `poll_read`, leaving the bytes in place (`peek`).
    pub(crate) fn poll_peek(
        &self,
        end: usize,
        cx: &Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_take(end, cx, buf, false)
    }

    /// `read_now`, or wait for the bytes.
    #[inline]
    fn poll_take(
        &self,
        end: usize,
        cx: &Context<'_>,
        buf: &mut [u8],
        take: bool,
    ) -> Poll<io::Result<usize>> {
        if let Some(done) = self.read_now(end, buf, take) {
            return Poll::Ready(done);
        }
        register_as(&READ, &self.ends[end].read_waker, cx);
        Poll::Pending
    }

    /// A read that does not wait: `None` when it would have to. `take`
    /// removes the bytes read (a peek leaves them).
    #[inline]
    pub(crate) fn read_now(
        &self,
        end: usize,
        buf: &mut [u8],
        take: bool,
    ) -> Option<io::Result<usize>> {
        if buf.is_empty() {
            return Some(Ok(0));
        }
        let e = &self.ends[end];
        let n = {
            let mut rx = e.rx.borrow_mut();
            let n = rx.len().min(buf.len());
            let (a, b) = rx.as_slices();
            let from_a = a.len().min(n);
            buf[..from_a].copy_from_slice(&a[..from_a]);
            buf[from_a..n].copy_from_slice(&b[..n - from_a]);
            if take {
                rx.drain(..n);
            }
            n
        };
        if n > 0 {
            if take {
                let peer = &self.ends[1 - end];
                peer.unacked.set(peer.unacked.get().saturating_sub(n));
                if let Some(w) = peer.write_waker.borrow_mut().take() {
                    w.wake();
                }
            }
            return Some(Ok(n));
        }
        if let Some(err) = e.error() {
            return Some(Err(err));
        }
        if e.rx_eof.get() {
            return Some(Ok(0));
        }
        None
    }

    /// For `netstat`: whether `end` is open, its state's name, its unread
    /// bytes and the bytes it wrote that its peer has not read.
    pub(crate) fn end_info(&self, end: usize) -> Option<(&'static str, usize, usize)> {
        let e = &self.ends[end];
        if e.closed.get() {
            return None;
        }
        let state = if e.error.borrow().is_some() {
            "CLOSED"
        } else if !e.established.get() {
            "SYN_SENT"
        } else {
            match (e.wr_shut.get(), e.rx_eof.get()) {
                (false, false) => "ESTABLISHED",
                (true, false) => "FIN_WAIT",
                (false, true) => "CLOSE_WAIT",
                (true, true) => "CLOSING",
            }
        };
        Some((state, e.rx.borrow().len(), e.unacked.get()))
    }

    /// What `end` could do now without waiting, as (readable, writable,
    /// read closed, write closed).
    pub(crate) fn readiness(&self, end: usize) -> (bool, bool, bool, bool) {
        let e = &self.ends[end];
        let failed = e.error.borrow().is_some();
        let read_closed = failed || e.rx_eof.get();
        let write_closed = failed || e.wr_shut.get();
        let readable = read_closed || !e.rx.borrow().is_empty();
        let room = self.send_buffer.saturating_sub(e.unacked.get()) > 0;
        let writable = write_closed || (room && e.established.get());
        (readable, writable, read_closed, write_closed)
    }

    /// Waits until `end` is readable (if `read`) or writable (if `write`).
    #[track_caller]
    pub(crate) fn poll_ready(
        &self,
        end: usize,
        cx: &Context<'_>,
        read: bool,
        write: bool,
    ) -> Poll<(bool, bool, bool, bool)> {
        let now = self.readiness(end);
        if (read && now.0) || (write && now.1) {
            return Poll::Ready(now);
        }
        let e = &self.ends[end];
        if read {
            register_as(&READ, &e.read_waker, cx);
        }
        if write {
            register_as(&WRITE, &e.write_waker, cx);
        }
        Poll::Pending
    }

    pub(crate) fn poll_write(
        &self,
        core: &Core,
        end: usize,
        cx: &Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(done) = self.write_now(core, end, buf) {
            return Poll::Ready(done);
        }
        register_as(&WRITE, &self.ends[end].write_waker, cx);
        Poll::Pending
    }

    /// A write that does not wait: `None` when the send buffer is full.
    #[inline]
    pub(crate) fn write_now(
        &self,
        core: &Core,
        end: usize,
        buf: &[u8],
    ) -> Option<io::Result<usize>> {
        let e = &self.ends[end];
        if let Some(err) = e.error() {
            return Some(Err(err));
        }
        if e.wr_shut.get() {
            return Some(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write after the write half was shut down",
            )));
        }
        if buf.is_empty() {
            return Some(Ok(0));
        }
        let room = self.send_buffer.saturating_sub(e.unacked.get());
        if room == 0 {
            return None;
        }
        let n = room.min(buf.len());
        e.unacked.set(e.unacked.get() + n);
        // Segments of at most the link's MSS (its MTU less the headers).
        let peer = self.ends[1 - end].node;
        let mss = match transport::mtu(core, e.node, peer) {
            Some(mtu) if peer != NO_NODE => mtu.saturating_sub(transport::TCP_HEADERS).max(1),
            _ => n,
        };
        for chunk in buf[..n].chunks(mss) {
            self.send(core, end, Segment::Data(Payload::new(chunk)));
        }
        Some(Ok(n))
    }

    /// Shuts the write half: the peer reads EOF once the bytes before it arrive.
    pub(crate) fn shutdown(&self, core: &Core, end: usize) {
        let e = &self.ends[end];
        if e.wr_shut.replace(true) || e.error.borrow().is_some() || !e.established.get() {
            return;
        }
        self.send(core, end, Segment::Fin);
    }

    /// Sends a segment from `end` to the other end.
    pub(crate) fn send(&self, core: &Core, end: usize, seg: Segment) {
        let (me, peer) = (&self.ends[end], &self.ends[1 - end]);
        let p = Packet {
            id: transport::packet_id(core),
            from: me.addr,
            to: peer.addr,
            src: me.node,
            dst: peer.node,
            body: Body::Stream {
                channel: self.id,
                to_end: 1 - end,
                seg,
            },
        };
        if peer.node == NO_NODE {
            // No node has the address: recorded, and lost.
            transport::note(core, PacketFate::Dropped, &p);
            return;
        }
        transport::send(core, p);
    }
}

/// The user's handles on `end` are all gone: close it (a `Fin` if it is
/// still open, a `Rst` if received bytes were never read), and forget the connection once both ends are closed.
pub(crate) fn close_end(core: &Core, conn: &Rc<Conn>, end: usize) {
    let e = &conn.ends[end];
    if e.closed.replace(true) {
        return;
    }
    // Bytes nobody will read: the peer's writer gets their room back, or
    // it could wait for it forever (what it sends now meets a closed end,
    // which answers with a reset).
    let unread = std::mem::take(&mut *e.rx.borrow_mut()).len();
    if unread > 0 {
        let peer = &conn.ends[1 - end];
        peer.unacked.set(peer.unacked.get().saturating_sub(unread));
        if let Some(w) = peer.write_waker.borrow_mut().take() {
            w.wake();
        }
    }
    let Some(Ok(mut t)) = sockets::try_get(core).map(|s| s.table.try_borrow_mut()) else {
        return;
    };
    let shut_before = e.wr_shut.replace(true);
    if e.error.borrow().is_none() && e.established.get() {
        if unread > 0 || e.linger.get() == Some(std::time::Duration::ZERO) {
            // Data was lost: say so with a reset, as RFC 9293 §3.10.4 and
            // Linux do, even after a shutdown sent the Fin. A clean Fin
            // would let the peer believe everything it sent was read. A
            // zero linger asks for the reset outright.
            conn.send(core, end, Segment::Rst);
        } else if !shut_before {
            conn.send(core, end, Segment::Fin);
        }
    }
    forget_if_done(core, &mut t, conn);
}

fn forget_if_done(core: &Core, t: &mut Table, conn: &Rc<Conn>) {
    if conn.ends[0].closed.get() && !conn.port_freed.replace(true) {
        // The connecting end's ephemeral port is free again.
        t.tcp_ports.remove(&conn.ends[0].addr);
    }
    if conn.ends.iter().all(|e| e.closed.get()) && t.conns.remove(&conn.id).is_some() {
        transport::close_channel(core, conn.id);
    }
}

pub(crate) struct ListenerShared {
    pub(crate) addr: SocketAddr,
    pub(crate) node: u32,
    pub(crate) backlog: Tracked<VecDeque<Rc<Conn>>>,
    /// The most connections `backlog` holds.
    pub(crate) limit: usize,
    pub(crate) wakers: Tracked<Vec<Waker>>,
    pub(crate) closed: Cell<bool>,
}

/// Refuses the queued connections of a listener that is gone.
pub(crate) fn refuse_backlog(core: &Core, t: &mut Table, l: &ListenerShared) {
    let backlog = std::mem::take(&mut *l.backlog.borrow_mut());
    for conn in backlog {
        conn.ends[1].closed.set(true);
        conn.send(core, 1, Segment::Rst);
        forget_if_done(core, t, &conn);
    }
}

/// A TCP segment arrived at its (live) node.
pub(crate) fn on_segment(core: &Core, p: &Packet) {
    let Some((id, to_end)) = p.flow() else {
        unreachable!("on_segment is given stream segments")
    };
    let conn = sockets::get(core).table.borrow().conns.get(&id).cloned();
    let Some(conn) = conn else {
        transport::note_arrival(core, PacketFate::Dropped, p);
        return;
    };
    let Body::Stream { seg, .. } = &p.body else {
        unreachable!()
    };
    let e = &conn.ends[to_end];
    if let Segment::Syn = seg {
        if conn.ends[0].closed.get() {
            transport::note_arrival(core, PacketFate::Dropped, p);
            return;
        }
        let listener = sockets::get(core)
            .table
            .borrow()
            .listeners
            .get(&p.to)
            .filter(|l| !l.closed.get() && l.backlog.borrow().len() < l.limit)
            .cloned();
        transport::note_arrival(core, PacketFate::Delivered, p);
        match listener {
            Some(l) => {
                e.established.set(true);
                l.backlog.borrow_mut().push_back(conn.clone());
                for w in std::mem::take(&mut *l.wakers.borrow_mut()) {
                    w.wake();
                }
                conn.send(core, 1, Segment::SynAck);
            }
            None => {
                e.closed.set(true);
                conn.send(core, 1, Segment::Rst);
            }
        }
        return;
    }
    if e.closed.get() {
        transport::note_arrival(core, PacketFate::Dropped, p);
        // Nobody holds this end: tell the sender, unless it is a reset.
        if !matches!(seg, Segment::Rst) && !conn.ends[1 - to_end].closed.get() {
            conn.send(core, to_end, Segment::Rst);
        }
        return;
    }
    transport::note_arrival(core, PacketFate::Delivered, p);
    match seg {
        Segment::Syn => {}
        Segment::SynAck => {
            e.established.set(true);
            e.wake();
        }
        Segment::Data(bytes) => {
            if e.error.borrow().is_none() {
                e.rx.borrow_mut().extend(bytes.as_slice());
                if let Some(w) = e.read_waker.borrow_mut().take() {
                    w.wake();
                }
            }
        }
        Segment::Fin => {
            e.rx_eof.set(true);
            if let Some(w) = e.read_waker.borrow_mut().take() {
                w.wake();
            }
        }
        Segment::Rst => {
            let peer = conn.ends[1 - to_end].addr;
            if e.established.get() {
                e.fail(
                    io::ErrorKind::ConnectionReset,
                    format!("connection reset by peer {peer}").into(),
                );
            } else {
                e.fail(
                    io::ErrorKind::ConnectionRefused,
                    format!("connection refused: nothing listens on {peer}").into(),
                );
            }
        }
    }
}

/// Closes every listener and connection end of a killed node; its peers
/// are sent resets. The listeners' waiters go into `wake`.
pub(crate) fn close_node(core: &Core, t: &mut Table, node: u32, wake: &mut Wakeups) {
    let listeners: Vec<SocketAddr> = t
        .listeners
        .iter()
        .filter(|(_, l)| l.node == node)
        .map(|(a, _)| *a)
        .collect();
    for a in listeners {
        if let Some(l) = t.listeners.remove(&a) {
            l.closed.set(true);
            t.tcp_ports.remove(&a);
            for w in std::mem::take(&mut *l.wakers.borrow_mut()) {
                wake.wake(w);
            }
            refuse_backlog(core, t, &l);
        }
    }
    let conns: Vec<Rc<Conn>> = t
        .conns
        .values()
        .filter(|c| c.ends.iter().any(|e| e.node == node))
        .cloned()
        .collect();
    let message: Rc<str> = "connection aborted: its node was killed".into();
    for conn in conns {
        for end in 0..2 {
            let e = &conn.ends[end];
            if e.node != node || e.closed.replace(true) {
                continue;
            }
            e.fail(io::ErrorKind::ConnectionAborted, message.clone());
            let peer = &conn.ends[1 - end];
            if peer.node != node && !peer.closed.get() {
                conn.send(core, end, Segment::Rst);
            }
        }
        forget_if_done(core, t, &conn);
    }
}
