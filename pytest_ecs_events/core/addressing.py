"""The account's network: one VPC per region, one vSwitch per zone, and the addresses in them.

Every instance's VPC, vSwitch, private IP, network interface, MAC address and security group
come from here, so they look real (``vpc-bp1...``, ``172.16.0.0/12``, Alibaba's ``00:16:3e``
MAC prefix) and stay unique and consistent however many instances a test adds. Addresses
are drawn from the simulation's seeded generator: the same seed gives the same network.
"""

from __future__ import annotations

import functools
import ipaddress
import random
from dataclasses import dataclass, field

from . import regions as _regions
from .regions import new_resource_id

#: The CIDR block of the default VPC of each region (the console's default).
VPC_CIDR = ipaddress.IPv4Network("172.16.0.0/12")
#: Public addresses come from a block Alibaba Cloud announces (47.96.0.0/11, AS37963).
PUBLIC_CIDR = ipaddress.IPv4Network("47.96.0.0/11")
#: Each zone's vSwitch is one /16 of the VPC (the largest a vSwitch may be), so a test may add
#: tens of thousands of instances to one zone.
VSWITCH_PREFIX = 16
#: The first addresses of each vSwitch and its last are the service's own (VPC docs).
_RESERVED_LOW, _RESERVED_HIGH = 253, 3


@dataclass(slots=True)
class VSwitch:
    vswitch_id: str
    vpc_id: str
    zone: str
    cidr: ipaddress.IPv4Network


@dataclass(slots=True)
class Vpc:
    vpc_id: str
    region: str
    cidr: ipaddress.IPv4Network
    security_group_id: str
    vswitches: dict[str, VSwitch] = field(default_factory=dict)


