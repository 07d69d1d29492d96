//! Where a guest's stdout and stderr go.
//!
//! In Fluent Bit they are Fluent Bit's own stdout/stderr. logward sends BOTH to its stderr by
//! default, so `logward replay` can write records to stdout without guest prints mixed in; it
//! also keeps the last 64 KiB so an `_initialize` failure can be reported together with what the
//! guest printed, and so tests can assert on it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// How much guest output is kept in memory.
const KEPT_BYTES: usize = 64 * 1024;

#[derive(Debug, Default)]
struct Sink {
    forward_to_stderr: bool,
    kept: Vec<u8>,
}

/// A shared destination for guest output; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct GuestOutput {
    sink: Arc<Mutex<Sink>>,
}

impl GuestOutput {
    /// Output that is copied to this process's stderr as it is written (and kept).
    pub fn forwarding() -> Self {
        GuestOutput {
            sink: Arc::new(Mutex::new(Sink {
                forward_to_stderr: true,
                kept: Vec::new(),
            })),
        }
    }

    /// Output that is only kept in memory (for tests and for quiet runs).
    pub fn capturing() -> Self {
        GuestOutput::default()
    }

    /// Whether output is shown live on stderr.
    pub fn is_forwarding(&self) -> bool {
        self.sink
            .lock()
            .map(|s| s.forward_to_stderr)
            .unwrap_or(false)
    }

    /// The last (up to 64 KiB) bytes the guest wrote, lossily decoded.
    pub fn captured(&self) -> String {
        self.sink
            .lock()
            .map(|s| String::from_utf8_lossy(&s.kept).into_owned())
            .unwrap_or_default()
    }

    fn write(&self, bytes: &[u8]) {
        if let Ok(mut sink) = self.sink.lock() {
            if sink.forward_to_stderr {
                let _ = std::io::stderr().write_all(bytes);
            }
            sink.kept.extend_from_slice(bytes);
            if sink.kept.len() > KEPT_BYTES {
                let excess = sink.kept.len() - KEPT_BYTES;
                sink.kept.drain(..excess);
            }
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        GuestOutput::write(self, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        GuestOutput::write(&self, buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
