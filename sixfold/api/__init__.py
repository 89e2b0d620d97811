"""The REST API root (/api/v1/) and, later, Open311 GeoReport v2 (/open311/v2/)."""
