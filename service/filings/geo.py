"""Coordinates: Baidu's BD-09 as entered, WGS-84 for distances (rules.md)."""

from __future__ import annotations

import math

import prcoords

EARTH_RADIUS_M = 6_371_000.0


def bd09_to_wgs84(longitude: float, latitude: float) -> tuple[float, float]:
    wgs = prcoords.bd_wgs(prcoords.Coords(latitude, longitude))
    return wgs.lon, wgs.lat


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (longitude, latitude) points, in metres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
