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


def test_the_grade_summary_totals_row_is_a_sum_not_a_score():
    """The last row of the grade summary adds the members up (合计); "Total" there shared the
    msgid of a sheet's total score (总分)."""
    from pathlib import Path

    template = Path(__file__).resolve().parents[2] / "sixfold/templates/checkup/summary.html"
    text = template.read_text()
    assert '{% translate "Total" context "sum of a column" %}' in text
    assert '{% translate "Total" %}' not in text


def test_a_member_finds_a_peer_to_assess_by_name(client, cw):
    """A branch of sixty members gave a list to scroll through on a phone: the member can search
    it, and an empty search result keeps the search box so she can clear it."""
    cw.open()
    client.force_login(cw.users["party_member"], backend=BACKEND)
    page = client.get(reverse("checkup:me"))
    assert 'id="peer-search"' in page.text
    assert "周敏" in page.text and "刘书记" in page.text
    page = client.get(reverse("checkup:me"), {"search": "周敏"})
    assert "周敏" in page.text and "刘书记" not in page.text
    page = client.get(reverse("checkup:me"), {"search": "没有这个人"})
    assert page.status_code == 200 and 'id="peer-search"' in page.text
    assert "周敏" not in page.text
