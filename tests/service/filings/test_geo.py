"""``service.filings.geo``: Baidu (BD-09) coordinates as entered become WGS-84 for great-circle distances."""

import math

import prcoords
import pytest

from service.filings.geo import EARTH_RADIUS_M, bd09_to_wgs84, distance_m

URUMQI_BD09 = (87.618733, 43.792818)  # (longitude, latitude), as the forms take them


def test_bd09_to_wgs84_matches_the_reference_figures():
    # Beijing (116.404, 39.915) in BD-09: the example of the coordtransform libraries; BD-09 → GCJ-02 gives
    # (116.39762729119315, 39.90865673957631), and GCJ-02 → WGS-84 moves it about 550 m further west-south-west.
    longitude, latitude = bd09_to_wgs84(116.404, 39.915)
    assert longitude == pytest.approx(116.3913837, abs=1e-6)
    assert latitude == pytest.approx(39.9072532, abs=1e-6)


def test_bd09_to_wgs84_takes_and_gives_longitude_first():
    longitude, latitude = bd09_to_wgs84(*URUMQI_BD09)
    # Baidu's map is shifted north-east of the true position, about 1.1 km in Urumqi
    assert longitude < URUMQI_BD09[0] and latitude < URUMQI_BD09[1]
    assert 1_000 < distance_m(URUMQI_BD09, (longitude, latitude)) < 1_200
    back = prcoords.wgs_bd(prcoords.Coords(latitude, longitude))  # the library's inverse
    assert distance_m((back.lon, back.lat), URUMQI_BD09) < 0.5


def test_one_degree_of_latitude_is_about_111_km():
    assert distance_m((87.6, 43.0), (87.6, 44.0)) == pytest.approx(2 * math.pi * EARTH_RADIUS_M / 360, abs=0.01)
    assert distance_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111_194.93, abs=0.01)


def test_a_degree_of_longitude_shrinks_with_latitude():
    assert distance_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_194.93, abs=0.01)
    assert distance_m((0.0, 60.0), (1.0, 60.0)) == pytest.approx(55_597, abs=1)  # cos 60° = ½
    # the figures of the position rule: 0.0001° east at Urumqi's latitude is about 8 m
    assert distance_m((87.6187, 43.7928), (87.6188, 43.7928)) == pytest.approx(8.03, abs=0.01)


def test_distance_is_symmetric_zero_for_one_point_and_half_the_globe_at_most():
    a, b = (87.618733, 43.792818), (87.619733, 43.792818)
    assert distance_m(a, b) == distance_m(b, a) == pytest.approx(80.3, abs=0.1)
    assert distance_m(a, a) == 0
    assert distance_m((0.0, 0.0), (180.0, 0.0)) == pytest.approx(math.pi * EARTH_RADIUS_M, abs=1)
