"""A python `websockets` client for the tests: connects to argv[1] (with
permessage-deflate when argv[2] == "deflate"), prints one JSON line per event
it sees (open, each message, the close), and stays until the connection ends."""
import asyncio
import json
import sys

import websockets


async def main(url, deflate):
    compression = "deflate" if deflate else None
    async with websockets.connect(url, compression=compression, ping_interval=None) as ws:
        print(json.dumps({"event": "open", "extensions": [e.name for e in ws.extensions]}), flush=True)
        try:
            async for message in ws:
                if isinstance(message, str):
                    print(json.dumps({"event": "message", "text": message}), flush=True)
                else:
                    print(json.dumps({"event": "message", "hex": message.hex()}), flush=True)
        except websockets.ConnectionClosed:
            pass
        print(json.dumps({"event": "close", "code": ws.close_code, "reason": ws.close_reason}), flush=True)


asyncio.run(main(sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "deflate"))
