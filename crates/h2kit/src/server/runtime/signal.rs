//! The wake-up of one task: raised by a connection's handlers and body
//! writers, or by the shutdown signal; taken by the task.

use atomic_waker::AtomicWaker;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake};

/// A flag and the waker of the one task that waits on it. A raise that
/// comes while the task is busy stays set until the task takes it, so
/// none is lost.
///
/// It does for one waiter what `tokio::sync::Notify` does for many,
/// without the waiter list and its lock: a connection task waits on its
/// signal every turn (ten requests at `h2load -c 100 -m 10`), and with
/// `Notify` each wait built a waiter, locked the list to add it, and
/// locked it again to take it out.
#[derive(Debug, Default)]
pub(super) struct Signal {
    raised: AtomicBool,
    waiter: AtomicWaker,
}

impl Signal {
    /// Sets the flag and wakes the waiting task, if any.
    pub fn raise(&self) {
        self.raised.store(true, Ordering::Release);
        self.waiter.wake();
    }

    /// Ready (and the flag cleared) once raised; otherwise the task in
    /// `cx` is woken by the next [`raise`](Signal::raise).
    pub fn poll_take(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.raised.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        self.waiter.register(cx.waker());
        // A raise between the check and the registration woke nobody:
        // look again now that the waker is in place.
        if self.raised.swap(false, Ordering::AcqRel) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Waits until raised, and clears the flag.
    pub async fn taken(&self) {
        std::future::poll_fn(|cx| self.poll_take(cx)).await
    }
}

/// A `Waker` that raises the signal: what the session hands to handlers
/// and body pipes, and what the shutdown signal wakes.
impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.raise();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.raise();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct Count(std::sync::atomic::AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_raise_before_the_wait_is_kept_and_taken_once() {
        let signal = Signal::default();
        let count = Arc::new(Count::default());
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        signal.raise();
        assert!(signal.poll_take(&mut cx).is_ready());
        assert!(signal.poll_take(&mut cx).is_pending());
    }

    #[test]
    fn a_raise_during_the_wait_wakes_the_waiter() {
        let signal = Arc::new(Signal::default());
        let count = Arc::new(Count::default());
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(signal.poll_take(&mut cx).is_pending());
        Waker::from(signal.clone()).wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(signal.poll_take(&mut cx).is_ready());
    }

    #[test]
    fn raises_from_another_thread_are_not_lost() {
        let signal = Arc::new(Signal::default());
        let (go, asked) = std::sync::mpsc::channel::<()>();
        let raiser = {
            let signal = signal.clone();
            std::thread::spawn(move || {
                while asked.recv().is_ok() {
                    signal.raise();
                }
            })
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            // Each raise lands before the wait or during it, as the two
            // threads happen to run; a lost one would time out.
            for round in 0..2000 {
                go.send(()).unwrap();
                let waited =
                    tokio::time::timeout(std::time::Duration::from_secs(5), signal.taken()).await;
                assert!(waited.is_ok(), "raise {round} was lost");
            }
        });
        drop(go);
        raiser.join().unwrap();
    }
}
