"""Which addresses the fetcher may connect to: the opt-in network policy.

A server that fetches URLs chosen by its users (feed subscriptions, OPML
imports, discovered links) must not become a proxy into its own network.
:class:`NetworkPolicy` decides, for one *resolved* IP address, whether a
connection is allowed.  The :class:`~feedkit.fetch.http.Fetcher` applies it
to the address it actually connects to, for every request and every redirect
hop: the host name is resolved once, every answer is checked, and the socket
is connected to a checked address (so a DNS answer that changes between
"check" and "connect" — DNS rebinding — cannot slip through).

By default a policy refuses everything that is not a public unicast address:

* loopback (``127.0.0.0/8``, ``::1``), private (RFC 1918, ``fc00::/7``),
  shared address space (``100.64.0.0/10``), link-local (``169.254.0.0/16``,
  ``fe80::/10``), multicast, reserved, unspecified (``0.0.0.0``, ``::``) and
  documentation ranges;
* cloud metadata endpoints, even where they look public
  (``169.254.169.254``, ``fd00:ec2::254``, ``100.100.100.200``,
  ``168.63.129.16``, ...);
* IPv6 forms that embed an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
  6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``) are judged by the embedded
  IPv4 address.

``allow_loopback`` / ``allow_private`` / ``allow_link_local`` open one class
each (metadata endpoints stay refused); ``allowed_networks`` lists networks
that are always allowed (checked first, so a test can allow exactly
``127.0.0.2/32``); ``blocked_networks`` adds networks to refuse.

The policy itself is pure: :meth:`NetworkPolicy.check_address` takes an
address string and raises or returns.  :meth:`NetworkPolicy.resolve` is the
one method that does I/O (a DNS lookup through ``resolver``, by default
:func:`socket.getaddrinfo`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import BlockedAddressError

__all__ = ["METADATA_ADDRESSES", "NetworkPolicy", "Resolver", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: A resolver maps ``(host, port)`` to the IP address strings it resolves to.
Resolver = Callable[[str, int], Sequence[str]]

#: Cloud instance-metadata endpoints: refused even when a flag opens their class.
METADATA_ADDRESSES: frozenset[str] = frozenset(
    {
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.169.253",  # AWS VPC DNS
        "169.254.169.123",  # AWS time sync
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.170.23",  # AWS EKS pod identity
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
        "fd00:ec2::123",  # AWS time sync over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "168.63.129.16",  # Azure wire server (a public-looking address)
    }
)

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with :func:`socket.getaddrinfo`; IP strings, in answer order.

    Raises :class:`socket.gaierror` when the name does not resolve.
    """
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in answers:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class NetworkPolicy:
    """Refuse non-public destinations; opt in by passing one to the Fetcher.

    >>> policy = NetworkPolicy()
    >>> policy.is_allowed("93.184.215.14")
    True
    >>> policy.is_allowed("127.0.0.1"), policy.is_allowed("::ffff:10.0.0.1")
    (False, False)
    >>> NetworkPolicy(allowed_networks=("127.0.0.2/32",)).is_allowed("127.0.0.2")
    True
    """

    allow_loopback: bool = False
    allow_private: bool = False
    allow_link_local: bool = False
    allowed_networks: tuple[str, ...] = ()
    blocked_networks: tuple[str, ...] = ()
    resolver: Resolver | None = field(default=None, compare=False)

    @cached_property
    def _allowed(self) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(n, strict=False) for n in self.allowed_networks)

    @cached_property
    def _blocked(self) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(n, strict=False) for n in self.blocked_networks)

    def __post_init__(self) -> None:
        # Fail early (at construction) on a malformed network string.
        _ = self._allowed, self._blocked

    def refusal_reason(self, address: str) -> str | None:
        """Why ``address`` is refused, or ``None`` when it is allowed (pure)."""
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
        if any(ip in net for net in self._allowed):
            return None
        if any(ip in net for net in self._blocked):
            return f"{ip} is in a blocked network"
        if isinstance(ip, ipaddress.IPv6Address):
            embedded = _embedded_ipv4(ip)
            if embedded is not None:
                inner = self.refusal_reason(str(embedded))
                return None if inner is None else f"{ip} embeds {embedded}: {inner}"
        if str(ip) in METADATA_ADDRESSES:
            return f"{ip} is a cloud metadata address"
        if ip.is_unspecified:
            return f"{ip} is unspecified"
        if ip.is_multicast:
            return f"{ip} is multicast"
        if ip.is_loopback:
            return None if self.allow_loopback else f"{ip} is loopback"
        if ip.is_link_local:
            return None if self.allow_link_local else f"{ip} is link-local"
        if ip.is_reserved:
            return f"{ip} is reserved"
        if not ip.is_global:
            return None if self.allow_private else f"{ip} is private (not globally routable)"
        return None

    def is_allowed(self, address: str) -> bool:
        """True when a connection to the IP ``address`` is allowed (pure)."""
        return self.refusal_reason(address) is None

    def check_address(self, address: str, *, url: str | None = None) -> None:
        """Raise :class:`~feedkit.errors.BlockedAddressError` if ``address`` is refused."""
        reason = self.refusal_reason(address)
        if reason is not None:
            raise BlockedAddressError(f"network policy refused {reason}", url=url)

    def resolve(self, host: str, port: int, *, url: str | None = None) -> list[str]:
        """Resolve ``host`` once and check every answer; return the allowed addresses.

        A name with *any* refused answer is refused as a whole (a public name
        has no reason to also resolve to a private address).  Raises
        :class:`~feedkit.errors.BlockedAddressError`, or :class:`socket.gaierror`
        when the name does not resolve.
        """
        resolver = self.resolver or system_resolver
        addresses = list(resolver(host, port))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{host!r} resolved to no address")
        for address in addresses:
            reason = self.refusal_reason(address)
            if reason is not None:
                raise BlockedAddressError(f"network policy refused {host!r}: {reason}", url=url)
        return addresses
