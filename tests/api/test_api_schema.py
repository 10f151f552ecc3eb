"""The OpenAPI document: public, valid, lists the endpoints, and names every
key the endpoints answer with."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

A = "35.24.07.2004"
SCHEMA = "/api/v1/schema/"


@pytest.fixture
def schema(db, client):
    response = client.get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_is_an_openapi_document_listing_the_endpoints(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Desmigratif API"
    assert set(schema["paths"]) == {"/api/v1/villages/", "/api/v1/villages/{code}/"}


def test_schema_lists_only_reading_operations(schema):
    methods = {method for operations in schema["paths"].values() for method in operations}

    assert methods <= {"get", "head", "options", "parameters"}


def test_schema_says_every_endpoint_needs_a_token(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"
    for operations in schema["paths"].values():
        assert operations["get"]["security"] == [{"tokenAuth": []}]
        assert "401" in operations["get"]["responses"]


def test_schema_documents_the_list_filters_and_paging(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/villages/"]["get"]["parameters"]}

    assert parameters == {"province", "regency", "cohort", "status", "page", "page_size"}


def test_schema_is_yaml_by_default(db, client):
    response = client.get(SCHEMA)

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_schema_is_valid_openapi(db):
    validate_schema(SchemaGenerator().get_schema(request=None, public=True))


def _properties(schema, node):
    """The keys a schema node documents, nested: {key: sub-keys or None}."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:
        return _properties(schema, node["allOf"][0])
    if node.get("type") == "object" and "properties" in node:
        return {key: _properties(schema, sub) for key, sub in node["properties"].items()}
    return None


def _keys(data, documented):
    """The keys of an answer, nested as far as the documentation goes."""
    if not isinstance(data, dict) or documented is None:
        return None
    return {key: _keys(value, documented.get(key)) for key, value in data.items()}


def _response_schema(schema, path):
    return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def test_list_documentation_names_every_key_of_a_row(schema, api_client_for):
    rows = api_client_for("ministry_user").get("/api/v1/villages/").json()["results"]
    page = _response_schema(schema, "/api/v1/villages/")
    page = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
    documented = _properties(schema, page["properties"]["results"]["items"])

    assert rows
    for row in rows:
        assert _keys(row, documented) == documented


def test_detail_documentation_names_every_key(schema, api_client_for):
    data = api_client_for("ministry_user").get(f"/api/v1/villages/{A}/").json()
    documented = _properties(schema, _response_schema(schema, "/api/v1/villages/{code}/"))

    assert _keys(data, documented) == documented
