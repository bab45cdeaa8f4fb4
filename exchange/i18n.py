"""The workspace and the API choose their language without URL prefixes.

The public site switches language by path (/en/…), and LocaleMiddleware
therefore treats every unprefixed path as Chinese. The workspace lives at the
literal path /workspace/, so it follows the language cookie that Django's
set_language view writes; the API follows the Accept-Language header.
"""

from django.conf import settings
from django.utils import translation


def activate_for(request, *, accept_header: bool = False) -> str:
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if not code and accept_header and request.headers.get("Accept-Language"):
        code = translation.get_language_from_request(request, check_path=False)
    if code:
        try:
            code = translation.get_supported_language_variant(code)
        except LookupError:
            return translation.get_language()
        translation.activate(code)
        request.LANGUAGE_CODE = code
    return translation.get_language()
