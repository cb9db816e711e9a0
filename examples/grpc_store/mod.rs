//! A small gRPC key-value service, `store.Store`, for tonic over the
//! simulation: the messages, the service trait, an in-memory store, the
//! server, a client channel and the typed client. `examples/grpc.rs` and
//! `tests/grpc.rs` both include this module (with `#[path]`), so the
//! service is written once.
//!
//! It is the code `tonic-build` would generate from this `.proto`, written
//! by hand so that nothing is installed beyond cargo (no `protoc`, no
//! build script):
//!
//! ```text
//! syntax = "proto3";
//! package store;
//!
//! service Store {
//!   rpc Get(GetRequest) returns (GetReply);
//!   rpc Put(PutRequest) returns (PutReply);
//! }
//! message GetRequest { string key = 1; }
//! message GetReply   { string value = 1; uint64 version = 2; }
//! message PutRequest { string key = 1; string value = 2; }
//! message PutReply   { uint64 version = 1; }
//! ```
//!
//! Two things differ from the generated code, both because seedloop's
//! futures are not `Send` (one thread runs the whole simulation):
//!
//! - the [`Store`] trait's futures carry no `Send` bound, and the server
//!   keeps its store in an `Rc`, so a handler may await seedloop's sleeps
//!   and locks; tonic's `server::Grpc::unary` asks no `Send` of the
//!   handler's future, only of the request body (hyper's `Incoming` is)
//!   and of the reply message;
//! - there is no tonic transport: the server is a plain tower service that
//!   [`seedloop::http::serve`] runs, and the client's [`Channel`] speaks
//!   HTTP/2 with hyper over a simulated `TcpStream`. tonic's `transport`
//!   module (features `server` and `channel`) is the only part of tonic
//!   that needs tokio's runtime: tokio's sockets, timers and `spawn`,
//!   hyper-util's tokio glue. `default-features = false` leaves it out;
//!   what stays (codec, `server::Grpc`, `client::Grpc`, `Status`) still
//!   compiles the tokio crate, through `tokio-stream` (its `Stream` and
//!   `once`), as hyper's `h2` already does, but never starts a runtime.

mod channel;
mod client;
mod server;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use seedloop::net::TcpListener;
use seedloop::node::{self, NodeId};
use tonic::{Request, Response, Status};

pub use channel::Channel;
pub use client::StoreClient;
pub use server::StoreServer;

/// The port the store listens on (gRPC's customary one).
pub const PORT: u16 = 50051;

/// `store.GetRequest`: the key to read.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GetRequest {
    /// The key.
    #[prost(string, tag = "1")]
    pub key: String,
}

/// `store.GetReply`: the value and how many puts the key has seen.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GetReply {
    /// The value last put.
    #[prost(string, tag = "1")]
    pub value: String,
    /// 1 after the key's first put, one more with each put after it.
    #[prost(uint64, tag = "2")]
    pub version: u64,
}

/// `store.PutRequest`: a key and its new value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PutRequest {
    /// The key; it must not be empty.
    #[prost(string, tag = "1")]
    pub key: String,
    /// The new value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `store.PutReply`: the key's version after the put.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PutReply {
    /// As in [`GetReply::version`].
    #[prost(uint64, tag = "1")]
    pub version: u64,
}

/// The service's methods, as `tonic-build` would declare them, but with
/// futures that need not be `Send` (and so no `async_trait`): an
/// implementation may hold `Rc`s and await seedloop's own futures.
pub trait Store: 'static {
    /// `rpc Get(GetRequest) returns (GetReply)`.
    fn get(
        &self,
        request: Request<GetRequest>,
    ) -> impl Future<Output = Result<Response<GetReply>, Status>>;

    /// `rpc Put(PutRequest) returns (PutReply)`.
    fn put(
        &self,
        request: Request<PutRequest>,
    ) -> impl Future<Output = Result<Response<PutReply>, Status>>;
}

/// A [`Store`] in memory: what a restart of its node means is that all of
/// it is gone (the node's `init` builds a new, empty one).
#[derive(Debug, Default)]
pub struct MemStore {
    /// Each key's value and version.
    entries: RefCell<BTreeMap<String, (String, u64)>>,
}

/// How long a store takes to do one operation, in virtual time: a little,
/// so that a handler really awaits a (non-`Send`) seedloop timer.
const WORK: Duration = Duration::from_millis(1);

impl Store for MemStore {
    async fn get(&self, request: Request<GetRequest>) -> Result<Response<GetReply>, Status> {
        seedloop::time::sleep(WORK).await;
        let key = request.into_inner().key;
        match self.entries.borrow().get(&key) {
            Some((value, version)) => Ok(Response::new(GetReply {
                value: value.clone(),
                version: *version,
            })),
            None => Err(Status::not_found(format!("no key {key:?}"))),
        }
    }

    async fn put(&self, request: Request<PutRequest>) -> Result<Response<PutReply>, Status> {
        seedloop::time::sleep(WORK).await;
        let PutRequest { key, value } = request.into_inner();
        if key.is_empty() {
            return Err(Status::invalid_argument("the key must not be empty"));
        }
        let mut entries = self.entries.borrow_mut();
        let entry = entries.entry(key).or_insert((String::new(), 0));
        entry.0 = value;
        entry.1 += 1;
        Ok(Response::new(PutReply { version: entry.1 }))
    }
}

/// Builds the node `store`: its `init` binds port [`PORT`] and serves a new,
/// empty [`MemStore`] over HTTP/2 only (gRPC's prior knowledge), so that a
/// `node::restart` brings the service back, without its data.
///
/// # Panics
///
/// Outside a simulation, or (inside the node) if the port is taken.
pub fn store_node() -> NodeId {
    node::Builder::new("store")
        .init(|| async {
            let listener = TcpListener::bind(("0.0.0.0", PORT))
                .await
                .expect("the store's port is free on a fresh node");
            let served = seedloop::http::serve(listener, StoreServer::new(MemStore::default()))
                .http2_only()
                .await;
            served.expect("the simulated listener keeps accepting");
        })
        .build()
}
