"""Small helpers every view module shares."""

from ..signals import client_ip

__all__ = ["client_ip"]
