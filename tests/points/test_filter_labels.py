"""The name search of the ledger and the ratings looks for a person: its label is a person's
name (姓名), not the name of a thing (名称)."""

from django.utils import translation

from sixfold.points.filters import LedgerEntryFilter, RatingResultFilter


def test_name_search_is_labelled_as_a_persons_name():
    with translation.override("zh-hans"):
        for filterset in (LedgerEntryFilter, RatingResultFilter):
            assert str(filterset.base_filters["search"].label) == "姓名", filterset
