"""The public images the simulator knows, and what DescribeInstances says of their OS.

An instance's ``ImageId`` decides its ``OSName``, ``OSNameEn`` and ``OSType``, as on the real
service; names are those the real images carry (tests/data/samples/DescribeInstances_beijing.json
shows two of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ImageSpec:
    image_id: str
    os_name: str
    os_name_en: str
    #: ``linux`` or ``windows``.
    os_type: str
    #: The image's distribution (``Platform`` of DescribeImages).
    platform: str
    architecture: str = "x86_64"


IMAGES: Mapping[str, ImageSpec] = MappingProxyType({
    i.image_id: i
    for i in (
        ImageSpec("aliyun_3_x64_20G_alibase_20240528.vhd", "Alibaba Cloud Linux  3.2104 LTS 64位",
                  "Alibaba Cloud Linux  3.2104 LTS 64 bit", "linux", "Aliyun"),
        ImageSpec("aliyun_3_x64_20G_alibase_20230424.vhd", "Alibaba Cloud Linux  3.2104 LTS 64位",
                  "Alibaba Cloud Linux  3.2104 LTS 64 bit", "linux", "Aliyun"),
        ImageSpec("ubuntu_22_04_uefi_x64_20G_alibase_20230515.vhd", "Ubuntu  22.04 64位 UEFI版",
                  "Ubuntu  22.04 64 bit UEFI Edition", "linux", "Ubuntu"),
        ImageSpec("ubuntu_22_04_x64_20G_alibase_20240530.vhd", "Ubuntu  22.04 64位",
                  "Ubuntu  22.04 64 bit", "linux", "Ubuntu"),
        ImageSpec("centos_7_9_x64_20G_alibase_20240628.vhd", "CentOS  7.9 64位",
                  "CentOS  7.9 64 bit", "linux", "CentOS"),
        ImageSpec("debian_12_6_x64_20G_alibase_20240711.vhd", "Debian  12.6 64位",
                  "Debian  12.6 64 bit", "linux", "Debian"),
        ImageSpec("aliyun_3_arm64_20G_alibase_20240528.vhd",
                  "Alibaba Cloud Linux  3.2104 LTS 64位 ARM版",
                  "Alibaba Cloud Linux  3.2104 LTS 64 bit ARM Edition", "linux", "Aliyun",
                  "arm64"),
        ImageSpec("win2022_21H2_x64_dtc_zh-cn_40G_alibase_20240617.vhd",
                  "Windows Server  2022 数据中心版 64位中文版",
                  "Windows Server  2022 Data Center Edition 64bit Chinese Edition", "windows",
                  "Windows Server 2022"),
    )
})  # fmt: skip

DEFAULT_IMAGE_ID = "aliyun_3_x64_20G_alibase_20240528.vhd"


def image(image_id: str) -> ImageSpec:
    """The image's OS; an unlisted id is a Linux image named after itself."""
    known = IMAGES.get(image_id)
    if known is not None:
        return known
    windows = image_id.lower().startswith("win")
    return ImageSpec(image_id, image_id, image_id, "windows" if windows else "linux",
                     "Windows Server 2022" if windows else "Others Linux")  # fmt: skip
