//! The socket calls an application's program makes, as a `std::net`
//! program would make them: each one enters (`AppAction::Call`) and
//! returns (`AppAction::Returned`), so a reader of the trace sees how long
//! `connect`, `accept` and `read` block and what they return. The calls
//! are reported by `AppIo` as the application uses it; those that wait on
//! the peer return when the engine reports what they waited for.

use crate::tcp::{ConnError, ConnId, Event, State};
use serde::{Deserialize, Serialize};

/// A `std::net` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// `TcpListener::bind`: listen on a port.
    Bind,
    /// `TcpListener::accept`: wait for a connection's handshake to finish.
    Accept,
    /// `TcpStream::connect`: send a SYN, wait for the handshake.
    Connect,
    /// `write_all`: hand bytes to TCP (it returns once TCP holds them all,
    /// long before they arrive).
    Write,
    /// `read`: wait for bytes or the peer's FIN.
    Read,
    /// `shutdown(Shutdown::Write)`: send a FIN, keep reading.
    Shutdown,
    /// `drop(stream)`: close the socket (a FIN, unless one was sent).
    Close,
    /// `set_linger(Some(Duration::ZERO))` then `drop`: an RST.
    Abort,
}

impl Call {
    /// What a listing line calls it.
    pub fn name(self) -> &'static str {
        match self {
            Call::Bind => "bind",
            Call::Accept => "accept",
            Call::Connect => "connect",
            Call::Write => "write_all",
            Call::Read => "read",
            Call::Shutdown => "shutdown",
            Call::Close => "drop",
            Call::Abort => "drop",
        }
    }
}

/// What a call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallResult {
    Ok,
    /// Bytes read or written.
    Bytes(usize),
    /// `read` returned 0: the peer's FIN arrived, no more bytes will.
    Eof,
    Err(IoErrorKind),
}

/// The `std::io::ErrorKind` a failed call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IoErrorKind {
    /// An RST answered the SYN (ECONNREFUSED).
    ConnectionRefused,
    /// The SYN or data went unanswered through every retry (ETIMEDOUT).
    TimedOut,
    /// An RST ended an open connection (ECONNRESET).
    ConnectionReset,
    /// Writing to a connection that is gone (EPIPE).
    BrokenPipe,
}

impl IoErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            IoErrorKind::ConnectionRefused => "ConnectionRefused",
            IoErrorKind::TimedOut => "TimedOut",
            IoErrorKind::ConnectionReset => "ConnectionReset",
            IoErrorKind::BrokenPipe => "BrokenPipe",
        }
    }

    fn of(error: ConnError) -> IoErrorKind {
        match error {
            ConnError::Refused => IoErrorKind::ConnectionRefused,
            ConnError::Reset => IoErrorKind::ConnectionReset,
            ConnError::TimedOut => IoErrorKind::TimedOut,
        }
    }
}

/// The call a host's program is in and has not returned from. A program
/// here is one thread: it is in one call at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Blocked {
    pub conn: Option<ConnId>,
    pub call: Option<Call>,
    /// Bytes a `write_all` has handed over so far.
    pub written: usize,
    /// Where its `Call` record is, and when it was made.
    pub record: Option<(usize, crate::time::Instant)>,
}

impl Blocked {
    /// The call's return, if `event` is what it waits for.
    pub fn returns_on(&self, event: &Event) -> Option<(Option<ConnId>, Call, CallResult)> {
        let call = self.call?;
        let ours = event.conn().is_some() && event.conn() == self.conn;
        match (call, event) {
            // accept() returns a connection once its handshake is done: a
            // passive open's (from SYN_RECEIVED, or from LISTEN when a SYN
            // cookie's ACK arrives), never one this host opened.
            (Call::Accept, Event::StateChanged { conn, from, to })
                if *to == State::Established && *from != State::SynSent =>
            {
                Some((Some(*conn), call, CallResult::Ok))
            }
            (
                Call::Connect,
                Event::StateChanged {
                    to: State::Established, ..
                },
            ) if ours => Some((self.conn, call, CallResult::Ok)),
            (Call::Connect | Call::Read | Call::Write, Event::Error { error, .. }) if ours => {
                Some((self.conn, call, CallResult::Err(IoErrorKind::of(*error))))
            }
            _ => None,
        }
    }
}
