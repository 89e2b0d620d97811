"""The states of a work order and the transitions between them, as data (S9).

    submitted (下单) ─accept→ accepted (受理) ─claim/dispatch→ claimed (领单/派单) ─start→ in_progress
        │ reject                 │ merge                 │ return (退单) → accepted
        ▼                        ▼                       │ reassign (改派) → claimed
     rejected                  merged                    ▼
    in_progress ─resolve→ resolved (办结) ─verify→ verified (督单) ─close→ closed ─publish→ published (晒单)
                              │ send_back (返工) → in_progress
    closed / published ─reopen (within the window)→ accepted
    submitted / accepted / claimed ─cancel (by the requester)→ cancelled
    any open state ─note (督办)→ same state

Each `Transition` names its source states, its target (None: the state does not change), the
permission it needs over the order's region code (None: decided by `who` — ownership), who else
may act (`who`: "requester", "claimant"), a guard (a function of the order returning an error
code and message, or None) and a label. `sixfold.orders.actions` has one function per transition and reads
this table; pages read it to show the buttons a user may press (`available(order, user)`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CLAIMED = "claimed", _("Claimed")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
    MERGED = "merged", _("Merged")


FINAL_STATES = (State.REJECTED, State.CANCELLED, State.MERGED, State.CLOSED, State.PUBLISHED)
NOTABLE_STATES = (
    State.SUBMITTED,
    State.ACCEPTED,
    State.CLAIMED,
    State.IN_PROGRESS,
    State.RESOLVED,
    State.VERIFIED,
)


# Guards return (error code, message) when the transition may not happen, else None.
def _public(order) -> tuple[str, str] | None:
    if not order.public:
        return "not_public", str(_("The requester did not agree to show this order on the board."))
    return None


def _reopen_window(order) -> tuple[str, str] | None:
    if order.reopen_until is None or timezone.now() > order.reopen_until:
        return "reopen_expired", str(_("The time to reopen this order has passed."))
    return None


def _not_merged_target(order) -> tuple[str, str] | None:
    if order.duplicates.exists():
        return "has_duplicates", str(
            _("Other orders were merged into this one; it cannot be merged itself.")
        )
    return None


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str | None
    perm: str | None
    label: str
    who: tuple[str, ...] = ()
    guard: Callable | None = field(default=None, compare=False)
    # A reason (note) must be given.
    needs_reason: bool = False

    def check_guard(self, order) -> tuple[str, str] | None:
        return self.guard(order) if self.guard else None


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("accept", (State.SUBMITTED,), State.ACCEPTED, "orders.handle", _("Accept")),
        Transition(
            "reject",
            (State.SUBMITTED,),
            State.REJECTED,
            "orders.handle",
            _("Reject"),
            needs_reason=True,
        ),
        Transition("claim", (State.ACCEPTED,), State.CLAIMED, "orders.claim", _("Claim")),
        Transition("dispatch", (State.ACCEPTED,), State.CLAIMED, "orders.handle", _("Dispatch")),
        Transition(
            "return",
            (State.CLAIMED, State.IN_PROGRESS),
            State.ACCEPTED,
            "orders.handle",
            _("Return"),
            who=("claimant",),
            needs_reason=True,
        ),
        Transition(
            "reassign",
            (State.CLAIMED, State.IN_PROGRESS),
            State.CLAIMED,
            "orders.handle",
            _("Reassign"),
        ),
        Transition(
            "start", (State.CLAIMED,), State.IN_PROGRESS, None, _("Start"), who=("claimant",)
        ),
        Transition(
            "resolve",
            (State.CLAIMED, State.IN_PROGRESS),
            State.RESOLVED,
            "orders.handle",
            _("Report as resolved"),
            who=("claimant",),
        ),
        Transition(
            "department_resolve",
            (State.ACCEPTED, State.CLAIMED, State.IN_PROGRESS),
            State.RESOLVED,
            "orders.department",
            _("Report the department's work"),
        ),
        Transition("verify", (State.RESOLVED,), State.VERIFIED, "orders.handle", _("Verify")),
        Transition(
            "send_back",
            (State.RESOLVED, State.VERIFIED),
            State.IN_PROGRESS,
            "orders.handle",
            _("Send back for rework"),
            needs_reason=True,
        ),
        Transition(
            "close",
            (State.VERIFIED,),
            State.CLOSED,
            "orders.handle",
            _("Rate and close"),
            who=("requester",),
        ),
        Transition(
            "publish",
            (State.CLOSED,),
            State.PUBLISHED,
            "orders.handle",
            _("Publish on the board"),
            guard=_public,
        ),
        Transition(
            "reopen",
            (State.CLOSED, State.PUBLISHED),
            State.ACCEPTED,
            "orders.handle",
            _("Reopen"),
            who=("requester",),
            guard=_reopen_window,
            needs_reason=True,
        ),
        Transition(
            "cancel",
            (State.SUBMITTED, State.ACCEPTED, State.CLAIMED),
            State.CANCELLED,
            None,
            _("Withdraw the order"),
            who=("requester",),
        ),
        Transition(
            "merge",
            (State.SUBMITTED, State.ACCEPTED),
            State.MERGED,
            "orders.handle",
            _("Merge into another order"),
            guard=_not_merged_target,
        ),
        Transition(
            "note",
            NOTABLE_STATES,
            None,
            "orders.supervise",
            _("Supervisor note"),
            needs_reason=True,
        ),
        Transition(
            "whistle",
            (State.ACCEPTED, State.CLAIMED, State.IN_PROGRESS),
            None,
            "orders.whistle",
            _("Whistle to a department"),
            needs_reason=True,
        ),
    ]
}

# Steps of the history that are not transitions a person chooses.
OTHER_STEPS = {
    "submit": _("Submitted"),
    "acknowledge": _("Department reported"),
    "department_rate": _("Department rated"),
    "photo": _("Photo added"),
    "overdue": _("Overdue"),
    "remind": _("Reminder"),
    "escalate": _("Escalated"),
    "auto_close": _("Closed automatically"),
    "rate": _("Rated"),
}


def step_label(name: str) -> str:
    if name in TRANSITIONS:
        return str(TRANSITIONS[name].label)
    return str(OTHER_STEPS.get(name, name))


def actor_may(transition: Transition, order, user) -> bool:
    """Whether `user` passes the permission or ownership test of `transition` on `order`."""
    if user is None:
        return True  # system jobs (timers, demo)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if "requester" in transition.who and order.requester_id == user.pk:
        return True
    if "claimant" in transition.who and order.claimant_id and order.claimant_id == user.pk:
        return True
    return bool(transition.perm) and user.has_scoped_perm(transition.perm, order.code)


def available(order, user) -> list[Transition]:
    """The transitions `user` may start on `order` now (for buttons); the actions check again."""
    return [
        t
        for t in TRANSITIONS.values()
        if order.state in t.sources
        and t.name not in ("department_resolve",)
        and actor_may(t, order, user)
        and t.check_guard(order) is None
    ]
