//! The sans-IO HTTP/2 connection (RFC 9113): streams, flow control,
//! settings, ping and goaway, with no sockets, threads or clocks.
//!
//! See [`Connection`] for how a driver runs it.

mod config;
mod connection;
mod error;
mod event;
mod flow;
mod message;
mod priority;
mod schedule;
mod send_queue;
mod state;
mod stream;

pub use config::{Config, FlowControl, LifecycleEvents};
pub use connection::decode_http2_settings;
pub use connection::{
    Connection, PREFACE, ParkedConnection, PeerSettings, Role, Scratch, StreamIdHasher,
};
pub use error::{ConnectionError, UserError};
pub use event::{Event, Initiator};
pub use flow::{DEFAULT_WINDOW, MAX_WINDOW};
pub use message::{Malformed, RequestHead, ResponseHead, valid_name, valid_value};
pub use priority::Priority;
pub use schedule::SchedulerKind;
pub use state::{Outcome, StreamState, TABLE, Transition};

#[cfg(test)]
mod tests;
