"""Page-number pagination: `{count, next, previous, results}` with `page_size` up to 500."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`.

    A page_size that is not a positive whole number falls back to the default (hand-typed URLs
    should still work); one above the maximum is refused, because a client asking for more rows
    than it will get would otherwise assume it has them all. A page past the end is a 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        try:
            size = int(raw)
        except ValueError:
            return self.page_size
        if size <= 0:
            return self.page_size
        if size > self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Ask for at most %(max)d rows per page.") % {"max": self.max_page_size}
                    ]
                },
                code="max_value",
            )
        return size
