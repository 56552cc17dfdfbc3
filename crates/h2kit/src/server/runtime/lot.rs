//! The runtime's parking lot: where a quiet connection waits once its
//! session is parked — as its socket, its parked state and a deadline,
//! and not as a tokio task, whose cell (about 900 bytes with a
//! connection's future) and I/O registration (about 256) would cost more
//! than the parked session itself.
//!
//! One lot per runtime, run as one task (a local task on the runtime's
//! own thread). The parked sockets are registered with a `mio::Poll` of
//! the lot's own, whose epoll descriptor is all the lot registers with
//! tokio. A connection is handed back, with the [`Reason`], when its peer
//! sends something (or closes), when its deadline comes, or when the
//! server shuts down; the runtime then takes the connection's turn and
//! gives it back to keep if it is quiet again, or starts a task for it.
//!
//! Registrations are edge-triggered, and epoll reports on registering
//! whatever is already waiting: bytes or a FIN that came between the
//! task's last read and the hand-over wake the connection at once (see
//! the test `data_waiting_before_registration_is_reported`).
//!
//! Every connection task holds a [`LotHandle`], and the lot holds one of
//! its own until the shutdown begins. So the lot's task ends only once a
//! shutdown was requested and every connection task is gone; by then it
//! has handed back every connection it held (a connection parked after
//! the shutdown began is handed back at once). Awaiting the lot's task
//! therefore awaits every connection.

use super::signal::Signal;
use crate::server::ShutdownHandle;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// Events taken from the lot's poll per `epoll_wait`.
const EVENTS: usize = 256;

/// Connections taken from the channel per turn, so a burst of parkings
/// does not keep the other tasks of the lot's worker waiting.
const ARRIVALS_PER_TURN: usize = 256;

/// The timer heap is rebuilt from the parked connections once it holds
/// this many entries and a quarter more than there are parked
/// connections: a connection handed back before its deadline leaves its
/// entry behind, and busy connections park and resume often. A fresh
/// connection, parked until its peer's preface and parked again after
/// the SETTINGS exchange, leaves one behind every time; the heap's
/// pages, once touched, stay in the server's memory, so the stale
/// entries are dropped early. (Rebuilding costs a pass over the parked
/// connections, once per a quarter of them arriving at most.)
const COMPACT_TIMERS_FROM: usize = 1024;

/// A connection in the lot: the socket (non-blocking, registered with no
/// runtime) and what its driver needs to go on.
pub(crate) struct Parked<T> {
    /// The connection's socket.
    pub stream: TcpStream,
    /// The driver's state, untouched by the lot (the parked session).
    pub state: T,
    /// When the connection must be handed back even if its peer says
    /// nothing.
    pub due: Option<Instant>,
}

/// Why the lot handed a connection back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The peer sent something, closed, or the socket failed.
    Readable,
    /// Its deadline came.
    Due,
    /// The server is shutting down.
    Shutdown,
    /// The lot cannot hold it (registering failed, or the lot's poll
    /// did): the connection's task must keep it from now on.
    Refused,
}

/// Parks connections in the lot. Every connection task holds one, and the
/// lot lives as long as any does (see the module documentation).
pub(crate) struct LotHandle<T> {
    tx: UnboundedSender<Arrival<T>>,
}

impl<T> Clone for LotHandle<T> {
    fn clone(&self) -> Self {
        LotHandle {
            tx: self.tx.clone(),
        }
    }
}

impl<T> LotHandle<T> {
    /// Hands `parked` to the lot; gives it back if the lot is gone.
    pub fn park(&self, parked: Box<Parked<T>>) -> Result<(), Box<Parked<T>>> {
        // The arrival carries a handle, which the lot passes on when it
        // hands the connection back at once (after the shutdown began):
        // the sending task may be gone by then, and the resumed one must
        // keep the lot alive in its place.
        let arrival = Arrival {
            parked,
            handle: self.clone(),
        };
        self.tx.send(arrival).map_err(|err| err.0.parked)
    }
}

/// A connection on its way into the lot.
struct Arrival<T> {
    parked: Box<Parked<T>>,
    handle: LotHandle<T>,
}

