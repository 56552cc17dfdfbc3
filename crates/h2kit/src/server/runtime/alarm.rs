//! A connection task's timer, set lazily: it is moved only when the next
//! deadline comes earlier than the one it is set for.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::time::Sleep;

/// When a connection task must next look at its session's timers.
///
/// A session's next deadline moves at almost every turn (the idle timeout
/// counts from the last activity), nearly always later. Re-arming a tokio
/// timer for each turn takes it out of the timer wheel and puts it back;
/// this one stays where it is unless the new deadline is *earlier*, and
/// going off early costs one turn that finds nothing due (the turn checks
/// the session's deadline itself) before it is set again.
#[derive(Debug, Default)]
pub(super) struct Alarm {
    /// Boxed: the timer lives as long as the task, outside the task's
    /// future, and is allocated only once a deadline is set.
    sleep: Option<Pin<Box<Sleep>>>,
    /// What it is set for; `None` when unset (never set, or gone off).
    set_for: Option<Instant>,
}

impl Alarm {
    /// Makes sure the alarm goes off no later than `deadline`. `None`
    /// asks for nothing: an alarm still set then goes off for nothing,
    /// once.
    pub fn set_no_later_than(&mut self, deadline: Option<Instant>) {
        let Some(deadline) = deadline else {
            return;
        };
        if self.set_for.is_some_and(|set| set <= deadline) {
            return;
        }
        let at = tokio::time::Instant::from_std(deadline);
        match &mut self.sleep {
            Some(sleep) => sleep.as_mut().reset(at),
            None => self.sleep = Some(Box::pin(tokio::time::sleep_until(at))),
        }
        self.set_for = Some(deadline);
    }

    /// Ready once the time it is set for has come; it is then unset.
    pub fn poll_due(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(sleep) = self.sleep.as_mut().filter(|_| self.set_for.is_some()) else {
            return Poll::Pending;
        };
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.set_for = None;
        Poll::Ready(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    async fn due(alarm: &mut Alarm) {
        std::future::poll_fn(|cx| alarm.poll_due(cx)).await
    }

    /// Sets the alarm for each of `deadlines` (seconds from now) in
    /// turn; returns the seconds until it went off.
    fn goes_off_after(deadlines: &[u64]) -> u64 {
        runtime().block_on(async {
            let start = tokio::time::Instant::now();
            let mut alarm = Alarm::default();
            for &secs in deadlines {
                alarm.set_no_later_than(Some(start.into_std() + Duration::from_secs(secs)));
            }
            due(&mut alarm).await;
            start.elapsed().as_secs()
        })
    }

    #[test]
    fn a_later_deadline_leaves_the_alarm_where_it_is() {
        assert_eq!(goes_off_after(&[10, 60]), 10);
    }

    #[test]
    fn an_earlier_deadline_moves_it() {
        assert_eq!(goes_off_after(&[10, 3]), 3);
    }

    #[test]
    fn once_gone_off_it_is_unset_until_set_again() {
        runtime().block_on(async {
            let start = tokio::time::Instant::now();
            let mut alarm = Alarm::default();
            alarm.set_no_later_than(Some(start.into_std() + Duration::from_secs(1)));
            due(&mut alarm).await;
            let mut cx = Context::from_waker(std::task::Waker::noop());
            assert!(alarm.poll_due(&mut cx).is_pending());
            // Set again for a deadline later than the old one: it takes.
            alarm.set_no_later_than(Some(start.into_std() + Duration::from_secs(5)));
            due(&mut alarm).await;
            assert_eq!(start.elapsed(), Duration::from_secs(5));
            alarm.set_no_later_than(None);
            assert!(alarm.poll_due(&mut cx).is_pending());
        });
    }
}
