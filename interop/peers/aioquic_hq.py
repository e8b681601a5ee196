#!/usr/bin/env python3
"""hq-interop (HTTP/0.9 over QUIC) peer built on aioquic, for qssl interop tests.

Server: serves plain files from --root.  Each client-initiated bidirectional
stream carries one request "GET /<name>\\r\\n" followed by FIN; the answer is
the file's bytes followed by FIN.  Anything else gets the stream reset.

Client: fetches one or more paths over a single connection (one stream per
path) and stores them under --out; with --resume, the first path over one
connection and the rest over a second that resumes the first's session (and with
--new-token presents the first connection's NEW_TOKEN token; with --zero-rtt
sends the second connection's requests as early data, before its handshake). A
session ticket can be kept for a later run (--ticket-out) and used by it, with the
requests as early data (--ticket-in). It can
offer ChaCha20-Poly1305 only (--chacha20) and update its keys once the
handshake is confirmed (--key-update). The server keeps session tickets in
memory, each used once, so clients can resume, with early data (aioquic's
server accepts it).

Only aioquic's public API is used, plus QuicConnectionProtocol._quic (the
QuicConnection a protocol drives, which aioquic documents no other way to get)
and QuicServer._transport (to print the real port when --port 0 is given).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pickle
import sys
import time
from pathlib import Path

from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import (
    ConnectionTerminated,
    HandshakeCompleted,
    QuicEvent,
    StreamDataReceived,
    StreamReset,
)
from aioquic.quic.packet import QuicProtocolVersion
from aioquic.tls import CipherSuite, SessionTicket

ALPN = "hq-interop"
MAX_REQUEST = 4096  # bytes accepted before the request's FIN
# Application error codes used when resetting / stopping streams.
ERR_BAD_REQUEST = 0x1
ERR_NOT_FOUND = 0x2

VERSIONS = {"1": QuicProtocolVersion.VERSION_1, "2": QuicProtocolVersion.VERSION_2}

log = logging.getLogger("aioquic_hq")


def plain_name(path: str) -> str | None:
    """Return the file name if `path` is "/<plain name>", else None."""
    if not path.startswith("/"):
        return None
    name = path[1:]
    if (
        not name
        or name in (".", "..")
        or any(c in name for c in "/\\\0")
    ):
        return None
    return name


def base_configuration(args: argparse.Namespace, is_client: bool) -> QuicConfiguration:
    config = QuicConfiguration(is_client=is_client, alpn_protocols=[ALPN])
    if args.quic_version is not None:
        version = VERSIONS[args.quic_version]
        config.supported_versions = [version]
        if is_client:
            config.original_version = version
    if is_client and getattr(args, "upgrade_to_v2", False):
        # Compatible version negotiation (RFC 9368): start in v1, prefer v2.
        config.original_version = QuicProtocolVersion.VERSION_1
        config.supported_versions = [QuicProtocolVersion.VERSION_2, QuicProtocolVersion.VERSION_1]
    if args.keylog:
        # Line-buffered; aioquic also flushes after each secret.
        config.secrets_log_file = open(args.keylog, "a", buffering=1)
    if args.qlog_dir:
        from aioquic.quic.logger import QuicFileLogger

        os.makedirs(args.qlog_dir, exist_ok=True)
        config.quic_logger = QuicFileLogger(args.qlog_dir)
    return config


# --------------------------------------------------------------------------
# server


class HqServerProtocol(QuicConnectionProtocol):
    root: Path  # set by run_server through a subclass attribute

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._requests: dict[int, bytearray] = {}

    def quic_event_received(self, event: QuicEvent) -> None:
        quic = self._quic
        if isinstance(event, StreamDataReceived):
            sid = event.stream_id
            if sid & 0x3 != 0:
                # Not a client-initiated bidirectional stream: ignore it.
                return
            buf = self._requests.setdefault(sid, bytearray())
            buf += event.data
            if len(buf) > MAX_REQUEST:
                log.warning("stream %d: request too long", sid)
                self._requests.pop(sid, None)
                quic.stop_stream(sid, ERR_BAD_REQUEST)
                quic.reset_stream(sid, ERR_BAD_REQUEST)
                return
            if event.end_stream:
                request = bytes(self._requests.pop(sid))
                self._answer(sid, request)
        elif isinstance(event, StreamReset):
            self._requests.pop(event.stream_id, None)
        elif isinstance(event, HandshakeCompleted):
            log.info("handshake completed, alpn=%s", event.alpn_protocol)
        elif isinstance(event, ConnectionTerminated):
            log.info(
                "connection closed: error=0x%x reason=%r",
                event.error_code,
                event.reason_phrase,
            )

    def _answer(self, sid: int, request: bytes) -> None:
        quic = self._quic
        line = request
        if line.endswith(b"\r\n"):
            line = line[:-2]
        elif line.endswith(b"\n"):
            line = line[:-1]
        name = None
        try:
            method, path = line.decode("ascii").split(" ", 1)
            if method == "GET":
                name = plain_name(path)
        except (UnicodeDecodeError, ValueError):
            pass
        if name is None:
            log.warning("stream %d: bad request %r", sid, request[:100])
            quic.reset_stream(sid, ERR_BAD_REQUEST)
            return
        try:
            target = (self.root / name).resolve(strict=True)
            if target.parent != self.root or not target.is_file():
                raise OSError(f"not a plain file under {self.root}")
            data = target.read_bytes()
        except OSError as e:
            log.warning("stream %d: %s: %s", sid, name, e)
            quic.reset_stream(sid, ERR_NOT_FOUND)
            return
        log.info("stream %d: GET /%s -> %d bytes", sid, name, len(data))
        # aioquic buffers the whole body and paces it by flow control.
        quic.send_stream_data(sid, data, end_stream=True)
        # transmit() runs after event processing (datagram_received does it).


async def run_server(args: argparse.Namespace) -> None:
    root = Path(args.root).resolve()
    if not root.is_dir():
        raise SystemExit(f"--root {args.root}: not a directory")
    config = base_configuration(args, is_client=False)
    config.load_cert_chain(args.cert, args.key)

    protocol = type("HqServer", (HqServerProtocol,), {"root": root})
    tickets: dict[bytes, SessionTicket] = {}

    def keep_ticket(ticket: SessionTicket) -> None:
        tickets[ticket.ticket] = ticket

    server = await serve(
        args.host,
        args.port,
        configuration=config,
        create_protocol=protocol,
        retry=args.retry,
        # A ticket this server never issued (or used already) resumes nothing.
        session_ticket_fetcher=lambda ticket: tickets.pop(ticket, None),
        session_ticket_handler=keep_ticket,
    )
    port = args.port
    transport = getattr(server, "_transport", None)
    if transport is not None:
        sockname = transport.get_extra_info("sockname")
        if sockname:
            port = sockname[1]
    print(f"listening on {args.host}:{port}", flush=True)
    try:
        await asyncio.Future()  # run until killed
    finally:
        server.close()


# --------------------------------------------------------------------------
# client


class ClientError(Exception):
    pass


class HqClientProtocol(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.alpn: str | None = None
        self.close_reason: str | None = None
        self._pending: dict[int, tuple[object, asyncio.Future[int]]] = {}

    def fetch(self, path: str, out_file: Path) -> asyncio.Future[int]:
        """Send GET for `path` on a new stream; future resolves to byte count."""
        quic = self._quic
        sid = quic.get_next_available_stream_id()
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        fh = open(out_file, "wb")
        self._pending[sid] = (fh, fut)
        quic.send_stream_data(sid, f"GET {path}\r\n".encode("ascii"), end_stream=True)
        self.transmit()
        return fut

    def _finish(self, sid: int, exc: Exception | None) -> None:
        fh, fut = self._pending.pop(sid)
        size = fh.tell()
        fh.close()
        if not fut.done():
            if exc is None:
                fut.set_result(size)
            else:
                fut.set_exception(exc)

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, StreamDataReceived):
            entry = self._pending.get(event.stream_id)
            if entry is None:
                return
            entry[0].write(event.data)
            if event.end_stream:
                self._finish(event.stream_id, None)
        elif isinstance(event, StreamReset):
            if event.stream_id in self._pending:
                self._finish(
                    event.stream_id,
                    ClientError(
                        f"stream {event.stream_id} reset by server, "
                        f"error 0x{event.error_code:x}"
                    ),
                )
        elif isinstance(event, HandshakeCompleted):
            self.alpn = event.alpn_protocol
        elif isinstance(event, ConnectionTerminated):
            self.close_reason = (
                f"connection closed: error 0x{event.error_code:x} "
                f"{event.reason_phrase!r}"
            )
            for sid in list(self._pending):
                self._finish(sid, ClientError(self.close_reason))


def client_out_path(out_dir: Path, path: str) -> tuple[str, Path]:
    """Normalise a URL path to "/<rel>" and the file to write it to."""
    rel = path.lstrip("/")
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") for p in parts) or "\\" in rel:
        raise ClientError(f"refusing path {path!r}")
    target = out_dir.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    return "/" + rel, target


async def fetch_over_one_connection(
    args: argparse.Namespace,
    config: QuicConfiguration,
    requests: list[tuple[str, Path]],
    tickets: list[SessionTicket],
    tokens: list[bytes],
    early: bool = False,
) -> list[int]:
    """Fetches `requests` over one connection; appends the session tickets and NEW_TOKEN
    tokens it gets. With `early`, the requests go out before the handshake completes (as
    0-RTT data when the session ticket allows it)."""
    protocols: list[HqClientProtocol] = []

    def make_protocol(*a, **kw) -> HqClientProtocol:
        p = HqClientProtocol(*a, **kw)
        protocols.append(p)
        return p

    try:
        async with connect(
            args.host,
            args.port,
            configuration=config,
            create_protocol=make_protocol,
            session_ticket_handler=tickets.append,
            token_handler=tokens.append,
            wait_connected=not early,
        ) as proto:
            if not early and proto.alpn != ALPN:
                raise ClientError(f"server negotiated ALPN {proto.alpn!r}")
            if args.key_update:
                # Deferred by aioquic until the handshake is confirmed.
                proto._quic.request_key_update()
            futs = [proto.fetch(url, target) for url, target in requests]
            sizes = await asyncio.gather(*futs)
            print(f"resumed: {proto._quic.tls.session_resumed}")
            print(f"early data accepted: {proto._quic.tls.early_data_accepted}")
            print(f"retries: {proto._quic._retry_count}")
            print(f"version: {proto._quic._version:#x}")
            return sizes
    except ConnectionError as e:
        reason = protocols[0].close_reason if protocols else None
        raise ClientError(f"handshake failed: {reason or e!r}") from None


async def run_client(args: argparse.Namespace) -> None:
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    requests = [client_out_path(out_dir, p) for p in args.paths]

    def configuration() -> QuicConfiguration:
        config = base_configuration(args, is_client=True)
        config.server_name = args.server_name
        config.load_verify_locations(cafile=args.ca)
        config.idle_timeout = float(args.timeout)
        if args.chacha20:
            config.cipher_suites = [CipherSuite.CHACHA20_POLY1305_SHA256]
        return config

    start = time.monotonic()
    tickets: list[SessionTicket] = []
    tokens: list[bytes] = []
    if args.ticket_in:
        with open(args.ticket_in, "rb") as f:
            config = configuration()
            config.session_ticket = pickle.load(f)
        sizes = await fetch_over_one_connection(
            args, config, requests, tickets, tokens, early=True
        )
    elif (args.resume or args.zero_rtt) and len(requests) > 1:
        sizes = await fetch_over_one_connection(
            args, configuration(), requests[:1], tickets, tokens
        )
        if not tickets:
            raise ClientError("the server sent no session ticket")
        config = configuration()
        config.session_ticket = tickets[-1]
        if args.new_token:
            if not tokens:
                raise ClientError("the server sent no NEW_TOKEN")
            config.token = tokens[-1]
        sizes += await fetch_over_one_connection(
            args, config, requests[1:], tickets, tokens, early=args.zero_rtt
        )
    else:
        sizes = await fetch_over_one_connection(
            args, configuration(), requests, tickets, tokens
        )
    elapsed = time.monotonic() - start
    if args.ticket_out:
        if not tickets:
            raise ClientError("the server sent no session ticket")
        with open(args.ticket_out, "wb") as f:
            pickle.dump(tickets[-1], f)
    for (url, target), size in zip(requests, sizes):
        print(f"{url} -> {target} ({size} bytes)")
    print(f"done: {len(sizes)} file(s), {sum(sizes)} bytes in {elapsed:.3f}s")


# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1")
    common.add_argument("--port", type=int, required=True)
    common.add_argument("--keylog", metavar="FILE", help="append TLS secrets (SSLKEYLOGFILE format)")
    common.add_argument(
        "--quic-version",
        choices=sorted(VERSIONS),
        help="use only this QUIC version (default: aioquic's, v1 preferred, v2 accepted)",
    )
    common.add_argument("--qlog-dir", metavar="DIR", help="write qlog traces here")
    common.add_argument("-v", "--verbose", action="store_true")

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)

    s = sub.add_parser("server", parents=[common], help="serve files from --root")
    s.add_argument("--cert", required=True, help="PEM certificate (chain)")
    s.add_argument("--key", required=True, help="PEM private key")
    s.add_argument("--root", required=True, help="directory of files to serve")
    s.add_argument("--retry", action="store_true", help="validate addresses with Retry")

    c = sub.add_parser("client", parents=[common], help="fetch paths into --out")
    c.add_argument("--ca", required=True, help="PEM CA file to verify the server")
    c.add_argument("--out", required=True, help="directory for downloaded files")
    c.add_argument("--server-name", default="localhost", help="SNI / name to verify")
    c.add_argument("--timeout", type=float, default=30.0, help="overall timeout, seconds")
    c.add_argument("--chacha20", action="store_true", help="offer ChaCha20-Poly1305 only")
    c.add_argument(
        "--resume",
        action="store_true",
        help="the first path on one connection, the rest on a second resuming it",
    )
    c.add_argument(
        "--zero-rtt",
        action="store_true",
        help="as --resume, the second connection's requests sent as early data (0-RTT)",
    )
    c.add_argument("--ticket-out", metavar="FILE", help="keep the last session ticket here")
    c.add_argument(
        "--ticket-in",
        metavar="FILE",
        help="resume the session of a ticket kept by --ticket-out, requests as early data",
    )
    c.add_argument("--key-update", action="store_true", help="update the keys once")
    c.add_argument(
        "--upgrade-to-v2",
        action="store_true",
        help="start in QUIC v1 and offer v2 first (compatible version negotiation)",
    )
    c.add_argument(
        "--new-token",
        action="store_true",
        help="with --resume, present the first connection's NEW_TOKEN token in the second",
    )
    c.add_argument("paths", nargs="+", metavar="URL_PATH")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    if args.mode == "server":
        try:
            asyncio.run(run_server(args))
        except KeyboardInterrupt:
            pass
        return 0

    async def bounded() -> None:
        loop = asyncio.get_running_loop()
        default_handler = loop.get_exception_handler()

        def quiet(loop: asyncio.AbstractEventLoop, ctx: dict) -> None:
            # aioquic fails its connect waiter with ConnectionError when a
            # connection we gave up on (timeout) closes; nobody awaits it.
            if isinstance(ctx.get("exception"), ConnectionError):
                return
            if default_handler is not None:
                default_handler(loop, ctx)
            else:
                loop.default_exception_handler(ctx)

        loop.set_exception_handler(quiet)
        await asyncio.wait_for(run_client(args), timeout=args.timeout)

    try:
        asyncio.run(bounded())
    except asyncio.TimeoutError:
        print(f"error: timed out after {args.timeout}s", file=sys.stderr)
        return 3
    except (ClientError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
