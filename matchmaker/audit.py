"""Append-only audit trail of who changed what."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from matchmaker.models import AuditEntry, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    **details: Any,
) -> None:
    """Add an audit entry to the session; the caller's unit of work commits it."""
    session.add(
        AuditEntry(
            user_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
    )
