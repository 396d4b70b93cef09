"""Who made a change, for the audit trail (django-auditlog).

django-auditlog records every create, update and delete of a registered
model with the changed fields; it knows Django users only. The API acts with
keys and commands act with no user, so the actor is kept here, in a context
variable that each interface sets: the middleware for admin users (and resets
it after every request), the API-key authentication for API calls, and
`AuditedCommand` for management commands.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar[tuple[str, object] | None] = ContextVar("audit_actor", default=None)

SYSTEM = "system"


def current_actor() -> tuple[str, object]:
    """(label, Django user or None) of whoever is acting now."""
    return _actor.get() or (SYSTEM, None)


def set_actor(label: str, user=None) -> None:
    """Name the actor for the rest of the current request or command."""
    _actor.set((label, user))


@contextmanager
def acting_as(label: str, user=None) -> Iterator[None]:
    token = _actor.set((label, user))
    try:
        yield
    finally:
        _actor.reset(token)


def user_label(user) -> str:
    return f"user {user.get_username()}"


def api_key_label(api_key) -> str:
    return f"api key {api_key.name} ({api_key.prefix})"


def command_label(name: str) -> str:
    return f"command {name}"


class AuditActorMiddleware:
    """Sets the actor to the logged-in user (the admin) and resets it after each request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = (user_label(user), user) if user is not None and user.is_authenticated else None
        token = _actor.set(actor)
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


def event_name(action: int, changes: dict | None) -> str:
    """create, update, soft delete, restore or erase, from auditlog's action and changes."""
    from auditlog.models import LogEntry

    if action == LogEntry.Action.CREATE:
        return "create"
    if action == LogEntry.Action.DELETE:
        return "erase"
    if action == LogEntry.Action.UPDATE and changes and "deleted_at" in changes:
        old, new = changes["deleted_at"][:2]
        if old in (None, "None") and new not in (None, "None"):
            return "soft delete"
        if new in (None, "None"):
            return "restore"
    return "update"
