//! What a picture of the run needs beyond the events' words (pub(crate)):
//! each task's node, each packet's identity and nodes, each fault's kind and
//! nodes, where each non-zero choice was made, and the panels the floors
//! above add (the checker's calls). Kept beside the events, only when the
//! trace is recorded, so the public [`EventKind`](super::EventKind) and its
//! snapshots stay as they are, and an unrecorded run pays one test per
//! event.

use std::panic::Location;

use super::Id;

/// The side tables of a recorded run. Event indices count from the run's
/// first event (across `block_on` calls), as in [`Trace::events`](super::Trace::events).
#[derive(Clone, Debug, Default)]
pub(crate) struct Sidecar {
    /// `(task, node, spawn site)` for every task spawned, in spawn order.
    pub(crate) tasks: Vec<(Id, u32, &'static Location<'static>)>,
    /// The identity of every packet or segment event.
    pub(crate) packets: Vec<PacketMark>,
    /// Every fault applied or lifted, with its nodes.
    pub(crate) faults: Vec<FaultMark>,
    /// The tape's non-zero choices.
    pub(crate) choices: Vec<ChoiceMark>,
    /// Choices made so far, zeros included: the next one's tape position.
    pub(crate) choices_made: usize,
    /// Panels added by floors above (a failed linearizability check).
    pub(crate) panels: Vec<Panel>,
    /// `(packet, time)` for packets the transport let go without an event
    /// (held for a node that died, stalled on a connection that broke).
    pub(crate) discards: Vec<(u64, u64)>,
}

/// A packet event's identity: the transport's packet number (a duplicate
/// is a new packet) and its nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PacketMark {
    /// The index of the `Packet` or `Control` event.
    pub(crate) event: usize,
    /// The packet's number in the run.
    pub(crate) id: u64,
    /// The sending node.
    pub(crate) src: u32,
    /// The receiving node.
    pub(crate) dst: u32,
    /// Where the event happened: `src` when sent or kept from going,
    /// `dst` when delivered, or dropped or held on arrival.
    pub(crate) at: u32,
}

/// What a fault event did, and to whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// `a` can no longer reach `b` (and `b` not `a` when `both`).
    Partition {
        /// Both ways.
        both: bool,
    },
    /// `a` reaches `b` again (and `b` `a` when `both`).
    Repair {
        /// Both ways.
        both: bool,
    },
    /// Every cut link is repaired.
    RepairAll,
    /// Node `a`'s packets are held (`on`) or let go.
    Clog {
        /// Clogged (true) or unclogged.
        on: bool,
    },
    /// The link `a` <-> `b` holds its packets.
    Hold,
    /// The link `a` <-> `b` lets its held packets go.
    Release,
    /// The link `a` -> `b` was configured.
    Link,
}

/// A fault event's kind and nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FaultMark {
    /// The index of the `Fault` event.
    pub(crate) event: usize,
    /// What it did.
    pub(crate) kind: FaultKind,
    /// Its first node (`0` when it has none).
    pub(crate) a: u32,
    /// Its second node (`a` when it has one).
    pub(crate) b: u32,
}

/// A non-zero choice on the tape and where it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChoiceMark {
    /// The index of the next event after it (the trace's length then).
    pub(crate) event: usize,
    /// Its position on the tape.
    pub(crate) tape: usize,
    /// What it chose (`yield`, `schedule`, `coin`...).
    pub(crate) kind: &'static str,
    /// The value chosen.
    pub(crate) value: u32,
    /// Its bound: the value is in `0..of`.
    pub(crate) of: u64,
    /// The task running when it was made, if one was.
    pub(crate) task: Option<Id>,
    /// The virtual time it was made at, in nanoseconds.
    pub(crate) time: u64,
}

/// A panel of calls over time (a linearizability failure's clients).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Panel {
    /// Its heading.
    pub(crate) title: String,
    /// The calls, in invocation order.
    pub(crate) calls: Vec<CallBar>,
}

/// One call in a [`Panel`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallBar {
    /// The client that made it.
    pub(crate) client: u64,
    /// `input -> output`.
    pub(crate) label: String,
    /// Invoked at (virtual nanoseconds).
    pub(crate) start: u64,
    /// Returned at, if it returned.
    pub(crate) end: Option<u64>,
    /// The call that cannot be placed.
    pub(crate) bad: bool,
    /// In the longest linearizable prefix.
    pub(crate) prefix: bool,
}
