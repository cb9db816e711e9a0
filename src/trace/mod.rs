//! The event trace and its fingerprint.
//!
//! Every step of the event loop is an [`Event`]. A 64-bit fingerprint is mixed
//! from the events as they happen (always on); the full list is kept only when
//! asked for ([`Builder::record_trace`](crate::Builder::record_trace)).
//!
//! ```
//! let mut sim = seedloop::Sim::builder().record_trace(true).build();
//! sim.block_on(async { seedloop::spawn(async {}).await.unwrap() });
//! for event in sim.trace().events() {
//!     println!("{event}");
//! }
//! println!("fingerprint {:016x}", sim.fingerprint());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::panic::Location;
use std::time::Duration;

pub(crate) mod hash;
pub(crate) mod id;
mod recorder;
pub(crate) mod sidecar;

pub(crate) use id::Id;
pub(crate) use recorder::{Recorder, TAPE_SEED, fingerprint_of, runtime_logging, tape_step};

/// One step of a run, with the virtual time it happened at.
///
/// # Examples
///
/// ```
/// use seedloop::trace::EventKind;
///
/// let mut sim = seedloop::Sim::builder().record_trace(true).build();
/// sim.block_on(async { seedloop::spawn(async {}).await.unwrap() });
/// let spawns = sim
///     .trace()
///     .events()
///     .iter()
///     .filter(|e| matches!(e.kind, EventKind::Spawn { .. }))
///     .count();
/// assert_eq!(spawns, 2); // the main future and the spawned task
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// Virtual time since the start of the simulation.
    pub time: Duration,
    /// What happened.
    pub kind: EventKind,
}

/// What an [`Event`] records.
///
/// # Examples
///
/// ```
/// use seedloop::trace::EventKind;
///
/// let mut sim = seedloop::Sim::builder().record_trace(true).build();
/// sim.block_on(seedloop::sleep(std::time::Duration::from_secs(1)));
/// assert!(sim.trace().events().iter().any(|e| matches!(e.kind, EventKind::Advance { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// A task was spawned (the main future of `block_on` counts as a task).
    Spawn {
        /// The new task.
        task: Id,
        /// Its name, if it has one.
        name: Option<String>,
        /// The task that spawned it, if it was spawned from inside a task.
        parent: Option<Id>,
    },
    /// A task was polled.
    Poll {
        /// The task.
        task: Id,
    },
    /// A task's future completed.
    Finish {
        /// The task.
        task: Id,
    },
    /// A task was aborted and its future dropped.
    Cancel {
        /// The task.
        task: Id,
    },
    /// A task panicked.
    Panic {
        /// The task.
        task: Id,
    },
    /// No task was ready, so the clock jumped to the next deadline and fired its timers.
    Advance {
        /// How many timers fired.
        fired: u32,
    },
    /// A node was started, killed, restarted, paused or resumed.
    Node {
        /// The node's name.
        node: String,
        /// What happened to it.
        change: NodeChange,
    },
    /// A network fault was applied or lifted, in words (`partition a <-> b`).
    Fault {
        /// What was done.
        description: String,
    },
    /// A packet was sent, delivered, dropped, duplicated or held.
    Packet {
        /// What happened to it.
        fate: PacketFate,
        /// `"udp"` or `"tcp"`.
        proto: &'static str,
        /// The sending socket's address.
        from: SocketAddr,
        /// The destination.
        to: SocketAddr,
        /// Payload bytes.
        len: u32,
    },
    /// A task that could have gone on at once yielded at a switch point
    /// (the strategy chose it: a `1` on the tape), so another task ran first.
    Yield {
        /// The task that yielded.
        task: Id,
        /// The operation whose switch point it was (`Mutex::lock`).
        op: &'static str,
        /// Where that operation was called.
        at: &'static Location<'static>,
    },
    /// An operation on a node's simulated disk (`seedloop::fs`), or the
    /// outcome of its crash.
    Disk {
        /// The node whose disk it is.
        node: String,
        /// What happened: `write /log 4096 bytes at 0`, `crash: 3 kept, 1 lost`.
        description: String,
    },
    /// A simulated process ([`process`](crate::process)) started, exited or
    /// was killed.
    Process {
        /// The node it runs on.
        node: String,
        /// Its process id.
        pid: u32,
        /// What happened: `start 'pg_dump' --all`, `exit 0`, `killed by signal 9`.
        description: String,
    },
    /// A TCP control segment (no payload) was sent, delivered, dropped or
    /// held. Segments that carry data are [`EventKind::Packet`]s.
    Control {
        /// What happened to it.
        fate: PacketFate,
        /// `"SYN"`, `"SYN-ACK"`, `"FIN"` or `"RST"`.
        segment: &'static str,
        /// The sending socket's address.
        from: SocketAddr,
        /// The destination.
        to: SocketAddr,
    },
}