/// Starts a lot on the current runtime. `on_resume` gets each connection
/// handed back, why, and a handle for the task that takes it over. It
/// runs on the lot's task, so it must not wait: it may do a little work
/// (read what the peer sent, answer it) and give the connection back to
/// keep, quiet again — for [`Reason::Readable`] and [`Reason::Due`] only —
/// and spawns a task for anything more.
///
/// Returns the lot's handle and the future that runs the lot, for the
/// caller to run where it wants: the runtime runs it on a thread of its
/// own rather than as a task on a worker (see `runtime::start`).
pub(crate) fn start<T, F>(
    shutdown: ShutdownHandle,
    on_resume: F,
) -> io::Result<(LotHandle<T>, impl Future<Output = ()> + Send + 'static)>
where
    T: Send + 'static,
    F: FnMut(Parked<T>, Reason, LotHandle<T>) -> Option<Parked<T>> + Send + 'static,
{
    let lot = Lot::new(on_resume)?;
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = LotHandle { tx };
    let lot = Lot {
        own: Some(handle.clone()),
        ..lot
    };
    Ok((handle, lot.run(rx, shutdown)))
}

/// What woke the lot's task.
enum Turn<T> {
    Arrival(Arrival<T>),
    Ready,
    Due,
    Stop,
    Failed(io::Error),
}

/// The lot's state; its task is [`Lot::run`].
struct Lot<T, F> {
    /// Where the parked sockets are registered; tokio watches its epoll
    /// descriptor.
    poll: AsyncFd<Poll>,
    events: Events,
    /// Parked connections by token.
    slots: Slots<T>,
    /// Deadlines by slot. An entry whose slot does not hold a connection
    /// due at that instant is stale (handed back earlier) and skipped.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    /// Connections parked now.
    live: usize,
    /// The lot's own handle, given to the tasks of connections it hands
    /// back; dropped when the shutdown begins, so the lot can end.
    own: Option<LotHandle<T>>,
    /// The lot's poll failed: it holds nothing any more.
    broken: bool,
    on_resume: F,
}

impl<T, F> Lot<T, F>
where
    F: FnMut(Parked<T>, Reason, LotHandle<T>) -> Option<Parked<T>>,
{
    /// An empty lot without its own handle; needs the runtime's reactor.
    fn new(on_resume: F) -> io::Result<Self> {
        // tokio 1.54 deprecated this constructor for the unsafe
        // `register_with_interest` (the crate forbids unsafe code): it
        // cannot know that `as_raw_fd` names one open descriptor for the
        // `AsyncFd`'s whole life. Here it does: the `AsyncFd` owns the
        // `Poll`, which owns its epoll descriptor until dropped.
        #[allow(deprecated)]
        let poll = AsyncFd::with_interest(Poll::new()?, tokio::io::Interest::READABLE)?;
        Ok(Lot {
            poll,
            events: Events::with_capacity(EVENTS),
            slots: Slots::default(),
            timers: BinaryHeap::with_capacity(reserved::<Reverse<(Instant, usize)>>()),
            live: 0,
            own: None,
            broken: false,
            on_resume,
        })
    }

    /// Holds connections until the shutdown, then hands them all back and
    /// ends once no handle is left.
    async fn run(mut self, mut rx: UnboundedReceiver<Arrival<T>>, shutdown: ShutdownHandle) {
        let stop = Arc::new(Signal::default());
        let _registration = shutdown.register(Waker::from(stop.clone()));
        loop {
            if self.own.is_some() && shutdown.is_requested() {
                self.resume_all(Reason::Shutdown);
                self.own = None;
            }
            let due = self.timers.peek().map(|Reverse((at, _))| *at);
            let turn = tokio::select! {
                arrival = rx.recv() => match arrival {
                    Some(arrival) => Turn::Arrival(arrival),
                    // Every handle is gone, the lot's own included: the
                    // shutdown began, and nothing is parked (arrivals are
                    // handed back at once since).
                    None => return,
                },
                ready = self.poll.readable(), if !self.broken => match ready {
                    Ok(mut guard) => {
                        // Cleared before polling: a socket that becomes
                        // ready while the lot polls sets it again.
                        guard.clear_ready();
                        Turn::Ready
                    }
                    Err(err) => Turn::Failed(err),
                },
                () = sleep_until(due), if due.is_some() => Turn::Due,
                () = stop.taken(), if self.own.is_some() => Turn::Stop,
            };
            match turn {
                Turn::Arrival(arrival) => {
                    self.arrive(arrival);
                    for _ in 1..ARRIVALS_PER_TURN {
                        match rx.try_recv() {
                            Ok(arrival) => self.arrive(arrival),
                            Err(_) => break,
                        }
                    }
                }
                Turn::Ready => self.take_events(),
                Turn::Due => self.resume_due(Instant::now()),
                Turn::Stop => {} // handled at the top
                Turn::Failed(err) => self.fail(err),
            }
        }
    }

    /// Parks an arriving connection.
    fn arrive(&mut self, arrival: Arrival<T>) {
        let Arrival { parked, handle } = arrival;
        self.hold(*parked, handle);
    }

    /// Parks a connection, or hands it straight back when the lot cannot
    /// hold it.
    fn hold(&mut self, parked: Parked<T>, handle: LotHandle<T>) {
        if self.own.is_none() {
            // Parked just as the shutdown began: it must get its GOAWAY.
            self.hand_back(parked, Reason::Shutdown, handle);
            return;
        }
        if self.broken {
            self.hand_back(parked, Reason::Refused, handle);
            return;
        }
        let fd = parked.stream.as_raw_fd();
        let slot = self.slots.vacant();
        if let Err(err) = self.poll.get_ref().registry().register(
            &mut SourceFd(&fd),
            Token(slot),
            Interest::READABLE,
        ) {
            tracing::debug!(%err, "cannot park a connection in the lot; its task keeps it");
            self.slots.release(slot);
            self.hand_back(parked, Reason::Refused, handle);
            return;
        }
        if let Some(due) = parked.due {
            self.schedule(due, slot);
        }
        self.slots.fill(slot, parked);
        self.live += 1;
    }

    /// Hands a connection back for good: the shutdown began, or the lot
    /// cannot hold it.
    fn hand_back(&mut self, parked: Parked<T>, reason: Reason, handle: LotHandle<T>) {
        if (self.on_resume)(parked, reason, handle).is_some() {
            // `on_resume` keeps such connections (see `start`); holding
            // this one again could only hand it back again.
            tracing::error!(
                ?reason,
                "a connection the lot cannot keep came back to it; closed"
            );
        }
    }

    /// Hands back the connections whose peers spoke.
    fn take_events(&mut self) {
        let mut events = std::mem::replace(&mut self.events, Events::with_capacity(0));
        loop {
            if let Err(err) = self.poll.get_mut().poll(&mut events, Some(Duration::ZERO)) {
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                self.fail(err);
                break;
            }
            let mut count = 0;
            for event in events.iter() {
                count += 1;
                // Readable, closed or failed alike: the connection's task
                // finds out which.
                self.resume(event.token().0, Reason::Readable);
            }
            if count < EVENTS {
                break; // the poll is drained
            }
        }
        self.events = events;
    }

    /// Hands back the connections whose deadlines have come by `now`.
    fn resume_due(&mut self, now: Instant) {
        while let Some(&Reverse((at, slot))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let current = self
                .slots
                .get(slot)
                .is_some_and(|parked| parked.due == Some(at));
            if current {
                self.resume(slot, Reason::Due);
            }
        }
    }

    /// Adds a timer entry, first dropping the stale ones if they have
    /// piled up.
    fn schedule(&mut self, due: Instant, slot: usize) {
        let len = self.timers.len();
        if len >= COMPACT_TIMERS_FROM && len > self.live + self.live / 4 {
            // Rebuilt in place: the heap keeps its reserved storage.
            self.timers.clear();
            let current = self
                .slots
                .iter()
                .filter_map(|(slot, parked)| Some(Reverse((parked.due?, slot))));
            self.timers.extend(current);
        }
        self.timers.push(Reverse((due, slot)));
    }

    /// Hands back the connection in `slot`, if there is one.
    fn resume(&mut self, slot: usize, reason: Reason) {
        // Nothing stays parked once the shutdown began (see `arrive`), so
        // the lot's own handle is there whenever a slot is taken.
        let Some(handle) = self.own.clone() else {
            return;
        };
        let Some(parked) = self.slots.take(slot) else {
            return;
        };
        let fd = parked.stream.as_raw_fd();
        if let Err(err) = self
            .poll
            .get_ref()
            .registry()
            .deregister(&mut SourceFd(&fd))
        {
            // The socket goes on to tokio regardless; at worst the lot
            // gets an event for a slot that is empty or taken by another
            // connection, which then reads nothing and parks again.
            tracing::debug!(%err, "cannot deregister a parked connection");
        }
        self.live -= 1;
        if let Some(parked) = (self.on_resume)(parked, reason, handle.clone()) {
            // Quiet again after a little work: kept, with no trip through
            // the channel (and no allocation for it).
            self.hold(parked, handle);
        }
    }

    /// Hands back every connection.
    fn resume_all(&mut self, reason: Reason) {
        for slot in 0..self.slots.capacity() {
            self.resume(slot, reason);
        }
        self.timers.clear();
    }

    /// The lot's poll failed: every connection goes back to a task of its
    /// own, and so will any that arrives later.
    fn fail(&mut self, err: io::Error) {
        tracing::error!(%err, "the runtime's parking lot failed; quiet connections stay in their tasks");
        self.broken = true;
        self.resume_all(Reason::Refused);
    }
}

/// Bytes of storage each of the lot's tables reserves when it starts.
/// Blocks this large are mapped by the system allocator on their own
/// (glibc's malloc maps anything from 128 KiB) instead of being carved
/// from the heap: only the pages in use count in the server's memory, a
/// table that grows is remapped rather than copied (leaving no freed
/// copy behind), and long-lived parked state never sits among the
/// short-lived allocations of active connections. (In the heap, a table
/// or chunk allocated between a session and a task cell keeps the holes
/// they leave from going back, and the old copies a doubling table
/// frees stay in the server's memory.)
const RESERVED_BYTES: usize = 256 * 1024;

/// How many `E` fit in [`RESERVED_BYTES`].
fn reserved<E>() -> usize {
    RESERVED_BYTES / std::mem::size_of::<E>().max(1)
}

/// Parked connections held in place, in one table whose storage is
/// reserved when the lot starts (see [`RESERVED_BYTES`]).
struct Slots<T> {
    table: Vec<Option<Parked<T>>>,
    /// Empty slots below the table's end, the last freed on top.
    vacant: Vec<usize>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            table: Vec::with_capacity(reserved::<Option<Parked<T>>>()),
            vacant: Vec::with_capacity(reserved::<usize>()),
        }
    }
}

