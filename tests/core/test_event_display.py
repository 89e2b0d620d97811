"""The audit history shows yes/no and local times, not Python's True/False and UTC text."""

import pytest

from sixfold.core.models import AuditEvent
from sixfold.core.templatetags.sixfold_ui import event_changes

pytestmark = pytest.mark.django_db


def test_flags_and_times_read_as_people_write_them():
    event = AuditEvent.objects.create(
        verb=AuditEvent.Verb.CHANGE,
        object_type="services.notice",
        object_id="1",
        before={"pinned": False, "published_at": None, "title": "停水通知"},
        after={
            "pinned": True,
            "published_at": "2026-11-26T02:30:00+00:00",
            "title": "停水通知（更新）",
        },
    )
    rows = {row["name"]: row for row in event_changes(event)}
    assert (rows["pinned"]["before"], rows["pinned"]["after"]) == ("No", "Yes")
    assert rows["published_at"]["after"] == "2026-11-26 10:30"
    assert rows["title"]["after"] == "停水通知（更新）"


def test_text_that_is_not_a_time_stays_as_it_is():
    event = AuditEvent.objects.create(
        verb=AuditEvent.Verb.CREATE,
        object_type="services.notice",
        object_id="2",
        after={"published_at": "not a time"},
    )
    assert event_changes(event)[0]["after"] == "not a time"
