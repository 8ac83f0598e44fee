"""The official Python MCP client signing in by itself (OAuthClientProvider), driven by the
end-to-end tests.

Usage: oauth_client.py URL EMAIL [--wait SECONDS] [--client-metadata-url URL]
Connects with no token: the SDK discovers the authorization server, registers (or uses the
metadata document URL as its client id), and sends the "browser" to /authorize; the browser
here is a small scripted one that approves the consent page and logs in at the identity
provider's form as EMAIL. Calls whoami, waits SECONDS (so the access token expires), connects
again with the same stored tokens and calls whoami again. Prints
{"first": whoami, "second": whoami, "logins": n, "refreshed": bool}.
"""

import argparse
import asyncio
import html
import json
import re
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamablehttp_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT_URI = "http://127.0.0.1:9/python-callback"


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None
        self.token_history: list[str] = []

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.token_history.append(tokens.access_token)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def forms(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<form\b([^>]*)>([\s\S]*?)</form>", page, re.I)


def attribute(tag: str, name: str) -> str | None:
    match = re.search(name + r"""\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", tag, re.I)
    return html.unescape(next(g for g in match.groups() if g is not None)) if match else None


class ScriptedBrowser:
    """Follows redirects and submits the sign-in forms, keeping cookies like a browser."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.http = httpx.AsyncClient(follow_redirects=False, timeout=30)
        self.logins = 0
        self.result: tuple[str, str | None] | None = None

    async def walk(self, url: str) -> None:
        self.logins += 1
        method, data = "GET", None
        for _ in range(30):
            response = await self.http.request(method, url, data=data, headers={"origin": f"{urlparse(url).scheme}://{urlparse(url).netloc}"} if data else None)
            method, data = "GET", None
            if response.status_code in (301, 302, 303, 307, 308):
                url = urljoin(url, response.headers["location"])
                if url.startswith(REDIRECT_URI):
                    query = parse_qs(urlparse(url).query)
                    self.result = (query["code"][0], query.get("state", [None])[0])
                    return
                continue
            page = response.text
            found = forms(page)
            if not found:
                raise RuntimeError(f"sign-in stopped at {url} ({response.status_code}): {page[:500]}")
            tag, body = found[0]
            fields = {attribute(i, "name"): attribute(i, "value") or "" for i in re.findall(r"<input\b([^>]*)>", body, re.I)}
            fields = {k: v for k, v in fields.items() if k}
            if "decision" in body:
                fields["decision"] = "allow"
            if "login" in fields:
                fields.update(login=self.email, password="any")
            url, method, data = urljoin(url, attribute(tag, "action") or url), "POST", fields
        raise RuntimeError("too many steps")

    async def callback(self) -> tuple[str, str | None]:
        assert self.result is not None
        return self.result


async def whoami(url: str, auth: OAuthClientProvider) -> dict:
    async with streamablehttp_client(url, auth=auth) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("whoami", {})
            return result.structuredContent


async def run(url: str, email: str, wait: float, metadata_url: str | None) -> dict:
    storage = MemoryStorage()
    browser = ScriptedBrowser(email)
    metadata = OAuthClientMetadata(
        client_name="Python e2e client",
        redirect_uris=[REDIRECT_URI],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    auth = OAuthClientProvider(
        server_url=url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=browser.walk,
        callback_handler=browser.callback,
        client_metadata_url=metadata_url,
    )
    first = await whoami(url, auth)
    await asyncio.sleep(wait)
    second = await whoami(url, auth)
    return {
        "first": first,
        "second": second,
        "logins": browser.logins,
        "refreshed": len(set(storage.token_history)) >= 2,
        "client_id": storage.client.client_id if storage.client else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("email")
    parser.add_argument("--wait", type=float, default=0)
    parser.add_argument("--client-metadata-url")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.email, args.wait, args.client_metadata_url))))


if __name__ == "__main__":
    main()
