"""The OpenAPI document and the health check."""


def test_openapi_and_healthz(client):
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    assert "/organizations/{id}/submit" in doc.json["paths"]
    assert client.get("/healthz").json == {"status": "ok"}