impl<T> Slots<T> {
    /// Slots held, full or empty.
    fn capacity(&self) -> usize {
        self.table.len()
    }

    /// An empty slot, to [`fill`](Self::fill) or give back with
    /// [`release`](Self::release); a new one at the end when none is left.
    fn vacant(&mut self) -> usize {
        if let Some(slot) = self.vacant.pop() {
            return slot;
        }
        self.table.push(None);
        self.table.len() - 1
    }

    /// Puts a connection in a slot [`vacant`](Self::vacant) gave.
    fn fill(&mut self, slot: usize, parked: Parked<T>) {
        if let Some(place) = self.table.get_mut(slot) {
            *place = Some(parked);
        }
    }

    /// Gives back a slot `vacant` gave and that stays empty.
    fn release(&mut self, slot: usize) {
        self.vacant.push(slot);
    }

    /// The connection in `slot`.
    fn get(&self, slot: usize) -> Option<&Parked<T>> {
        self.table.get(slot)?.as_ref()
    }

    /// Takes the connection out of `slot`, which becomes vacant.
    fn take(&mut self, slot: usize) -> Option<Parked<T>> {
        let parked = self.table.get_mut(slot)?.take()?;
        self.vacant.push(slot);
        Some(parked)
    }

    /// The connections held, with their slots.
    fn iter(&self) -> impl Iterator<Item = (usize, &Parked<T>)> {
        self.table
            .iter()
            .enumerate()
            .filter_map(|(slot, parked)| Some((slot, parked.as_ref()?)))
    }
}

