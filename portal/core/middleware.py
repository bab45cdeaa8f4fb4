from django.db import connection
from django.http import JsonResponse


class HealthCheckMiddleware:
    """Answers /healthz before host validation and HTTPS redirects.

    Container health checks call it on 127.0.0.1 over plain HTTP, which
    ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise refuse.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz" and request.method == "GET":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
