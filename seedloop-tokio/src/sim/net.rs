//! tokio's `net`: seedloop's simulated TCP and UDP, with names resolved
//! by the simulated DNS. A socket belongs to the node of the task that
//! made it; outside any node that is `main`, 10.0.0.1, which also answers
//! to `127.0.0.1` and `localhost`.

pub use seedloop::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs, UdpSocket, lookup_host};

/// The halves of a split [`TcpStream`].
pub mod tcp {
    pub use seedloop::net::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
}

missing_types! {
    /// tokio's Unix stream socket.
    type UnixStream[] = UnixStreamNotSimulated[], UnixStreamT,
        "`tokio::net::UnixStream` is not simulated by seedloop",
        "the simulated network has TCP and UDP only: use `tokio::net::TcpStream` (a local address such as `localhost:8080` works)",
        "let _s = tokio::net::UnixStream::connect(\"/tmp/sock\").await;";
    /// tokio's Unix listener.
    type UnixListener[] = UnixListenerNotSimulated[], UnixListenerT,
        "`tokio::net::UnixListener` is not simulated by seedloop",
        "the simulated network has TCP and UDP only: use `tokio::net::TcpListener`",
        "let _l = tokio::net::UnixListener::bind(\"/tmp/sock\");";
    /// tokio's Unix datagram socket.
    type UnixDatagram[] = UnixDatagramNotSimulated[], UnixDatagramT,
        "`tokio::net::UnixDatagram` is not simulated by seedloop",
        "the simulated network has TCP and UDP only: use `tokio::net::UdpSocket`",
        "let _d = tokio::net::UnixDatagram::unbound();";
    /// tokio's Unix socket builder.
    type UnixSocket[] = UnixSocketNotSimulated[], UnixSocketT,
        "`tokio::net::UnixSocket` is not simulated by seedloop",
        "the simulated network has TCP and UDP only: use `tokio::net::TcpSocket`",
        "let _s = tokio::net::UnixSocket::new_stream();";
}

/// tokio's Unix-socket types: none is simulated.
pub mod unix {
    missing_types! {
        /// tokio's read half of a Unix stream.
        type ReadHalf['a] = ReadHalfNotSimulated[&'a ()], ReadHalfT,
            "`tokio::net::unix::ReadHalf` is not simulated by seedloop",
            "use `tokio::net::tcp::ReadHalf` of a `TcpStream`",
            "let _h: Option<tokio::net::unix::ReadHalf<'static>> = None;";
        /// tokio's write half of a Unix stream.
        type WriteHalf['a] = WriteHalfNotSimulated[&'a ()], WriteHalfT,
            "`tokio::net::unix::WriteHalf` is not simulated by seedloop",
            "use `tokio::net::tcp::WriteHalf` of a `TcpStream`",
            "let _h: Option<tokio::net::unix::WriteHalf<'static>> = None;";
        /// tokio's owned read half of a Unix stream.
        type OwnedReadHalf[] = OwnedReadHalfNotSimulated[], OwnedReadHalfT,
            "`tokio::net::unix::OwnedReadHalf` is not simulated by seedloop",
            "use `tokio::net::tcp::OwnedReadHalf` of a `TcpStream`",
            "let _h: Option<tokio::net::unix::OwnedReadHalf> = None;";
        /// tokio's owned write half of a Unix stream.
        type OwnedWriteHalf[] = OwnedWriteHalfNotSimulated[], OwnedWriteHalfT,
            "`tokio::net::unix::OwnedWriteHalf` is not simulated by seedloop",
            "use `tokio::net::tcp::OwnedWriteHalf` of a `TcpStream`",
            "let _h: Option<tokio::net::unix::OwnedWriteHalf> = None;";
        /// tokio's error of rejoining two halves of different Unix streams.
        type ReuniteError[] = ReuniteErrorNotSimulated[], ReuniteErrorT,
            "`tokio::net::unix::ReuniteError` is not simulated by seedloop",
            "use `tokio::net::tcp::ReuniteError`",
            "let _e: Option<tokio::net::unix::ReuniteError> = None;";
        /// tokio's Unix socket address.
        type SocketAddr[] = SocketAddrNotSimulated[], SocketAddrT,
            "`tokio::net::unix::SocketAddr` is not simulated by seedloop",
            "use `std::net::SocketAddr` with TCP or UDP",
            "let _a: Option<tokio::net::unix::SocketAddr> = None;";
        /// tokio's peer credentials of a Unix socket.
        type UCred[] = UCredNotSimulated[], UCredT,
            "`tokio::net::unix::UCred` is not simulated by seedloop",
            "a simulated peer has no uid or pid: identify it by its address",
            "let _c: Option<tokio::net::unix::UCred> = None;";
    }

    /// A user id, as tokio's (a plain integer).
    #[allow(non_camel_case_types)]
    pub type uid_t = u32;
    /// A group id, as tokio's (a plain integer).
    #[allow(non_camel_case_types)]
    pub type gid_t = u32;
    /// A process id, as tokio's (a plain integer).
    #[allow(non_camel_case_types)]
    pub type pid_t = i32;

    /// tokio's Unix pipes (FIFOs): none is simulated.
    pub mod pipe {
        missing_fns! {
            /// tokio's anonymous pipe.
            fn pipe() => PipeFn,
                "`tokio::net::unix::pipe::pipe` is not simulated by seedloop",
                "use `tokio::io::simplex` (an in-memory one-way pipe) or a `TcpStream`",
                "let _p = tokio::net::unix::pipe::pipe();";
        }
        missing_types! {
            /// tokio's FIFO open options.
            type OpenOptions[] = OpenOptionsNotSimulated[], OpenOptionsT,
                "`tokio::net::unix::pipe::OpenOptions` is not simulated by seedloop",
                "use `tokio::io::simplex` or a `TcpStream`",
                "let _o = tokio::net::unix::pipe::OpenOptions::new();";
            /// tokio's writing end of a pipe.
            type Sender[] = SenderNotSimulated[], SenderT,
                "`tokio::net::unix::pipe::Sender` is not simulated by seedloop",
                "use `tokio::io::simplex` or a `TcpStream`",
                "let _s: Option<tokio::net::unix::pipe::Sender> = None;";
            /// tokio's reading end of a pipe.
            type Receiver[] = ReceiverNotSimulated[], ReceiverT,
                "`tokio::net::unix::pipe::Receiver` is not simulated by seedloop",
                "use `tokio::io::simplex` or a `TcpStream`",
                "let _r: Option<tokio::net::unix::pipe::Receiver> = None;";
        }
    }
}
