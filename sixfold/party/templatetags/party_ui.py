"""Template helpers of the party pages: how a node of the chain is named, coverage as a bar."""

from django import template

from sixfold.party.coverage import node_label as coverage_node_label

register = template.Library()


@register.filter
def node_label(region) -> str:
    return coverage_node_label(region) if region is not None else ""


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
