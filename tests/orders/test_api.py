"""The work-order API: the loop through the transition endpoints, a lost claim race as 409
`already_claimed`, scoping (404 for out of reach), masking, bad input with stable codes on every
endpoint, pagination and filters, the query budget of the list, and the schema."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sixfold.orders import actions
from sixfold.orders.models import Order, OrderPhoto, Whistle
from sixfold.orders.states import State
from tests.api.conftest import api  # noqa: F401  (fixture)
from tests.orders.test_web import PNG

URL = "/api/v1/orders/"


def png(name="p.png", size=None):
    data = PNG if size is None else PNG + b"\0" * (size - len(PNG))
    return SimpleUploadedFile(name, data, content_type="image/png")


def step(client, order, name, data=None, **kwargs):
    return client.post(f"{URL}{order.pk}/{name}/", data or {}, format="json", **kwargs)


def test_the_loop_through_the_api(api, ow):  # noqa: F811
    resident = api(ow.users["resident"])
    response = resident.post(
        URL,
        {
            "region": ow.household.code,
            "category": ow.category.slug,
            "text": "楼道灯坏了",
            "requester_phone": "13912345678",
            "photos": [png()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(number=body["number"])
    assert body["state"] == "submitted" and body["mine"] is True
    assert body["requester_phone"] == "139****5678" and len(body["photos"]) == 1
    assert "13912345678" not in response.content.decode()
    assert "cancel" in body["available"]

    worker = api(ow.users["community_worker"])
    assert step(worker, order, "accept", {"urgency": "urgent"}).json()["state"] == "accepted"
    member = api(ow.users["party_member"])
    assert step(member, order, "claim").json()["state"] == "claimed"
    assert step(member, order, "start").json()["state"] == "in_progress"
    response = member.post(
        f"{URL}{order.pk}/resolve/",
        {"resolution": "换了灯泡", "photos": [png("after.png")]},
        format="multipart",
    )
    assert response.status_code == 200 and response.json()["state"] == "resolved"
    assert order.photos.filter(kind=OrderPhoto.Kind.EVIDENCE).count() == 1
    assert step(worker, order, "send-back", {"reason": "还是不亮"}).json()["rework_count"] == 1
    step(member, order, "resolve", {"resolution": "换了开关"})
    assert step(worker, order, "verify").json()["state"] == "verified"
    body = step(resident, order, "close", {"rating": 4, "comment": "好"}).json()
    assert body["state"] == "published" and body["rating"] == 4
    detail = resident.get(f"{URL}{order.pk}/").json()
    assert [e["step"] for e in detail["events"]][:3] == ["submit", "photo", "accept"]


def test_a_lost_claim_race_is_409_already_claimed(api, ow):  # noqa: F811
    order = ow.accepted()
    assert step(api(ow.users["party_member_2"]), order, "claim").status_code == 200
    response = step(api(ow.users["party_member"]), order, "claim")
    assert response.status_code == 409
    assert response.json()["code"] == "already_claimed"
    # another community's member: not found
    assert step(api(ow.users["other_member"]), order, "claim").status_code == 404


def test_state_conflicts_are_409_with_the_engines_code(api, ow):  # noqa: F811
    order = ow.submit()
    worker = api(ow.users["community_worker"])
    response = step(worker, order, "verify")
    assert response.status_code == 409 and response.json()["code"] == "bad_state"


def test_scoping_and_masking(api, ow):  # noqa: F811
    mine = ow.submit(requester_phone="13912345678")
    actions.accept(mine, by=ow.users["community_worker"])
    elsewhere = ow.submit(by=ow.users["street_admin"], region=ow.other_grid)
    worker = api(ow.users["community_worker"])
    numbers = [row["number"] for row in worker.get(URL).json()["results"]]
    assert mine.number in numbers and elsewhere.number not in numbers
    assert worker.get(f"{URL}{elsewhere.pk}/").status_code == 404
    assert worker.get(f"{URL}99999999/").status_code == 404
    # a member sees the pool row, the requester masked and no phone
    member = api(ow.users["party_member"])
    row = member.get(f"{URL}{mine.pk}/").json()
    assert row["requester"] == "李**" or row["requester"].endswith("*")
    assert row["requester_phone"] == ""
    # department staff: nothing until whistled
    staff = api(ow.users["department_staff"])
    assert staff.get(f"{URL}{mine.pk}/").status_code == 404
    actions.whistle(
        mine, department=ow.department, kind="public_demand", reason="占道",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    assert staff.get(f"{URL}{mine.pk}/").status_code == 200
    assert step(staff, mine, "acknowledge").status_code == 200
    assert step(staff, mine, "acknowledge").status_code == 409
    response = step(staff, mine, "department-resolve", {"result": "已清理"})
    assert response.json()["state"] == "resolved"
    assert Whistle.objects.get().status == Whistle.Status.FINISHED
    police = api(ow.users["other_department_staff"])
    assert police.get(f"{URL}{mine.pk}/").status_code == 404
    rate = step(api(ow.users["community_secretary"]), mine, "rate-department", {"rating": 5})
    assert rate.status_code == 200 and rate.json()["whistles"][0]["rating"] == 5


@pytest.mark.parametrize(
    "payload, field, code",
    [
        ({"category": "nope", "text": "x"}, "category", "required"),
        ({"category": "property_repair", "text": ""}, "text", "required"),
        ({"category": "property_repair", "text": "x", "latitude": "abc"}, "latitude", "invalid"),
        (
            {"category": "property_repair", "text": "x", "urgency": "whenever"},
            "urgency",
            "invalid_choice",
        ),
        ({"category": "property_repair", "text": "x", "region": "370116001"}, "region", None),
        (
            {"category": "property_repair", "text": "x", "requester_phone": "12"},
            "requester_phone",
            "invalid",
        ),
    ],
)
def test_bad_submissions(api, ow, payload, field, code):  # noqa: F811
    client = api(ow.users["resident"])
    data = {"region": ow.household.code, **payload}
    response = client.post(URL, data, format="json")
    if field == "region":
        # a street is a place an order may be filed for, so this one is accepted
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and field in body["field_codes"]
    if code:
        assert code in body["field_codes"][field]
    assert Order.objects.count() == 0


def test_bad_photos_are_refused_with_codes(api, ow, settings):  # noqa: F811
    settings.SIXFOLD_ORDER_PHOTO_MAX_BYTES = 1000
    client = api(ow.users["resident"])
    base = {"region": ow.household.code, "category": ow.category.slug, "text": "x"}
    big = client.post(URL, {**base, "photos": [png(size=5000)]}, format="multipart")
    assert big.status_code == 400 and big.json()["field_codes"]["photos"] == ["too_large"]
    fake = SimpleUploadedFile("x.png", b"%PDF-1.4 not an image", content_type="image/png")
    wrong = client.post(URL, {**base, "photos": [fake]}, format="multipart")
    assert wrong.status_code == 400 and wrong.json()["field_codes"]["photos"] == ["bad_type"]
    assert Order.objects.count() == 0
    order = ow.submit()
    again = client.post(
        f"{URL}{order.pk}/photos/", {"photos": [png(size=5000)]}, format="multipart"
    )
    assert again.status_code == 400 and again.json()["field_codes"]["photos"] == ["too_large"]


def test_bad_input_on_the_transitions(api, ow):  # noqa: F811
    order = ow.submit()
    worker = api(ow.users["community_worker"])
    secretary = api(ow.users["community_secretary"])
    cases = [
        (worker, "reject", {"reason": ""}, 400, "reason"),
        (worker, "accept", {"urgency": "soon"}, 400, "urgency"),
        (worker, "merge", {"into": "GD000"}, 400, "into"),
        (worker, "merge", {"into": "9" * 30}, 400, "into"),
        (secretary, "note", {"text": ""}, 400, "text"),
        (
            secretary,
            "whistle",
            {"department": "nope", "kind": "emergency", "reason": "x"},
            400,
            "department",
        ),
        (
            secretary,
            "whistle",
            {"department": "chengguan", "kind": "x", "reason": "x"},
            400,
            "kind",
        ),
    ]
    for client, name, data, status, field in cases:
        response = step(client, order, name, data)
        assert response.status_code == status, (name, response.json())
        assert field in response.json().get("fields", {}), (name, response.json())
    accepted = actions.accept(order, by=ow.users["community_worker"])
    for data, field in [({"to": "x"}, "to"), ({"to": 9999999}, "to"), ({"to": 10**30}, "to")]:
        response = step(worker, accepted, "dispatch", data)
        assert response.status_code == 400 and field in response.json()["fields"]
    response = step(api(ow.users["resident"]), accepted, "close", {"rating": 9})
    assert response.status_code in (403, 409)
    assert Order.objects.get(pk=order.pk).state == State.ACCEPTED


def test_permission_is_403_for_visible_orders(api, ow):  # noqa: F811
    order = ow.submit()
    response = step(api(ow.users["resident"]), order, "accept")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_list_filters_pagination_and_query_budget(api, ow, django_assert_max_num_queries):  # noqa: F811
    for _ in range(7):
        ow.accepted()
    ow.submit()
    client = api(ow.users["community_worker"])
    with django_assert_max_num_queries(12):
        body = client.get(URL, {"page_size": 5}).json()
    assert body["count"] == 8 and len(body["results"]) == 5 and body["next"]
    assert client.get(URL, {"state": "submitted"}).json()["count"] == 1
    assert client.get(URL, {"state": "nonsense"}).status_code == 400
    assert client.get(URL, {"submitted_from": "not-a-date"}).status_code == 400
    assert client.get(URL, {"page_size": 100000}).status_code == 400


def test_categories_departments_and_rates(api, ow):  # noqa: F811
    client = api(ow.users["community_secretary"])
    categories = client.get(f"{URL}categories/").json()
    assert any(c["slug"] == "property_repair" for c in categories)
    departments = client.get(f"{URL}departments/").json()
    assert any(d["slug"] == "chengguan" for d in departments)
    ow.verified()
    rates = client.get(f"{URL}rates/", {"region": ow.community.code}).json()
    assert rates["rates"]["total"] == 1 and rates["rates"]["resolution_rate"] == 100.0
    assert client.get(f"{URL}rates/", {"from": "2026-13-40"}).status_code == 400
    assert client.get(f"{URL}rates/", {"region": ow.other_community.code}).status_code == 404
    assert api(ow.users["resident"]).get(f"{URL}rates/").status_code == 403


def test_schema_lists_the_transitions(api, ow):  # noqa: F811
    response = api(ow.users["community_secretary"]).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for name in ("claim", "send-back", "return", "whistle", "acknowledge", "merge"):
        assert f"/api/v1/orders/{{id}}/{name}/" in paths, name


def test_list_queries_do_not_grow_with_the_rows(api, ow):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(ow.users["community_secretary"])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured.captured_queries)

    ow.submit()
    ow.accepted()
    few = count()
    for _ in range(4):
        ow.submit()
        ow.accepted()
        ow.verified()
    assert count() == few
