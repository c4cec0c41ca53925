"""Who may do what: merchant and admin grants (everyone else is a customer), each change audited."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel

from bot.state.database import Database, StateError, checked_actor, checked_user, utc_now

Role = Literal["customer", "merchant", "admin"]
ROLES: tuple[str, ...] = get_args(Role)


class RoleGrant(BaseModel):
    user_id: str
    role: Role
    merchant_id: str | None = None
    granted_by: str
    granted_at: str


class Roles(Database):
    async def role_of(self, user_id: str) -> Role:
        row = await self._fetchone("SELECT role FROM roles WHERE user_id = ?", (checked_user(user_id),))
        return row["role"] if row else "customer"

    async def merchant_of(self, user_id: str) -> str | None:
        row = await self._fetchone("SELECT merchant_id FROM roles WHERE user_id = ?", (checked_user(user_id),))
        return row["merchant_id"] if row else None

    async def grant(self, user_id: str, role: str, merchant_id: str | None, by: str) -> RoleGrant:
        """Make a user a merchant (of `merchant_id`, required) or an admin; replaces any earlier grant."""
        user_id = checked_user(user_id)
        if role not in ROLES:
            raise StateError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
        if role == "customer":
            raise StateError("'customer' is every user's default role; use revoke to take a role away")
        if role == "merchant" and not merchant_id:
            raise StateError("a merchant grant needs the merchant id whose catalog the user manages")
        grant = RoleGrant(
            user_id=user_id,
            role=role,
            merchant_id=merchant_id or None,
            granted_by=checked_actor(by),
            granted_at=utc_now(),
        )
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO roles (user_id, role, merchant_id, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)",
                (grant.user_id, grant.role, grant.merchant_id, grant.granted_by, grant.granted_at),
            )
            scope = f" of {grant.merchant_id}" if grant.merchant_id else ""
            await self._write_audit(db, grant.granted_by, "grant", f"{user_id} -> {role}{scope}")
        return grant

    async def revoke(self, user_id: str, by: str) -> RoleGrant:
        """Take a user's role away (back to customer); returns the grant that was removed."""
        user_id = checked_user(user_id)
        async with self._transaction() as db:
            async with db.execute("SELECT * FROM roles WHERE user_id = ?", (user_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise StateError(f"{user_id} has no role to revoke (already a customer)")
            await db.execute("DELETE FROM roles WHERE user_id = ?", (user_id,))
            await self._write_audit(db, checked_actor(by), "revoke", f"{user_id} was {row['role']}")
        return RoleGrant(**dict(row))

    async def roles(self) -> list[RoleGrant]:
        rows = await self._fetchall("SELECT * FROM roles ORDER BY role, user_id")
        return [RoleGrant(**dict(row)) for row in rows]
