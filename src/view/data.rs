//! The run as the page's data (pub(crate)): lanes, tasks, events, messages
//! paired from their packets' events, bands from faults and node changes,
//! the non-zero choices, the failure and the checker's panel, written as
//! one JSON object (the page's format is described in `page.html`).

use std::collections::BTreeMap;

use super::json::Json;
use crate::error::Error;
use crate::runtime::Sim;
use crate::time::to_nanos;
use crate::trace::sidecar::{FaultKind, Sidecar};
use crate::trace::{Event, EventKind, NodeChange, PacketFate, Words};

/// Past this many events, polls are sampled (and then, if still too
/// many, every kind), and the page says so.
pub(crate) const MAX_EVENTS: usize = 100_000;

/// Past this many messages, only the first are kept, and the page says so.
pub(crate) const MAX_MESSAGES: usize = 20_000;

/// Past this many non-zero choices, only the first are kept (a random
/// run's latencies are each one; a shrunk run has a few).
pub(crate) const MAX_CHOICES: usize = 20_000;

/// What the page's heading says.
pub(crate) struct Heading<'a> {
    pub(crate) title: &'a str,
    pub(crate) subtitle: String,
}

/// A message: a packet's events, paired by its number.
struct Message {
    from: u32,
    to: u32,
    start: u64,
    end: Option<u64>,
    sent: usize,
    recv: Option<usize>,
    fate: &'static str,
    proto: &'static str,
    len: u32,
    dup: bool,
    label: String,
}

/// A band over lanes: a fault or a node's state, from `start` to `end`.
struct Band {
    kind: &'static str,
    nodes: Vec<u32>,
    start: u64,
    end: Option<u64>,
    label: String,
}

/// The page's data for `sim`'s recorded run.
pub(crate) fn build(sim: &Sim, heading: &Heading<'_>) -> String {
    let events = sim.trace().events();
    let names = sim.node_names();
    let node_of_name: BTreeMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as u32))
        .collect();
    sim.with_sidecar(|side| {
        let task_node: BTreeMap<u64, u32> = side
            .tasks
            .iter()
            .map(|(t, n, _)| (t.as_u64(), *n))
            .collect();
        let mut j = Json::new();
        j.open_object();
        j.key("title").str(heading.title);
        j.key("subtitle").str(&heading.subtitle);
        j.key("end").num(to_nanos(sim.elapsed()));
        j.key("events_total").num(events.len() as u64);
        let kept = sample(events);
        match &kept {
            Some((rows, why)) => {
                j.key("sampled").open_object();
                j.key("kept").num(rows.len() as u64);
                j.key("of").num(events.len() as u64);
                j.key("why").str(why);
                j.close_object();
            }
            None => {
                j.key("sampled").null();
            }
        }
        j.key("nodes").open_array();
        for (i, n) in names.iter().enumerate() {
            j.open_object()
                .key("id")
                .num(i as u64)
                .key("name")
                .str(n)
                .close_object();
        }
        j.close_array();
        write_tasks(&mut j, events, side);
        j.key("events").open_array();
        let node_of = |e: &Event| event_node(e, &task_node, &node_of_name);
        // A packet event goes on the lane of the node where it happened.
        let marks: BTreeMap<usize, (u64, u32)> = side
            .packets
            .iter()
            .map(|m| (m.event, (m.id, m.at)))
            .collect();
        let mut row = |i: usize, e: &Event| {
            let mark = marks.get(&i);
            let node = match mark {
                Some(&(_, at)) => Some(at),
                None => node_of(e),
            };
            let packet = mark.map(|m| m.0);
            write_event(&mut j, i, e, node, packet, kept.is_some());
        };
        match &kept {
            Some((rows, _)) => rows.iter().for_each(|&i| row(i, &events[i])),
            None => events.iter().enumerate().for_each(|(i, e)| row(i, e)),
        }
        j.close_array();
        write_messages(&mut j, events, side);
        write_bands(&mut j, events, side, &names, &node_of_name);
        // Rows `[event, time, task, node, kind, value, of, tape position]`.
        j.key("choices_total").num(side.choices.len() as u64);
        j.key("choices").open_array();
        for c in side.choices.iter().take(MAX_CHOICES) {
            let task = c.task.map(|t| t.as_u64());
            let node = task.and_then(|t| task_node.get(&t).copied());
            j.open_array();
            j.num(c.event as u64).num(c.time);
            j.int(task.map_or(-1, |t| t as i64));
            j.int(node.map_or(-1, i64::from));
            j.str(c.kind).num(u64::from(c.value));
            j.num(c.of).num(c.tape as u64);
            j.close_array();
        }
        j.close_array();
        write_failure(&mut j, sim, &task_node);
        write_panel(&mut j, side);
        j.close_object();
        j.finish()
    })
}

