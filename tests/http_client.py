"""A tiny browser-like HTTP client for tests against a real server (cookies, CSRF tokens, forms)."""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str, timeout: float = 10):
        self.base = base
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def get(self, path: str) -> tuple[int, str]:
        return self.request(path)

    def token(self, path: str = "/login") -> str:
        status, html = self.get(path)
        found = CSRF.search(html)
        if not found:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return found.group(1)

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        fields = {"csrf_token": self.csrf, **fields}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, path: str, filename: str, content: bytes, fields: dict | None = None) -> tuple[int, str]:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in {"csrf_token": self.csrf, **(fields or {})}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, username: str, password: str) -> None:
        token = self.token("/login")
        body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
        status, _ = self.request("/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login failed for {username}: {status}")
        # The token belongs to the session: one fetched after login serves every later form.
        self.csrf = self.token("/")
