"""The official Python MCP SDK 2.x, pinned to MCP 2026-07-28, driven line by line by a test.

Usage: client.py URL [--header NAME:VALUE]...
Connects without `initialize` (the 2026-07-28 era), then reads one JSON request per line on
stdin and answers each with one JSON line on stdout:
  {"tool": NAME, "arguments": {...}}     -> {"isError", "structuredContent", "text"}
  {"method": "tools/list"}               -> {"tools": [names]}
  {"method": "skills/list", "params": {}} -> the raw result (the SDK has no Skills client)
  {"method": "resources/read", "uri": U} -> {"contents": [{"uri", "text" | "blob"}]}
A failed request answers {"error": message}. The first line out is {"ready": protocol version}.
"""

import argparse
import asyncio
import json
import sys
from typing import Any, Literal

import httpx2
from pydantic import TypeAdapter

import mcp
from mcp import types
from mcp.client.streamable_http import streamable_http_client


class SkillsListRequest(types.PaginatedRequest[Literal["skills/list"]]):
    """`skills/list` of the Skills extension (SEP-2640), which the SDK does not model."""

    method: Literal["skills/list"] = "skills/list"


RAW = TypeAdapter(dict[str, Any])


def emit(value: Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


async def answer(client: mcp.Client, request: dict) -> Any:
    if "tool" in request:
        result = await client.call_tool(request["tool"], request.get("arguments", {}))
        text = "".join(part.text for part in result.content if getattr(part, "type", "") == "text")
        return {"isError": result.is_error, "structuredContent": result.structured_content, "text": text}
    method = request["method"]
    if method == "tools/list":
        listed = await client.list_tools()
        return {"tools": [tool.name for tool in listed.tools]}
    if method == "skills/list":
        params = types.PaginatedRequestParams(**request.get("params", {}))
        return await client.session.send_request(SkillsListRequest(params=params), RAW)
    if method == "resources/read":
        read = await client.read_resource(request["uri"])
        return {"contents": [content.model_dump(by_alias=True, exclude_none=True, mode="json") for content in read.contents]}
    raise ValueError(f"unknown request {method}")


async def run(url: str, headers: dict) -> None:
    http = httpx2.AsyncClient(headers=headers, timeout=60)
    async with http:
        connection = streamable_http_client(url, http_client=http)
        async with mcp.Client(connection, mode="2026-07-28", read_timeout_seconds=60, cache=None) as client:
            emit({"ready": client.protocol_version})
            loop = asyncio.get_running_loop()
            while line := await loop.run_in_executor(None, sys.stdin.readline):
                try:
                    emit(await answer(client, json.loads(line)))
                except Exception as error:  # noqa: BLE001 - every failure goes back to the test
                    emit({"error": f"{type(error).__name__}: {error}"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    asyncio.run(run(args.url, dict(h.split(":", 1) for h in args.header)))


if __name__ == "__main__":
    main()
