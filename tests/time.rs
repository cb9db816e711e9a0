//! Virtual time: sleeps, deadlines, timeouts, intervals, the wall clock.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

use seedloop::time::{
    Instant, MissedTickBehavior, interval, interval_at, sleep, sleep_until, timeout,
};
use seedloop::{Sim, Strategy};

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn hour_long_sleeps_finish_in_deadline_order() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        let order = sim.block_on(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            let mut tasks = Vec::new();
            for hours in [5u32, 1, 4, 2, 3] {
                let log = log.clone();
                tasks.push(seedloop::spawn(async move {
                    sleep(HOUR * hours).await;
                    log.borrow_mut().push((hours, Instant::now().since_start()));
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            log.take()
        });
        let expected: Vec<_> = (1..=5).map(|h| (h, HOUR * h)).collect();
        assert_eq!(order, expected, "seed {seed}");
        assert_eq!(sim.elapsed(), HOUR * 5);
    }
}

#[test]
fn the_clock_stands_still_while_tasks_are_ready() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let start = Instant::now();
        for _ in 0..1000 {
            seedloop::task::yield_now().await;
        }
        assert_eq!(Instant::now(), start);
    });
    assert_eq!(sim.elapsed(), Duration::ZERO);
}

#[test]
fn sleep_zero_and_past_deadlines_complete_at_once() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        sleep(Duration::ZERO).await;
        sleep(Duration::from_secs(2)).await;
        sleep_until(Instant::now() - Duration::from_secs(1)).await;
        assert_eq!(Instant::now().since_start(), Duration::from_secs(2));
    });
}

#[test]
fn same_instant_timers_fire_in_registration_order_under_fifo_and_vary_under_random() {
    let run = |strategy: Strategy, seed: u64| {
        let mut sim = Sim::builder().seed(seed).strategy(strategy).build();
        sim.block_on(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            let mut tasks = Vec::new();
            for i in 0..6 {
                let log = log.clone();
                tasks.push(seedloop::spawn(async move {
                    sleep(Duration::from_secs(1)).await;
                    log.borrow_mut().push(i);
                }));
                // Register the timers in index order.
                seedloop::task::yield_now().await;
            }
            for t in tasks {
                t.await.unwrap();
            }
            log.take()
        })
    };
    assert_eq!(run(Strategy::Fifo, 0), vec![0, 1, 2, 3, 4, 5]);
    let orders: std::collections::BTreeSet<_> = (0..50).map(|s| run(Strategy::Random, s)).collect();
    assert!(orders.len() > 10, "only {} distinct orders", orders.len());
}

#[test]
fn timeout_elapses_or_passes_through() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let r = timeout(Duration::from_secs(5), async {
            sleep(Duration::from_secs(1)).await;
            "fast"
        })
        .await;
        assert_eq!(r, Ok("fast"));
        let r = timeout(Duration::from_secs(5), sleep(HOUR)).await;
        assert!(r.is_err());
        assert_eq!(Instant::now().since_start(), Duration::from_secs(6));
    });
}

#[test]
fn timeout_polls_the_future_first_so_a_tie_goes_to_the_future() {
    let mut sim = Sim::builder().strategy(Strategy::Fifo).build();
    sim.block_on(async {
        // Both the inner sleep and the deadline are due at t = 1s.
        let r = timeout(Duration::from_secs(1), sleep(Duration::from_secs(1))).await;
        assert!(r.is_ok());
    });
}

#[test]
fn a_dropped_timeout_cancels_its_timer() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        for _ in 0..10_000 {
            timeout(HOUR, async {}).await.unwrap();
        }
    });
    // No timer is left, so the clock never moved.
    assert_eq!(sim.elapsed(), Duration::ZERO);
}

#[test]
fn interval_ticks_on_its_grid() {
    let mut sim = Sim::new(1);
    let ticks = sim.block_on(async {
        let mut iv = interval(Duration::from_millis(250));
        let mut ticks = Vec::new();
        for _ in 0..5 {
            ticks.push(iv.tick().await.since_start().as_millis());
        }
        ticks
    });
    assert_eq!(ticks, vec![0, 250, 500, 750, 1000]);
}

fn missed_ticks(behavior: MissedTickBehavior) -> Vec<u128> {
    let mut sim = Sim::new(1);
    sim.block_on(async move {
        let mut iv = interval_at(Instant::now(), Duration::from_secs(1));
        iv.set_missed_tick_behavior(behavior);
        let mut ticks = vec![iv.tick().await.since_start().as_millis()];
        sleep(Duration::from_millis(3_500)).await; // miss the ticks at 1, 2 and 3 s
        for _ in 0..4 {
            let due = iv.tick().await;
            ticks.push(due.since_start().as_millis());
            ticks.push(Instant::now().since_start().as_millis());
        }
        ticks
    })
}

#[test]
fn interval_burst_catches_up_back_to_back() {
    // (due, returned at) pairs after the first tick.
    assert_eq!(
        missed_ticks(MissedTickBehavior::Burst),
        vec![0, 1000, 3500, 2000, 3500, 3000, 3500, 4000, 4000]
    );
}

#[test]
fn interval_delay_restarts_from_the_late_tick() {
    assert_eq!(
        missed_ticks(MissedTickBehavior::Delay),
        vec![0, 1000, 3500, 4500, 4500, 5500, 5500, 6500, 6500]
    );
}

#[test]
fn interval_skip_returns_to_the_original_grid() {
    assert_eq!(
        missed_ticks(MissedTickBehavior::Skip),
        vec![0, 1000, 3500, 4000, 4000, 5000, 5000, 6000, 6000]
    );
}

#[test]
#[should_panic(expected = "period must be non-zero")]
fn interval_of_zero_panics() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        interval(Duration::ZERO);
    });
}

#[test]
fn system_now_starts_at_the_documented_epoch() {
    let mut sim = Sim::new(1);
    let (t0, t1) = sim.block_on(async {
        let t0 = seedloop::time::system_now();
        sleep(Duration::from_millis(1500)).await;
        (t0, seedloop::time::system_now())
    });
    assert_eq!(
        t0.duration_since(UNIX_EPOCH).unwrap().as_secs(),
        1_704_067_200
    );
    assert_eq!(t1.duration_since(t0).unwrap(), Duration::from_millis(1500));
}

#[test]
fn sleep_reset_moves_the_deadline_both_ways() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let mut s = sleep(HOUR);
        s.reset(Instant::now() + Duration::from_secs(2));
        (&mut s).await;
        assert_eq!(Instant::now().since_start(), Duration::from_secs(2));
        s.reset(Instant::now() + Duration::from_secs(3));
        assert!(!s.is_elapsed());
        (&mut s).await;
        assert_eq!(Instant::now().since_start(), Duration::from_secs(5));
    });
}

#[test]
fn instant_arithmetic_saturates() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let now = Instant::now();
        assert_eq!(now - Duration::from_secs(1), now);
        let later = now + Duration::from_secs(7);
        assert_eq!(later - now, Duration::from_secs(7));
        assert_eq!(now - later, Duration::ZERO);
        assert_eq!(now.checked_duration_since(later), None);
        assert!(format!("{later:?}").contains("7.000s"));
    });
}
