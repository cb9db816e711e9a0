//! Layers 7 and 8, transport and sockets: the simulated network.
//!
//! asyncio's transports move bytes between processes; here they move them
//! between simulated nodes (see [`node`](crate::node)) over links that
//! delay, lose, duplicate and reorder, and that the test can cut at will.
//! The sockets have tokio's names and signatures, so code written against
//! `tokio::net` moves over by changing its imports.
//!
//! | asyncio / tokio | seedloop |
//! |---|---|
//! | `loop.create_datagram_endpoint` / `tokio::net::UdpSocket` | [`UdpSocket`] |
//! | `asyncio.open_connection`'s socket / `tokio::net::TcpStream` | [`TcpStream`] |
//! | `loop.create_server` / `tokio::net::TcpListener` | [`TcpListener`] |
//! | `loop.getaddrinfo` / `tokio::net::lookup_host` | [`lookup_host`] (node names resolve) |
//! | `Protocol`, `DatagramProtocol`, `Transport` | [`protocol`] |
//! | an unreliable network | [`NetConfig`], [`LinkConfig`], [`partition`], [`clog`], ... |
//!
//! # Determinism
//!
//! Each packet's latency is a choice on the tape (0 = the link's minimum);
//! loss and duplication are coins on the tape when their probability is
//! above zero (0 = delivered, once). Packets sent, delivered, lost, dropped,
//! duplicated, held and stalled are events of the trace and the fingerprint.
//!
//! ```
//! use std::time::Duration;
//! use seedloop::net::{self, UdpSocket};
//!
//! let mut sim = seedloop::Sim::new(3);
//! sim.block_on(async {
//!     seedloop::node::Builder::new("b")
//!         .init(|| async {
//!             let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
//!             let mut buf = [0; 16];
//!             let (n, from) = s.recv_from(&mut buf).await.unwrap();
//!             s.send_to(&buf[..n], from).await.unwrap();
//!         })
//!         .build();
//!     let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
//!     net::partition("main", "b");
//!     s.send_to(b"one", "b:9").await.unwrap(); // dropped by the partition
//!     net::repair("main", "b");
//!     s.send_to(b"two", "b:9").await.unwrap();
//!     let mut buf = [0; 16];
//!     let (n, _) = s.recv_from(&mut buf).await.unwrap();
//!     assert_eq!(&buf[..n], b"two");
//! });
//! ```

mod addr;
mod netstat;
pub mod protocol;
mod ready;
mod server;
mod sockets;
mod tcp;
pub(crate) mod transport;
mod udp;
mod udp_ext;
mod udp_group;

pub use addr::{ToSocketAddrs, lookup_host};
pub use netstat::{SocketEntry, netstat};
pub use ready::{Interest, Ready};
pub use tcp::{
    OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, TcpListener, TcpSocket, TcpStream,
    WriteHalf,
};
pub use transport::{
    InFlight, LinkConfig, NetConfig, Rule, RuleId, RulePacket as Packet, Verdict, Wire, add_rule,
    add_rule_on, clog, hold, in_flight, partition, partition_oneway, release, remove_rule, repair,
    repair_all, repair_oneway, set_link, set_link_oneway, unclog,
};
pub use udp::{MAX_DATAGRAM, UdpSocket};
