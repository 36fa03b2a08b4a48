def test_fixture(owner, reviewer):
    assert owner.get("/me").json["role"] == "applicant"
    assert reviewer.get("/me").json["region_code"] == "650100"