@functools.lru_cache(maxsize=64)
def _vswitch_cidr(vpc_cidr: ipaddress.IPv4Network, count: int) -> ipaddress.IPv4Network:
    """The block of a VPC's next vSwitch (``count`` it has): one /16 per zone, in order.
    Kept, as every account's first vSwitch is the same block (networks are values)."""
    size = 1 << (32 - VSWITCH_PREFIX)
    index = count % (vpc_cidr.num_addresses // size)
    base = int(vpc_cidr.network_address) + index * size
    return ipaddress.IPv4Network((base, VSWITCH_PREFIX))


#: (id of a block, reserved low, reserved high) -> (the block, first and last address one
#: may draw): blocks are values every account shares (the block is held, so its id stays its).
_RANGES: dict[tuple[int, int, int], tuple[ipaddress.IPv4Network, int, int]] = {}
_RANGES_KEPT = 1024
#: The block of every VPC's first vSwitch.
_FIRST_VSWITCH = _vswitch_cidr(VPC_CIDR, 0)


class AddressBook:
    """VPCs, vSwitches and the addresses handed out in them. Not thread-safe by itself."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.vpcs: dict[str, Vpc] = {}
        self.vswitches: dict[str, VSwitch] = {}
        self._default_vpc: dict[str, str] = {}
        self._used_ips: set[str] = set()
        self._used_macs: set[str] = set()

    # -- networks ---------------------------------------------------------------------------
    def vpc(self, region: str, vpc_id: str | None = None) -> Vpc:
        """The region's default VPC, or ``vpc_id`` (registered on first use)."""
        if vpc_id is None:
            vpc_id = self._default_vpc.get(region)
        if vpc_id is not None and vpc_id in self.vpcs:
            return self.vpcs[vpc_id]
        vpc = Vpc(
            vpc_id or new_resource_id("vpc", region, self._rng),
            region,
            VPC_CIDR,
            new_resource_id("sg", region, self._rng),
        )
        self.vpcs[vpc.vpc_id] = vpc
        self._default_vpc.setdefault(region, vpc.vpc_id)
        return vpc

    def vswitch(self, vpc: Vpc, zone: str, vswitch_id: str | None = None) -> VSwitch:
        """The VPC's vSwitch in ``zone`` (one /16 per zone), or ``vswitch_id``."""
        if vswitch_id is not None and vswitch_id in self.vswitches:
            return self.vswitches[vswitch_id]
        if vswitch_id is None:
            for existing in vpc.vswitches.values():
                if existing.zone == zone:
                    return existing
        cidr = _vswitch_cidr(vpc.cidr, len(vpc.vswitches))
        made = VSwitch(vswitch_id or new_resource_id("vsw", vpc.region, self._rng),
                       vpc.vpc_id, zone, cidr)  # fmt: skip
        vpc.vswitches[made.vswitch_id] = made
        self.vswitches[made.vswitch_id] = made
        return made

    def zone_network(self, region: str, zone: str) -> tuple[Vpc, VSwitch]:
        """The region's default VPC and its vSwitch in ``zone``: what ``vswitch(vpc(region),
        zone)`` gives, made with the same draws, in one step (every new instance asks)."""
        vpc_id = self._default_vpc.get(region)
        if vpc_id is None:
            rng = self._rng
            vpc = Vpc(new_resource_id("vpc", region, rng), region, VPC_CIDR,
                      new_resource_id("sg", region, rng))  # fmt: skip
            vpc_id = vpc.vpc_id
            self.vpcs[vpc_id] = vpc
            self._default_vpc[region] = vpc_id
            made = VSwitch(new_resource_id("vsw", region, rng), vpc_id, zone, _FIRST_VSWITCH)
            vpc.vswitches[made.vswitch_id] = made
            self.vswitches[made.vswitch_id] = made
            return vpc, made
        vpc = self.vpc(region)
        return vpc, self.vswitch(vpc, zone)

    # -- addresses --------------------------------------------------------------------------
    def claim_ip(self, address: str) -> str:
        """Take ``address`` as given; ValueError if it is not an IPv4 address or is in use."""
        try:
            text = str(ipaddress.IPv4Address(address))
        except ValueError:
            raise ValueError(f"{address!r} is not an IPv4 address") from None
        if text in self._used_ips:
            raise ValueError(f"the IP address {text} is already used by another instance")
        self._used_ips.add(text)
        return text

    def private_ip(self, vswitch: VSwitch) -> str:
        """A free address of the vSwitch, drawn at random as the service does."""
        return self._draw(vswitch.cidr, _RESERVED_LOW, _RESERVED_HIGH)

    def public_ip(self) -> str:
        return self._draw(PUBLIC_CIDR, 1, 1)

    def _draw(self, cidr: ipaddress.IPv4Network, low: int, high: int) -> str:
        bounds = _RANGES.get((id(cidr), low, high))
        if bounds is None or bounds[0] is not cidr:
            bounds = (cidr, int(cidr.network_address) + low, int(cidr.broadcast_address) - high)
            if len(_RANGES) < _RANGES_KEPT:
                _RANGES[(id(cidr), low, high)] = bounds
        first, last = bounds[1], bounds[2]
        if len(self._used_ips) >= last - first + 1 and all(
            _dotted(n) in self._used_ips for n in range(first, last + 1)
        ):
            raise ValueError(f"no free address is left in {cidr}")
        rng = self._rng
        if type(rng) is random.Random and random.Random.randint is _regions.PLAIN_RANDINT:
            # rng.randint(first, last) without its three frames: first + the rejection draw
            # of _randbelow_with_getrandbits (see regions.python_randint)
            width = last - first + 1
            bits = width.bit_length()
            getrandbits = rng.getrandbits
            while True:
                r = getrandbits(bits)
                while r >= width:
                    r = getrandbits(bits)
                n = first + r  # _dotted(n), inline
                text = f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
                if text not in self._used_ips:
                    self._used_ips.add(text)
                    return text
        while True:
            text = _dotted(rng.randint(first, last))
            if text not in self._used_ips:
                self._used_ips.add(text)
                return text

    def mac_address(self) -> str:
        """A unique MAC address with the prefix of Alibaba Cloud's network interfaces."""
        while True:
            tail = _regions.random_bytes(self._rng, 3).hex(":")  # "ab:cd:ef"
            mac = f"00:16:3e:{tail}"
            if mac not in self._used_macs:
                self._used_macs.add(mac)
                return mac

    def replace_mac(self, old: str, new: str) -> None:
        """Let an instance keep the MAC address it had (a scenario being loaded)."""
        self._used_macs.discard(old)
        self._used_macs.add(new)

    def release(self, *addresses: str) -> None:
        """Give addresses back (an instance was released)."""
        self._used_ips.difference_update(addresses)


def _dotted(address: int) -> str:
    """An IPv4 address as text (what ``str(IPv4Address(n))`` gives, without the object)."""
    return f"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}"
