#!/usr/bin/env python3
"""HTTP/3 peer built on aioquic (aioquic.h3), for qssl's HTTP/3 tests and local interop runner.

Server: serves plain files from --root.  A GET for "/<name>" on a request
stream is answered with status 200, content-length and the file's bytes; an
unknown name gets 404, anything other than GET 405.  It prints
"listening on HOST:PORT" once it is ready.

Client: fetches one or more paths over a single connection, all requests at
once, each on its own request stream, and stores each body under --out; fails
unless every response has status 200.

Only aioquic's public API is used, plus QuicConnectionProtocol._quic (the
QuicConnection a protocol drives, which aioquic documents no other way to get)
and QuicServer._transport (to print the real port when --port 0 is given).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.h3.connection import H3_ALPN, ErrorCode, H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ConnectionTerminated, QuicEvent, StreamReset

log = logging.getLogger("aioquic_h3")


def plain_name(path: str) -> str | None:
    """Return the file name if `path` is "/<plain name>", else None."""
    if not path.startswith("/"):
        return None
    name = path[1:]
    if not name or name in (".", "..") or any(c in name for c in "/\\\0?#"):
        return None
    return name


# --------------------------------------------------------------------------
# server


class H3ServerProtocol(QuicConnectionProtocol):
    root: Path  # set by run_server through a subclass attribute

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._http = H3Connection(self._quic)

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, ConnectionTerminated):
            log.info(
                "connection closed: error=0x%x reason=%r",
                event.error_code,
                event.reason_phrase,
            )
        for h3_event in self._http.handle_event(event):
            self._h3_event(h3_event)

    def _h3_event(self, event: H3Event) -> None:
        if not isinstance(event, HeadersReceived):
            return
        headers = dict(event.headers)
        method = headers.get(b":method", b"").decode("ascii", "replace")
        path = headers.get(b":path", b"").decode("ascii", "replace")
        sid = event.stream_id
        if method != "GET":
            self._respond(sid, 405, b"")
            return
        name = plain_name(path)
        data = None
        if name is not None:
            try:
                target = (self.root / name).resolve(strict=True)
                if target.parent == self.root and target.is_file():
                    data = target.read_bytes()
            except OSError:
                pass
        if data is None:
            log.warning("stream %d: %s %s: not found", sid, method, path)
            self._respond(sid, 404, b"")
            return
        log.info("stream %d: GET %s -> %d bytes", sid, path, len(data))
        self._respond(sid, 200, data)

    def _respond(self, sid: int, status: int, body: bytes) -> None:
        self._http.send_headers(
            sid,
            [
                (b":status", str(status).encode("ascii")),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        )
        # aioquic buffers the whole body and paces it by flow control.
        self._http.send_data(sid, body, end_stream=True)
        self.transmit()


async def run_server(args: argparse.Namespace) -> None:
    root = Path(args.root).resolve()
    if not root.is_dir():
        raise SystemExit(f"--root {args.root}: not a directory")
    config = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN)
    config.load_cert_chain(args.cert, args.key)
    protocol = type("H3Server", (H3ServerProtocol,), {"root": root})
    server = await serve(args.host, args.port, configuration=config, create_protocol=protocol)
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


class H3ClientProtocol(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._http = H3Connection(self._quic)
        self.close_reason: str | None = None
        # stream id -> (status, body, future resolving to the body)
        self._pending: dict[int, tuple[list[int], bytearray, asyncio.Future[bytes]]] = {}

    def get(self, authority: str, path: str) -> asyncio.Future[bytes]:
        """Send GET `path` on a new request stream; the future resolves to the body."""
        sid = self._quic.get_next_available_stream_id()
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[sid] = ([0], bytearray(), fut)
        self._http.send_headers(
            sid,
            [
                (b":method", b"GET"),
                (b":scheme", b"https"),
                (b":authority", authority.encode("ascii")),
                (b":path", path.encode("ascii")),
            ],
            end_stream=True,
        )
        self.transmit()
        return fut

    def _fail(self, sid: int, why: str) -> None:
        _, _, fut = self._pending.pop(sid)
        if not fut.done():
            fut.set_exception(ClientError(why))

    def _h3_event(self, event: H3Event) -> None:
        entry = self._pending.get(getattr(event, "stream_id", -1))
        if entry is None:
            return
        status, body, fut = entry
        if isinstance(event, HeadersReceived):
            for name, value in event.headers:
                if name == b":status":
                    status[0] = int(value)
        elif isinstance(event, DataReceived):
            body += event.data
        if getattr(event, "stream_ended", False):
            sid = event.stream_id
            if status[0] != 200:
                self._fail(sid, f"stream {sid}: status {status[0]}")
                return
            self._pending.pop(sid)
            if not fut.done():
                fut.set_result(bytes(body))

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, StreamReset) and event.stream_id in self._pending:
            self._fail(
                event.stream_id,
                f"stream {event.stream_id} reset by server, error 0x{event.error_code:x}",
            )
        elif isinstance(event, ConnectionTerminated):
            self.close_reason = (
                f"connection closed: error 0x{event.error_code:x} {event.reason_phrase!r}"
            )
            for sid in list(self._pending):
                self._fail(sid, self.close_reason)
        for h3_event in self._http.handle_event(event):
            self._h3_event(h3_event)


async def run_client(args: argparse.Namespace) -> None:
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for path in args.paths:
        name = plain_name(path if path.startswith("/") else "/" + path)
        if name is None:
            raise ClientError(f"refusing path {path!r}")
        names.append(name)
    config = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN)
    config.server_name = args.server_name
    config.load_verify_locations(cafile=args.ca)
    config.idle_timeout = float(args.timeout)
    authority = f"{args.server_name}:{args.port}"
    start = time.monotonic()
    protocols: list[H3ClientProtocol] = []

    def make_protocol(*a, **kw) -> H3ClientProtocol:
        p = H3ClientProtocol(*a, **kw)
        protocols.append(p)
        return p

    try:
        async with connect(
            args.host, args.port, configuration=config, create_protocol=make_protocol
        ) as proto:
            bodies = await asyncio.gather(*(proto.get(authority, "/" + n) for n in names))
            # An HTTP/3 client ends with H3_NO_ERROR; aioquic's connect() alone would close
            # with application error 0x0.
            proto.close(error_code=ErrorCode.H3_NO_ERROR)
    except ConnectionError as e:
        reason = protocols[0].close_reason if protocols else None
        raise ClientError(f"handshake failed: {reason or e!r}") from None
    elapsed = time.monotonic() - start
    for name, body in zip(names, bodies):
        (out_dir / name).write_bytes(body)
        print(f"/{name} -> {out_dir / name} ({len(body)} bytes)")
    print(f"done: {len(bodies)} file(s), {sum(map(len, bodies))} bytes in {elapsed:.3f}s")


# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1")
    common.add_argument("--port", type=int, required=True)
    common.add_argument("-v", "--verbose", action="store_true")

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)

    s = sub.add_parser("server", parents=[common], help="serve files from --root")
    s.add_argument("--cert", required=True, help="PEM certificate (chain)")
    s.add_argument("--key", required=True, help="PEM private key")
    s.add_argument("--root", required=True, help="directory of files to serve")

    c = sub.add_parser("client", parents=[common], help="fetch paths into --out")
    c.add_argument("--ca", required=True, help="PEM CA file to verify the server")
    c.add_argument("--out", required=True, help="directory for downloaded files")
    c.add_argument("--server-name", default="localhost", help="SNI / name to verify")
    c.add_argument("--timeout", type=float, default=30.0, help="overall timeout, seconds")
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
    try:
        asyncio.run(asyncio.wait_for(run_client(args), timeout=args.timeout))
    except asyncio.TimeoutError:
        print(f"error: timed out after {args.timeout}s", file=sys.stderr)
        return 3
    except (ClientError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
