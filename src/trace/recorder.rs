//! The recorder of a running simulation: the always-on fingerprint and the
//! optional event list (pub(crate)).

use std::net::SocketAddr;
use std::panic::Location;
use std::time::Duration;

use super::hash::light;
use super::sidecar::{ChoiceMark, FaultKind, FaultMark, PacketMark, Panel, Sidecar};
use super::{Event, EventKind, Id, NodeChange, PacketFate, Trace};

/// The always-on fingerprint and the optional event list of a running simulation.
pub(crate) struct Recorder {
    fingerprint: u64,
    record: bool,
    /// Whether a subscriber listened to the runtime's events when the run
    /// was built (asked once: an event then costs one test of `words`).
    log: bool,
    /// `record || log`: whether an event is wanted in words at all.
    words: bool,
    events: Vec<Event>,
    /// Events already moved into the `Sim`'s trace.
    drained: usize,
    /// What a picture of the run needs besides the events (kept with them).
    side: Sidecar,
}

const TAG_SPAWN: u64 = 1;
const TAG_POLL: u64 = 2;
const TAG_FINISH: u64 = 3;
const TAG_CANCEL: u64 = 4;
const TAG_PANIC: u64 = 5;
const TAG_ADVANCE: u64 = 6;
const TAG_NODE: u64 = 7;
const TAG_FAULT: u64 = 8;
const TAG_PACKET: u64 = 9;
const TAG_YIELD: u64 = 11;
const TAG_CONTROL: u64 = 12;
const TAG_DISK: u64 = 13;
const TAG_PROCESS: u64 = 14;

/// A socket address as one word, for the fingerprint.
fn addr_word(a: SocketAddr) -> u64 {
    let ip = match a.ip() {
        std::net::IpAddr::V4(v4) => u64::from(u32::from(v4)),
        std::net::IpAddr::V6(v6) => {
            let x = u128::from(v6);
            (x as u64) ^ ((x >> 64) as u64)
        }
    };
    (ip << 16) ^ u64::from(a.port())
}

/// Whether a `tracing` subscriber wants the runtime's events (target
/// `seedloop::runtime`, level `TRACE`). Asked once per run, when it is
/// built.
pub(crate) fn runtime_logging() -> bool {
    tracing::enabled!(target: "seedloop::runtime", tracing::Level::TRACE)
}

/// The event as a `TRACE` event of target `seedloop::runtime`, in the
/// trace's words (the subscriber's stamp, such as `log::init`'s, has the
/// time, node and task).
#[cold]
fn log_event(kind: &EventKind) {
    tracing::trace!(target: "seedloop::runtime", "{}", super::Words(kind));
}

/// The hash of a tape's values, one value at a time: start from
/// [`TAPE_SEED`], fold each value in with this, and finish with
/// [`fingerprint_of`].
#[inline]
pub(crate) fn tape_step(h: u64, value: u32) -> u64 {
    light(h, u64::from(value))
}

/// Where a tape's hash starts.
pub(crate) const TAPE_SEED: u64 = 0x7a9e_5eed_7a9e_5eed;

