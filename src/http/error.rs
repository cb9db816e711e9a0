//! What went wrong with a request, by kind.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A boxed error from a body or a service.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A failed request: each variant says what happened.
///
/// ```
/// use std::time::Duration;
/// use seedloop::http::{Client, Error};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let err = Client::new().get("http://127.0.0.1:9/").await.unwrap_err();
///     assert!(matches!(err, Error::Refused { .. }), "{err}");
///     assert!(err.to_string().contains("refused"));
/// });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URI can't be requested (no host, a scheme other than `http`).
    InvalidUri {
        /// The URI as given.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The simulated DNS knows no such host.
    UnknownHost {
        /// The name.
        host: String,
    },
    /// Nothing listens at the address, or its node is down: the connection
    /// was refused.
    Refused {
        /// Where the client tried to connect.
        addr: SocketAddr,
    },
    /// No response came in time: the request's timeout, or the connect
    /// timeout of the simulated TCP.
    TimedOut {
        /// The request's timeout that expired; `None` when the connection
        /// attempt timed out (the network's connect timeout).
        after: Option<Duration>,
    },
    /// The connection broke before the response was complete: the server
    /// reset or closed it, or its node crashed.
    Reset {
        /// The server's address.
        addr: SocketAddr,
        /// hyper's or the socket's account of it.
        source: BoxError,
    },
    /// The peer broke the HTTP protocol (hyper's parse and frame errors).
    Protocol(hyper::Error),
    /// A request or response body failed.
    Body(BoxError),
    /// Another socket error.
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUri { uri, reason } => write!(f, "invalid URI {uri:?}: {reason}"),
            Error::UnknownHost { host } => write!(f, "unknown host {host:?}: no node by that name"),
            Error::Refused { addr } => write!(f, "connection to {addr} refused"),
            Error::TimedOut { after: Some(after) } => {
                write!(f, "request timed out after {after:?}")
            }
            Error::TimedOut { after: None } => {
                write!(f, "connect timed out: no answer from the server")
            }
            Error::Reset { addr, source } => write!(f, "connection to {addr} reset: {source}"),
            Error::Protocol(e) => write!(f, "HTTP protocol error: {e}"),
            Error::Body(e) => write!(f, "body error: {e}"),
            Error::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Reset { source, .. } | Error::Body(source) => Some(&**source),
            Error::Protocol(e) => Some(e),
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}
