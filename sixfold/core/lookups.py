"""The `prefix` lookup: `code__prefix="370116001005"` selects a subtree of the region tree.

Scoping is one prefix filter on an indexed code column, so it must use the index on every
database. PostgreSQL does with `LIKE 'x%'` because code columns use the "C" collation
(`RegionCodeField`), which also lets the same index return rows in `ORDER BY code`. SQLite does
not for Django's `startswith`, which adds an ESCAPE clause; there the lookup becomes a half-open
range on the binary-collated column, which the index serves.
Codes are ASCII (digits, letters, '-'), so the range and the LIKE select the same rows.
"""

from django.db.models import CharField, F, Func, Lookup

RANGE_END = "\U0010ffff"


@CharField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        escaped = [connection.ops.prep_for_like_query(p) + "%" for p in rhs_params]
        return f"{lhs} LIKE {rhs}", [*lhs_params, *escaped]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        upper = [p + RANGE_END for p in rhs_params]
        return (
            f"({lhs} >= {rhs} AND {lhs} < {rhs})",
            [*lhs_params, *rhs_params, *lhs_params, *upper],
        )


class Unindexed(Func):
    """A column as an expression SQLite serves from no index (`+level`); the plain column
    elsewhere.

    For filters whose selective part is a region-code range: without statistics (and often with
    them) SQLite prefers the index on a low-selectivity column such as `level` or `status` and
    then reads every row of the city with that value. Wrapping that column leaves the code index
    as the only one it can use. `Exact(Unindexed("level"), "household")` in `filter()`.
    """

    arity = 1
    template = "%(expressions)s"

    def __init__(self, field: str, **extra):
        super().__init__(F(field), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra_context)
