//! `qssl perf server`: answers every stream with the bytes it asks for.

use qssl::IoError;
use qssl::ctx::Method;
use qssl::quic::{Ssl, WRITE_FLAG_CONCLUDE};

use super::{ALPN, ZEROS};
use crate::args::{Global, PerfServer};
use crate::common::{alpn_wire, server_ctx};
use crate::failure::{Context, Outcome};
use crate::service::{Step, StreamService, listen, read_some, serve};

/// Runs `qssl perf server` until stopped.
pub(crate) fn run(global: &Global, args: &PerfServer) -> Outcome {
    let (mut ctx, addr) = server_ctx(global, Method::QuicServer, &args.listen)?;
    ctx.set_alpn_protos(&alpn_wire(ALPN)?)
        .context("the ALPN list")?;
    let (listener, local) = listen(&ctx, addr, false)?;
    eprintln!("ACCEPT {local}");
    serve(&listener, &PerfService, 0)
}

/// The perf protocol's server side.
struct PerfService;

/// One perf stream on the server.
#[derive(Default)]
struct PerfState {
    /// The request's size field, as far as it has arrived.
    header: Vec<u8>,
    /// The request (size and upload) has ended.
    request_done: bool,
    /// Bytes of the response still to send.
    to_send: u64,
}

impl StreamService for PerfService {
    type State = PerfState;

    fn step(&self, st: &mut PerfState, stream: &Ssl, buf: &mut [u8]) -> Result<Step, IoError> {
        while !st.request_done {
            match read_some(stream, buf)? {
                Some(0) => return Ok(Step::Reading),
                Some(n) => {
                    let want = 8 - st.header.len();
                    st.header.extend_from_slice(&buf[..n.min(want)]);
                }
                None => {
                    st.request_done = true;
                    let size: [u8; 8] = st.header.as_slice().try_into().unwrap_or_default();
                    st.to_send = u64::from_be_bytes(size);
                }
            }
        }
        loop {
            let chunk = st.to_send.min(ZEROS.len() as u64) as usize;
            let last = chunk as u64 == st.to_send;
            let flags = if last { WRITE_FLAG_CONCLUDE } else { 0 };
            match stream.write_ex2(&ZEROS[..chunk], flags) {
                Ok(n) => {
                    st.to_send -= n as u64;
                    if last && n == chunk {
                        return Ok(Step::Done);
                    }
                }
                Err(e) if e.is_retry() => return Ok(Step::Writing),
                Err(e) => return Err(e),
            }
        }
    }
}
