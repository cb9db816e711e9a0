//! tokio over the real loopback interface (127.0.0.1), for context: what the
//! same echo costs with real sockets and system calls, no simulation. Client
//! and server are tasks on one current-thread runtime, like the simulators'
//! single-threaded executors. Not a simulator, so there is no `cluster`.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use crate::spec::PAYLOAD;

const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// UDP echo over loopback, `n` round trips.
pub fn udp_echo(n: u64) -> Duration {
    runtime().block_on(async move {
        let server = UdpSocket::bind(LOOPBACK).await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let echo = tokio::spawn(async move {
            let mut buf = [0u8; PAYLOAD];
            loop {
                let (len, from) = server.recv_from(&mut buf).await.unwrap();
                server.send_to(&buf[..len], from).await.unwrap();
            }
        });
        let client = UdpSocket::bind(LOOPBACK).await.unwrap();
        client.connect(server_addr).await.unwrap();
        let request = [7u8; PAYLOAD];
        let mut buf = [0u8; PAYLOAD];
        let start = Instant::now();
        for _ in 0..n {
            client.send(&request).await.unwrap();
            let len = client.recv(&mut buf).await.unwrap();
            assert_eq!(len, PAYLOAD);
        }
        let elapsed = start.elapsed();
        echo.abort();
        elapsed
    })
}

/// TCP echo of `PAYLOAD` bytes over one loopback connection (`TCP_NODELAY`),
/// `n` round trips.
pub fn tcp_echo(n: u64) -> Duration {
    runtime().block_on(async move {
        let listener = TcpListener::bind(LOOPBACK).await.unwrap();
        let server_addr = listener.local_addr().unwrap();
        let echo = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            let mut buf = [0u8; PAYLOAD];
            while stream.read_exact(&mut buf).await.is_ok() {
                stream.write_all(&buf).await.unwrap();
            }
        });
        let mut stream = TcpStream::connect(server_addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let request = [7u8; PAYLOAD];
        let mut buf = [0u8; PAYLOAD];
        let start = Instant::now();
        for _ in 0..n {
            stream.write_all(&request).await.unwrap();
            stream.read_exact(&mut buf).await.unwrap();
        }
        let elapsed = start.elapsed();
        drop(stream);
        echo.await.unwrap();
        elapsed
    })
}
