"""Cache headers any app's views share; the public site's own rules are in cms.caching."""

from django.utils.cache import add_never_cache_headers, patch_cache_control


def mark_private(response):
    """Never kept by any cache: personal answers, downloads that are rate-limited."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response
