"""Sixfold: the six-in-one (六位一体) community-governance platform."""

from .celery import app as celery_app

__all__ = ("celery_app",)
