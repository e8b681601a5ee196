#!/usr/bin/env python3
"""DATAGRAM-frame (RFC 9221) echo peer built on aioquic, for qssl interop tests.

Both sides offer DATAGRAM frames of up to 65535 bytes and speak the ALPN "qssl-dgram".

Server: echoes every datagram it receives back to its sender, unchanged.  Prints
"listening on HOST:PORT" once ready.

Client: sends --count datagrams (datagram i is i as 4 big-endian bytes followed by
i % 1000 bytes of i % 256), waits for the echoes, and prints "echoed N of COUNT"
and "bad 0" (the number of echoes that differ from what was sent).  Exits 0 if
at least --min echoes came back and none was bad.

Only aioquic's public API is used, plus QuicConnectionProtocol._quic (the
QuicConnection a protocol drives) and QuicServer._transport (to print the real
port when --port 0 is given).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import DatagramFrameReceived, HandshakeCompleted, QuicEvent

ALPN = "qssl-dgram"
MAX_FRAME = 65535


def datagram(i: int) -> bytes:
    return i.to_bytes(4, "big") + bytes([i % 256]) * (i % 1000)


class EchoServer(QuicConnectionProtocol):
    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, DatagramFrameReceived):
            self._quic.send_datagram_frame(event.data)
            self.transmit()


class EchoClient(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.echoes: list[bytes] = []
        self.changed = asyncio.Event()

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, DatagramFrameReceived):
            self.echoes.append(event.data)
            self.changed.set()


async def run_server(args: argparse.Namespace) -> None:
    config = QuicConfiguration(
        is_client=False, alpn_protocols=[ALPN], max_datagram_frame_size=MAX_FRAME
    )
    config.load_cert_chain(args.cert, args.key)
    server = await serve(args.host, args.port, configuration=config, create_protocol=EchoServer)
    port = args.port
    transport = getattr(server, "_transport", None)
    if transport is not None and transport.get_extra_info("sockname"):
        port = transport.get_extra_info("sockname")[1]
    print(f"listening on {args.host}:{port}", flush=True)
    await asyncio.Future()


async def run_client(args: argparse.Namespace) -> int:
    config = QuicConfiguration(
        is_client=True,
        alpn_protocols=[ALPN],
        max_datagram_frame_size=MAX_FRAME,
        server_name=args.server_name,
    )
    config.load_verify_locations(args.ca)
    async with connect(
        args.host, args.port, configuration=config, create_protocol=EchoClient
    ) as client:
        sent = {datagram(i) for i in range(args.count)}
        for i in range(args.count):
            client._quic.send_datagram_frame(datagram(i))
            client.transmit()
            # Spread them over a few round trips, as a real-time sender would.
            if i % 10 == 9:
                await asyncio.sleep(0.005)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + args.timeout
        while len(client.echoes) < args.count and loop.time() < deadline:
            client.changed.clear()
            try:
                await asyncio.wait_for(client.changed.wait(), deadline - loop.time())
            except asyncio.TimeoutError:
                break
        bad = sum(1 for e in client.echoes if e not in sent)
        print(f"echoed {len(client.echoes)} of {args.count}", flush=True)
        print(f"bad {bad}", flush=True)
        client.close()
        return 0 if len(client.echoes) >= args.min and bad == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    sub = parser.add_subparsers(dest="role", required=True)
    s = sub.add_parser("server")
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    c = sub.add_parser("client")
    c.add_argument("--ca", required=True)
    c.add_argument("--server-name", default="localhost")
    c.add_argument("--count", type=int, default=100)
    c.add_argument("--min", type=int, default=100, help="echoes needed to succeed")
    c.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    if args.role == "server":
        asyncio.run(run_server(args))
        return 0
    return asyncio.run(run_client(args))


if __name__ == "__main__":
    sys.exit(main())
