"""The blank register workbook (台账模板) that community staff download, fill in and upload."""

from ..models import Level, Region
from .workbook import register_workbook

# A drop-down of every grid is a help up to a street or district; a city's would only be long.
MAX_LISTED_GRIDS = 5000
TEMPLATE_TITLE = "六位一体台账导入模板"


def grids_for(user) -> list[tuple[str, str]]:
    """The grids `user` may import into, as (code, "社区 · 网格"), for the grid-code drop-down."""
    if user is None:
        return []
    grids = (
        Region.objects.visible_to(user, "registry.import")
        .of_level(Level.GRID)
        .select_related("parent")
        .order_by("code")[:MAX_LISTED_GRIDS]
    )
    return [(g.code, f"{g.parent.name} · {g.name}" if g.parent else g.name) for g in grids]


def template_workbook(user=None):
    """The template, its grid-code drop-down listing the grids `user` may import into."""
    book, _counts = register_workbook(
        title=TEMPLATE_TITLE, kind="template", masked=False, grids=grids_for(user)
    )
    return book


def write_template(destination, user=None) -> None:
    template_workbook(user).save(destination)