/// Which events to keep when there are too many: `None` keeps them all;
/// otherwise the kept indices and why.
fn sample(events: &[Event]) -> Option<(Vec<usize>, String)> {
    if events.len() <= MAX_EVENTS {
        return None;
    }
    let polls = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Poll { .. }))
        .count();
    let others = events.len() - polls;
    if others < MAX_EVENTS / 2 {
        // Every event but the polls, and one poll in `stride`.
        let stride = polls.div_ceil(MAX_EVENTS - others).max(2);
        let mut seen = 0;
        let rows = (0..events.len())
            .filter(|&i| {
                if !matches!(events[i].kind, EventKind::Poll { .. }) {
                    return true;
                }
                seen += 1;
                (seen - 1) % stride == 0
            })
            .collect();
        return Some((
            rows,
            format!("one poll in {stride}; every other event kept"),
        ));
    }
    let stride = events.len().div_ceil(MAX_EVENTS);
    let rows = (0..events.len()).step_by(stride).collect();
    Some((rows, format!("one event in {stride}")))
}

/// Rows `[task, node, name, parent, spawn site]`, in spawn order.
fn write_tasks(j: &mut Json, events: &[Event], side: &Sidecar) {
    let spawns: BTreeMap<u64, (Option<&str>, Option<u64>)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Spawn { task, name, parent } => {
                Some((task.as_u64(), (name.as_deref(), parent.map(|p| p.as_u64()))))
            }
            _ => None,
        })
        .collect();
    j.key("tasks").open_array();
    for (task, node, at) in &side.tasks {
        let id = task.as_u64();
        let (name, parent) = spawns.get(&id).copied().unwrap_or((None, None));
        j.open_array();
        j.num(id)
            .num(u64::from(*node))
            .opt_str(name)
            .opt_num(parent);
        j.str(&at.to_string());
        j.close_array();
    }
    j.close_array();
}

/// The lane an event belongs on, if one: its task's node, or the node it names.
fn event_node(
    e: &Event,
    task_node: &BTreeMap<u64, u32>,
    by_name: &BTreeMap<&str, u32>,
) -> Option<u32> {
    if let Some(task) = task_of(&e.kind) {
        return task_node.get(&task).copied();
    }
    match &e.kind {
        EventKind::Node { node, .. }
        | EventKind::Disk { node, .. }
        | EventKind::Process { node, .. } => by_name.get(node.as_str()).copied(),
        _ => None,
    }
}

/// The task an event is about, if it is about one.
fn task_of(kind: &EventKind) -> Option<u64> {
    match kind {
        EventKind::Spawn { task, .. }
        | EventKind::Poll { task }
        | EventKind::Finish { task }
        | EventKind::Cancel { task }
        | EventKind::Panic { task }
        | EventKind::Yield { task, .. } => Some(task.as_u64()),
        _ => None,
    }
}

fn kind_name(k: &EventKind) -> &'static str {
    match k {
        EventKind::Spawn { .. } => "spawn",
        EventKind::Poll { .. } => "poll",
        EventKind::Finish { .. } => "finish",
        EventKind::Cancel { .. } => "cancel",
        EventKind::Panic { .. } => "panic",
        EventKind::Yield { .. } => "yield",
        EventKind::Advance { .. } => "advance",
        EventKind::Node { .. } => "node",
        EventKind::Fault { .. } => "fault",
        EventKind::Packet { .. } => "packet",
        EventKind::Control { .. } => "control",
        EventKind::Disk { .. } => "disk",
        EventKind::Process { .. } => "process",
    }
}

/// One row `[time, kind, task, node, words]` (and the event's index when
/// the events are sampled).
fn write_event(
    j: &mut Json,
    i: usize,
    e: &Event,
    node: Option<u32>,
    packet: Option<u64>,
    indexed: bool,
) {
    let task = task_of(&e.kind);
    j.open_array();
    j.num(to_nanos(e.time)).str(kind_name(&e.kind));
    j.int(task.map_or(-1, |t| t as i64));
    j.int(node.map_or(-1, i64::from));
    match &e.kind {
        EventKind::Spawn { .. }
        | EventKind::Poll { .. }
        | EventKind::Finish { .. }
        | EventKind::Cancel { .. }
        | EventKind::Panic { .. } => j.str(""),
        EventKind::Yield { op, at, .. } => j.str(&format!("{op} at {at}")),
        EventKind::Advance { fired: 0 } => j.str("packets due"),
        EventKind::Advance { fired } => j.str(&format!("{fired} timer(s) fired")),
        EventKind::Packet { fate, .. } | EventKind::Control { fate, .. } => match packet {
            Some(id) => j.str(&format!("#{id} {fate}")),
            None => j.str(&words(&e.kind)),
        },
        other => j.str(&words(other)),
    };
    if indexed {
        j.num(i as u64);
    }
    j.close_array();
}

