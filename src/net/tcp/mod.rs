//! TCP: `TcpListener`, `TcpStream` and its halves.

pub(crate) mod conn;
mod listener;
mod options;
mod split;
mod stream;

pub use listener::TcpListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
