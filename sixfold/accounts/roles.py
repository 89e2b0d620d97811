"""The roles of DESIGN.md and what each may do within its scope.

A role is data: the region levels its scope may be and the permissions it grants there. Adding a
role (a pillar's `party_member`, `department_staff` …) is one entry here plus its demo login.

Permissions
* `registry.view` / `.add` / `.change` / `.delete` — the registers (台账) and the region tree;
* `registry.import` — Excel import into the registers (community workers and above);
* `pii.reveal` — see a resident's plaintext ID number and phone, with a stated purpose (logged);
* `audit.view` — search the audit log;
* `party.view` / `.manage` / `.assign` / `.configure` / `.own` — the party registers, see
  `sixfold.party.actions`;
* `dualreport.manage` — dual reporting (双报到): registrations, posts, confirming service hours,
  quarterly assessments (see `sixfold.party.dualreport.actions`);
* `points.view` / `.adjust` / `.approve` — the points ledger: read it, post manual adjustments
  and reversals, approve someone else's adjustment (see `sixfold.points.ledger`);
* `points.configure` — star items, computing and publishing rating periods (see
  `sixfold.points.actions`);
* `services.view` / `.manage` / `.configure` — the service network, venues and notices: see them,
  change them, and keep the street-wide list of service types (see `sixfold.services.actions`);
* `orders.view` / `.submit` / `.handle` / `.claim` / `.whistle` / `.supervise` / `.configure` /
  `.department` — work orders (see `sixfold.orders.actions`); residents act on their own orders
  without any of these; `department_staff` sees only the orders whistled to its department;
* `calendar.manage` — enter holidays and make-up working days of the work-day calendar.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from sixfold.core.models import Level


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    levels: tuple[str, ...]
    perms: frozenset[str]
    # URL name of the page a holder who sees no registers starts on (instead of an empty overview).
    home: str = ""


REGISTRY_ALL = frozenset(
    {
        "registry.view",
        "registry.add",
        "registry.change",
        "registry.delete",
        "registry.import",
        "pii.reveal",
    }
)
PARTY_ALL = frozenset({"party.view", "party.manage", "party.assign"})
POINTS_ALL = frozenset({"points.view", "points.adjust", "points.approve"})
ORDERS_COMMUNITY = frozenset(
    {
        "orders.view",
        "orders.submit",
        "orders.handle",
        "orders.claim",
        "orders.whistle",
        "orders.supervise",
    }
)
SERVICES_ALL = frozenset({"services.view", "services.manage"})

ROLES: dict[str, Role] = {
    role.code: role
    for role in [
        Role(
            "street_admin",
            _("Street administrator"),
            (Level.STREET, Level.DISTRICT, Level.CITY),
            REGISTRY_ALL
            | PARTY_ALL
            | POINTS_ALL
            | SERVICES_ALL
            | ORDERS_COMMUNITY
            | {
                "audit.view",
                "orders.configure",
                "calendar.manage",
                "party.configure",
                "dualreport.manage",
                "services.configure",
                "points.configure",
            },
        ),
        Role(
            "community_secretary",
            _("Community party secretary"),
            (Level.COMMUNITY, Level.VILLAGE),
            REGISTRY_ALL
            | PARTY_ALL
            | POINTS_ALL
            | SERVICES_ALL
            | ORDERS_COMMUNITY
            | {"audit.view", "dualreport.manage"},
        ),
        Role(
            "community_worker",
            _("Community worker"),
            (Level.COMMUNITY, Level.VILLAGE),
            # Workers keep the chain and the grid posts up to date; membership is the party's.
            REGISTRY_ALL
            | SERVICES_ALL
            | (ORDERS_COMMUNITY - {"orders.supervise"})
            | {"party.view", "party.assign", "points.view", "points.adjust", "dualreport.manage"},
        ),
        Role(
            "grid_worker",
            _("Grid worker"),
            (Level.GRID,),
            frozenset(
                {
                    "registry.view",
                    "registry.add",
                    "registry.change",
                    "pii.reveal",
                    "party.view",
                    "services.view",
                    # A grid worker files patrol findings and takes his grid's orders.
                    "orders.view",
                    "orders.submit",
                    "orders.claim",
                }
            ),
        ),
        Role(
            "branch_secretary",
            _("Grid party branch secretary"),
            (Level.GRID,),
            frozenset(
                {"registry.view", "party.view", "party.assign", "points.view", "orders.view"}
            ),
        ),
        # Own records only (found through the member's login, not the scope); the scope is the
        # member's community, where later pillars let members claim orders.
        Role(
            "party_member",
            _("Party member"),
            (Level.STREET, Level.COMMUNITY, Level.VILLAGE),
            frozenset({"party.own", "orders.claim"}),
            home="party:me",
        ),
        # A volunteer (志愿者) takes orders from the pool of her community, like a party member.
        Role(
            "volunteer",
            _("Volunteer"),
            (Level.COMMUNITY, Level.VILLAGE),
            frozenset({"orders.claim"}),
            home="orders:pool",
        ),
        # Sees and acts on nothing but the orders whistled to the department(s) the login is
        # linked to (`orders.DepartmentStaff`), within the scope.
        Role(
            "department_staff",
            _("Department staff"),
            (Level.STREET, Level.DISTRICT),
            frozenset({"orders.department"}),
            home="orders:department",
        ),
        Role("resident", _("Resident"), (Level.HOUSEHOLD,), frozenset({"registry.view"})),
    ]
}


def role_choices() -> list[tuple[str, str]]:
    return [(code, role.label) for code, role in ROLES.items()]
