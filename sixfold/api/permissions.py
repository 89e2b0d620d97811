"""Who may do what through the API: the same scoped permissions the action functions check.

Visibility is never decided here: every viewset starts from `visible_to(user, "registry.view")`,
so an object outside the user's scope is simply not found (404). These helpers decide the next
question — the object is visible, may this user change it? — before the request body is
validated, so a user without the permission learns nothing from field errors.
The action functions check again; the API's check only makes the refusal early and uniform.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied

VIEW = "registry.view"
ADD = "registry.add"
CHANGE = "registry.change"
DELETE = "registry.delete"
REVEAL = "pii.reveal"

DENIED = _("You do not have permission to do this here.")


def require_perm_on(user, perm: str, code: str) -> None:
    """Refuse (403) unless `user` holds `perm` over the region node `code`."""
    if not user.has_scoped_perm(perm, code):
        raise PermissionDenied(DENIED)


def require_perm_somewhere(user, perm: str) -> None:
    """Refuse (403) a user who holds `perm` nowhere; where exactly is the action's check."""
    if not user.holds_perm(perm):
        raise PermissionDenied(DENIED)