/// The trace's words for an event, without the columns' padding.
fn words(kind: &EventKind) -> String {
    let text = Words(kind).to_string();
    let mut out = String::with_capacity(text.len());
    for (i, w) in text.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn write_messages(j: &mut Json, events: &[Event], side: &Sidecar) {
    let mut messages: BTreeMap<u64, Message> = BTreeMap::new();
    for m in &side.packets {
        let Some(e) = events.get(m.event) else {
            continue;
        };
        let t = to_nanos(e.time);
        let (fate, proto, len, label) = match &e.kind {
            EventKind::Packet {
                fate,
                proto,
                from,
                to,
                len,
            } => (
                *fate,
                *proto,
                *len,
                format!("{proto} {from} -> {to} {len} bytes"),
            ),
            EventKind::Control {
                fate,
                segment,
                from,
                to,
            } => (*fate, *segment, 0, format!("tcp {segment} {from} -> {to}")),
            _ => continue,
        };
        let msg = messages.entry(m.id).or_insert_with(|| Message {
            from: m.src,
            to: m.dst,
            start: t,
            end: None,
            sent: m.event,
            recv: None,
            fate: "flying",
            proto,
            len,
            dup: false,
            label,
        });
        match fate {
            PacketFate::Sent => {
                if msg.fate != "delivered" {
                    msg.fate = "flying";
                    msg.end = None;
                }
            }
            PacketFate::Duplicated => msg.dup = true,
            PacketFate::Delivered => {
                msg.fate = "delivered";
                msg.end = Some(t);
                msg.recv = Some(m.event);
            }
            PacketFate::Lost | PacketFate::Dropped => {
                if msg.fate != "delivered" {
                    msg.fate = if fate == PacketFate::Lost {
                        "lost"
                    } else {
                        "dropped"
                    };
                    msg.end = Some(t);
                }
            }
            PacketFate::Held => {
                if msg.fate != "delivered" {
                    msg.fate = "held";
                    msg.end = None;
                }
            }
            PacketFate::Stalled => {
                if msg.fate != "delivered" {
                    msg.fate = "stalled";
                    msg.end = None;
                }
            }
        }
    }
    // A packet let go without an event ends where it was let go.
    for &(id, t) in &side.discards {
        if let Some(m) = messages.get_mut(&id) {
            if m.fate != "delivered" {
                m.fate = "dropped";
                m.end = Some(t);
            }
        }
    }
    // Rows `[id, from, to, t0, t1, sent, recv, fate, proto, len, dup, label]`.
    j.key("messages_total").num(messages.len() as u64);
    j.key("messages").open_array();
    for (id, m) in messages.iter().take(MAX_MESSAGES) {
        j.open_array();
        j.num(*id).num(u64::from(m.from)).num(u64::from(m.to));
        j.num(m.start).opt_num(m.end).num(m.sent as u64);
        j.opt_num(m.recv.map(|r| r as u64));
        j.str(m.fate).str(m.proto).num(u64::from(m.len));
        j.int(i64::from(m.dup)).str(&m.label);
        j.close_array();
    }
    j.close_array();
}

fn write_bands(
    j: &mut Json,
    events: &[Event],
    side: &Sidecar,
    names: &[String],
    by_name: &BTreeMap<&str, u32>,
) {
    let name = |n: u32| names.get(n as usize).map_or("?", String::as_str);
    let mut done: Vec<Band> = Vec::new();
    // Open bands by (kind, a, b); a two-way cut is (a, b) with a <= b.
    let mut open: BTreeMap<(&'static str, u32, u32), Band> = BTreeMap::new();
    let mut close = |open: &mut BTreeMap<_, Band>, key, t| {
        if let Some(mut b) = open.remove(&key) {
            b.end = Some(t);
            done.push(b);
        }
    };
    let mut faults = side.faults.iter().peekable();
    for (i, e) in events.iter().enumerate() {
        let t = to_nanos(e.time);
        match &e.kind {
            EventKind::Fault { description } => {
                let Some(f) = faults.next_if(|f| f.event == i) else {
                    continue;
                };
                let (a, b) = (f.a, f.b);
                let band = |kind, nodes: Vec<u32>| Band {
                    kind,
                    nodes,
                    start: t,
                    end: None,
                    label: description.clone(),
                };
                match f.kind {
                    FaultKind::Partition { both: true } => {
                        let key = ("partition", a.min(b), a.max(b));
                        open.entry(key)
                            .or_insert_with(|| band("partition", vec![a, b]));
                    }
                    FaultKind::Partition { both: false } => {
                        open.entry(("oneway", a, b))
                            .or_insert_with(|| band("partition", vec![a, b]));
                    }
                    FaultKind::Repair { both: true } => {
                        close(&mut open, ("partition", a.min(b), a.max(b)), t);
                        close(&mut open, ("oneway", a, b), t);
                        close(&mut open, ("oneway", b, a), t);
                    }
                    FaultKind::Repair { both: false } => {
                        close(&mut open, ("oneway", a, b), t);
                        if open.contains_key(&("partition", a.min(b), a.max(b))) {
                            close(&mut open, ("partition", a.min(b), a.max(b)), t);
                            // What stays cut is `b -> a`; a band already
                            // open for it (a one-way cut made before the
                            // two-way one) goes on from its own start.
                            let label = format!("partition '{}' -> '{}'", name(b), name(a));
                            open.entry(("oneway", b, a)).or_insert_with(|| Band {
                                label,
                                ..band("partition", vec![b, a])
                            });
                        }
                    }
                    FaultKind::RepairAll => {
                        let cuts: Vec<_> = open
                            .keys()
                            .filter(|k| k.0 == "partition" || k.0 == "oneway")
                            .copied()
                            .collect();
                        for k in cuts {
                            close(&mut open, k, t);
                        }
                    }
                    FaultKind::Clog { on: true } => {
                        open.entry(("clog", a, a))
                            .or_insert_with(|| band("clog", vec![a]));
                    }
                    FaultKind::Clog { on: false } => close(&mut open, ("clog", a, a), t),
                    FaultKind::Hold => {
                        let key = ("hold", a.min(b), a.max(b));
                        open.entry(key).or_insert_with(|| band("hold", vec![a, b]));
                    }
                    FaultKind::Release => close(&mut open, ("hold", a.min(b), a.max(b)), t),
                    FaultKind::Link => {}
                }
            }
            EventKind::Node { node, change } => {
                let Some(&n) = by_name.get(node.as_str()) else {
                    continue;
                };
                let band = |kind: &'static str, what: &str| Band {
                    kind,
                    nodes: vec![n],
                    start: t,
                    end: None,
                    label: format!("node '{node}' {what}"),
                };
                match change {
                    NodeChange::Killed => {
                        close(&mut open, ("paused", n, n), t);
                        open.entry(("killed", n, n))
                            .or_insert_with(|| band("killed", "killed"));
                    }
                    NodeChange::Restarted => close(&mut open, ("killed", n, n), t),
                    NodeChange::Paused => {
                        open.entry(("paused", n, n))
                            .or_insert_with(|| band("paused", "paused"));
                    }
                    NodeChange::Resumed => close(&mut open, ("paused", n, n), t),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    done.extend(open.into_values());
    done.sort_by_key(|b| b.start);
    j.key("bands").open_array();
    for b in &done {
        j.open_object();
        j.key("kind").str(b.kind);
        j.key("nodes").open_array();
        for &n in &b.nodes {
            j.num(u64::from(n));
        }
        j.close_array();
        j.key("t0").num(b.start).key("t1").opt_num(b.end);
        j.key("label").str(&b.label);
        j.close_object();
    }
    j.close_array();
}

fn write_failure(j: &mut Json, sim: &Sim, task_node: &BTreeMap<u64, u32>) {
    j.key("failure");
    let Some((event, error)) = sim.failure() else {
        j.null();
        return;
    };
    let events = sim.trace().events();
    let (task, location, time) = match error {
        Error::Panicked {
            task,
            location,
            time,
            ..
        } => (Some(task.id.as_u64()), location.clone(), Some(*time)),
        Error::Deadlock { time, .. } | Error::StepLimit { time, .. } => (None, None, Some(*time)),
        _ => (None, None, None),
    };
    let time = time
        .or_else(|| event.and_then(|i| events.get(i)).map(|e| e.time))
        .unwrap_or_else(|| sim.elapsed());
    j.open_object();
    j.key("event").opt_num(event.map(|i| i as u64));
    j.key("t").num(to_nanos(time));
    j.key("task").int(task.map_or(-1, |t| t as i64));
    let node = task.and_then(|t| task_node.get(&t).copied());
    j.key("node").int(node.map_or(-1, i64::from));
    j.key("message").str(&error.to_string());
    j.key("location").opt_str(location.as_deref());
    j.close_object();
}

fn write_panel(j: &mut Json, side: &Sidecar) {
    j.key("panel");
    let Some(p) = side.panels.last() else {
        j.null();
        return;
    };
    j.open_object();
    j.key("title").str(&p.title);
    j.key("calls").open_array();
    for c in &p.calls {
        j.open_object();
        j.key("client").num(c.client).key("label").str(&c.label);
        j.key("t0").num(c.start).key("t1").opt_num(c.end);
        j.key("bad").bool(c.bad).key("prefix").bool(c.prefix);
        j.close_object();
    }
    j.close_array();
    j.close_object();
}
