"""OpenAPI schema hooks."""


def only_portal_api(endpoints, **kwargs):
    """Publish the portal's own /api/ endpoints only, not Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
