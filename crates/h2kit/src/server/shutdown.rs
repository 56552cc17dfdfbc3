//! The graceful-shutdown signal every part of a server listens to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::time::{Duration, Instant};

/// Shuts a server down gracefully; cheap to clone and send anywhere.
#[derive(Clone)]
pub struct ShutdownHandle(Arc<State>);

struct State {
    requested: AtomicBool,
    deadline: Mutex<Option<Instant>>,
    listeners: Mutex<HashMap<u64, Waker>>,
    next_id: AtomicU64,
}

impl ShutdownHandle {
    pub(crate) fn new() -> ShutdownHandle {
        ShutdownHandle(Arc::new(State {
            requested: AtomicBool::new(false),
            deadline: Mutex::new(None),
            listeners: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        }))
    }

    /// Starts the shutdown: stop accepting, send GOAWAY on every
    /// connection, let in-flight streams finish for up to `grace`, then
    /// close. Calling it again changes nothing.
    pub fn shutdown(&self, grace: Duration) {
        {
            let mut deadline = self.0.deadline.lock().unwrap_or_else(|p| p.into_inner());
            if deadline.is_some() {
                return;
            }
            *deadline = Some(Instant::now() + grace);
        }
        self.0.requested.store(true, Ordering::Release);
        let listeners: Vec<Waker> = self
            .0
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for waker in listeners {
            waker.wake();
        }
    }

    /// True once a shutdown was asked for.
    pub fn is_requested(&self) -> bool {
        self.0.requested.load(Ordering::Acquire)
    }

    /// When connections are closed regardless, once a shutdown was asked.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        *self.0.deadline.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes `waker` when the shutdown starts (at once if it has).
    pub(crate) fn register(&self, waker: Waker) -> Registration {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        self.0
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, waker.clone());
        if self.is_requested() {
            waker.wake();
        }
        Registration {
            handle: self.clone(),
            id,
        }
    }
}

impl std::fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShutdownHandle")
            .field("requested", &self.is_requested())
            .finish()
    }
}

/// Stops the wake-up when dropped.
pub(crate) struct Registration {
    handle: ShutdownHandle,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle
            .0
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}
