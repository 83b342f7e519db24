"""Who is asking and what they may do: principals, roles, sites, tokens and sessions."""

from complaint_desk.shared.auth.roles import Permission, Principal, Role

__all__ = ["Permission", "Principal", "Role"]
