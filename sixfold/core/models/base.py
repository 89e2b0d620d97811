"""Base classes shared by every scoped model."""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may see.

    Every scoped model carries the code of the region node it belongs to (`scope_field`), so a
    user's visibility is one prefix filter per role scope — no per-object permission rows.
    """

    def visible_to(self, user, perm: str = "registry.view"):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        prefixes = user.scope_prefixes(perm)
        if not prefixes:
            return self.none()
        field = self.model.scope_field
        condition = models.Q()
        for prefix in prefixes:
            condition |= models.Q(**{f"{field}__prefix": prefix})
        return self.filter(condition)

    def within(self, code: str):
        """Rows in the subtree rooted at `code`."""
        return self.filter(**{f"{self.model.scope_field}__prefix": code})


class RegionCodeField(models.CharField):
    """A region code column, compared byte by byte.

    On PostgreSQL the column takes the "C" collation: under a linguistic collation (the cluster
    default, e.g. C.UTF-8 or zh_CN.UTF-8) the plain index can serve neither `LIKE 'prefix%'` nor,
    through the pattern index, `ORDER BY code`, so a street-wide first page walked the index from
    the start of the city. Codes are ASCII, so byte order is the order people expect. SQLite
    compares bytes already (BINARY) and knows no collation of that name.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def wrap_tags(tags) -> str:
    """Store a set of tag codes as ',a,b,' so one tag is matched by `contains=',a,'`."""
    cleaned = sorted({t.strip() for t in tags if t and t.strip()})
    return f",{','.join(cleaned)}," if cleaned else ""


def unwrap_tags(value: str) -> list[str]:
    return [t for t in (value or "").split(",") if t]
