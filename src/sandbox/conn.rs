//! The sandbox's own listener, so faults can reach below HTTP: an outage closes the
//! listening socket (new connections are refused by the kernel: ECONNREFUSED) and drops
//! every open connection, then binds the same port again; a reset fault ends its
//! connection with a TCP RST (`SO_LINGER` 0) instead of a FIN.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

/// Where the listener stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Up,
    /// An outage was asked for: requests are no longer handled, those being handled finish.
    Closing,
    /// Listener closed, connections dropped, until then.
    Down(Instant),
}

/// The outage switch, shared by the fault layer (which begins outages) and the listener
/// (which closes and rebinds). Counts the requests being handled, so an outage begins
/// once their answers are out.
#[derive(Debug)]
pub(crate) struct Gate {
    phase: Mutex<Phase>,
    /// Bumped when connections must drop.
    generation: watch::Sender<u64>,
    in_flight: AtomicUsize,
}

/// A request being handled; dropping it counts it out.
pub(crate) struct Handling<'a>(&'a Gate);

impl Drop for Handling<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    pub(crate) fn new() -> Arc<Gate> {
        Arc::new(Gate {
            phase: Mutex::new(Phase::Up),
            generation: watch::Sender::new(0),
            in_flight: AtomicUsize::new(0),
        })
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, phase: Phase) {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner) = phase;
    }

    /// Whether requests are handled now; if so the caller holds the returned guard while
    /// it handles one.
    pub(crate) fn admit(&self) -> Option<Handling<'_>> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let h = Handling(self);
        (self.phase() == Phase::Up).then_some(h)
    }

    /// Begins an outage of `length` (no-op while one is under way): requests stop being
    /// handled now; once those in hand are answered, every connection drops and the
    /// listener closes for `length`.
    pub(crate) fn begin_outage(self: &Arc<Self>, length: Duration) -> bool {
        {
            let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
            if *phase != Phase::Up {
                return false;
            }
            *phase = Phase::Closing;
        }
        let gate = self.clone();
        tokio::spawn(async move {
            // Requests dropped meanwhile count in and out at once.
            let t0 = Instant::now();
            while gate.in_flight.load(Ordering::Acquire) > 0
                && t0.elapsed() < Duration::from_secs(5)
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            // Let the last answers leave the socket buffers.
            tokio::time::sleep(Duration::from_millis(20)).await;
            gate.set(Phase::Down(Instant::now() + length));
            gate.generation.send_modify(|g| *g += 1);
            tracing::info!(
                ?length,
                "sandbox outage: listener closed, connections dropped"
            );
        });
        true
    }

    /// The end of the outage under way, if the listener should be closed now.
    fn down_until(&self) -> Option<Instant> {
        match self.phase() {
            Phase::Down(until) if Instant::now() < until => Some(until),
            _ => None,
        }
    }

    fn back_up(&self) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*phase, Phase::Down(until) if Instant::now() >= until) {
            *phase = Phase::Up;
        }
    }

    /// Resolves when connections must drop (never, if the gate is gone).
    fn dropped(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let mut rx = self.generation.subscribe();
        Box::pin(async move {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// Binds `addr` with `SO_REUSEADDR`, so an outage can bind the same port again while
/// the connections it dropped linger in TIME_WAIT.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// What a fault does to one connection.
#[derive(Debug, Default)]
pub(crate) struct ConnCtl {
    /// End it with a TCP RST when it closes.
    reset: AtomicBool,
}

impl ConnCtl {
    pub(crate) fn reset_on_close(&self) {
        self.reset.store(true, Ordering::Relaxed);
    }
}

/// A connection's handle for the fault layer (axum's connect info).
#[derive(Debug, Clone)]
pub(crate) struct Conn(pub(crate) Arc<ConnCtl>);

impl Connected<IncomingStream<'_, FaultListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, FaultListener>) -> Conn {
        Conn(stream.io().ctl.clone())
    }
}

/// An accepted connection: dropped when an outage begins, reset when a fault says so.
pub(crate) struct ConnIo {
    stream: TcpStream,
    ctl: Arc<ConnCtl>,
    outage: Pin<Box<dyn Future<Output = ()> + Send>>,
    dead: bool,
}

impl ConnIo {
    /// Whether the connection must end now (an outage began, or a fault reset it).
    fn ended(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.dead && self.outage.as_mut().poll(cx).is_ready() {
            self.dead = true;
        }
        self.dead
    }
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "sandbox fault: connection dropped",
    )
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.ended(cx) {
            return Poll::Ready(Err(gone()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.ended(cx) {
            return Poll::Ready(Err(gone()));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.ended(cx) {
            return Poll::Ready(Err(gone()));
        }
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.dead || self.ctl.reset.load(Ordering::Relaxed) {
            // An abortive close: the peer reads "connection reset", not an orderly end.
            let _ = self.stream.set_zero_linger();
        }
    }
}

/// The sandbox's listener: accepts like a `TcpListener` while the gate is up; closes
/// the socket for an outage and binds the same address again after it.
pub(crate) struct FaultListener {
    addr: SocketAddr,
    listener: Option<TcpListener>,
    gate: Arc<Gate>,
}

impl FaultListener {
    pub(crate) fn new(listener: TcpListener, addr: SocketAddr, gate: Arc<Gate>) -> Self {
        FaultListener {
            addr,
            listener: Some(listener),
            gate,
        }
    }
}

impl Listener for FaultListener {
    type Io = ConnIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (ConnIo, SocketAddr) {
        loop {
            if let Some(until) = self.gate.down_until() {
                // Closing the socket makes the kernel refuse new connections.
                self.listener = None;
                tokio::time::sleep_until(until.into()).await;
                continue;
            }
            let Some(listener) = &self.listener else {
                match bind(self.addr) {
                    Ok(l) => {
                        self.listener = Some(l);
                        self.gate.back_up();
                        tracing::info!(addr = %self.addr, "sandbox outage over: listening again");
                    }
                    Err(e) => {
                        // E.g. a client's outgoing connection took the port meanwhile.
                        tracing::warn!(addr = %self.addr, error = %e, "sandbox: cannot bind again yet");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                continue;
            };
            let dropped = self.gate.dropped();
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        let io = ConnIo {
                            stream,
                            ctl: Arc::default(),
                            outage: self.gate.dropped(),
                            dead: false,
                        };
                        return (io, peer);
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "sandbox: accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                },
                () = dropped => {}
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }
}
