"""The official Python MCP client, driven by the end-to-end tests.

Usage: client.py URL CALLS_JSON [--transport streamable-http|sse] [--header NAME:VALUE]...
Connects, initializes, lists the tools, runs each call ({"name": ..., "arguments": {...}}) and
prints {"tools": [names], "results": [{"isError": bool, "structuredContent": ..., "text": ...}]}.
"""

import argparse
import asyncio
import json

from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamablehttp_client


async def run(url: str, calls: list, transport: str, headers: dict) -> dict:
    if transport == "sse":
        connection = sse_client(url, headers=headers)
    else:
        connection = streamablehttp_client(url, headers=headers)
    async with connection as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            results = []
            for call in calls:
                result = await session.call_tool(call["name"], call.get("arguments", {}))
                text = "".join(part.text for part in result.content if getattr(part, "type", "") == "text")
                results.append({"isError": result.isError, "structuredContent": result.structuredContent, "text": text})
            return {"tools": [tool.name for tool in tools.tools], "results": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("calls")
    parser.add_argument("--transport", default="streamable-http")
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    print(json.dumps(asyncio.run(run(args.url, json.loads(args.calls), args.transport, headers))))


if __name__ == "__main__":
    main()