/// The run's fingerprint: the events' hash and the tape's (`len` values
/// folded into `tape`), mixed. A run is a function of its tape, so two
/// runs with equal tapes made the same choices at the same places; two
/// with different tapes get different fingerprints.
pub(crate) fn fingerprint_of(events: u64, tape: u64, len: usize) -> u64 {
    finalise(events ^ tape.rotate_left(17) ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Two multiply-xorshift rounds: every input bit reaches every output bit.
#[inline]
fn finalise(mut h: u64) -> u64 {
    h = (h ^ (h >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93);
    h = (h ^ (h >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93);
    h ^ (h >> 32)
}

impl Recorder {
    pub(crate) fn new(record: bool, log: bool) -> Recorder {
        Recorder {
            fingerprint: 0x5eed_100b_5eed_100b,
            record,
            log,
            words: record || log,
            events: Vec::new(),
            drained: 0,
            side: Sidecar::default(),
        }
    }

    /// Moves the events recorded since the last call to the end of `trace`.
    pub(crate) fn drain_into(&mut self, trace: &mut Trace) {
        self.drained += self.events.len();
        trace.append(&mut self.events);
    }

    /// The side tables (empty unless the trace is recorded).
    pub(crate) fn sidecar(&self) -> &Sidecar {
        &self.side
    }

    /// The index the next event will have in the run's trace.
    #[inline]
    pub(crate) fn next_index(&self) -> usize {
        self.drained + self.events.len()
    }

    /// A choice was put on the tape: the sidecar counts it, and keeps it
    /// when it is not 0 (called only when the trace is recorded).
    #[cold]
    pub(crate) fn choice(
        &mut self,
        now: u64,
        kind: &'static str,
        of: u64,
        value: u32,
        task: Option<Id>,
    ) {
        if !self.record {
            return;
        }
        let tape = self.side.choices_made;
        self.side.choices_made += 1;
        if value != 0 {
            let event = self.next_index();
            self.side.choices.push(ChoiceMark {
                event,
                tape,
                kind,
                value,
                of,
                task,
                time: now,
            });
        }
    }

    /// A packet left the wire with no event of its own (its node died
    /// while it was held, its connection broke while it stalled): the
    /// sidecar keeps when, so a picture ends it there (not in the
    /// fingerprint: what dropped it is).
    pub(crate) fn discard(&mut self, now: u64, id: u64) {
        if self.record {
            self.side.discards.push((id, now));
        }
    }

    /// A floor above adds a panel to the picture of the run (kept only
    /// when the trace is recorded).
    pub(crate) fn panel(&mut self, panel: Panel) {
        if self.record {
            self.side.panels.push(panel);
        }
    }

    /// Whether the trace is recorded.
    pub(crate) fn records(&self) -> bool {
        self.record
    }

    pub(crate) fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    #[inline]
    fn mix(&mut self, tag: u64, a: u64, b: u64) {
        self.fingerprint = finalise(self.fingerprint ^ (tag << 56) ^ a ^ b.rotate_left(29));
    }

    /// Whether an event is wanted in words: kept for the trace, or logged
    /// (a `tracing` subscriber listens at `TRACE` to `seedloop::runtime`).
    #[inline]
    fn keeps(&self) -> bool {
        self.words
    }

    /// Logs the event if a subscriber listens, and keeps it if the trace is
    /// recorded.
    #[inline]
    fn keep(&mut self, now: u64, kind: EventKind) {
        if self.log {
            log_event(&kind);
        }
        if self.record {
            self.push(now, kind);
        }
    }

    #[inline]
    fn push(&mut self, now: u64, kind: EventKind) {
        self.events.push(Event {
            time: Duration::from_nanos(now),
            kind,
        });
    }

    pub(crate) fn spawn(
        &mut self,
        now: u64,
        task: Id,
        parent: Option<Id>,
        name: Option<&str>,
        (node, at): (u32, &'static Location<'static>),
    ) {
        self.mix(
            TAG_SPAWN,
            task.as_u64(),
            parent.map_or(0, |p| p.as_u64() + 1),
        );
        if self.keeps() {
            if self.record {
                self.side.tasks.push((task, node, at));
            }
            let name = name.map(str::to_string);
            self.keep(now, EventKind::Spawn { task, name, parent });
        }
    }

    #[inline]
    pub(crate) fn poll(&mut self, now: u64, task: Id) {
        self.mix(TAG_POLL, task.as_u64(), 0);
        if self.keeps() {
            self.keep(now, EventKind::Poll { task });
        }
    }

    #[inline]
    pub(crate) fn finish(&mut self, now: u64, task: Id) {
        self.mix(TAG_FINISH, task.as_u64(), 0);
        if self.keeps() {
            self.keep(now, EventKind::Finish { task });
        }
    }

    pub(crate) fn cancel(&mut self, now: u64, task: Id) {
        self.mix(TAG_CANCEL, task.as_u64(), 0);
        if self.keeps() {
            self.keep(now, EventKind::Cancel { task });
        }
    }

    pub(crate) fn panic(&mut self, now: u64, task: Id) {
        self.mix(TAG_PANIC, task.as_u64(), 0);
        if self.keeps() {
            self.keep(now, EventKind::Panic { task });
        }
    }

    pub(crate) fn node(&mut self, now: u64, node: u32, name: &str, change: NodeChange) {
        self.mix(TAG_NODE, u64::from(node), change as u64);
        if self.keeps() {
            let node = name.to_string();
            self.keep(now, EventKind::Node { node, change });
        }
    }

    /// A fault; `code` identifies it for the fingerprint, `describe` gives
    /// the words (only called when the trace is kept).
    pub(crate) fn fault(
        &mut self,
        now: u64,
        code: u64,
        (kind, a, b): (FaultKind, u32, u32),
        describe: impl FnOnce() -> String,
    ) {
        self.mix(TAG_FAULT, code, 0);
        if self.keeps() {
            if self.record {
                let event = self.next_index();
                self.side.faults.push(FaultMark { event, kind, a, b });
            }
            let description = describe();
            self.keep(now, EventKind::Fault { description });
        }
    }

    /// An operation on a node's disk, or its crash; `code` identifies it
    /// for the fingerprint, `describe` gives the words (only called when
    /// the trace is kept).
    pub(crate) fn disk(
        &mut self,
        now: u64,
        node: u32,
        code: u64,
        describe: impl FnOnce() -> (String, String),
    ) {
        self.mix(TAG_DISK, u64::from(node), code);
        if self.keeps() {
            let (node, description) = describe();
            self.keep(now, EventKind::Disk { node, description });
        }
    }

    /// A process of `node` started, exited or was killed; `code` identifies
    /// what happened for the fingerprint, `describe` gives the words (only
    /// called when the trace is kept).
    pub(crate) fn process(
        &mut self,
        now: u64,
        node: u32,
        pid: u32,
        code: u64,
        describe: impl FnOnce() -> (String, String),
    ) {
        self.mix(TAG_PROCESS, u64::from(node) << 32 | u64::from(pid), code);
        if self.keeps() {
            let (node, description) = describe();
            self.keep(
                now,
                EventKind::Process {
                    node,
                    pid,
                    description,
                },
            );
        }
    }

    /// Keeps a packet event's identity (its number and nodes).
    #[cold]
    fn mark_packet(&mut self, (id, src, dst, at): (u64, u32, u32, u32)) {
        let event = self.next_index();
        self.side.packets.push(PacketMark {
            event,
            id,
            src,
            dst,
            at,
        });
    }

    /// A packet's fate; `mark` is its number, source and destination node,
    /// and the node where this happened (for the picture of the run; not
    /// in the fingerprint).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn packet(
        &mut self,
        now: u64,
        fate: PacketFate,
        proto: &'static str,
        from: SocketAddr,
        to: SocketAddr,
        len: usize,
        mark: (u64, u32, u32, u32),
    ) {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.mix(
            TAG_PACKET,
            addr_word(from) ^ (fate as u64) << 48 ^ u64::from(proto.len() as u32) << 56,
            addr_word(to) ^ u64::from(len) << 32,
        );
        if self.keeps() {
            if self.record {
                self.mark_packet(mark);
            }
            self.keep(
                now,
                EventKind::Packet {
                    fate,
                    proto,
                    from,
                    to,
                    len,
                },
            );
        }
    }

    /// The running task yielded at the switch point of `op`, called at `at`.
    pub(crate) fn yielded(
        &mut self,
        now: u64,
        task: Id,
        op: &'static str,
        at: &'static Location<'static>,
    ) {
        // The choice behind the yield is on the tape, which the fingerprint
        // covers: a light mix of the site is enough here.
        let site =
            (u64::from(at.line()) << 32) ^ u64::from(at.column()) ^ ((op.len() as u64) << 24);
        self.fingerprint = light(self.fingerprint, TAG_YIELD << 56 ^ task.as_u64() ^ site);
        if self.keeps() {
            self.keep(now, EventKind::Yield { task, op, at });
        }
    }

    /// A TCP control segment (`SYN`, `SYN-ACK`, `FIN`, `RST`) and its fate.
    pub(crate) fn control(
        &mut self,
        now: u64,
        fate: PacketFate,
        segment: &'static str,
        from: SocketAddr,
        to: SocketAddr,
        mark: (u64, u32, u32, u32),
    ) {
        self.mix(
            TAG_CONTROL,
            addr_word(from) ^ (fate as u64) << 48 ^ (segment.len() as u64) << 56,
            addr_word(to) ^ u64::from(segment.as_bytes()[0]) << 40,
        );
        if self.keeps() {
            if self.record {
                self.mark_packet(mark);
            }
            self.keep(
                now,
                EventKind::Control {
                    fate,
                    segment,
                    from,
                    to,
                },
            );
        }
    }

    pub(crate) fn advance(&mut self, now: u64, fired: u32) {
        self.mix(TAG_ADVANCE, now, u64::from(fired));
        if self.keeps() {
            self.keep(now, EventKind::Advance { fired });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_order() {
        let mut a = Recorder::new(false, false);
        a.poll(0, Id::from_u64(1));
        a.poll(0, Id::from_u64(2));
        let mut b = Recorder::new(false, false);
        b.poll(0, Id::from_u64(2));
        b.poll(0, Id::from_u64(1));
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
