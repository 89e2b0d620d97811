"""The coverage benchmark's own parts on a small city: the party side it adds in bulk (gaps at
every level, the same on a second run), its timings' shape, and the rows it adds to the summary.
Nothing here is timed against a goal."""

import pytest

from bench import coverage, run
from bench.config import Config
from sixfold.core.city import build_city
from sixfold.core.models import Region
from sixfold.party.coverage import coverage_report
from sixfold.party.models import PartyMember, PartyOrganization, ResponsibilityLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    build_city(1500, seed=3)
    return Region.objects.filter(parent__isnull=True).get()


def test_the_party_side_is_built_in_bulk_with_gaps_at_every_level(city):
    first = coverage.party(["3"])
    assert not first["cached"]
    assert first["members"] == PartyMember.objects.count() > 0
    assert first["links"] == ResponsibilityLink.objects.count() > 0
    report = coverage_report(city)
    for level in report.chain:
        assert 0 < level.covered <= level.nodes, level.level
    households = report.households
    assert households.uncovered > 0  # the household level is never complete
    # Every link's member belongs to the node's community (as the actions require).
    for link in ResponsibilityLink.objects.select_related("member")[:500]:
        assert link.code[:12] == link.member.code[:12]
    fingerprint = sorted(ResponsibilityLink.objects.values_list("code", "member__resident_id"))
    again = coverage.party(["3"])
    assert again["cached"] and again["links"] == first["links"]
    coverage.generate_party(3)  # rebuilt from the same seed: the same party
    assert sorted(ResponsibilityLink.objects.values_list("code", "member__resident_id")) == (
        fingerprint
    )
    assert PartyOrganization.objects.exclude(note=coverage.MARK).count() == 0


def test_measure_times_four_nested_scopes(city, monkeypatch):
    monkeypatch.setattr(coverage, "REPEATS", dict.fromkeys(coverage.SCOPES, 1))
    coverage.party(["3"])
    result = coverage.measure([])
    scopes = result["scopes"]
    assert list(scopes) == list(coverage.SCOPES)
    codes = [scopes[s]["code"] for s in coverage.SCOPES]
    assert all(inner.startswith(outer) for inner, outer in zip(codes, codes[1:], strict=False))
    for row in scopes.values():
        assert len(row["audits"]) == len(row["counts"]) == 1 and row["queries"] > 0
        summary = coverage.summarise(row)
        assert summary["ratio"] == pytest.approx(summary["audit_ms"] / summary["count_ms"])
    assert scopes["city"]["households"] == 1500


def test_rounds_alternate_the_sizes_and_pool_their_samples(monkeypatch):
    calls = []

    def fake_task(name, data, *args):
        calls.append((name, data))
        if name == "party":
            return {"cached": True, "members": 1, "links": 1, "seconds": 0.0}
        scope = {"code": "x", "queries": 3, "audits": [data * 1.0], "counts": [1.0]}
        return {"scopes": dict.fromkeys(coverage.SCOPES, scope)}

    monkeypatch.setattr(coverage, "task", fake_task)
    result = coverage.measure_all({10: 10, 100: 100}, 1, lambda text: None)
    measures = [data for name, data in calls if name == "measure"]
    assert measures == [10, 100, 100, 10, 10, 100][: 2 * coverage.ROUNDS]
    assert result[100]["scopes"]["city"]["samples"] == coverage.ROUNDS
    assert result["flat"]["community"] == pytest.approx(10.0)


def test_summary_rows_judge_flatness_and_the_city_audit():
    scope = {"audit_ms": 100.0, "count_ms": 10.0, "ratio": 10.0, "queries": 16, "nodes": 9}
    measured = {
        10: {"scopes": dict.fromkeys(coverage.SCOPES, scope)},
        100: {"scopes": dict.fromkeys(coverage.SCOPES, {**scope, "audit_ms": 120.0})},
        "flat": {"community": 1.2, "street": 1.5},
    }
    rows = run.coverage_rows("sqlite", 10, 100, measured)
    assert [r["goal"] for r in rows] == ["coverage-flat", None, None, "coverage"]
    assert run.judge("coverage-flat", 1.2) and not run.judge("coverage-flat", 1.5)
    assert run.judge("coverage", 10.0) and not run.judge("coverage", 25.0)


def test_coverage_can_be_chosen_alone(monkeypatch):
    monkeypatch.setenv("BENCH_ONLY", "coverage")
    assert Config().only == ["coverage"]
