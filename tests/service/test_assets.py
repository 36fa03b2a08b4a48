"""Front-end packages served from node_modules, and nothing beside them."""


def test_vendor_assets_are_served_and_confined(client):
    assert client.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js").status_code == 200
    assert client.get("/vendor/bpmn-js/../../package.json").status_code == 404
    assert client.get("/vendor/left-pad/index.js").status_code == 404
