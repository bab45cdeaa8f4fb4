"""What is kept of a person's identity number: a keyed hash and a masked form.

The clear number is never stored, so no public code path can ever reveal it;
government users find a person by hashing the number they were given.
"""

import hashlib
import hmac

from django.conf import settings


def hash_identity(number: str) -> str:
    """HMAC-SHA256 of a normalised identity number under PORTAL_IDENTITY_HASH_KEY."""
    key = settings.PORTAL_IDENTITY_HASH_KEY
    if not key:
        raise RuntimeError("PORTAL_IDENTITY_HASH_KEY is not configured")
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask_identity(number: str) -> str:
    """4413**********123X: region prefix and last four only."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def person_code(identity_hash: str) -> str:
    """The public, stable key of a natural person: derived from the keyed hash, never reversible."""
    return "P" + identity_hash[:17].upper()
