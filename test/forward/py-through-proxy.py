"""python `websockets` through wsinspect's forward proxy: websockets 10 has no
proxy support, so a raw CONNECT opens the tunnel and the library speaks over
that socket (TLS on top for wss://, trusting the CA file in argv[3]).
argv: proxy port, ws or wss URL, CA file. Sends one message, prints the
echo as a JSON line, closes cleanly."""
import asyncio
import json
import socket
import ssl
import sys
from urllib.parse import urlsplit

import websockets


def connect_tunnel(proxy_port, host, port):
    sock = socket.create_connection(("127.0.0.1", proxy_port))
    sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(1)  # byte by byte: nothing of the tunnel may be read here
        if not chunk:
            raise SystemExit("the proxy closed the connection")
        answer += chunk
    status = answer.split(b" ")[1]
    if status != b"200":
        raise SystemExit(f"CONNECT answered {answer.splitlines()[0].decode()}")
    return sock


async def main(proxy_port, url, ca_file):
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    sock = connect_tunnel(proxy_port, parts.hostname, port)
    options = {}
    if parts.scheme == "wss":
        options["ssl"] = ssl.create_default_context(cafile=ca_file)
        options["server_hostname"] = parts.hostname
    async with websockets.connect(url, sock=sock, ping_interval=None, **options) as ws:
        await ws.send("from python")
        reply = await ws.recv()
        print(json.dumps({"reply": reply}), flush=True)


asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
