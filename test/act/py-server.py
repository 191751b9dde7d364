"""A python `websockets` server for the tests: listens on 127.0.0.1 (a free
port, printed first as {"event": "listening", "port": N}), with
permessage-deflate when argv[1] == "deflate"; prints one JSON line per event
of its one connection (open, each message, the close), answers each text
message with "got: " + it, and exits when the connection ends."""
import asyncio
import json
import sys

import websockets


def say(**event):
    print(json.dumps(event), flush=True)


async def main(deflate):
    done = asyncio.get_running_loop().create_future()

    async def handler(ws, path=None):
        say(event="open", extensions=[e.name for e in ws.extensions])
        try:
            async for message in ws:
                if isinstance(message, str):
                    say(event="message", text=message)
                    await ws.send("got: " + message)
                else:
                    say(event="message", hex=message.hex())
        except websockets.ConnectionClosed:
            pass
        say(event="close", code=ws.close_code, reason=ws.close_reason)
        done.set_result(None)

    compression = "deflate" if deflate else None
    async with websockets.serve(handler, "127.0.0.1", 0, compression=compression, ping_interval=None) as server:
        say(event="listening", port=server.sockets[0].getsockname()[1])
        await done


asyncio.run(main(len(sys.argv) > 1 and sys.argv[1] == "deflate"))
