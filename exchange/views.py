"""Department workspace views (thin: the work is in exchange.services)."""

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST


class WorkspaceLoginView(LoginView):
    template_name = "exchange/login.html"


@require_POST
def logout_view(request):
    logout(request)
    return redirect("exchange:login")


def _todo(request, *args, **kwargs):
    raise Http404


batch_list = batch_upload = batch_detail = batch_progress_json = batch_rows = _todo
batch_error_report = batch_commit = batch_discard = batch_retry = _todo
template_list = template_download = token_list = token_revoke = _todo
