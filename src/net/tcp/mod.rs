//! TCP: `TcpListener`, `TcpStream` and its halves.

pub(crate) mod conn;
mod listener;
mod split;
mod stream;

pub use listener::TcpListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
pub use stream::TcpStream;
