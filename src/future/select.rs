//! `select`: wait for the first of two futures, with the order in which they
//! are polled drawn from the tape.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::future::{Either, FusedFuture};

use crate::strategy::ChoiceKind;

/// Waits for the first of two futures to finish; returns its output and the
/// other future, still pending (asyncio's `wait(..., return_when=FIRST_COMPLETED)`).
///
/// The output has the shape of `futures::future::select`'s:
/// `Either::Left((a_output, b))` when `a` finished first,
/// `Either::Right((b_output, a))` when `b` did. The future handed back can be
/// awaited further or dropped. Both futures must be `Unpin`; pin an `async`
/// block with [`std::pin::pin!`] or [`Box::pin`].
///
/// # Why not `futures::select`
///
/// When both futures are ready in the same poll, *which one wins* is a real
/// nondeterminism of the program, and a bug may hide behind either answer.
/// `futures::future::select` always polls `a` first, so a test never sees
/// `b` win such a race; the `futures::select!` macro shuffles its branches
/// with its own random generator, outside the tape, so the same seed can
/// take different branches in two runs (and a failure cannot be replayed).
/// seedloop's `select` asks the strategy instead: the race is explored by the
/// harness, recorded on the tape, and replayed exactly.
///
/// # Panics
///
/// If polled again after it completed.
///
/// # Cancel safety
///
/// As cancel safe as `a` and `b`: dropping the `Select` drops both.
///
/// # Determinism
///
/// Every poll draws one choice from the tape (two options) that picks
/// which future is polled first: 0 = `a` first, 1 = `b` first. So
/// under `Strategy::Fifo`, and outside a simulation, `a` wins whenever both
/// are ready; under `Strategy::Random` either may win; a replayed tape picks
/// the same winner again.
///
/// # Examples
///
/// ```
/// use std::pin::pin;
/// use std::time::Duration;
/// use seedloop::future::{Either, select};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let slow = pin!(seedloop::sleep(Duration::from_secs(5)));
///     let fast = pin!(async {
///         seedloop::sleep(Duration::from_secs(1)).await;
///         "fast"
///     });
///     match select(slow, fast).await {
///         Either::Right((winner, slow)) => {
///             assert_eq!(winner, "fast");
///             slow.await; // the loser can still be awaited
///         }
///         Either::Left(_) => unreachable!("the slow one cannot win"),
///     }
/// });
/// ```
///
/// When both are ready at once, the tape decides:
///
/// ```
/// use seedloop::future::{Either, select};
/// use seedloop::{Sim, Strategy};
///
/// let race = || async {
///     match select(std::future::ready('a'), std::future::ready('b')).await {
///         Either::Left((x, _)) | Either::Right((x, _)) => x,
///     }
/// };
/// let mut plain = Sim::builder().strategy(Strategy::Fifo).build();
/// assert_eq!(plain.block_on(race()), 'a'); // choice 0: `a` first
/// let winners: std::collections::BTreeSet<char> =
///     (0..32).map(|seed| Sim::new(seed).block_on(race())).collect();
/// assert_eq!(winners.len(), 2); // random seeds try both orders
/// ```
pub fn select<A, B>(a: A, b: B) -> Select<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    Select {
        inner: Some((a, b)),
    }
}

/// The future of [`select`].
///
/// # Examples
///
/// ```
/// use seedloop::future::{Either, Select, select};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let s: Select<_, _> = select(std::future::ready(1), std::future::pending::<()>());
///     assert!(matches!(s.await, Either::Left((1, _))));
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Select<A, B> {
    inner: Option<(A, B)>,
}

impl<A, B> Future for Select<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    type Output = Either<(A::Output, B), (B::Output, A)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (a, b) = self
            .inner
            .as_mut()
            .expect("Select polled after it completed");
        let b_first = crate::runtime::with_core(|core| {
            core.is_some_and(|c| c.choose(ChoiceKind::Select, 2) == 1)
        });
        let mut poll_a = |cx: &mut Context<'_>| Pin::new(&mut *a).poll(cx).map(Either::Left);
        let mut poll_b = |cx: &mut Context<'_>| Pin::new(&mut *b).poll(cx).map(Either::Right);
        let winner = ready!(if b_first {
            or_else_pending(poll_b(cx), || poll_a(cx))
        } else {
            or_else_pending(poll_a(cx), || poll_b(cx))
        });
        let (a, b) = self.inner.take().expect("present");
        Poll::Ready(match winner {
            Either::Left(out) => Either::Left((out, b)),
            Either::Right(out) => Either::Right((out, a)),
        })
    }
}

/// `first` if it is ready, else what `second` gives.
fn or_else_pending<T>(first: Poll<T>, second: impl FnOnce() -> Poll<T>) -> Poll<T> {
    if first.is_ready() { first } else { second() }
}

impl<A, B> FusedFuture for Select<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }
}
