//! tokio's handles are `Send` and `Sync`, and code written for tokio leans
//! on it (`Arc<Mutex<_>>` shared by spawned tasks, boxed `Send` futures,
//! axum's handlers). seedloop's are too, thread-checked: they work only on
//! the simulation's thread, panic if used on another, and leak quietly if
//! dropped on another. These tests pin the bounds and that behaviour.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use seedloop::queue::{LifoQueue, PriorityQueue, Queue};
use seedloop::sync::{
    Barrier, BoundedSemaphore, Condition, Event, Mutex, Notify, RwLock, Semaphore,
};
use seedloop::task::JoinSet;
use seedloop::{Handle, Sim};

fn send<T: Send + Sync>(_: &T) {}
fn send_future<F: Future + Send>(f: F) -> F {
    f
}

#[test]
fn handles_are_send_and_sync() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        send(&Handle::current());
        send(&JoinSet::<()>::new());
        send(&Barrier::new(2));
        send(&Event::new());
        send(&Condition::new());
        send(&BoundedSemaphore::new(1));
        send(&Queue::<std::rc::Rc<u8>>::new(0));
        send(&LifoQueue::<u8>::new(0));
        send(&PriorityQueue::<u8>::new(0));
        send(&seedloop::time::interval(Duration::from_secs(1)));
        send(&Mutex::new(1u8));
        send(&RwLock::new(1u8));
        send(&Semaphore::new(1));
        send(&Notify::new());
    });
}

/// A tokio-style program: state in an `Arc<Mutex<_>>`, work in spawned
/// tasks whose futures are boxed as `Send`, results through a queue.
#[test]
fn a_tokio_shaped_program_with_send_bounds_runs() {
    type Job = Pin<Box<dyn Future<Output = ()> + Send>>;
    let mut sim = Sim::new(2);
    let total = sim.block_on(async {
        let total = Arc::new(Mutex::new(0u32));
        let done = Arc::new(Queue::<u32>::new(0));
        let event = Arc::new(Event::new());
        let mut set = JoinSet::new();
        for i in 1..=4u32 {
            let (total, done, event) = (total.clone(), done.clone(), event.clone());
            let job: Job = Box::pin(async move {
                event.wait().await;
                seedloop::time::sleep(Duration::from_millis(u64::from(i))).await;
                *total.lock().await += i;
                done.put(i).await.unwrap();
            });
            set.spawn(send_future(job));
        }
        event.set();
        while set.join_next().await.is_some() {}
        let mut seen = Vec::new();
        while let Ok(i) = done.get_nowait() {
            seen.push(i);
        }
        assert_eq!(seen, [1, 2, 3, 4]);
        *total.lock().await
    });
    assert_eq!(total, 10);
}

#[test]
fn on_another_thread_a_handle_panics_when_used_and_leaks_when_dropped() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let q = Arc::new(Queue::<u8>::new(0));
        let q2 = q.clone();
        let used = std::thread::spawn(move || q2.put_nowait(1)).join();
        assert!(used.is_err(), "a foreign thread cannot reach the queue");
        let event = Event::new();
        let dropped = std::thread::spawn(move || drop(event)).join();
        assert!(dropped.is_ok(), "a foreign drop leaks quietly");
        q.put_nowait(2).unwrap();
        assert_eq!(
            q.get_nowait().unwrap(),
            2,
            "the simulation's thread still can"
        );
    });
}

#[test]
fn sockets_and_their_futures_are_send_and_sync() {
    use futures::{AsyncReadExt, AsyncWriteExt};
    use seedloop::net::{TcpListener, TcpStream, UdpSocket};
    let mut sim = Sim::new(4);
    sim.block_on(async {
        let l = send_future(TcpListener::bind("0.0.0.0:80")).await.unwrap();
        let connect = seedloop::spawn(send_future(TcpStream::connect("localhost:80")));
        let (mut server, _) = send_future(l.accept()).await.unwrap();
        let mut client = connect.await.unwrap().unwrap();
        send(&l);
        send(&server);
        send_future(client.write_all(b"ping")).await.unwrap();
        let mut buf = [0u8; 4];
        send_future(server.read_exact(&mut buf)).await.unwrap();
        assert_eq!(&buf, b"ping");
        let (r, w) = client.into_split();
        send(&r);
        send(&w);
        let u = send_future(UdpSocket::bind("0.0.0.0:9")).await.unwrap();
        send(&u);
        send_future(u.send_to(b"x", "127.0.0.1:9")).await.unwrap();
        let (n, _) = send_future(u.recv_from(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"x");
    });
}

#[test]
fn files_and_the_futures_of_file_operations_are_send_and_sync() {
    use futures::{AsyncReadExt, AsyncWriteExt};
    use seedloop::fs;
    let mut sim = Sim::new(5);
    sim.block_on(async {
        let mut f = send_future(fs::File::create("/data")).await.unwrap();
        send(&f);
        send_future(f.write_all(b"durable")).await.unwrap();
        send_future(f.sync_all()).await.unwrap();
        send_future(fs::sync_dir("/")).await.unwrap();
        let mut r = send_future(fs::File::open("/data")).await.unwrap();
        let mut s = String::new();
        send_future(r.read_to_string(&mut s)).await.unwrap();
        assert_eq!(s, "durable");
        let mut dir = send_future(fs::read_dir("/")).await.unwrap();
        send(&dir);
        let e = send_future(dir.next_entry()).await.unwrap().unwrap();
        assert_eq!(e.file_name(), "data");
    });
}
