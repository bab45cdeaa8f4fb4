from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from portal.incidents.models import Incident
from portal.incidents.pdf import incident_report_pdf


def incident_report(request, pk: int):
    """The incident's written report as PDF (admin URL; operators and whoever may view incidents)."""
    if not request.user.has_perm("incidents.view_incident"):
        raise PermissionDenied
    incident = get_object_or_404(
        Incident.objects.prefetch_related("timeline", "reporting_steps"), pk=pk
    )
    response = HttpResponse(incident_report_pdf(incident), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="incident-{incident.reference}.pdf"'
    return response
