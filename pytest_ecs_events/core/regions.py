"""Regions: their ids, names, default ECS endpoints, zones and the id prefixes resources get.

Resource ids in a region share a three-character prefix (``i-bp1...`` in cn-hangzhou,
``i-2ze...`` in cn-beijing). The prefixes below are the ones seen on real resources; a region
of its own a test adds (``extra_regions``, ini ``ecs_sim_extra_regions``) gets a prefix
derived from its name.

The simulator knows the regions DescribeRegions lists and those extra ones, no others: a
misspelt region is refused (:func:`check_region`), never silently served as an empty one.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .errors import EcsApiError
from .lazy import pattern_on_first_use


@dataclass(frozen=True)
class Region:
    region_id: str
    local_name: str
    id_prefix: str
    zones: tuple[str, ...]

    @property
    def endpoint(self) -> str:
        return default_endpoint(self.region_id)


def _r(region_id: str, local_name: str, prefix: str, zone_letters: str) -> Region:
    return Region(region_id, local_name, prefix, tuple(f"{region_id}-{z}" for z in zone_letters))


REGIONS: dict[str, Region] = {
    r.region_id: r
    for r in (
        _r("cn-hangzhou", "华东1（杭州）", "bp1", "bhijk"),
        _r("cn-shanghai", "华东2（上海）", "uf6", "bdefg"),
        _r("cn-qingdao", "华北1（青岛）", "m5e", "bc"),
        _r("cn-beijing", "华北2（北京）", "2ze", "acdefghijk"),
        _r("cn-zhangjiakou", "华北3（张家口）", "8vb", "abc"),
        _r("cn-huhehaote", "华北5（呼和浩特）", "hp3", "ab"),
        _r("cn-wulanchabu", "华北6（乌兰察布）", "0jl", "abc"),
        _r("cn-shenzhen", "华南1（深圳）", "wz9", "abcdef"),
        _r("cn-heyuan", "华南2（河源）", "f8z", "ab"),
        _r("cn-guangzhou", "华南3（广州）", "7xv", "ab"),
        _r("cn-chengdu", "西南1（成都）", "2vc", "ab"),
        _r("cn-hongkong", "中国香港", "j6c", "bcd"),
        _r("ap-northeast-1", "日本（东京）", "6we", "abc"),
        _r("ap-southeast-1", "新加坡", "t4n", "abc"),
        _r("ap-southeast-3", "马来西亚（吉隆坡）", "8ps", "ab"),
        _r("ap-southeast-5", "印度尼西亚（雅加达）", "k1a", "abc"),
        _r("us-west-1", "美国（硅谷）", "rj9", "ab"),
        _r("us-east-1", "美国（弗吉尼亚）", "0xi", "ab"),
        _r("eu-central-1", "德国（法兰克福）", "gw8", "abc"),
        _r("eu-west-1", "英国（伦敦）", "d7o", "ab"),
        _r("me-east-1", "阿联酋（迪拜）", "eb3", "a"),
    )
}

#: Regions whose default endpoint is not ``ecs.<region>.aliyuncs.com`` (both SDKs' maps).
_SPECIAL_ENDPOINTS = {
    "cn-hangzhou": "ecs-cn-hangzhou.aliyuncs.com",
    "cn-north-2-gov-1": "ecs.aliyuncs.com",
    "cn-beijing-gov-1": "ecs.aliyuncs.com",
    "cn-wuhan": "ecs.aliyuncs.com",
    "cn-zhangbei": "ecs.aliyuncs.com",
}

_ID_ALPHABET = string.ascii_lowercase + string.digits
#: Maps every byte to one of the 36 id characters (randbytes + translate: fast, in C).
_BYTE_TO_ID_CHAR = bytes(ord(_ID_ALPHABET[b % 36]) for b in range(256))
ID_BODY_LENGTH = 20


def default_endpoint(region_id: str) -> str:
    """The ECS endpoint host the SDKs use by default for a region."""
    return _SPECIAL_ENDPOINTS.get(region_id, f"ecs.{region_id}.aliyuncs.com")


def region(region_id: str) -> Region:
    """The region's data; an unlisted region gets a stable derived prefix and zones a, b."""
    known = REGIONS.get(region_id)
    if known is not None:
        return known
    digest = hashlib.sha1(region_id.encode("utf-8")).digest()
    prefix = "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:3])
    return _r(region_id, region_id, prefix, "ab")


