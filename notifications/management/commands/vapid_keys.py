"""Print a new VAPID key pair for web push, ready for the environment:

    python manage.py vapid_keys

WEBPUSH_VAPID_PRIVATE_KEY is the raw P-256 private key and
WEBPUSH_VAPID_PUBLIC_KEY the uncompressed public point (the browser's
applicationServerKey), both base64url without padding. Keep the private key
secret; changing the pair later ends every browser's subscription.
"""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_vapid_keys() -> tuple[str, str]:
    """(private, public) in the form the settings take."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(private), b64url(public)


class Command(BaseCommand):
    help = "Print a new VAPID key pair for web push (WEBPUSH_VAPID_*)."

    def handle(self, *args, **options) -> None:
        private, public = new_vapid_keys()
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
