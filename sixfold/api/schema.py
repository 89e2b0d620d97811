"""The OpenAPI 3 description of the API (`schema/`) and its interactive docs (`docs/`).

Both need a logged-in user (API token or web session): the schema holds no personal data, but a
government intranet has no reason to describe its interfaces to anonymous visitors. The docs page
sends anonymous browsers to the web login and back.

The docs are Swagger UI from the vendored sidecar package, so they load with no internet. The page
is served in two requests — the HTML and its start-up script — so the site-wide Content Security
Policy (`script-src 'self'`, no inline scripts) holds on this page too.
"""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.settings import patched_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated

SCHEMA_SETTINGS = {
    # Separate request and response components: written fields (plaintext ID number, a
    # household id) and read fields (masks, codes, counts) differ.
    "COMPONENT_SPLIT_REQUEST": True,
}
SWAGGER_UI_SETTINGS = {
    "deepLinking": True,
    "persistAuthorization": False,
    # The online validator badge would call out to the internet.
    "validatorUrl": None,
}


class SchemaView(SpectacularAPIView):
    permission_classes = [IsAuthenticated]
    custom_settings = SCHEMA_SETTINGS


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [AllowAny]
    url_name = "api:schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        with patched_settings({"SWAGGER_UI_SETTINGS": SWAGGER_UI_SETTINGS}):
            return super().get(request, *args, **kwargs)
