"""The department API, mounted at /api/v1/exchange/."""

app_name = "exchange_api"

urlpatterns: list = []
