"""`?limit=&offset=` paging, shared by every list endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

MAX_PAGE_SIZE = 100

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    """Which slice of a list the client asked for."""

    limit: int
    offset: int


async def get_page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip")] = 0,
) -> PageParams:
    """Validated paging parameters."""
    return PageParams(limit=limit, offset=offset)


PageParamsDep = Annotated[PageParams, Depends(get_page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total count."""

    items: list[T]
    total: int
    limit: int
    offset: int
