"""The coverage audit of the service network (S12) on hand-built trees with gaps at every level:
counts, gap lists, rows per child node, the Excel export of gaps, and a number of queries that
does not grow with the tree."""

import io

import openpyxl
import pytest
from django.urls import reverse

from sixfold.core.models import Level
from sixfold.services import actions
from sixfold.services.coverage import coverage_report
from tests import factories

BACKEND = "django.contrib.auth.backends.ModelBackend"


class Tree:
    """Street S without a centre; community 1 with its station, community 2 without. Community
    1: grid 1 with a point (building 1 with a liaison point — its stairwell 1 with a liaison,
    stairwell 2 without — and building 2 without), grid 2 without. Community 2: grid 1 without,
    its building 1 without, that building's stairwell without. Households below every stairwell
    (never counted)."""

    def __init__(self):
        self.street = factories.street()
        self.c1 = factories.community(1, self.street)
        self.c2 = factories.community(2, self.street)
        self.c1g1 = factories.grid(1, self.c1)
        self.c1g2 = factories.grid(2, self.c1)
        self.c2g1 = factories.grid(1, self.c2)
        self.b1 = factories.building(1, self.c1g1)
        self.b2 = factories.building(2, self.c1g1)
        self.u1 = factories.unit(1, self.b1)
        self.u2 = factories.unit(2, self.b1)
        self.b2u1 = factories.unit(1, self.b2)
        self.other_b = factories.building(1, self.c2g1)
        self.other_u = factories.unit(1, self.other_b)
        for unit in (self.u1, self.u2, self.b2u1, self.other_u):
            factories.household(unit_obj=unit)
        for node in (self.c1, self.c1g1, self.b1.region, self.u1.region):
            actions.create_point(node, {}, by=None)


@pytest.fixture
def tree(db):
    return Tree()


def counts(report):
    return {row.kind: (row.nodes, row.covered) for row in report.levels}


def gaps(report):
    return {row.kind: [n.code for n in row.gaps] for row in report.levels}


def test_street_audit_counts_every_level(tree):
    report = coverage_report(tree.street)
    assert counts(report) == {
        "centre": (1, 0),
        "station": (2, 1),
        "grid_point": (3, 1),
        "building_liaison": (3, 1),
        "unit_liaison": (4, 1),
    }
    assert gaps(report) == {
        "centre": [tree.street.code],
        "station": [tree.c2.code],
        "grid_point": [tree.c1g2.code, tree.c2g1.code],
        "building_liaison": [tree.b2.code, tree.other_b.code],
        "unit_liaison": [tree.u2.code, tree.b2u1.code, tree.other_u.code],
    }
    assert report.total_gaps == 1 + 1 + 2 + 2 + 3


def test_rows_per_child(tree):
    report = coverage_report(tree.street)
    rows = {row.node.code: row for row in report.children}
    assert list(rows) == [tree.c1.code, tree.c2.code]
    assert rows[tree.c1.code].has_point and not rows[tree.c2.code].has_point
    cells = rows[tree.c1.code].cells
    assert (cells["grid_point"].nodes, cells["grid_point"].covered) == (2, 1)
    assert (cells["unit_liaison"].nodes, cells["unit_liaison"].covered) == (3, 1)
    assert "centre" not in cells
    other = rows[tree.c2.code].cells
    assert (other["building_liaison"].nodes, other["building_liaison"].covered) == (1, 0)


def test_audit_below_the_street_starts_at_its_level(tree):
    report = coverage_report(tree.c1)
    assert counts(report) == {
        "station": (1, 1),
        "grid_point": (2, 1),
        "building_liaison": (2, 1),
        "unit_liaison": (3, 1),
    }
    building = coverage_report(tree.b1.region)
    assert counts(building) == {"building_liaison": (1, 1), "unit_liaison": (2, 1)}
    assert [c.node.code for c in building.children] == [tree.u1.code, tree.u2.code]
    unit = coverage_report(tree.u2.region)
    assert counts(unit) == {"unit_liaison": (1, 0)} and unit.children == []


def test_a_new_point_closes_its_gap(tree):
    actions.create_point(tree.c1g2, {}, by=None)
    assert counts(coverage_report(tree.street))["grid_point"] == (3, 2)
    assert tree.c1g2.code not in gaps(coverage_report(tree.street))["grid_point"]