/// What happened to a node, in an [`EventKind::Node`] event.
///
/// ```
/// use seedloop::trace::{EventKind, NodeChange};
/// let mut sim = seedloop::Sim::builder().record_trace(true).build();
/// sim.block_on(async {
///     let n = seedloop::node::Builder::new("db").build();
///     seedloop::node::kill(n);
/// });
/// assert!(sim.trace().events().iter().any(|e| matches!(
///     &e.kind,
///     EventKind::Node { change: NodeChange::Killed, .. }
/// )));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeChange {
    /// Created by `node::Builder::build`.
    Started,
    /// Every task dropped, every socket closed.
    Killed,
    /// Its `init` runs again.
    Restarted,
    /// Its tasks are not polled until it resumes.
    Paused,
    /// Polled again.
    Resumed,
}

/// What happened to a packet, in an [`EventKind::Packet`] event.
///
/// ```
/// use seedloop::trace::PacketFate;
/// assert_eq!(PacketFate::Delivered.to_string(), "delivered");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketFate {
    /// Put on the link.
    Sent,
    /// Arrived at its destination socket.
    Delivered,
    /// Lost on the link (its loss probability).
    Lost,
    /// Dropped: a partition, an unknown address, no socket, a dead node.
    Dropped,
    /// Sent twice (its duplication probability).
    Duplicated,
    /// Held by a clog or a paused node, to be delivered later.
    Held,
    /// A TCP segment waits for a partition to heal (it is retransmitted).
    Stalled,
}

impl fmt::Display for PacketFate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PacketFate::Sent => "sent",
            PacketFate::Delivered => "delivered",
            PacketFate::Lost => "lost",
            PacketFate::Dropped => "dropped",
            PacketFate::Duplicated => "duplicated",
            PacketFate::Held => "held",
            PacketFate::Stalled => "stalled",
        })
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>14}  ", fmt_time(self.time))?;
        fmt_kind(&self.kind, f, &|_| None)
    }
}

/// An event's words without its time or names (for a log line).
pub(crate) struct Words<'a>(pub(crate) &'a EventKind);

impl fmt::Display for Words<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_kind(self.0, f, &|_| None)
    }
}

fn fmt_kind(
    kind: &EventKind,
    f: &mut fmt::Formatter<'_>,
    name_of: &dyn Fn(Id) -> Option<String>,
) -> fmt::Result {
    let task = |f: &mut fmt::Formatter<'_>, id: Id| {
        write!(f, "task {id}")?;
        if let Some(name) = name_of(id) {
            write!(f, " '{name}'")?;
        }
        Ok(())
    };
    match kind {
        EventKind::Spawn {
            task: t,
            name,
            parent,
        } => {
            write!(f, "spawn   task {t}")?;
            if let Some(name) = name {
                write!(f, " '{name}'")?;
            }
            if let Some(p) = parent {
                f.write_str(" by ")?;
                task(f, *p)?;
            }
            Ok(())
        }
        EventKind::Poll { task: t } => {
            f.write_str("poll    ")?;
            task(f, *t)
        }
        EventKind::Finish { task: t } => {
            f.write_str("finish  ")?;
            task(f, *t)
        }
        EventKind::Cancel { task: t } => {
            f.write_str("cancel  ")?;
            task(f, *t)
        }
        EventKind::Panic { task: t } => {
            f.write_str("panic   ")?;
            task(f, *t)
        }
        EventKind::Advance { fired: 0 } => {
            f.write_str("advance clock, no timer fired: in-flight work (packets) was due")
        }
        EventKind::Advance { fired: 1 } => f.write_str("advance clock, 1 timer fired"),
        EventKind::Advance { fired } => write!(f, "advance clock, {fired} timers fired"),
        EventKind::Yield { task: t, op, at } => {
            f.write_str("yield   ")?;
            task(f, *t)?;
            write!(f, " yielded at {op} ({at})")
        }
        EventKind::Control {
            fate,
            segment,
            from,
            to,
        } => write!(f, "tcp     {from} -> {to} {segment} {fate}"),
        EventKind::Node { node, change } => {
            let what = match change {
                NodeChange::Started => "started",
                NodeChange::Killed => "killed",
                NodeChange::Restarted => "restarted",
                NodeChange::Paused => "paused",
                NodeChange::Resumed => "resumed",
            };
            write!(f, "node    '{node}' {what}")
        }
        EventKind::Fault { description } => write!(f, "fault   {description}"),
        EventKind::Disk { node, description } => write!(f, "disk    '{node}' {description}"),
        EventKind::Process {
            node,
            pid,
            description,
        } => write!(f, "process '{node}' pid {pid} {description}"),
        EventKind::Packet {
            fate,
            proto,
            from,
            to,
            len,
        } => write!(f, "{proto:<7} {from} -> {to} {len} bytes {fate}"),
    }
}

