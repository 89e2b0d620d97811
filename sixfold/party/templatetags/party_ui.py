"""Template helpers of the party pages: how a node of the chain is named, coverage as a bar."""

from django import template

from sixfold.core.models import Level

register = template.Library()


@register.filter
def node_label(region) -> str:
    """A household by its address; a grid, building or stairwell with the node above it, so
    "第一网格" or "1单元" can be told apart in a list of gaps."""
    if region is None:
        return ""
    if region.level == Level.HOUSEHOLD and region.address:
        return region.address
    parent = region.parent if region.parent_id else None
    if region.level in (Level.GRID, Level.BUILDING, Level.UNIT) and parent is not None:
        return f"{parent.name} {region.name}"
    return region.name


@register.filter
def coverage_class(percent) -> str:
    """Bootstrap colour of a coverage percentage: complete, nearly, or with real gaps."""
    if percent is None:
        return "secondary"
    if percent >= 100:
        return "success"
    if percent >= 95:
        return "warning"
    return "danger"
