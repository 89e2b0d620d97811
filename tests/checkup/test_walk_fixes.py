"""A resident rating the party members of her community can find one by name: the list holds
every member of the community (over a hundred in the demo street), too long to scroll on a
phone."""

from django.urls import reverse

BACKEND = "django.contrib.auth.backends.ModelBackend"


def test_resident_finds_a_member_to_rate_by_name(client, cw):
    cw.open()
    client.force_login(cw.users["resident"], backend=BACKEND)
    page = client.get(reverse("checkup:rate"))
    assert 'id="rate-search"' in page.text
    assert "李秀英" in page.text and "王强" in page.text
    page = client.get(reverse("checkup:rate"), {"search": "王强"})
    assert page.status_code == 200
    assert "王强" in page.text and "李秀英" not in page.text
    page = client.get(reverse("checkup:rate"), {"search": "没有这个人" * 20})
    assert page.status_code == 200 and "李秀英" not in page.text
