"""The OpenAPI description and the interactive docs: valid, complete, logged-in only, offline."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.utils import translation
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from drf_spectacular.validation import validate_schema

from sixfold.api.schema import SCHEMA_SETTINGS

OPERATIONS = {
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/auth/token/", "delete"),
    ("/api/v1/users/me/", "get"),
    ("/api/v1/regions/", "get"),
    ("/api/v1/regions/{id}/", "get"),
    ("/api/v1/residents/{id}/reveal/", "post"),
    *(
        (f"/api/v1/{register}/", method)
        for register in ("buildings", "units", "households", "residents")
        for method in ("get", "post")
    ),
    *(
        (f"/api/v1/{register}/{{id}}/", method)
        for register in ("buildings", "units", "households", "residents")
        for method in ("get", "put", "patch", "delete")
    ),
}


@pytest.fixture(params=["served", "command line"])
def schema(request):
    """As `schema/` serves it, and as `sixfold spectacular` writes it with the global settings
    (in English, as the assertions below read it; the default language is Chinese)."""
    GENERATOR_STATS.reset()
    with (
        translation.override("en"),
        patched_settings(SCHEMA_SETTINGS if request.param == "served" else {}),
    ):
        generated = SchemaGenerator().get_schema(request=None, public=True)
    return generated


def test_schema_generates_without_warnings_and_validates(schema):
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors (see stderr)"
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_describes_every_operation(schema):
    described = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert described >= OPERATIONS
    assert not any("docs" in path or "schema" in path for path in schema["paths"])


def test_schema_documents_filters_pagination_and_personal_data(schema):
    listing = schema["paths"]["/api/v1/residents/"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert {"region", "search", "tag", "gender", "status", "household", "page", "page_size"} <= set(
        parameters
    )
    assert parameters["tag"]["schema"]["type"] == "array"
    regions = {p["name"] for p in schema["paths"]["/api/v1/regions/"]["get"]["parameters"]}
    assert {"level", "parent", "code"} <= regions

    components = schema["components"]["schemas"]
    assert set(components["PaginatedResidentList"]["properties"]) >= {
        "count",
        "next",
        "previous",
        "results",
    }
    assert "Masked" in components["Resident"]["properties"]["id_number"]["description"]
    assert components["Resident"]["properties"]["household"]["type"] == "integer"
    assert "household_count" in components["Region"]["properties"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    detail_id = schema["paths"]["/api/v1/households/{id}/"]["get"]["parameters"][0]
    assert detail_id["schema"]["type"] == "integer"


def test_schema_endpoint_needs_login(api, db):
    response = api().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("role", ["street_admin", "resident"])
def test_schema_endpoint_for_any_logged_in_user(api, world, role):
    client = api(world.users[role])
    as_yaml = client.get("/api/v1/schema/")
    assert as_yaml.status_code == 200
    assert yaml.safe_load(as_yaml.content)["info"]["title"] == "Sixfold API"
    as_json = client.get("/api/v1/schema/", {"format": "json"})
    assert as_json.status_code == 200
    assert "/api/v1/residents/{id}/reveal/" in as_json.json()["paths"]
    validate_schema(as_json.json())


def test_docs_send_anonymous_visitors_to_login(client, db, settings):
    settings.LOGIN_URL = "/accounts/login/"
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/v1/docs/")


def test_docs_are_offline_and_keep_the_csp(client, world):
    client.force_login(world.users["grid_worker"])
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()

    # No inline script: every <script> has a src on this site.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "http://" not in html and "https://" not in html
    policy = page["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script_src.split() == ["'self'"]

    # The assets come from the vendored sidecar package and are served.
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert finders.find(src.removeprefix("/static/")), src
        assert client.get(src).status_code == 200, src

    # The start-up script is its own same-origin request, as JavaScript.
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert "/api/v1/schema/" in body
    assert "validator.swagger.io" not in body
