"""NetworkPolicy decisions (pure) — the real-server proofs live in tests/hostile."""

from __future__ import annotations

import socket

import pytest

from feedkit.errors import BlockedAddressError
from feedkit.fetch.http import NetworkPolicy as ReExported
from feedkit.fetch.policy import METADATA_ADDRESSES, NetworkPolicy, system_resolver

BLOCKED = {
    "127.0.0.1": "loopback",
    "127.255.255.254": "loopback",
    "::1": "loopback",
    "10.0.0.1": "private",
    "172.16.5.4": "private",
    "192.168.1.1": "private",
    "100.64.0.1": "private",  # shared address space (carrier-grade NAT)
    "fd12:3456::1": "private",
    "169.254.1.1": "link-local",
    "fe80::1": "link-local",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "0.0.0.0": "unspecified",  # noqa: S104 - an address under test, not a bind
    "::": "unspecified",
    "192.0.2.10": "private",  # documentation range
    "169.254.169.254": "metadata",
    "fd00:ec2::254": "metadata",
    "100.100.100.200": "metadata",
    "168.63.129.16": "metadata",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:169.254.169.254": "metadata",
    "::ffff:10.1.2.3": "private",
    "2002:7f00:1::": "loopback",  # 6to4 wrapping 127.0.0.1
    "64:ff9b::a00:1": "private",  # NAT64 wrapping 10.0.0.1
    "fe80::1%eth0": "link-local",
}

ALLOWED = [
    "93.184.215.14",
    "1.1.1.1",
    "8.8.8.8",
    "2606:4700:4700::1111",
    "::ffff:1.1.1.1",
    "2002:101:101::",
    "64:ff9b::101:101",
]


@pytest.mark.parametrize(("address", "why"), sorted(BLOCKED.items()))
def test_default_policy_blocks(address: str, why: str) -> None:
    policy = NetworkPolicy()
    reason = policy.refusal_reason(address)
    assert reason is not None
    assert why in reason
    assert not policy.is_allowed(address)
    with pytest.raises(BlockedAddressError, match="network policy refused"):
        policy.check_address(address, url="http://x/")


@pytest.mark.parametrize("address", ALLOWED)
def test_default_policy_allows_public(address: str) -> None:
    assert NetworkPolicy().is_allowed(address)
    NetworkPolicy().check_address(address)


def test_flags_open_one_class_each_but_never_metadata() -> None:
    assert NetworkPolicy(allow_loopback=True).is_allowed("127.0.0.1")
    assert not NetworkPolicy(allow_loopback=True).is_allowed("10.0.0.1")
    assert NetworkPolicy(allow_private=True).is_allowed("10.0.0.1")
    assert not NetworkPolicy(allow_private=True).is_allowed("127.0.0.1")
    assert NetworkPolicy(allow_link_local=True).is_allowed("169.254.1.1")
    everything = NetworkPolicy(allow_loopback=True, allow_private=True, allow_link_local=True)
    for address in METADATA_ADDRESSES:
        assert not everything.is_allowed(address), address
    assert not everything.is_allowed("224.0.0.1")


def test_allowed_and_blocked_networks() -> None:
    policy = NetworkPolicy(
        allowed_networks=("127.0.0.2/32", "10.9.0.0/16"), blocked_networks=("1.1.1.0/24",)
    )
    assert policy.is_allowed("127.0.0.2")
    assert not policy.is_allowed("127.0.0.1")
    assert policy.is_allowed("10.9.3.4")
    assert not policy.is_allowed("1.1.1.1")
    assert policy.is_allowed("8.8.8.8")
    # an explicit allow wins, even for a metadata address (the operator's choice)
    assert NetworkPolicy(allowed_networks=("169.254.169.254/32",)).is_allowed("169.254.169.254")


def test_malformed_network_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="does not appear"):
        NetworkPolicy(allowed_networks=("not-a-network",))


def test_non_ip_is_refused() -> None:
    assert "not an IP" in (NetworkPolicy().refusal_reason("example.org") or "")


def test_resolve_refuses_a_name_with_any_blocked_answer() -> None:
    policy = NetworkPolicy(resolver=lambda host, port: ["1.1.1.1", "10.0.0.1"])
    with pytest.raises(BlockedAddressError, match=r"10\.0\.0\.1"):
        policy.resolve("mixed.test", 80)
    ok = NetworkPolicy(resolver=lambda host, port: ["1.1.1.1", "1.0.0.1"])
    assert ok.resolve("fine.test", 80) == ["1.1.1.1", "1.0.0.1"]


def test_resolve_with_no_answer_is_a_resolution_error() -> None:
    with pytest.raises(socket.gaierror):
        NetworkPolicy(resolver=lambda host, port: []).resolve("empty.test", 80)


def test_system_resolver_on_literals_does_no_lookup() -> None:
    assert system_resolver("127.0.0.1", 80) == ["127.0.0.1"]
    assert system_resolver("2130706433", 80) == ["127.0.0.1"]


def test_policy_is_reexported_from_http() -> None:
    assert ReExported is NetworkPolicy
