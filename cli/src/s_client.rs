//! `qssl s_client`: connects, prints what was negotiated, then runs the interactive copy.

use qssl::SslCtx;
use qssl::ctx::Method;

use crate::args::{Global, SClient};
use crate::common::{Target, client_ctx, use_identity};
use crate::connect::{self, Peer};
use crate::failure::{Failure, Outcome};
use crate::interactive::{QuicChannel, TlsChannel, pump};
use crate::report::Negotiated;

/// Runs `qssl s_client`.
pub(crate) fn run(global: &Global, args: &SClient) -> Outcome {
    let text = args
        .target
        .as_deref()
        .or(args.connect.as_deref())
        .ok_or_else(|| Failure::new("no server given"))?;
    let target = Target::parse(text)?;
    let peer = Peer {
        addr: target.resolve(global)?,
        name: args.servername.clone().unwrap_or(target.host),
    };
    if args.quic && args.alpn.is_none() {
        return Err(Failure::new(
            "QUIC needs an application protocol: give -alpn (e.g. -alpn hq-interop)",
        ));
    }
    let method = if args.quic {
        Method::QuicClient
    } else {
        Method::TlsClient
    };
    let mut ctx = client_ctx(global, method, &args.trust, args.alpn.as_deref())?;
    client_identity(&mut ctx, args)?;
    let shown = peer.addr.to_string();
    if args.quic {
        let conn = connect::quic(global, &ctx, &peer)?;
        if !args.quiet {
            Negotiated::quic(&conn).print(&shown, args.brief);
        }
        let mut channel = QuicChannel::open(conn.clone())?;
        let copied = pump(&mut channel);
        connect::close_quic(global, &conn, false);
        copied
    } else {
        let (tls, fd) = connect::tls(global, &ctx, &peer)?;
        if !args.quiet {
            Negotiated::tls(&tls).print(&shown, args.brief);
        }
        pump(&mut TlsChannel { tls, fd })
    }
}

/// The client certificate and key of -cert and -key, if given.
fn client_identity(ctx: &mut SslCtx, args: &SClient) -> Outcome {
    match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => use_identity(ctx, cert, key),
        _ => Ok(()),
    }
}
