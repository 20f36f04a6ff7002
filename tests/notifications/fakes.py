"""Local stand-ins for the text provider's and the push services' HTTP APIs,
each a small threaded HTTP server on 127.0.0.1: the real client libraries
(twilio, pywebpush) talk to them over real sockets, and nothing leaves the
machine.

`FakeTwilio` answers Twilio's Messages API as Twilio does (HTTP basic auth
with the account's id and token, a form body, JSON back). `FakePushService`
does what a browser's push service and the browser do together: it checks the
request as RFC 8030/8291/8292 ask (aes128gcm, a VAPID JWT signed by the key
the browser subscribed with, for this origin, not expired) and decrypts the
payload with the subscription's private key and auth secret, as only the
browser could.
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Server:
    """A ThreadingHTTPServer on a free port of 127.0.0.1, run in a thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.fake = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.lock = threading.Lock()

    @property
    def origin(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass

    def _answer(self, status: int, body: dict | None = None) -> None:
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))


# --- Twilio ---------------------------------------------------------------------------


class _TwilioHandler(_Handler):
    def do_POST(self):
        fake: FakeTwilio = self.server.fake
        expected = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
        given = self.headers.get("Authorization", "")
        expected_auth = f"{fake.account_sid}:{fake.auth_token}".encode()
        if not given.startswith("Basic ") or base64.b64decode(given[6:]) != expected_auth:
            return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if self.path != expected:
            return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
        form = {key: values[0] for key, values in parse_qs(self._body().decode()).items()}
        with fake.lock:
            if fake.failures:
                status, code, message = fake.failures.pop(0)
                return self._answer(status, {"code": code, "message": message, "status": status})
            fake.sent.append(form)
            sid = f"SM{len(fake.sent):032x}"
        return self._answer(
            201,
            {
                "sid": sid,
                "account_sid": fake.account_sid,
                "to": form.get("To"),
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "uri": f"{expected[:-5]}/{sid}.json",
            },
        )


class FakeTwilio(_Server):
    account_sid = "AC" + "0" * 31 + "1"
    auth_token = "test-auth-token-of-the-fake"
    sender = "+447700900999"

    def __init__(self):
        super().__init__(_TwilioHandler)
        self.sent: list[dict[str, str]] = []
        # (HTTP status, Twilio error code, message), answered in turn before any success.
        self.failures: list[tuple[int, int, str]] = []

    def configure(self, settings) -> None:
        settings.TEXT_PROVIDER = "twilio"
        settings.TWILIO_ACCOUNT_SID = self.account_sid
        settings.TWILIO_AUTH_TOKEN = self.auth_token
        settings.TWILIO_FROM = self.sender
        settings.TWILIO_API_BASE_URL = self.origin


# --- Web push ----------------------------------------------------------------------------


@dataclass
class Browser:
    """What a browser keeps for one push subscription: its key pair and auth
    secret (it gives the push service's address and the public half to the
    page, which sends them to the portal)."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def subscription(self) -> dict:
        """As `PushSubscription.toJSON()` gives it."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)},
        }


class _PushHandler(_Handler):
    def do_POST(self):
        fake: FakePushService = self.server.fake
        body = self._body()
        with fake.lock:
            browser = fake.browsers.get(self.path)
            answer = fake.answers.pop(0) if fake.answers else None
        if browser is None:
            return self._answer(404, {"reason": "no such subscription"})
        if answer is not None:
            return self._answer(answer, {"reason": "as the test asked"})
        problem = fake.check(self.headers, browser)
        if problem:
            with fake.lock:
                fake.refused.append(problem)
            return self._answer(403 if "VAPID" in problem else 400, {"reason": problem})
        try:
            plain = http_ece.decrypt(
                body,
                private_key=browser.private_key,
                auth_secret=browser.auth_secret,
                version="aes128gcm",
            )
        except Exception as error:
            with fake.lock:
                fake.refused.append(f"cannot decrypt: {error!r}")
            return self._answer(400, {"reason": "cannot decrypt"})
        with fake.lock:
            fake.delivered.append(
                {
                    "endpoint": browser.endpoint,
                    "payload": json.loads(plain),
                    "topic": self.headers.get("Topic"),
                    "ttl": self.headers.get("TTL"),
                    "urgency": self.headers.get("Urgency"),
                }
            )
        self.send_response(201)
        self.send_header("Location", f"{fake.origin}/messages/{len(fake.delivered)}")
        self.send_header("Content-Length", "0")
        self.end_headers()


class FakePushService(_Server):
    def __init__(self):
        super().__init__(_PushHandler)
        self.browsers: dict[str, Browser] = {}
        self.delivered: list[dict] = []
        self.refused: list[str] = []
        # HTTP statuses answered in turn before any check (410 Gone, 503…).
        self.answers: list[int] = []
        # The applicationServerKey the browsers subscribed with.
        self.server_key = ""

    def new_browser(self) -> Browser:
        path = f"/push/{b64url(os.urandom(12))}"
        browser = Browser(endpoint=f"{self.origin}{path}")
        with self.lock:
            self.browsers[path] = browser
        return browser

    def configure(self, settings, *, private_key: str, public_key: str) -> None:
        settings.WEBPUSH_VAPID_PRIVATE_KEY = private_key
        settings.WEBPUSH_VAPID_PUBLIC_KEY = public_key
        settings.WEBPUSH_CONTACT = "mailto:hello@family-ot.example"
        settings.WEBPUSH_ENDPOINT_ORIGINS = [self.origin]
        self.server_key = public_key

    def check(self, headers, browser: Browser) -> str:
        """What a push service checks before it takes a message: "" if all is well."""
        if headers.get("Content-Encoding") != "aes128gcm":
            return f"Content-Encoding is {headers.get('Content-Encoding')!r}, not aes128gcm"
        if not (headers.get("TTL") or "").isdigit():
            return "no TTL"
        authorization = headers.get("Authorization", "")
        if not authorization.startswith("vapid "):
            return "no VAPID Authorization header"
        parts = dict(
            part.strip().split("=", 1) for part in authorization[6:].split(",") if "=" in part
        )
        token, key = parts.get("t", ""), parts.get("k", "")
        if key != self.server_key:
            return "VAPID key is not the one the browser subscribed with"
        try:
            header, claims, signature = token.split(".")
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            raw = unb64url(signature)
            public.verify(
                encode_dss_signature(
                    int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
                ),
                f"{header}.{claims}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
            header, claims = json.loads(unb64url(header)), json.loads(unb64url(claims))
        except (ValueError, InvalidSignature) as error:
            return f"VAPID token does not verify: {error!r}"
        if header.get("alg") != "ES256":
            return "VAPID token is not ES256"
        if claims.get("aud") != self.origin:
            return f"VAPID audience is {claims.get('aud')!r}"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 60 * 60:
            return "VAPID token expired or lives longer than a day"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "VAPID token names no contact"
        return ""
