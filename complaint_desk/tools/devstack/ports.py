"""Whether the ports a local run needs are free, and if not, what holds each: `desk run`
refuses a dirty start instead of half-starting beside leftovers."""

from __future__ import annotations

import psutil


def holders(ports: dict[str, int]) -> list[str]:
    """A line for each of ``ports`` (what it is for → number) something listens on, naming
    the process (its id and command) when this user may see it."""
    listening: dict[int, int | None] = {}
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr:
            listening.setdefault(connection.laddr.port, connection.pid)
    found = []
    for what, port in ports.items():
        if port not in listening:
            continue
        pid = listening[port]
        try:
            command = " ".join(psutil.Process(pid).cmdline())[:160] if pid else "?"
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            command = "?"
        holder = f"pid {pid}: {command}" if pid else "a process of another user"
        found.append(f"port {port} ({what}) is held by {holder}")
    return found
