//! Layer 7, transport: links between nodes, their faults, and the packets
//! in flight (asyncio's `BaseTransport` below the protocols).
//!
//! The transport knows nodes, links and two services, datagrams and
//! reliable channels; it knows no socket. The sockets above
//! ([`udp`](super::udp), [`tcp`](super::tcp), through
//! [`sockets`](super::sockets)) give it packets with [`send`] and attach
//! the one entry point through which it hands over what arrives
//! ([`attach`]); it tells them when a partition breaks a channel.

mod config;
mod fabric;
mod faults;
mod packet;
mod rules;

pub(crate) use config::of as config_of;
pub use config::{LinkConfig, NetConfig};
pub(crate) use config::{TCP_HEADERS, UDP_HEADERS, datagram_fits};
pub(crate) use fabric::{
    Endpoints, attach, close_channel, get, mtu, note, note_arrival, open_channel, packet_id, send,
    send_datagram,
};
pub use fabric::{InFlight, Wire, in_flight};
pub use faults::{
    clog, hold, partition, partition_oneway, release, repair, repair_all, repair_oneway, set_link,
    set_link_oneway, unclog,
};
pub(crate) use packet::{Body, Packet, Payload, Segment};
pub use rules::{Packet as RulePacket, Rule, RuleId, Verdict, add_rule, add_rule_on, remove_rule};
