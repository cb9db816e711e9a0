//! [`StoreServer`]: the `store.Store` service as a tower service, the shape
//! `tonic-build` gives a generated server, so that `seedloop::http::serve`
//! runs it as it runs an axum `Router`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;

use super::{GetReply, GetRequest, PutReply, PutRequest, Store};

/// The path of `rpc Get`: `/{package}.{service}/{method}`, as gRPC over
/// HTTP/2 names a method.
pub const GET: &str = "/store.Store/Get";
/// The path of `rpc Put`.
pub const PUT: &str = "/store.Store/Put";

/// A boxed future that need not be `Send`: what every call of the server
/// returns, since the store's own futures are not `Send`.
type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// The `store.Store` service over any [`Store`]: routes a request by its
/// path to the method, and lets tonic's `server::Grpc` decode the request
/// message, call the method and encode the reply (or the `Status`, as
/// `grpc-status` in the trailers).
///
/// Cloned once per connection by `serve`; the clones share the store.
#[derive(Debug)]
pub struct StoreServer<T> {
    store: Rc<T>,
}

impl<T> StoreServer<T> {
    /// Serves `store`.
    pub fn new(store: T) -> StoreServer<T> {
        StoreServer {
            store: Rc::new(store),
        }
    }
}

// By hand rather than derived: a derive would ask `T: Clone`, and only the
// `Rc` is cloned.
impl<T> Clone for StoreServer<T> {
    fn clone(&self) -> StoreServer<T> {
        StoreServer {
            store: Rc::clone(&self.store),
        }
    }
}

/// The service's full name, which gRPC's reflection and health services
/// (and tonic's router) go by.
impl<T> NamedService for StoreServer<T> {
    const NAME: &'static str = "store.Store";
}

impl<T, B> tower_service::Service<http::Request<B>> for StoreServer<T>
where
    T: Store,
    // What `server::Grpc::unary` asks of a request body: tonic boxes it
    // as a `Send` body while it decodes it. hyper's `Incoming` is `Send`.
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    type Response = http::Response<Body>;
    /// Never: a failed call is a response too, its `Status` in the
    /// `grpc-status` trailer (or header), as gRPC wants.
    type Error = Infallible;
    type Future = LocalFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // No back-pressure: the store takes every call.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let store = Rc::clone(&self.store);
        match request.uri().path() {
            GET => Box::pin(async move {
                // The codec's order is (what it encodes, what it decodes):
                // a server encodes replies and decodes requests.
                let mut grpc = Grpc::new(ProstCodec::<GetReply, GetRequest>::default());
                Ok(grpc.unary(Method(store, Get), request).await)
            }),
            PUT => Box::pin(async move {
                let mut grpc = Grpc::new(ProstCodec::<PutReply, PutRequest>::default());
                Ok(grpc.unary(Method(store, Put), request).await)
            }),
            other => {
                let status = Status::unimplemented(format!("no method {other}"));
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}

/// One method of the store, as tonic's `UnaryService` (what `Grpc::unary`
/// calls with the decoded request). Its future is the store's own, so no
/// `Send` is asked of it, and none is given.
struct Method<T, M>(Rc<T>, M);

/// Marks [`Method`] as `rpc Get`.
struct Get;
/// Marks [`Method`] as `rpc Put`.
struct Put;

impl<T: Store> UnaryService<GetRequest> for Method<T, Get> {
    type Response = GetReply;
    type Future = LocalFuture<Result<Response<GetReply>, Status>>;

    fn call(&mut self, request: Request<GetRequest>) -> Self::Future {
        let store = Rc::clone(&self.0);
        Box::pin(async move { store.get(request).await })
    }
}

impl<T: Store> UnaryService<PutRequest> for Method<T, Put> {
    type Response = PutReply;
    type Future = LocalFuture<Result<Response<PutReply>, Status>>;

    fn call(&mut self, request: Request<PutRequest>) -> Self::Future {
        let store = Rc::clone(&self.0);
        Box::pin(async move { store.put(request).await })
    }
}
