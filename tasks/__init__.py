"""Celery jobs. Thin: they take ids, call actions or selectors, and own their retries."""

from .maintenance import plan_summary

__all__ = ["plan_summary"]
