"""Who may do what, and where: the six roles, their permissions, and a principal's sites.

Pure: no I/O. The HTTP layer asks a :class:`Principal` before it acts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    DUTY_OFFICER = "duty_officer"
    SUPERVISOR = "supervisor"
    SITE_ADMIN = "site_admin"
    ORG_ADMIN = "org_admin"
    INTEGRATION = "integration"
    AUDITOR = "auditor"


class Permission(StrEnum):
    READ = "read"  # the register, details, dashboards, SLA state, deliveries
    PERSONAL_DATA = "personal_data"  # complainants' names and contacts, in clear
    REGISTER = "register"  # record a new complaint
    HANDLE = "handle"  # the lifecycle commands
    REVIEW = "review"  # conclude a supervisor's review
    CONFIGURE_SITE = "configure_site"  # SLA policies, calendars, the staff directory
    OPERATE = "operate"  # webhooks, dead letters and replays, across the organisation
    AUDIT = "audit"  # read the operational records (dead letters)
    ERASE = "erase"  # erase a complainant's personal data (crypto-shredding)


P = Permission
_OFFICER = frozenset({P.READ, P.PERSONAL_DATA, P.REGISTER, P.HANDLE})
_SUPERVISOR = _OFFICER | {P.REVIEW}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DUTY_OFFICER: _OFFICER,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.SITE_ADMIN: _SUPERVISOR | {P.CONFIGURE_SITE},
    Role.ORG_ADMIN: frozenset(Permission),
    # An integration's commands are its own list; see Principal.may_command.
    Role.INTEGRATION: frozenset({P.READ}),
    Role.AUDITOR: frozenset({P.READ, P.AUDIT}),
}

# Roles that act for the whole organisation only; the rest may be limited to sites.
ORGANISATION_WIDE = frozenset({Role.ORG_ADMIN})
# Roles of a desk: they always serve named sites.
SITE_BOUND = frozenset({Role.DUTY_OFFICER, Role.SUPERVISOR, Role.SITE_ADMIN})
# Roles that may name another actor on a command (a system relaying a person's action).
DELEGATING = frozenset({Role.ORG_ADMIN, Role.INTEGRATION})


def command_permission(command: str) -> Permission:
    """The permission a person needs for a lifecycle command (``receive`` registers)."""
    if command == "receive":
        return P.REGISTER
    if command == "erase-personal-data":
        return P.ERASE
    if command in ("review/conclude", "owner", "resolution/approve"):  # a supervisor's calls
        return P.REVIEW
    return P.HANDLE


@dataclass(frozen=True)
class Principal:
    """An authenticated user or system. ``sites`` None: every site of the organisation."""

    id: UUID
    name: str
    role: Role
    sites: frozenset[str] | None = None
    commands: frozenset[str] = field(default_factory=frozenset)
    event_types: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def sees(self, site: str | None) -> bool:
        return self.sites is None or (site is not None and site.upper() in self.sites)

    @property
    def organisation_wide(self) -> bool:
        return self.sites is None

    def may_command(self, command: str) -> bool:
        if self.role is Role.INTEGRATION:
            return command in self.commands
        return self.can(command_permission(command))

    def may_send(self, event_type: str) -> bool:
        """Whether an inbound integration event of this type is this principal's to send."""
        return self.role is Role.INTEGRATION and event_type in self.event_types

    def may_delegate(self) -> bool:
        return self.role in DELEGATING

    def scope(self, requested: str | None) -> list[str] | None:
        """The sites a query covers: the one asked for, else all this principal sees
        (None: no limit). Raises :class:`OutOfScope` for a site it does not see."""
        if requested:
            site = requested.upper()
            if not self.sees(site):
                raise OutOfScope(site)
            return [site]
        return None if self.sites is None else sorted(self.sites)


class OutOfScope(Exception):
    """A principal asked for a site it does not serve."""

    def __init__(self, site: str) -> None:
        super().__init__(f"site {site} is out of scope")
        self.site = site


# The roles of a site's desk, which its site admin grants.
DESK_ROLES = frozenset({Role.DUTY_OFFICER, Role.SUPERVISOR, Role.SITE_ADMIN})


def manages(admin: Principal, role: Role, sites: frozenset[str] | None) -> bool:
    """Whether ``admin`` may grant ``role`` at ``sites`` (or change someone who has them): an
    organisation admin anyone; a site admin the desk's roles at sites of their own only."""
    if admin.role is Role.ORG_ADMIN:
        return True
    if admin.role is not Role.SITE_ADMIN or admin.sites is None or not sites:
        return False
    return role in DESK_ROLES and sites <= admin.sites


def validate_grant(role: Role, sites: frozenset[str] | None) -> None:
    """Raises ValueError for a grant that makes no sense (an org admin limited to sites, a
    site-bound role without sites)."""
    if role in ORGANISATION_WIDE and sites is not None:
        raise ValueError(f"{role} acts for the whole organisation; give no sites")
    if role in SITE_BOUND and not sites:
        raise ValueError(f"{role} needs at least one site")
