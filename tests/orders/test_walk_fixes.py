"""Regressions found by walking the work-order pages as their users do (resident on a phone,
claimer, community desk, department, street, anonymous visitor, Open311 client): layout on a
phone, worklists, wording, scoping of merged orders, and bad input such as NUL characters and
dates at the ends of the calendar."""

import re

from django.urls import reverse
from rest_framework.authtoken.models import Token

from sixfold.orders import actions
from sixfold.orders.models import Order, Whistle
from sixfold.orders.states import TRANSITIONS, State

BACKEND = "django.contrib.auth.backends.ModelBackend"


def login(client, ow, role):
    client.force_login(ow.users[role], backend=BACKEND)
    return ow.users[role]


def test_pool_cells_keep_their_pieces_together_on_a_phone(client, ow):
    # A stacked table cell is a flex row (label | value); the title and the excerpt must stay
    # in one box, and the claim result row (no label) must not be squeezed into a column.
    order = ow.accepted()
    login(client, ow, "party_member")
    content = client.get(reverse("orders:pool")).content.decode()
    assert '<div class="sf-cell"><a class="fw-semibold"' in content
    response = client.post(
        reverse("orders:step", args=[order.pk, "claim"]), {"next": "pool"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert 'class="sf-claim-result"><div class="sf-cell">' in content


def _sent_back_to_the_department(ow):
    order = ow.accepted()
    item = actions.whistle(
        order, department=ow.department, kind="enforcement", reason="楼道电动车充电",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    item = actions.acknowledge(item, by=ow.users["department_staff"])
    actions.department_resolve(item, by=ow.users["department_staff"], result="已清理")
    order = actions.send_back(
        Order.objects.get(pk=order.pk), by=ow.users["community_worker"], reason="现场仍有充电"
    )
    return order, Whistle.objects.get(pk=item.pk)


def test_an_order_sent_back_stays_on_the_departments_open_list(client, ow):
    order, item = _sent_back_to_the_department(ow)
    assert order.state == State.IN_PROGRESS and item.status == Whistle.Status.FINISHED
    login(client, ow, "department_staff")
    content = client.get(reverse("orders:department")).content.decode()
    assert order.number in content
    assert reverse("orders:step", args=[order.pk, "resolve"]) in content
    assert str(TRANSITIONS["send_back"].label) in content
    # once resolved again it leaves the open list
    client.post(reverse("orders:step", args=[order.pk, "resolve"]), {"resolution": "已彻底清理"})
    assert Order.objects.get(pk=order.pk).state == State.RESOLVED
    assert order.number not in client.get(reverse("orders:department")).content.decode()
    # another department never sees it
    login(client, ow, "other_department_staff")
    assert order.number not in client.get(reverse("orders:department")).content.decode()


def test_open311_refuses_nul_characters_with_a_400(client, ow):
    key = Token.objects.create(user=ow.users["community_worker"]).key
    for field in ("description", "address_string", "first_name", "phone"):
        data = {
            "api_key": key,
            "service_code": ow.category.slug,
            "address_string": "3号楼",
            "description": "路灯不亮",
        }
        data[field] = "a\x00b"
        response = client.post("/open311/v2/requests.json", data)
        assert response.status_code == 400, (field, response.content)
        assert response.json()[0]["code"] == 400
    assert Order.objects.count() == 0


def test_a_duplicate_merges_only_into_an_open_order(ow):
    import pytest
    from django.core.exceptions import ValidationError

    worker = ow.users["community_worker"]
    finished = actions.close(ow.verified(), by=ow.users["resident"], rating=5)
    assert finished.state not in (State.SUBMITTED, State.RESOLVED)
    duplicate = ow.submit()
    with pytest.raises(ValidationError) as error:
        actions.merge(duplicate, into=finished, by=worker)
    assert error.value.message_dict.keys() == {"into"}
    assert Order.objects.get(pk=duplicate.pk).state == State.SUBMITTED
    # a resolved order is still being handled (the community has not verified it yet)
    resolved = ow.resolved()
    assert actions.merge(duplicate, into=resolved, by=worker).state == State.MERGED


def test_rates_name_the_orders_filed_on_the_community_itself(client, ow):
    ow.submit(by=ow.users["community_worker"], region=ow.community)
    ow.submit(region=ow.household.region)
    login(client, ow, "community_worker")
    response = client.get(reverse("orders:rates"), {"region": ow.community.code})
    rows = {row["code"]: row["name"] for row in response.context["comparison"]}
    assert rows[ow.community.code] == f"{ow.community.name} (filed at this level)" or rows[
        ow.community.code
    ].startswith(f"{ow.community.name}（")
    assert all(name != ow.community.name for name in rows.values())


EDGE_DATES = ["0001-01-01", "9999-12-31"]


def test_dates_at_the_ends_of_the_calendar_are_not_a_500(client, ow):
    order = ow.submit()
    login(client, ow, "community_worker")
    for day in EDGE_DATES:
        for url, params in [
            (reverse("orders:desk"), {"submitted_from": day}),
            (reverse("orders:desk"), {"submitted_to": day}),
            (reverse("orders:kanban"), {"submitted_to": day}),
            (reverse("orders:export"), {"submitted_to": day}),
            (reverse("orders:rates"), {"from": day}),
            (reverse("orders:rates"), {"to": day}),
            (reverse("orders:rates"), {"from": day, "to": day}),
            ("/api/v1/orders/", {"submitted_from": day}),
            ("/api/v1/orders/", {"submitted_to": day}),
        ]:
            assert client.get(url, params).status_code == 200, (url, params)
    # the clamped bounds still find what lies between them
    response = client.get(
        reverse("orders:desk"), {"submitted_from": EDGE_DATES[0], "submitted_to": EDGE_DATES[1]}
    )
    assert order.number in response.content.decode()
    client.logout()
    for day in EDGE_DATES:
        notice = reverse("orders:notice", args=[ow.community.code])
        assert client.get(notice, {"week": day}).status_code == 200
        for key in ("start_date", "end_date"):
            response = client.get("/open311/v2/requests.json", {key: day})
            assert response.status_code in (200, 400), (key, day)
        response = client.get("/open311/v2/requests.json", {"end_date": f"{day}T00:00:00+14:00"})
        assert response.status_code in (200, 400)


def test_a_merged_requester_follows_someone_elses_order_without_seeing_its_requester(client, ow):
    from tests import factories

    neighbour = factories.user_with_role(
        "resident", ow.neighbour_household.region, username="t_neighbour"
    )
    kept = ow.submit(
        by=neighbour, region=ow.neighbour_household.region, text="路灯坏了，王强家门口"
    )
    duplicate = ow.submit()
    actions.merge(duplicate, into=kept, by=ow.users["community_worker"])
    login(client, ow, "resident")
    response = client.get(reverse("orders:detail", args=[duplicate.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    # no link into a page that would answer 404, but the kept order's progress
    assert reverse("orders:detail", args=[kept.pk]) not in content
    assert client.get(reverse("orders:detail", args=[kept.pk])).status_code == 404
    assert str(kept.get_state_display()) in content.split('id="merged-into"')[1][:600]
    assert "王强" not in content
    # staff who see both get the link
    login(client, ow, "community_worker")
    content = client.get(reverse("orders:detail", args=[duplicate.pk])).content.decode()
    assert reverse("orders:detail", args=[kept.pk]) in content


def test_the_due_column_shows_the_deadline_of_the_current_stage(client, ow):
    import datetime as dt
    import re

    from django.utils import timezone

    order = ow.accepted()
    claim_due = timezone.localtime(timezone.now() - dt.timedelta(days=1)).replace(
        hour=9, minute=41, second=0, microsecond=0
    )
    Order.objects.filter(pk=order.pk).update(
        claim_due=claim_due, claim_overdue=True, resolve_due=claim_due + dt.timedelta(days=9)
    )
    login(client, ow, "community_worker")
    content = client.get(reverse("orders:overdue")).content.decode()
    row = re.search(rf'<tr data-pk="{order.pk}".*?</tr>', content, re.S).group(0)
    assert f'<span class="sf-due sf-overdue">{claim_due:%m-%d} 09:41</span>' in row
    detail = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'id="order-claim-due"' in detail


def test_the_phone_channel_is_not_named_like_the_phone_number_column():
    # Both were msgid "Phone": the channel read 联系电话 (the contact phone) in lists and exports.
    from django.utils import translation

    from sixfold.orders.models import Channel

    with translation.override("en"):
        assert str(Channel.PHONE.label) == "Phone call"
    with translation.override("zh-hans"):
        assert str(Channel.PHONE.label) != translation.gettext("Phone")


def test_open_orders_are_not_called_open_to_the_public(client, ow):
    # Plain "Open" reads 开放 (open to the public, a venue's hours); an unfinished order is 在办,
    # asked for in the "work order" context.
    from django.utils import translation
    from django.utils.translation import trans_real

    from sixfold.orders.filters import OrderFilter

    ow.submit()
    login(client, ow, "resident")
    catalog = trans_real.translation("zh-hans")._catalog
    keys = ["work order\x04Open", "work order\x04open"]
    saved = {key: catalog[key] for key in keys if key in catalog}
    for key in keys:
        catalog[key] = "在办"
    try:
        with translation.override("zh-hans"):
            content = client.get(reverse("orders:mine"), HTTP_ACCEPT_LANGUAGE="zh-hans")
            content = content.content.decode()
            label = str(OrderFilter.base_filters["open"].label)
    finally:
        for key in keys:
            if key in saved:
                catalog[key] = saved[key]
            else:
                for part in catalog._catalogs:
                    part.pop(key, None)
    assert 'href="?state=open">在办</a>' in content
    assert label == "在办"


def test_the_weekly_notice_keeps_its_short_columns_on_one_line(client, ow):
    from django.contrib.staticfiles import finders

    order = actions.close(ow.verified(), by=ow.users["resident"], rating=5)
    assert order.state == State.PUBLISHED
    content = client.get(reverse("orders:notice", args=[ow.community.code])).content.decode()
    assert '<td class="sf-rating-cell">5/5</td>' in content
    from pathlib import Path

    css = Path(finders.find("css/orders.css")).read_text(encoding="utf-8")
    assert ".sf-notice th { white-space: nowrap; }" in css


def test_a_suggested_duplicate_fills_in_the_merge_form(client, ow):
    first = ow.submit()
    second = ow.submit()
    login(client, ow, "community_worker")
    url = reverse("orders:step", args=[second.pk, "merge"])
    content = client.get(url).content.decode()
    assert f'href="?into={first.number}"' in content
    content = client.get(url, {"into": first.number}).content.decode()
    assert f'value="{first.number}"' in content
    assert Order.objects.get(pk=second.pk).state == State.SUBMITTED  # a link never merges
    client.post(url, {"into": first.number})
    assert Order.objects.get(pk=second.pk).state == State.MERGED


def test_the_home_keeps_its_label_when_the_form_comes_back_with_errors(client, ow):
    login(client, ow, "resident")
    first = client.get(reverse("orders:submit")).content.decode()
    response = client.post(reverse("orders:submit"), {"region": ow.household.code, "text": ""})
    assert response.status_code == 400
    again = response.content.decode()
    label = re.search(rf'<option value="{ow.household.code}"[^>]*>([^<]+)</option>', first)
    assert label and label.group(1) in again
    assert re.search(
        rf'<option value="{ow.household.code}"[^>]*selected[^>]*>{label.group(1)}', again
    )


def test_withdrawing_an_order_is_not_labelled_like_closing_a_dialog(client, ow):
    # The confirm button sat next to "Back" and read 取消 (Cancel): a resident backing out
    # could withdraw her order. The step says what it does.
    from django.utils import translation

    order = ow.submit()
    login(client, ow, "resident")
    content = client.get(reverse("orders:step", args=[order.pk, "cancel"])).content.decode()
    label = str(TRANSITIONS["cancel"].label)
    assert f'id="confirm-button">{label}</button>' in content
    with translation.override("en"):
        assert str(TRANSITIONS["cancel"].label) == "Withdraw the order"
    with translation.override("zh-hans"):
        assert str(TRANSITIONS["cancel"].label) != translation.gettext("Cancel")


def test_a_department_is_rated_with_the_same_stars_as_an_order(client, ow):
    order = ow.accepted()
    item = actions.whistle(
        order, department=ow.department, kind="enforcement", reason="占道经营",
        by=ow.users["community_secretary"],
    )  # fmt: skip
    item = actions.acknowledge(item, by=ow.users["department_staff"])
    actions.department_resolve(item, by=ow.users["department_staff"], result="已清理")
    login(client, ow, "community_worker")
    url = reverse("orders:whistle_step", args=[item.pk, "rate"])
    content = client.get(url).content.decode()
    assert 'class="sf-rating" id="rating-stars"' in content
    client.post(url, {"rating": "4", "comment": "及时"})
    assert Whistle.objects.get(pk=item.pk).rating == 4


def test_claiming_an_order_nobody_holds_is_not_called_taken(ow):
    import pytest
    from django.core.exceptions import ValidationError

    submitted = ow.submit()
    with pytest.raises(ValidationError) as error:
        actions.claim(submitted, by=ow.users["party_member"])
    assert error.value.error_dict["state"][0].code == "bad_state"
    taken = actions.claim(ow.accepted(), by=ow.users["party_member_2"])
    with pytest.raises(ValidationError) as error:
        actions.claim(taken, by=ow.users["party_member"])
    assert error.value.error_dict["state"][0].code == "already_claimed"


def test_control_characters_never_break_the_open311_xml_feed(client, ow):
    from xml.etree import ElementTree

    order = ow.submit(text="楼道灯\x01不亮\x0b\x1f了")
    for url in ("/open311/v2/requests.xml", f"/open311/v2/requests/{order.number}.xml"):
        response = client.get(url)
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)
        assert root.find("request/description").text == "楼道灯不亮了"
    # JSON carries them escaped, as JSON can
    assert client.get(f"/open311/v2/requests/{order.number}.json").json()[0]["description"] == (
        "楼道灯\x01不亮\x0b\x1f了"
    )


def test_the_export_survives_control_characters_and_never_writes_a_formula(client, ow):
    import io

    import openpyxl

    ow.submit(title="楼道灯\x01不亮", text="楼道灯\x01不亮")
    ow.submit(title='=HYPERLINK("http://x")', text="x")
    login(client, ow, "community_worker")
    response = client.get(reverse("orders:export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    row = list(sheet[2])
    title = row[3]
    assert title.value == '=HYPERLINK("http://x")' and title.data_type == "s"
    assert list(sheet[3])[3].value == "楼道灯不亮"
