"""Buyer organisations (OEMs and Tier-1s) as staff manage them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker import audit
from matchmaker.db import writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.models import Buyer, BuyerKind, Role, User
from matchmaker.permissions import require_role


@dataclass(frozen=True)
class BuyerInput:
    name: str
    kind: str
    country: str = ""
    description: str = ""


def list_buyers(session: Session) -> list[Buyer]:
    return list(session.scalars(select(Buyer).order_by(Buyer.name)).all())


@writes
def save_buyer(
    session: Session, actor: User, data: BuyerInput, buyer_id: int | None = None
) -> Buyer:
    """Create a buyer organisation, or update one when ``buyer_id`` is given."""
    require_role(actor, Role.STAFF)
    if data.kind not in {k.value for k in BuyerKind}:
        raise FieldError("kind", _("Choose OEM or Tier-1."))
    name = data.name.strip()
    clash = session.scalar(select(Buyer).where(Buyer.name == name))
    buyer = session.get(Buyer, buyer_id) if buyer_id is not None else Buyer()
    if buyer is None:
        raise NotFound()
    if clash is not None and clash is not buyer:
        raise FieldError("name", _("A buyer with this name already exists."))
    buyer.name = name
    buyer.kind = data.kind
    buyer.country = data.country.strip()
    buyer.description = data.description.strip()
    session.add(buyer)
    session.flush()
    audit.record(
        session, actor, "buyer.updated" if buyer_id else "buyer.created", "buyer", buyer.id
    )
    session.commit()
    return buyer


def get_buyer(session: Session, buyer_id: int) -> Buyer:
    buyer = session.get(Buyer, buyer_id)
    if buyer is None:
        raise NotFound()
    return buyer