def known_region(region_id: str, extra: Collection[str] = ()) -> bool:
    """Whether DescribeRegions lists ``region_id`` (with the ``extra`` regions)."""
    return region_id in REGIONS or region_id in extra


def unknown_region_text(region_id: object, extra: Collection[str] = ()) -> str:
    """Why ``region_id`` is refused, with the region it most likely meant."""
    import difflib  # only on the error path

    known = [*REGIONS, *extra]
    close = difflib.get_close_matches(str(region_id).lower(), known, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown region {region_id!r}{hint}. The simulator knows the regions DescribeRegions "
        f"lists ({', '.join(known)}); add one of your own with the ini option "
        f"ecs_sim_extra_regions (EcsSimulator(extra_regions=...))"
    )


def check_region(region_id: str, extra: Collection[str] = ()) -> str:
    """``region_id`` if known, else the API's ``InvalidRegionId.NotFound`` (404)."""
    if region_id in REGIONS or region_id in extra:
        return region_id
    raise EcsApiError("InvalidRegionId.NotFound", "The specified RegionId does not exist.", 404)


def python_randbytes() -> Callable[..., bytes] | None:
    """``random.Random.randbytes`` if it is the pure-Python
    ``getrandbits(n * 8).to_bytes(n, "little")`` (CPython 3.10-3.13), whose draw the id makers
    make inline, else None (then it is called)."""
    method = random.Random.randbytes
    code = getattr(method, "__code__", None)
    if code is None or method.__module__ != "random":
        return None
    names = ("getrandbits", "to_bytes")
    return method if code.co_names == names else None


#: ``random.Random.randbytes`` where a ``random.Random``'s ``randbytes(n)`` may be drawn as
#: ``getrandbits(n * 8).to_bytes(n, "little")`` (the same draw without its frame), else None.
PLAIN_RANDBYTES = python_randbytes()


def python_randint() -> Callable[..., int] | None:
    """``random.Random.randint`` if ``randint(a, b)`` is ``a`` + ``_randbelow(b - a + 1)``
    with ``_randbelow`` the pure-Python rejection draw of ``getrandbits(n.bit_length())``
    (CPython 3.10-3.13: randint -> randrange -> _randbelow_with_getrandbits), which
    ``AddressBook._draw`` makes inline, else None (then it is called)."""
    cls = random.Random
    below = getattr(cls, "_randbelow_with_getrandbits", None)
    if below is None or getattr(cls, "_randbelow", None) is not below:
        return None
    randint, randrange, draw = (getattr(f, "__code__", None) for f in
                                (cls.randint, cls.randrange, below))  # fmt: skip
    if randint is None or randrange is None or draw is None or cls.randint.__module__ != "random":
        return None
    if randint.co_names != ("randrange",) or "_randbelow" not in randrange.co_names:
        return None
    return cls.randint if draw.co_names == ("getrandbits", "bit_length") else None


#: ``random.Random.randint`` where it may be drawn inline (see :func:`python_randint`).
PLAIN_RANDINT = python_randint()


def draws_inline(rng: random.Random) -> bool:
    """Whether ``rng.randbytes(n)`` may be drawn as ``rng.getrandbits(n * 8).to_bytes(n,
    "little")``: the same draw without its frame (a plain ``random.Random`` whose
    ``randbytes`` is :data:`PLAIN_RANDBYTES`); a generator of its own is asked."""
    return type(rng) is random.Random and random.Random.randbytes is PLAIN_RANDBYTES


def random_bytes(rng: random.Random, n: int) -> bytes:
    """``rng.randbytes(n)``: the same draw, made inline where :func:`draws_inline` allows
    (one frame instead of ``randbytes``' own and its call of ``getrandbits``)."""
    if type(rng) is random.Random and random.Random.randbytes is PLAIN_RANDBYTES:
        return rng.getrandbits(n * 8).to_bytes(n, "little")
    return rng.randbytes(n)