/// The list of a run's events. Its `Display` is one event a line, stable across
/// versions of the crate's patch releases, so it suits snapshot tests.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::builder().seed(1).record_trace(true).build();
/// sim.block_on(async {
///     seedloop::task::Builder::new().name("child").spawn(async {}).await.unwrap();
/// });
/// let text = sim.trace().to_string();
/// assert!(text.contains("spawn   task 2 'child' by task 1 'main'"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    events: Vec<Event>,
}

impl Trace {
    /// The events, in order.
    ///
    /// ```
    /// let sim = seedloop::Sim::new(0);
    /// assert!(sim.trace().events().is_empty());
    /// ```
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The number of events.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().record_trace(true).build();
    /// sim.block_on(async {});
    /// assert_eq!(sim.trace().len(), 3); // spawn, poll and finish of the main future
    /// ```
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event was recorded (always so unless recording was asked for).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(3);
    /// sim.block_on(async {});
    /// assert!(sim.trace().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The index of the first event where two traces differ, if they do.
    ///
    /// ```
    /// let run = |seed| {
    ///     let mut sim = seedloop::Sim::builder().seed(seed).record_trace(true).build();
    ///     sim.block_on(async {
    ///         let a = seedloop::spawn(async {});
    ///         let b = seedloop::spawn(async {});
    ///         let _ = (a.await, b.await);
    ///     });
    ///     sim.trace().clone()
    /// };
    /// assert_eq!(run(5).first_difference(&run(5)), None);
    /// ```
    pub fn first_difference(&self, other: &Trace) -> Option<usize> {
        let common = self.events.len().min(other.events.len());
        (0..common)
            .find(|i| self.events[*i] != other.events[*i])
            .or((self.events.len() != other.events.len()).then_some(common))
    }

    /// Formats the event at `index` with task names resolved, or `<end of trace>`.
    pub(crate) fn describe(&self, index: usize) -> String {
        match self.events.get(index) {
            None => "<end of trace>".to_string(),
            Some(e) => {
                let names = self.names();
                format!("{}", Line(e, &names))
            }
        }
    }

    fn names(&self) -> BTreeMap<Id, String> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Spawn {
                    task,
                    name: Some(n),
                    ..
                } => Some((*task, n.clone())),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn append(&mut self, events: &mut Vec<Event>) {
        self.events.append(events);
    }

    /// The last `n` events formatted as in `Display`.
    pub(crate) fn tail(&self, n: usize) -> String {
        let names = self.names();
        let start = self.events.len().saturating_sub(n);
        let mut out = String::new();
        for e in &self.events[start..] {
            out.push_str(&format!("{}\n", Line(e, &names)));
        }
        out
    }
}

struct Line<'a>(&'a Event, &'a BTreeMap<Id, String>);

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>14}  ", fmt_time(self.0.time))?;
        fmt_kind(&self.0.kind, f, &|id| self.1.get(&id).cloned())
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        for e in &self.events {
            writeln!(f, "{}", Line(e, &names))?;
        }
        Ok(())
    }
}

/// Formats a virtual time as seconds, at least three decimals, exact to the nanosecond.
pub(crate) fn fmt_time(d: Duration) -> String {
    let mut frac = format!("{:09}", d.subsec_nanos());
    while frac.len() > 3 && frac.ends_with('0') {
        frac.pop();
    }
    format!("{}.{}s", d.as_secs(), frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format_is_exact_and_readable() {
        assert_eq!(fmt_time(Duration::from_millis(12_340)), "12.340s");
        assert_eq!(fmt_time(Duration::ZERO), "0.000s");
        assert_eq!(fmt_time(Duration::from_nanos(1_500)), "0.0000015s");
    }
}
