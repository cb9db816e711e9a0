//! What travels on a link (pub(crate)): a packet between two nodes'
//! addresses, carrying a datagram or a segment of a reliable channel.

use std::net::SocketAddr;

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

/// What a segment of a reliable channel carries: the words of its
/// protocol (open, accept, data, close, reset), which the transport moves
/// without reading.
pub(crate) enum Segment {
    Syn,
    SynAck,
    Data(Payload),
    Fin,
    Rst,
}

/// The two services of the transport.
pub(crate) enum Body {
    /// A datagram: it may be lost, duplicated or reordered, and a partition
    /// drops it (UDP).
    Datagram(Payload),
    /// A segment of channel `channel` for its end `to_end` (0 = the end that
    /// opened it): never lost (a loss is a retransmission delay), held
    /// across a partition until it heals, and never overtaking an earlier
    /// segment of its direction (TCP).
    Stream {
        channel: u64,
        to_end: usize,
        seg: Segment,
    },
}

pub(crate) struct Packet {
    /// Its number in the run (a duplicate gets its own), which pairs its
    /// send with its delivery in a picture of the run.
    pub(crate) id: u64,
    pub(crate) from: SocketAddr,
    pub(crate) to: SocketAddr,
    /// The sending node.
    pub(crate) src: u32,
    /// The receiving node.
    pub(crate) dst: u32,
    pub(crate) body: Body,
}

impl Packet {
    /// The protocol's name in the trace.
    pub(crate) fn proto(&self) -> &'static str {
        match self.body {
            Body::Datagram(_) => "udp",
            Body::Stream { .. } => "tcp",
        }
    }

    /// Payload bytes.
    pub(crate) fn len(&self) -> usize {
        match &self.body {
            Body::Datagram(d) => d.as_slice().len(),
            Body::Stream {
                seg: Segment::Data(d),
                ..
            } => d.as_slice().len(),
            Body::Stream { .. } => 0,
        }
    }

    /// The name of a control segment (one that carries no data), as the
    /// trace shows it.
    #[inline]
    pub(crate) fn control(&self) -> Option<&'static str> {
        match &self.body {
            Body::Stream { seg, .. } => match seg {
                Segment::Syn => Some("SYN"),
                Segment::SynAck => Some("SYN-ACK"),
                Segment::Fin => Some("FIN"),
                Segment::Rst => Some("RST"),
                Segment::Data(_) => None,
            },
            Body::Datagram(_) => None,
        }
    }

    /// What a stream segment is (`SYN`, `SYN-ACK`, `DATA`, `FIN`, `RST`);
    /// `None` for a datagram.
    #[inline]
    pub(crate) fn segment(&self) -> Option<&'static str> {
        match self.body {
            Body::Stream { .. } => Some(self.control().unwrap_or("DATA")),
            Body::Datagram(_) => None,
        }
    }

    /// The channel and direction of a stream segment.
    pub(crate) fn flow(&self) -> Option<(u64, usize)> {
        match self.body {
            Body::Stream {
                channel, to_end, ..
            } => Some((channel, to_end)),
            Body::Datagram(_) => None,
        }
    }
}