#: (kind, region) -> the ids' fixed start and the size of their random body: every new
#: simulation makes the same few kinds of id in the same region.
_ID_HEADS: dict[tuple[str, str], tuple[str, int]] = {}
_ID_HEADS_KEPT = 4096


def new_resource_id(kind: str, region_id: str, rng: random.Random) -> str:
    """An id that looks real: ``<kind>-`` + region prefix + random, 20 characters in all."""
    parts = _ID_HEADS.get((kind, region_id))
    if parts is None:
        prefix = region(region_id).id_prefix
        parts = (f"{kind}-{prefix}", ID_BODY_LENGTH - len(prefix))
        if len(_ID_HEADS) < _ID_HEADS_KEPT:
            _ID_HEADS[(kind, region_id)] = parts
    head, size = parts
    if type(rng) is random.Random and random.Random.randbytes is PLAIN_RANDBYTES:
        raw = rng.getrandbits(size * 8).to_bytes(size, "little")  # draws_inline(rng)
    else:
        raw = rng.randbytes(size)
    return head + raw.translate(_BYTE_TO_ID_CHAR).decode()


def resource_id_parts(kind: str, region_id: str) -> tuple[str, int, bytes]:
    """What :func:`new_resource_id` works out before its draw, for a caller making many ids
    of one kind and region: ``head + rng.randbytes(size).translate(table).decode()`` is
    :func:`new_resource_id`'s id, from the same draw."""
    prefix = region(region_id).id_prefix
    return f"{kind}-{prefix}", ID_BODY_LENGTH - len(prefix), _BYTE_TO_ID_CHAR


#: English city names of the regions, for the English and Japanese zone names.
_CITIES = {
    "cn-hangzhou": "Hangzhou", "cn-shanghai": "Shanghai", "cn-qingdao": "Qingdao",
    "cn-beijing": "Beijing", "cn-zhangjiakou": "Zhangjiakou", "cn-huhehaote": "Hohhot",
    "cn-wulanchabu": "Ulanqab", "cn-shenzhen": "Shenzhen", "cn-heyuan": "Heyuan",
    "cn-guangzhou": "Guangzhou", "cn-chengdu": "Chengdu", "cn-hongkong": "Hong Kong",
    "ap-northeast-1": "Tokyo", "ap-southeast-1": "Singapore", "ap-southeast-3": "Kuala Lumpur",
    "ap-southeast-5": "Jakarta", "us-west-1": "Silicon Valley", "us-east-1": "Virginia",
    "eu-central-1": "Frankfurt", "eu-west-1": "London", "me-east-1": "Dubai",
}  # fmt: skip
_NUMBERED = pattern_on_first_use(r"(\D+?)(\d+)（")
_IN_BRACKETS = pattern_on_first_use(r".*（(.+)）")

#: The languages DescribeZones (and DescribeRegions) answer in.
LANGUAGES = ("zh-CN", "en-US", "ja")


def zone_local_name(zone_id: str, language: str = "zh-CN") -> str:
    """A zone's ``LocalName`` as DescribeZones shows it: ``华东 1 可用区 G`` (zh-CN),
    ``Hangzhou Zone G`` (en-US), ``Hangzhou ゾーン G`` (ja, our choice)."""
    region_id, _, letter = zone_id.rpartition("-")
    if not region_id:
        return zone_id
    letter = letter.upper()
    known = REGIONS.get(region_id)
    if language == "zh-CN":
        name = known.local_name if known is not None else region_id
        numbered = _NUMBERED().match(name)
        if numbered:  # the area and its number, spaced: 华东 1
            area = f"{numbered.group(1)} {numbered.group(2)}"
        else:  # the city in brackets (东京), or the whole name (中国香港)
            bracketed = _IN_BRACKETS().match(name)
            area = bracketed.group(1) if bracketed else name
        return f"{area} 可用区 {letter}"
    city = _CITIES.get(region_id, region_id)
    if language == "ja":
        return f"{city} ゾーン {letter}"
    return f"{city} Zone {letter}"
