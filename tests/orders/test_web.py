"""The work-order pages: every page renders for each role without inline scripts or plaintext
phones, the whole loop through the forms, the pool's HTMX claim and its conflict message,
scoping (the same 404 for missing and forbidden, department staff see only whistled orders),
bad input coming back as field errors, and query budgets on the lists."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sixfold.orders import actions
from sixfold.orders.models import Order, OrderPhoto, Whistle
from sixfold.orders.states import State

BACKEND = "django.contrib.auth.backends.ModelBackend"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def login(client, ow, role):
    client.force_login(ow.users[role], backend=BACKEND)
    return ow.users[role]


def png(name="photo.png", size=None):
    data = PNG if size is None else PNG + b"\0" * (size - len(PNG))
    return SimpleUploadedFile(name, data, content_type="image/png")


def assert_clean(response, url, secrets=()):
    content = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", content):
        assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
    assert not re.search(r"\son[a-z]+=", content), url
    for secret in secrets:
        assert secret not in content, url


def test_pages_render_for_each_role(client, ow):
    order = ow.submit(requester_phone="13912345678")
    actions.accept(order, by=ow.users["community_worker"])
    actions.whistle(
        order,
        department=ow.department,
        kind="public_demand",
        reason="占道",
        by=ow.users["community_secretary"],
    )
    whistle = order.whistles.get()
    common = [
        reverse("orders:home"),
        reverse("orders:submit"),
        reverse("orders:mine"),
        reverse("orders:board_index"),
        reverse("orders:board", args=[ow.community.code]),
        reverse("orders:notice", args=[ow.community.code]) + "?week=2026-11-23",
    ]
    staff = [
        reverse("orders:desk"),
        reverse("orders:desk")
        + "?state=accepted&overdue=true&search=楼道&submitted_from=2026-01-01",
        reverse("orders:overdue"),
        reverse("orders:kanban"),
        reverse("orders:rates"),
        reverse("orders:rates") + f"?region={ow.community.code}&from=2026-01-01&to=2026-12-31",
        reverse("orders:detail", args=[order.pk]),
        reverse("orders:step", args=[order.pk, "dispatch"]),
        reverse("orders:step", args=[order.pk, "whistle"]),
        reverse("orders:pool"),
    ]
    for role, urls in [
        ("resident", common + [reverse("orders:detail", args=[order.pk])]),
        ("community_secretary", [*common, *staff, reverse("orders:step", args=[order.pk, "note"])]),
        ("community_worker", common + staff),
        ("party_member", common + [reverse("orders:pool"), reverse("orders:claimed")]),
        (
            "department_staff",
            common
            + [
                reverse("orders:department"),
                reverse("orders:detail", args=[order.pk]),
                reverse("orders:whistle_step", args=[whistle.pk, "acknowledge"]),
            ],
        ),
    ]:
        login(client, ow, role)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            assert_clean(response, url, ["13912345678"])


def test_submit_presets_region_and_category_from_the_link(client, ow):
    login(client, ow, "resident")
    url = reverse("orders:submit") + f"?region={ow.grid.code}&category=environment"
    form = client.get(url).context["form"]
    assert form.initial["region"] == ow.grid.code
    assert form.initial.get("category") in (None, "environment")
    assert (ow.grid.code, ow.grid.address or ow.grid.name) in form.fields["region"].choices
    # the resident's own household is offered too
    assert ow.household.code in dict(form.fields["region"].choices)


def test_the_whole_loop_through_the_pages(client, ow):
    login(client, ow, "resident")
    response = client.post(
        reverse("orders:submit"),
        {
            "category": ow.category.slug,
            "text": "楼道灯坏了",
            "region": ow.household.code,
            "urgency": "general",
            "public": "on",
            "photos": [png()],
        },
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "orders:detail", args=[order.pk]
    )
    assert order.requester == ow.users["resident"] and order.photos.count() == 1
    photo = order.photos.get()
    assert client.get(reverse("orders:photo", args=[order.pk, photo.token])).status_code == 200

    login(client, ow, "community_worker")
    client.post(reverse("orders:step", args=[order.pk, "accept"]), {"urgency": "general"})
    order.refresh_from_db()
    assert order.state == State.ACCEPTED

    login(client, ow, "party_member")
    response = client.post(
        reverse("orders:step", args=[order.pk, "claim"]), {"next": "pool"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "table-success" in response.content.decode()
    client.post(reverse("orders:step", args=[order.pk, "start"]))
    response = client.post(
        reverse("orders:step", args=[order.pk, "resolve"]),
        {"resolution": "换了新灯泡", "photos": [png("after.png")]},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.RESOLVED
    assert order.photos.filter(kind=OrderPhoto.Kind.EVIDENCE).count() == 1

    login(client, ow, "community_worker")
    client.post(reverse("orders:step", args=[order.pk, "verify"]))
    login(client, ow, "resident")
    response = client.post(
        reverse("orders:step", args=[order.pk, "close"]), {"rating": "5", "comment": "很及时"}
    )
    order.refresh_from_db()
    assert order.state == State.PUBLISHED and order.rating == 5

    client.logout()
    board = client.get(reverse("orders:board", args=[ow.community.code])).content.decode()
    assert "换了新灯泡" in board and "李秀英" not in board
    evidence = order.photos.get(kind=OrderPhoto.Kind.EVIDENCE)
    request_photo = order.photos.get(kind=OrderPhoto.Kind.REQUEST)
    assert client.get(reverse("orders:photo", args=[order.pk, evidence.token])).status_code == 200
    assert (
        client.get(reverse("orders:photo", args=[order.pk, request_photo.token])).status_code == 404
    )


def test_a_concurrent_loser_sees_a_clear_conflict(client, ow):
    order = ow.accepted()
    actions.claim(order, by=ow.users["party_member_2"])
    login(client, ow, "party_member")
    response = client.post(
        reverse("orders:step", args=[order.pk, "claim"]), {"next": "pool"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "sf-conflict" in content and "此工单已被他人领取" in content
    # without HTMX: back to the pool with the message
    response = client.post(reverse("orders:step", args=[order.pk, "claim"]), {"next": "pool"})
    assert response.status_code == 302 and response["Location"] == reverse("orders:pool")


def test_missing_and_forbidden_are_the_same_404(client, ow):
    other = ow.submit(by=ow.users["street_admin"], region=ow.other_grid)
    login(client, ow, "community_worker")
    for url in [
        reverse("orders:detail", args=[other.pk]),
        reverse("orders:detail", args=[999999]),
        reverse("orders:step", args=[other.pk, "accept"]),
    ]:
        assert client.get(url).status_code == 404
    # the other community's desk row is absent
    content = client.get(reverse("orders:desk")).content.decode()
    assert other.number not in content


def test_department_staff_see_only_whistled_orders(client, ow):
    whistled = ow.accepted()
    plain = ow.accepted()
    actions.whistle(
        whistled, department=ow.department, kind="emergency", reason="井盖缺失",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    login(client, ow, "department_staff")
    assert client.get(reverse("orders:detail", args=[whistled.pk])).status_code == 200
    assert client.get(reverse("orders:detail", args=[plain.pk])).status_code == 404
    assert client.get(reverse("orders:desk")).status_code == 403
    item = Whistle.objects.get()
    client.post(reverse("orders:whistle_step", args=[item.pk, "acknowledge"]))
    client.post(reverse("orders:whistle_step", args=[item.pk, "finish"]), {"result": "已补装井盖"})
    item.refresh_from_db()
    assert item.status == Whistle.Status.FINISHED
    # the police's staff see nothing of it
    login(client, ow, "other_department_staff")
    assert client.get(reverse("orders:detail", args=[whistled.pk])).status_code == 404
    assert client.post(reverse("orders:whistle_step", args=[item.pk, "rate"])).status_code == 404


@pytest.mark.parametrize(
    "data, field",
    [
        ({"text": "", "category": "property_repair"}, "text"),
        ({"text": "x", "category": "nope"}, "category"),
        ({"text": "x" * 3000, "category": "property_repair"}, "text"),
        ({"text": "x", "category": "property_repair", "region": "9" * 50}, "region"),
    ],
)
def test_bad_submissions_are_field_errors(client, ow, data, field):
    login(client, ow, "resident")
    payload = {"region": ow.household.code, "urgency": "general", **data}
    response = client.post(reverse("orders:submit"), payload)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Order.objects.count() == 0


def test_photos_too_large_or_not_images_are_refused(client, ow, settings):
    settings.SIXFOLD_ORDER_PHOTO_MAX_BYTES = 1000
    login(client, ow, "resident")
    base = {
        "region": ow.household.code,
        "urgency": "general",
        "text": "x",
        "category": "property_repair",
    }
    response = client.post(reverse("orders:submit"), {**base, "photos": [png(size=2000)]})
    assert response.status_code == 400 and "photos" in response.context["form"].errors
    fake = SimpleUploadedFile("x.png", b"GIF89a not a png", content_type="image/png")
    response = client.post(reverse("orders:submit"), {**base, "photos": [fake]})
    assert response.status_code == 400
    codes = [e.code for e in response.context["form"].errors.as_data()["photos"]]
    assert codes == ["bad_type"]
    assert Order.objects.count() == 0


def test_required_reasons_and_bad_steps(client, ow):
    order = ow.submit()
    login(client, ow, "community_worker")
    response = client.post(reverse("orders:step", args=[order.pk, "reject"]), {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert client.get(reverse("orders:step", args=[order.pk, "nonsense"])).status_code == 404
    response = client.post(reverse("orders:step", args=[order.pk, "dispatch"]), {"to": "9" * 30})
    assert response.status_code == 400
    response = client.post(reverse("orders:step", args=[order.pk, "merge"]), {"into": "GD0"})
    assert response.status_code == 400 and "into" in response.context["form"].errors
    order.refresh_from_db()
    assert order.state == State.SUBMITTED


def test_resident_cancels_after_confirming(client, ow):
    order = ow.submit()
    login(client, ow, "resident")
    page = client.get(reverse("orders:step", args=[order.pk, "cancel"]))
    assert page.status_code == 200 and 'id="confirm-button"' in page.content.decode()
    client.post(reverse("orders:step", args=[order.pk, "cancel"]), {"reason": "自己修好了"})
    order.refresh_from_db()
    assert order.state == State.CANCELLED


def test_lists_keep_their_query_budget(client, ow, django_assert_max_num_queries):
    for _ in range(12):
        ow.accepted()
    login(client, ow, "community_worker")
    for url in [reverse("orders:desk"), reverse("orders:kanban"), reverse("orders:mine")]:
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
    login(client, ow, "party_member")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("orders:pool")).status_code == 200


def test_department_staff_and_volunteers_start_on_their_order_pages(client, ow):
    from tests import factories

    login(client, ow, "department_staff")
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("orders:department")
    volunteer = factories.user_with_role("volunteer", ow.community, username="t_volunteer")
    client.force_login(volunteer, backend=BACKEND)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("orders:pool")
    assert client.get(reverse("orders:pool")).status_code == 200
