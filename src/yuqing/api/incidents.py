"""Routes of the plan engine: incidents, acknowledgements, accountability reports."""

from __future__ import annotations

from fastapi import APIRouter

from yuqing.runtime.context import Context


def build_router(ctx: Context) -> APIRouter:
    """The plan engine's routes, bound to a context."""
    router = APIRouter()
    return router
