//! A smoltcp host (one TCP socket on a `Medium::Ip` interface) whose device
//! is two in-memory queues of whole raw IPv4 datagrams: we feed the receive
//! queue and drain the transmit queue, so it can sit on `tcpsim::net::Link`.
//!
//! Shared by the interop tests (`mod common;`) and the throughput benchmark
//! (`#[path = "../tests/common/smoltcp_host.rs"]`); each uses part of it.
#![allow(dead_code)]

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint};
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use tcpsim::time::Instant;

pub use smoltcp::socket::tcp::State as SmolState;

/// IP MTU of the queue device: 1500, so smoltcp announces MSS 1460.
pub const MTU: usize = 1500;

/// Our clock (µs since the run began) on smoltcp's (µs, signed).
pub fn to_smol(t: Instant) -> smoltcp::time::Instant {
    smoltcp::time::Instant::from_micros(t.micros() as i64)
}

/// smoltcp's clock on ours (negative times clamp to zero).
pub fn from_smol(t: smoltcp::time::Instant) -> Instant {
    Instant::from_micros(t.total_micros().max(0) as u64)
}

/// Two queues of whole IPv4 datagrams.
#[derive(Default)]
pub struct QueueDevice {
    pub rx: VecDeque<Vec<u8>>,
    pub tx: VecDeque<Vec<u8>>,
}

pub struct RxToken(Vec<u8>);

pub struct TxToken<'a>(&'a mut VecDeque<Vec<u8>>);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0; len];
        let r = f(&mut buf);
        self.0.push_back(buf);
        r
    }
}

impl Device for QueueDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _now: smoltcp::time::Instant) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        let bytes = self.rx.pop_front()?;
        Some((RxToken(bytes), TxToken(&mut self.tx)))
    }

    fn transmit(&mut self, _now: smoltcp::time::Instant) -> Option<Self::TxToken<'_>> {
        Some(TxToken(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = MTU;
        // Checksums are computed and verified in software (the default),
        // so what smoltcp emits is an independent check of ours.
        caps
    }
}

/// One smoltcp interface with one TCP socket.
pub struct SmolHost {
    pub addr: Ipv4Addr,
    iface: Interface,
    device: QueueDevice,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
}

impl SmolHost {
    /// A host at `addr` (on 10.0.0.0/8) whose socket has `rx_buffer` and
    /// `tx_buffer` bytes of buffer; `seed` drives its ISNs.
    pub fn new(addr: Ipv4Addr, rx_buffer: usize, tx_buffer: usize, seed: u64) -> SmolHost {
        let mut device = QueueDevice::default();
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let mut iface = Interface::new(config, &mut device, smoltcp::time::Instant::ZERO);
        iface.update_ip_addrs(|addrs| {
            addrs
                .push(IpCidr::new(IpAddress::Ipv4(addr), 8))
                .expect("one address fits");
        });
        let socket = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; rx_buffer]),
            tcp::SocketBuffer::new(vec![0; tx_buffer]),
        );
        let mut sockets = SocketSet::new(Vec::new());
        let handle = sockets.add(socket);
        SmolHost {
            addr,
            iface,
            device,
            sockets,
            handle,
        }
    }

    pub fn socket(&self) -> &tcp::Socket<'static> {
        self.sockets.get::<tcp::Socket>(self.handle)
    }

    pub fn socket_mut(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket>(self.handle)
    }

    /// Reno congestion control instead of smoltcp's default (none).
    pub fn with_reno(mut self) -> Self {
        self.socket_mut().set_congestion_control(tcp::CongestionControl::Reno);
        self
    }

    pub fn listen(&mut self, port: u16) {
        self.socket_mut().listen(port).expect("smoltcp listen");
    }

    pub fn connect(&mut self, remote: Ipv4Addr, port: u16, local_port: u16) {
        let socket = self.sockets.get_mut::<tcp::Socket>(self.handle);
        socket
            .connect(
                self.iface.context(),
                IpEndpoint::new(IpAddress::Ipv4(remote), port),
                local_port,
            )
            .expect("smoltcp connect");
    }

    /// A datagram arrived; it is processed at the next `poll`.
    pub fn receive(&mut self, bytes: Vec<u8>) {
        self.device.rx.push_back(bytes);
    }

    /// Processes what arrived, lets the socket send, and returns the
    /// datagrams it emitted.
    pub fn poll(&mut self, now: Instant) -> Vec<Vec<u8>> {
        self.iface.poll(to_smol(now), &mut self.device, &mut self.sockets);
        self.device.tx.drain(..).collect()
    }

    /// When `poll` must next be called (never earlier than `now`).
    pub fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        self.iface
            .poll_at(to_smol(now), &self.sockets)
            .map(|t| from_smol(t).max(now))
    }

    /// Queues bytes; returns how many fit.
    pub fn send(&mut self, data: &[u8]) -> usize {
        let socket = self.socket_mut();
        if !socket.may_send() {
            return 0;
        }
        socket.send_slice(data).unwrap_or(0)
    }

    /// Reads in-order bytes; 0 when nothing is waiting.
    pub fn recv(&mut self, buf: &mut [u8]) -> usize {
        let socket = self.socket_mut();
        if !socket.can_recv() {
            return 0;
        }
        socket.recv_slice(buf).unwrap_or(0)
    }

    /// Reads everything waiting and appends it to `out`; returns how much.
    pub fn recv_all(&mut self, out: &mut Vec<u8>) -> usize {
        let socket = self.socket_mut();
        let mut total = 0;
        while socket.can_recv() {
            let read = socket.recv(|buf| {
                out.extend_from_slice(buf);
                (buf.len(), buf.len())
            });
            match read {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        total
    }

    /// FIN after the queued data.
    pub fn close(&mut self) {
        self.socket_mut().close();
    }

    pub fn state(&self) -> SmolState {
        self.socket().state()
    }

    /// Bytes queued but not yet acknowledged.
    pub fn send_queue(&self) -> usize {
        self.socket().send_queue()
    }
}
