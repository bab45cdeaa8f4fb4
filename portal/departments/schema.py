"""OpenAPI description of the department token (registered when the app is ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class DepartmentTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.departments.auth.DepartmentTokenAuthentication"
    name = "DepartmentToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A department API token: `Authorization: Token <key>`. "
            "Issued in the department workspace (/workspace/tokens/); scoped to one department.",
        }
