//! The client's connections: idle HTTP/1.1 connections per host, kept
//! alive for the next request, and one multiplexed HTTP/2 connection per
//! host.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use hyper::client::conn::{http1, http2};

use super::body::Body;
use crate::task::Local;
use crate::time::Instant;

/// Where a connection goes: the URI's host and port.
pub(crate) type Key = (String, u16);

/// A kept HTTP/1.1 connection: idle, or still delivering the body of its
/// last response (`done` turns true when that body has been read to its
/// end, so the connection is about to be ready again).
pub(crate) struct Idle {
    pub(crate) send: http1::SendRequest<Body>,
    pub(crate) addr: SocketAddr,
    since: Instant,
    /// Thread-checked, so a connection taken out of the pool can be held
    /// in a `Send` future.
    done: Local<Rc<Cell<bool>>>,
}

/// The pool.
#[derive(Default)]
pub(crate) struct Pool {
    idle: BTreeMap<Key, Vec<Idle>>,
    h2: BTreeMap<Key, (http2::SendRequest<Body>, SocketAddr)>,
    /// Per host, the lock held while an HTTP/2 connection is being made,
    /// so that concurrent first requests share one connection.
    h2_connecting: BTreeMap<Key, Arc<crate::sync::Mutex<()>>>,
    /// Connections opened, for tests and the trace.
    pub(crate) opened: u64,
}

impl Pool {
    /// A kept HTTP/1.1 connection to `key` that is still open and ready,
    /// or about to be (its last body was read), the most recently used
    /// first; closed ones and ones idle longer than `idle_timeout` are
    /// dropped on the way, busy ones stay.
    pub(crate) fn take_h1(&mut self, key: &Key, idle_timeout: Option<Duration>) -> Option<Idle> {
        let list = self.idle.get_mut(key)?;
        let now = Instant::now();
        list.retain(|c| {
            let stale = idle_timeout.is_some_and(|t| now.saturating_duration_since(c.since) > t);
            !stale && !c.send.is_closed()
        });
        let found = list
            .iter()
            .rposition(|c| c.send.is_ready() || c.done.get())
            .map(|i| list.remove(i));
        if list.is_empty() {
            self.idle.remove(key);
        }
        found
    }

    /// Keeps `send`, whose response is on its way to the caller, for the
    /// next request to `key` once `done` says its body was read; unless
    /// `max` are kept there already.
    pub(crate) fn put_h1(
        &mut self,
        key: Key,
        send: http1::SendRequest<Body>,
        addr: SocketAddr,
        max: usize,
        done: Rc<Cell<bool>>,
    ) {
        let list = self.idle.entry(key).or_default();
        if list.len() < max {
            list.push(Idle {
                send,
                addr,
                since: Instant::now(),
                done: Local::new(done),
            });
        }
    }

    /// The open HTTP/2 connection to `key`, if there is one.
    pub(crate) fn h2(&mut self, key: &Key) -> Option<(http2::SendRequest<Body>, SocketAddr)> {
        match self.h2.get(key) {
            Some((send, _)) if send.is_closed() => {
                self.h2.remove(key);
                None
            }
            Some((send, addr)) => Some((send.clone(), *addr)),
            None => None,
        }
    }

    /// The lock to hold while connecting to `key` over HTTP/2.
    pub(crate) fn h2_lock(&mut self, key: &Key) -> Arc<crate::sync::Mutex<()>> {
        Arc::clone(self.h2_connecting.entry(key.clone()).or_default())
    }

    pub(crate) fn put_h2(&mut self, key: Key, send: http2::SendRequest<Body>, addr: SocketAddr) {
        self.h2.insert(key, (send, addr));
    }

    /// Idle HTTP/1.1 connections to `key`.
    pub(crate) fn idle(&self, key: &Key) -> usize {
        self.idle.get(key).map_or(0, Vec::len)
    }
}
