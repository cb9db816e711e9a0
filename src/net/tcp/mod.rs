//! TCP: `TcpListener`, `TcpStream` and its halves.

pub(crate) mod conn;
mod listener;
mod options;
mod socket;
mod split;
mod stream;

pub use listener::TcpListener;
pub(crate) use options::check_ttl;
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
