//! A TCP listener for axum that counts its open connections (feature `metrics`): the
//! metrics server warns about scrapes cut at the drain deadline only when a connection
//! is still open then, not when its task was merely not done yet.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// `listener`, with a count of the connections it accepted that are still open.
pub(super) struct CountedListener {
    listener: TcpListener,
    open: Arc<AtomicUsize>,
}

impl CountedListener {
    pub(super) fn new(listener: TcpListener) -> Self {
        CountedListener {
            listener,
            open: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The count, shared: it stays readable after the listener moved into the server.
    pub(super) fn open(&self) -> Arc<AtomicUsize> {
        self.open.clone()
    }
}

impl axum::serve::Listener for CountedListener {
    type Io = CountedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // axum's own accept loop (it logs and retries errors).
        let (stream, addr) = axum::serve::Listener::accept(&mut self.listener).await;
        self.open.fetch_add(1, Ordering::Relaxed);
        let stream = CountedStream {
            stream,
            open: self.open.clone(),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A connection: counted until dropped (closed).
pub(super) struct CountedStream {
    stream: TcpStream,
    open: Arc<AtomicUsize>,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_are_counted_until_closed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mut counted = CountedListener::new(listener);
        let addr = axum::serve::Listener::local_addr(&counted).expect("addr");
        let open = counted.open();
        let client = tokio::spawn(async move { TcpStream::connect(addr).await });
        let (stream, _) = axum::serve::Listener::accept(&mut counted).await;
        assert_eq!(open.load(Ordering::Relaxed), 1);
        drop(stream);
        assert_eq!(open.load(Ordering::Relaxed), 0);
        let _ = tokio::time::timeout(Duration::from_secs(30), client).await;
    }
}
