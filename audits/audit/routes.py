"""The audit screens: one blueprint (`blueprint.bp`) whose views live in one module per part of the work."""
from __future__ import annotations

from . import views_findings, views_plans, views_report, views_visit  # noqa: F401  (they register the views)
from .blueprint import bp

__all__ = ["bp"]
