"""How the portal's forms render (settings.FORM_RENDERER)."""

from django.forms.renderers import DjangoTemplates


class PortalFormRenderer(DjangoTemplates):
    """Django's renderer with the portal's field template (portal/forms/field.html)."""

    field_template_name = "portal/forms/field.html"