def test_a_village_counts_as_a_community(tree):
    village = factories.community(201, tree.street, level=Level.VILLAGE)
    actions.create_point(village, {}, by=None)
    assert counts(coverage_report(tree.street))["station"] == (3, 2)


def test_limit_cuts_the_lists_not_the_counts(tree):
    report = coverage_report(tree.street, limit=1)
    unit_row = next(r for r in report.levels if r.kind == "unit_liaison")
    assert unit_row.uncovered == 3 and len(unit_row.gaps) == 1 and unit_row.more_gaps == 2


def test_queries_do_not_grow_with_the_tree(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        coverage_report(tree.street)
    for number in range(3, 9):
        community = factories.community(number, tree.street)
        grid = factories.grid(1, community)
        for b in range(1, 4):
            factories.unit(1, factories.building(b, grid))
    with django_assert_max_num_queries(8):
        report = coverage_report(tree.street)
    assert counts(report)["station"] == (8, 1)


def test_page_and_export(client, tree):
    admin = factories.user_with_role("street_admin", tree.street)
    client.force_login(admin, backend=BACKEND)
    response = client.get(reverse("services:coverage") + f"?region={tree.street.code}")
    assert response.status_code == 200
    content = response.content.decode()
    assert tree.c1g2.code in content and "services/points/new/?region=" in content

    response = client.get(reverse("services:coverage_export") + f"?region={tree.street.code}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheets = {
        sheet.title: [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        for sheet in book.worksheets
    }
    assert len(sheets) == 5
    assert sorted(code for codes in sheets.values() for code in codes) == sorted(
        [tree.street.code, tree.c2.code, tree.c1g2.code, tree.c2g1.code, tree.b2.code,
         tree.other_b.code, tree.u2.code, tree.b2u1.code, tree.other_u.code]
    )  # fmt: skip


def test_page_without_region_for_one_root_and_bad_codes(client, tree):
    worker = factories.user_with_role("community_worker", tree.c1)
    client.force_login(worker, backend=BACKEND)
    assert client.get(reverse("services:coverage")).status_code == 200
    for bad in (tree.c2.code, "nonsense", "'; drop table", "3" * 300):
        response = client.get(reverse("services:coverage"), {"region": bad})
        assert response.status_code == 404
    assert (
        client.get(reverse("services:coverage"), {"region": tree.c1.code, "limit": "x"}).status_code
        == 200
    )


def test_setting_up_every_gap_of_a_level(client, tree):
    from sixfold.core.models import AuditEvent
    from sixfold.services.models import ServicePoint

    worker = factories.user_with_role("community_worker", tree.c1)
    client.force_login(worker, backend=BACKEND)
    url = reverse("services:coverage_bulk")
    query = {"region": tree.c1.code, "level": "unit"}
    page = client.get(url, query)
    assert page.status_code == 200 and "2" in page.content.decode()
    assert ServicePoint.objects.filter(level="unit").count() == 1
    response = client.post(f"{url}?region={tree.c1.code}&level=unit")
    assert response.status_code == 302
    units = ServicePoint.objects.filter(level="unit")
    assert set(units.values_list("code", flat=True)) == {tree.u1.code, tree.u2.code, tree.b2u1.code}
    assert units.get(code=tree.u2.code).name == "1号楼2单元联络员"
    assert tree.other_u.code not in set(units.values_list("code", flat=True))
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.IMPORT)
    assert event.after["count"] == 2 and event.scope_code == tree.c1.code
    client.post(f"{url}?region={tree.c1.code}&level=unit")
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.IMPORT).count() == 1  # nothing new

    for bad in (
        {"region": tree.c1.code, "level": "street"},
        {"region": tree.c1.code, "level": "x"},
        {"region": tree.c2.code, "level": "unit"},
    ):
        assert client.post(f"{url}?region={bad['region']}&level={bad['level']}").status_code == 404
    grid_worker = factories.user_with_role("grid_worker", tree.c1g1)
    client.force_login(grid_worker, backend=BACKEND)
    assert client.post(f"{url}?region={tree.c1g1.code}&level=building").status_code == 403
    assert not ServicePoint.objects.filter(code=tree.b2.code).exists()
