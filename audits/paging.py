"""Long lists: one page of rows and a sort order, read from the query string and bounded.

The page number is a number in the URL like any other (bounds.int_arg: malformed or out of range → 400 in
Japanese); a page past the last one shows the last page. A sort key outside the list's own choices is ignored
(the list's default order). Templates build links with `url_with(page=…)` / `url_with(sort=…)`, which keep every
other parameter, so a URL copied from the address bar shows the same rows to anyone allowed to see them.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from .bounds import int_arg

PAGE_SIZE = 50
PAGE_MAX = 1_000_000


@dataclass(frozen=True)
class Page:
    number: int      # 1 … pages
    size: int
    total: int       # rows in the whole list

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """1-based position of the page's first row (0 for an empty list)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    def of(self, rows: list) -> list:
        """This page's rows of a list already read whole."""
        return rows[self.offset:self.offset + self.size]


def page_arg(total: int, size: int = PAGE_SIZE) -> Page:
    """The page that ?page= asks for, within the pages that `total` rows fill."""
    requested = int_arg("page", "ページ", high=PAGE_MAX) or 1
    pages = max(1, -(-total // size))
    return Page(min(requested, pages), size, total)


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False

    @property
    def value(self) -> str:
        """As written in the URL: 'due' or '-due'."""
        return f"-{self.key}" if self.descending else self.key


def sort_arg(keys, default: str = "") -> Sort:
    """?sort=key (ascending) or ?sort=-key (descending) for one of `keys`; anything else is the default order."""
    raw = request.args.get("sort", "")
    descending = raw.startswith("-")
    key = raw[1:] if descending else raw
    return Sort(key, descending) if key in keys else Sort(default)


def url_with(**changes) -> str:
    """The current page's URL with some query parameters changed (None or '' removes one); changing anything but
    the page goes back to page 1."""
    args = request.args.to_dict()
    if "page" not in changes:
        args.pop("page", None)
    args.update(changes)
    route = request.view_args or {}
    # A parameter named like the route's own argument or url_for's options (_external …) is not the list's.
    args = {k: v for k, v in args.items() if v not in (None, "") and k not in route and not k.startswith("_")}
    return url_for(request.endpoint, **route, **args)