/// Sleeps until `due` (forever without one; the caller disables the
/// branch then).
async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener};
    use std::sync::Mutex;
    use tokio::sync::mpsc::UnboundedReceiver as Rx;
    use tokio::task::JoinHandle;

    /// A connected pair: (the server side, non-blocking; the client side).
    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        (server, client)
    }

    /// What a test's `on_resume` saw: the state and the reason, and the
    /// handle it was given (kept, as a resumed task would keep it).
    type Resumed = (u32, Reason, LotHandle<u32>);

    fn start_lot(shutdown: ShutdownHandle) -> (LotHandle<u32>, JoinHandle<()>, Rx<Resumed>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (handle, run) = start(shutdown, move |parked: Parked<u32>, reason, handle| {
            let _ = tx.send((parked.state, reason, handle));
            None
        })
        .unwrap();
        (handle, tokio::spawn(run), rx)
    }

    fn parked(stream: TcpStream, state: u32, due: Option<Instant>) -> Box<Parked<u32>> {
        Box::new(Parked { stream, state, due })
    }

    #[test]
    fn slots_grow_one_by_one_and_reuse_the_last_freed_slot() {
        const COUNT: usize = 130;
        let mut slots: Slots<u32> = Slots::default();
        let mut held = Vec::new();
        for state in 0..COUNT as u32 {
            let slot = slots.vacant();
            assert_eq!(slot, state as usize, "slots are handed out in order");
            let (stream, client) = pair();
            slots.fill(
                slot,
                Parked {
                    stream,
                    state,
                    due: None,
                },
            );
            held.push(client);
        }
        assert_eq!(slots.capacity(), COUNT);
        assert_eq!(slots.get(3).map(|p| p.state), Some(3));
        assert_eq!(slots.take(3).map(|p| p.state), Some(3));
        assert!(slots.take(3).is_none(), "taken once");
        assert!(slots.get(3).is_none());
        assert_eq!(slots.vacant(), 3, "the freed slot comes back first");
        slots.release(3);
        let states: Vec<u32> = slots.iter().map(|(_, p)| p.state).collect();
        assert_eq!(states.len(), COUNT - 1);
        assert!(slots.iter().all(|(slot, p)| slot == p.state as usize));
    }

    async fn next(rx: &mut Rx<Resumed>) -> Resumed {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("a connection handed back in time")
            .expect("the lot is alive")
    }

    async fn nothing_within(rx: &mut Rx<Resumed>, wait: Duration) {
        if let Ok(Some((state, reason, _))) = tokio::time::timeout(wait, rx.recv()).await {
            panic!("connection {state} handed back early: {reason:?}");
        }
    }

    /// The premise of handing a socket over with bytes (or a FIN) already
    /// waiting: registering it edge-triggered reports them at once.
    #[test]
    fn data_waiting_before_registration_is_reported() {
        let poll_events = |stream: &TcpStream| {
            let mut poll = Poll::new().unwrap();
            poll.registry()
                .register(
                    &mut SourceFd(&stream.as_raw_fd()),
                    Token(7),
                    Interest::READABLE,
                )
                .unwrap();
            let mut events = Events::with_capacity(4);
            poll.poll(&mut events, Some(Duration::from_millis(100)))
                .unwrap();
            events
                .iter()
                .map(|e| (e.token(), e.is_readable(), e.is_read_closed()))
                .collect::<Vec<_>>()
        };
        let (server, mut client) = pair();
        assert!(poll_events(&server).is_empty(), "nothing waiting yet");
        client.write_all(b"ping").unwrap();
        assert_eq!(poll_events(&server), vec![(Token(7), true, false)]);
        let (server, client) = pair();
        client.shutdown(Shutdown::Write).unwrap();
        assert_eq!(poll_events(&server), vec![(Token(7), true, true)]);
    }

    #[tokio::test]
    async fn a_connection_comes_back_when_its_peer_writes() {
        let (handle, _task, mut rx) = start_lot(ShutdownHandle::new());
        let (server, mut client) = pair();
        let far = Instant::now() + Duration::from_secs(60);
        assert!(handle.park(parked(server, 1, Some(far))).is_ok());
        nothing_within(&mut rx, Duration::from_millis(100)).await;
        client.write_all(b"hello").unwrap();
        let (state, reason, _) = next(&mut rx).await;
        assert_eq!((state, reason), (1, Reason::Readable));
    }

    #[tokio::test]
    async fn a_connection_given_back_by_on_resume_stays_parked() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let on_resume = move |mut parked: Parked<u32>, reason, handle| {
            // Take what the peer sent, as a driver would, then keep quiet.
            let mut buf = [0; 16];
            while (&parked.stream).read(&mut buf).is_ok_and(|n| n > 0) {}
            parked.state += 1;
            let _ = tx.send((parked.state, reason, handle));
            Some(parked)
        };
        let (handle, run) = start(ShutdownHandle::new(), on_resume).unwrap();
        tokio::spawn(run);
        let (server, mut client) = pair();
        assert!(handle.park(parked(server, 0, None)).is_ok());
        for round in 1..=3 {
            client.write_all(b"ping").unwrap();
            let (state, reason, _) = next(&mut rx).await;
            assert_eq!(
                (state, reason),
                (round, Reason::Readable),
                "kept in between"
            );
        }
        nothing_within(&mut rx, Duration::from_millis(50)).await;
    }

    #[tokio::test]
    async fn a_connection_comes_back_when_due() {
        let (handle, _task, mut rx) = start_lot(ShutdownHandle::new());
        let (later, _client) = pair();
        let (sooner, _client2) = pair();
        let start = Instant::now();
        let due = start + Duration::from_millis(200);
        assert!(handle.park(parked(later, 1, Some(due))).is_ok());
        assert!(
            handle
                .park(parked(sooner, 2, Some(start + Duration::from_millis(100))))
                .is_ok()
        );
        let (state, reason, _) = next(&mut rx).await;
        assert_eq!((state, reason), (2, Reason::Due));
        let (state, reason, _) = next(&mut rx).await;
        assert_eq!((state, reason), (1, Reason::Due));
        assert!(Instant::now() >= due, "not before its deadline");
    }

    #[tokio::test]
    async fn the_shutdown_hands_back_everything_and_the_lot_ends_with_the_last_handle() {
        let shutdown = ShutdownHandle::new();
        let (handle, task, mut rx) = start_lot(shutdown.clone());
        let mut clients = Vec::new();
        for state in 0..3 {
            let (server, client) = pair();
            clients.push(client);
            assert!(handle.park(parked(server, state, None)).is_ok());
        }
        nothing_within(&mut rx, Duration::from_millis(50)).await;
        shutdown.shutdown(Duration::from_secs(1));
        let mut resumed = Vec::new();
        for _ in 0..3 {
            resumed.push(next(&mut rx).await);
        }
        assert!(resumed.iter().all(|(_, r, _)| *r == Reason::Shutdown));
        let mut states: Vec<_> = resumed.iter().map(|(s, _, _)| *s).collect();
        states.sort();
        assert_eq!(states, [0, 1, 2], "every connection");
        // The resumed connections (and the first handle) are still alive:
        // the lot waits for them.
        drop(handle);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!task.is_finished(), "connections still running");
        drop(resumed);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the lot ended with its last handle")
            .unwrap();
    }

    #[tokio::test]
    async fn a_connection_parked_after_the_shutdown_began_comes_back_at_once() {
        let shutdown = ShutdownHandle::new();
        let (handle, task, mut rx) = start_lot(shutdown.clone());
        shutdown.shutdown(Duration::from_secs(1));
        // Let the lot see the shutdown first.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (server, _client) = pair();
        let far = Instant::now() + Duration::from_secs(60);
        assert!(handle.park(parked(server, 9, Some(far))).is_ok());
        // The parking task ends; the resumed one holds the handle it got.
        drop(handle);
        let (state, reason, resumed_handle) = next(&mut rx).await;
        assert_eq!((state, reason), (9, Reason::Shutdown));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!task.is_finished(), "the resumed connection keeps it");
        drop(resumed_handle);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the lot ended")
            .unwrap();
    }

    #[tokio::test]
    async fn stale_timers_do_not_pile_up() {
        // The callback keeps what it is handed, so the test can park it
        // again.
        let back = Arc::new(Mutex::new(Vec::new()));
        let keep = back.clone();
        let mut lot = Lot::new(move |parked: Parked<u32>, _, _| {
            keep.lock().unwrap().push(Box::new(parked));
            None
        })
        .unwrap();
        let (tx, _rx) = mpsc::unbounded_channel();
        let handle = LotHandle { tx };
        lot.own = Some(handle.clone());
        let (server, _client) = pair();
        let far = Instant::now() + Duration::from_secs(60);
        let mut next = parked(server, 0, None);
        // One connection, parked and handed back (as if its peer spoke)
        // many times long before its deadline.
        for i in 0..10 * COMPACT_TIMERS_FROM {
            next.due = Some(far + Duration::from_millis(i as u64));
            lot.arrive(Arrival {
                parked: next,
                handle: handle.clone(),
            });
            assert_eq!(lot.live, 1);
            lot.resume(0, Reason::Readable);
            next = back.lock().unwrap().pop().expect("handed back");
        }
        assert!(
            lot.timers.len() <= COMPACT_TIMERS_FROM + 1,
            "{} timer entries for one connection",
            lot.timers.len()
        );
    }
}
