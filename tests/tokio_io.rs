//! With the feature `tokio-io`, simulated TCP streams implement tokio's
//! `AsyncRead`/`AsyncWrite`: tokio's own helpers and tokio-util's codecs run
//! over the simulated network unchanged.
//!
//! `cargo test --features tokio-io --test tokio_io`

use futures::{SinkExt, StreamExt};
use seedloop::net::{NetConfig, TcpListener, TcpStream};
use seedloop::{Sim, node};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio_util::codec::{Framed, LinesCodec};

#[test]
fn tokio_io_helpers_work_on_a_simulated_stream() {
    let mut sim = Sim::builder()
        .seed(3)
        .net(NetConfig::new().loss(0.2))
        .build();
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let client = seedloop::spawn(async {
            let mut s = TcpStream::connect("localhost:80").await.unwrap();
            AsyncWriteExt::write_all(&mut s, b"one\ntwo\n")
                .await
                .unwrap();
            AsyncWriteExt::shutdown(&mut s).await.unwrap();
            let mut back = String::new();
            AsyncReadExt::read_to_string(&mut s, &mut back)
                .await
                .unwrap();
            back
        });
        let (s, _) = listener.accept().await.unwrap();
        let (rd, mut wr) = s.into_split();
        let mut lines = BufReader::new(rd).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            AsyncWriteExt::write_all(&mut wr, line.to_uppercase().as_bytes())
                .await
                .unwrap();
        }
        drop(wr);
        assert_eq!(client.await.unwrap(), "ONETWO");
    });
}

#[test]
fn a_tokio_util_codec_frames_lines_across_nodes() {
    let mut sim = Sim::builder()
        .seed(8)
        .net(NetConfig::new().loss(0.3))
        .build();
    sim.block_on(async {
        node::Builder::new("upper")
            .init(|| async {
                let listener = TcpListener::bind("0.0.0.0:9").await.unwrap();
                let (stream, _) = listener.accept().await.unwrap();
                let mut framed = Framed::new(stream, LinesCodec::new());
                while let Some(Ok(line)) = framed.next().await {
                    framed.send(line.to_uppercase()).await.unwrap();
                }
            })
            .build();
        seedloop::sleep(std::time::Duration::from_millis(1)).await;
        let stream = TcpStream::connect("upper:9").await.unwrap();
        let mut framed = Framed::new(stream, LinesCodec::new());
        for word in ["alpha", "beta", "gamma"] {
            framed.send(word).await.unwrap();
            assert_eq!(framed.next().await.unwrap().unwrap(), word.to_uppercase());
        }
    });
}

#[test]
fn a_child_process_speaks_tokio_io_through_its_pipes() {
    use seedloop::process::{self, Command, Stdio};
    let mut sim = Sim::new(2);
    sim.block_on(async {
        // A line-numbering `nl`, written with tokio's helpers on both sides.
        process::register("nl", |ctx| async move {
            let mut lines = BufReader::new(ctx.stdin()).lines();
            let mut out = ctx.stdout();
            let mut n = 0;
            while let Some(line) = lines.next_line().await.unwrap() {
                n += 1;
                out.write_all(format!("{n} {line}\n").as_bytes())
                    .await
                    .unwrap();
            }
            AsyncWriteExt::shutdown(&mut out).await.unwrap();
            n
        });
        let mut child = Command::new("nl")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"alpha\nbeta\n").await.unwrap();
        stdin.shutdown().await.unwrap();
        let mut text = String::new();
        let mut stdout = child.stdout.take().unwrap();
        stdout.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "1 alpha\n2 beta\n");
        assert_eq!(child.wait().await.unwrap().code(), Some(2));
    });
}
