"""Text messages: one provider interface and one real client, Twilio's own
library (`twilio`), chosen by the TEXT_PROVIDER setting. With no provider set,
texts are not offered anywhere and nothing is queued for them.

Errors are sorted for the outbox: `TextUnavailable` (the provider or the
network is down, or asks us to slow down) is an OSError, which the outbox
retries with its back-off; `TextRefused` (the number is not a mobile, or its
owner replied STOP) is final.
"""

from typing import Protocol

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

TIMEOUT_SECONDS = 10


class TextUnavailable(OSError):
    """Worth another try later."""


class TextRefused(Exception):
    """The provider will never deliver this one."""


class TextProvider(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Hand one text to the provider; its id for the message."""
        ...

    def inbound_is_genuine(self, *, url: str, params: dict[str, str], signature: str) -> bool:
        """Whether a callback with these form fields really came from the provider."""
        ...

    def inbound_fields(self, params: dict[str, str]) -> tuple[str, str, str]:
        """(provider's id, sender's number, text) of a received text."""
        ...

    def inbound_answer(self, text: str) -> tuple[str, str]:
        """(body, content type) of the answer to a received text."""
        ...


class TwilioProvider:
    """Sends through Twilio's Messages API; received texts come to our webhook
    signed with the account's auth token (X-Twilio-Signature, HMAC-SHA1 of
    the URL and the form fields), which the library checks."""

    signature_header = "HTTP_X_TWILIO_SIGNATURE"

    def __init__(self, *, account_sid: str, auth_token: str, sender: str, base_url: str):
        self.client = Client(
            account_sid, auth_token, http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS)
        )
        self.client.api.base_url = base_url
        self.validator = RequestValidator(auth_token)
        # A Messaging Service id (MG…) picks the sender from the service's pool.
        self.sender = (
            {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        )

    def send(self, *, to: str, body: str) -> str:
        try:
            message = self.client.messages.create(to=to, body=body, **self.sender)
        except TwilioRestException as error:
            text = f"Twilio {error.status} (code {error.code}): {error.msg}"
            if error.status >= 500 or error.status == 429:
                raise TextUnavailable(text) from error
            raise TextRefused(text) from error
        return message.sid

    def inbound_is_genuine(self, *, url: str, params: dict[str, str], signature: str) -> bool:
        return bool(signature) and self.validator.validate(url, params, signature)

    def inbound_fields(self, params: dict[str, str]) -> tuple[str, str, str]:
        return params.get("MessageSid", ""), params.get("From", ""), params.get("Body", "")

    def inbound_answer(self, text: str) -> tuple[str, str]:
        response = MessagingResponse()
        if text:
            response.message(text)
        return str(response), "text/xml"


def texts_offered() -> bool:
    return bool(settings.TEXT_PROVIDER)


def text_provider() -> TextProvider | None:
    if settings.TEXT_PROVIDER == "twilio":
        return TwilioProvider(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            sender=settings.TWILIO_FROM,
            base_url=settings.TWILIO_API_BASE_URL,
        )
    return None
