//! The worker threads handlers (and reader-backed bodies) run on, so that a
//! handler that blocks never stalls a connection.
//!
//! The pool grows on demand up to a maximum and lets idle threads go after
//! a while, so a burst of slow handlers gets threads without a fixed pool
//! sized for the worst case.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

type Task = Box<dyn FnOnce() + Send>;

/// How long an idle worker waits for work before it exits.
const IDLE_EXIT: Duration = Duration::from_secs(10);

/// An elastic thread pool.
pub(crate) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    work: Condvar,
    max_threads: usize,
}

struct State {
    queue: VecDeque<Task>,
    threads: usize,
    idle: usize,
}

impl Pool {
    /// A pool of at most `max_threads` threads (at least one).
    pub fn new(max_threads: usize) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                }),
                work: Condvar::new(),
                max_threads: max_threads.max(1),
            }),
        }
    }

    /// Runs `task` on a worker; it waits in a queue when every worker is
    /// busy and the pool is at its maximum.
    pub fn spawn(&self, task: impl FnOnce() + Send + 'static) {
        let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
        st.queue.push_back(Box::new(task));
        if st.idle > 0 {
            drop(st);
            self.inner.work.notify_one();
            return;
        }
        if st.threads < self.inner.max_threads {
            st.threads += 1;
            drop(st);
            let inner = self.inner.clone();
            let spawned = std::thread::Builder::new()
                .name("h2kit-worker".into())
                .spawn(move || worker(&inner));
            if let Err(err) = spawned {
                // The queued task is picked up by an existing worker, if any.
                tracing::error!(%err, "cannot start a worker thread");
                let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
                st.threads -= 1;
            }
        }
    }
}

fn worker(inner: &Inner) {
    let mut st = inner.state.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if let Some(task) = st.queue.pop_front() {
            drop(st);
            // A panicking handler must not take the worker (and its queue)
            // down; the task's own guards report the failure.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            st = inner.state.lock().unwrap_or_else(|p| p.into_inner());
            continue;
        }
        st.idle += 1;
        let (next, timeout) = inner
            .work
            .wait_timeout(st, IDLE_EXIT)
            .unwrap_or_else(|p| p.into_inner());
        st = next;
        st.idle -= 1;
        if timeout.timed_out() && st.queue.is_empty() {
            st.threads -= 1;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn blocked_tasks_do_not_hold_up_others() {
        let pool = Pool::new(8);
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..3 {
            let rx = release_rx.clone();
            pool.spawn(move || {
                let _ = rx.lock().unwrap().recv();
            });
        }
        pool.spawn(move || done_tx.send(()).unwrap());
        done_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the fourth task ran while three were blocked");
        drop(release_tx);
    }

    #[test]
    fn a_panicking_task_leaves_the_pool_working() {
        let pool = Pool::new(1);
        pool.spawn(|| panic!("handler bug"));
        let (tx, rx) = mpsc::channel();
        pool.spawn(move || tx.send(7).unwrap());
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(7));
    }
}
