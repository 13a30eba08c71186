# ruff: noqa: RUF001  (the en dashes in ranges such as "1 to 100" are meant)
"""The pages' tables that come from the code: written into the Markdown, checked at build.

The tables live in the pages themselves, between ``<!-- begin generated: NAME ... -->`` and
``<!-- end generated: NAME -->``, so the pages are whole wherever they are read (GitHub, an
editor), not only on the built site. A new page asks for a table with a bare marker line,
``<!-- generated: NAME -->``, which the first refresh turns into a section.

* ``python docs/_hooks/generate.py --write`` rewrites the sections; without ``--write`` it
  only checks (exit status 1 and what is wrong on stderr).
* ``tests/test_docs.py`` runs the same check in the suite: a stale section fails it.
* As a mkdocs hook (``mkdocs.yml``) it injects nothing: it warns, so ``mkdocs build
  --strict`` fails, when a section is stale or the docs disagree with the code.

The sections (``NAME``):

* ``event-types``, ``numeric-codes``: the event catalog and its numeric codes.

* ``actions``: the supported API actions. The list of actions comes from the dispatcher's
  registry, and the HTTP status of ``MissingParameter`` / ``InvalidParameter`` and of each
  id-limit code from the action's own declaration. Parameter descriptions and the other
  error codes are written below (``ACTIONS``) and **checked against the code**: every
  parameter a handler reads must be documented and every documented one must be read, and
  every documented (code, status) must be raised somewhere in the package with that status.
  A mismatch is a warning, so ``mkdocs build --strict`` fails.
* ``ini-options``, ``command-line-options``: what the plugin's ``pytest_addoption`` registers.
* ``hooks``: the hook specifications, with their signatures and docstrings.
* ``ecs-sim-options``: the ``ecs-sim serve`` options, from its argparse parser.
* ``control-api``: the routes of the loopback server's ``/_sim/`` control API.
"""

import argparse
import ast
import inspect
import logging
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.generate")

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
COMMAND = "python docs/_hooks/generate.py --write"
BEGIN = "<!-- begin generated: {name} (do not edit: refresh with " + COMMAND + ") -->"
END = "<!-- end generated: {name} -->"
#: A whole section, or the bare ``<!-- generated: name -->`` marker a new page starts with.
SECTION = re.compile(
    r"^<!-- begin generated: (?P<name>[a-z-]+)\b[^\n]*-->$.*?^<!-- end generated: (?P=name) -->$"
    r"|^<!-- generated: (?P<bare>[a-z-]+) -->$",
    re.MULTILINE | re.DOTALL,
)

#: What the checks found (also logged: a warning fails ``mkdocs build --strict``).
_problems: list[str] = []
_cache: dict[str, str] = {}


def _warn(problem: str) -> None:
    _problems.append(problem)
    log.warning(problem)


# --------------------------------------------------------------------------- actions data
@dataclass
class Param:
    name: str
    text: str
    required: bool = False


@dataclass
class Err:
    code: str
    text: str
    #: None for MissingParameter, InvalidParameter and id-limit codes: read from the code.
    status: int | None = None


@dataclass
class Action:
    group: str
    summary: str
    params: list[Param]
    errors: list[Err]
    returns: str = ""
    notes: list[str] = field(default_factory=list)
    #: parameters the handler reads only to refuse them (not listed as parameters)
    refused: tuple[str, ...] = ()


def P(name: str, text: str = "", *, required: bool = False) -> Param:
    return Param(name, text, required)


def E(code: str, text: str, status: int | None = None) -> Err:
    return Err(code, text, status)


REGION = P("RegionId", "the region; only its events and instances are seen", required=True)
PAGE_100 = [
    P("PageNumber", "page, from 1 (default 1)"),
    P("PageSize", "1–100 (default 10); out of range is refused, not clamped"),
]
TOKENS = [
    P(
        "MaxResults",
        "10–100 (default 10); a smaller value counts as 10, a larger one as 100 (as documented, "
        "not refused); paging with `MaxResults`/`NextToken` instead of pages",
    ),
    P("NextToken", 'the `NextToken` of the previous response (`""` on the last page)'),
]
TIME_RANGES = [
    P("NotBefore.Start", "`yyyy-MM-ddTHH:mm:ssZ`"),
    P("NotBefore.End", ""),
    P("EventPublishTime.Start", ""),
    P("EventPublishTime.End", ""),
]
MISSING = E("MissingParameter", "a required parameter is absent (the message names it)")
INVALID = E("InvalidParameter", "a value is malformed, out of range or not one of the choices")
END_BEFORE_START = E("InvalidParameter.TimeEndBeforeStart", "an `.End` before its `.Start`", 403)
NOT_FOUND_404 = E("InvalidInstanceId.NotFound", "no such live instance", 404)
INCORRECT_STATUS = E(
    "IncorrectInstanceStatus", "the instance is not in a status the action accepts", 403
)
DRY_RUN = E("DryRunOperation", "`DryRun=true` and the request would succeed", 400)

# Tags, zones and instance types (issue 14).
_TAG_REGION = P("RegionId", "the region of the resources", required=True)
_TAG_TYPE = P(
    "ResourceType",
    "`instance` or `disk` (the simulated resources); the other documented types (`snapshot`, "
    "`image`, `securitygroup`, ...) are accepted and have no resources",
    required=True,
)
_TAG_COMMON_ERRORS = [
    E("MissingParameter.RegionId", "no `RegionId`", 404),
    E("MissingParameter.ResourceType", "no `ResourceType`", 404),
    E("InvalidResourceType.NotFound", "a `ResourceType` the API does not document", 404),
    E("NumberExceed.ResourceIds", "more than 50 `ResourceId.N`"),
    E("InvalidParameter", "a malformed list index or flag"),
]
_TYPE_RANGES = [
    P(name, text)
    for name, text in (
        ("MinimumCpuCoreCount", "vCPUs, at least"),
        ("MaximumCpuCoreCount", "vCPUs, at most"),
        ("MinimumMemorySize", "GiB, at least (decimals allowed)"),
        ("MaximumMemorySize", "GiB, at most"),
        ("MinimumCpuSpeedFrequency", "GHz, at least"),
        ("MaximumCpuSpeedFrequency", "GHz, at most"),
        ("MinimumCpuTurboFrequency", "GHz, at least"),
        ("MaximumCpuTurboFrequency", "GHz, at most"),
        ("MinimumGPUAmount", "GPUs, at least"),
        ("MaximumGPUAmount", "GPUs, at most"),
        ("MinimumBaselineCredit", "burstable types' baseline credit, at least"),
        ("MinimumInitialCredit", "burstable types' initial credit, at least"),
        ("MinimumDiskQuantity", "attachable cloud disks, at least"),
        ("MinimumEniIpv6AddressQuantity", "IPv6 addresses per ENI, at least"),
        ("MinimumEniPrivateIpAddressQuantity", "private IPv4 addresses per ENI, at least"),
        ("MinimumEniQuantity", "ENIs, at least"),
        ("MinimumEriQuantity", "elastic RDMA interfaces, at least"),
        ("MinimumInstanceBandwidthRx", "kbit/s in, at least"),
        ("MinimumInstanceBandwidthTx", "kbit/s out, at least"),
        ("MinimumInstancePpsRx", "packets/s in, at least"),
        ("MinimumInstancePpsTx", "packets/s out, at least"),
        ("MinimumLocalStorageAmount", "local disks, at least"),
        ("MinimumLocalStorageCapacity", "GiB per local disk, at least"),
        ("MinimumPrimaryEniQueueNumber", "queues of the primary ENI, at least"),
        ("MinimumSecondaryEniQueueNumber", "queues of a secondary ENI, at least"),
        ("MinimumQueuePairNumber", "QP queues per ERI, at least"),
    )
]

TAG_AND_ZONE_ACTIONS: dict[str, Action] = {
    "TagResources": Action(
        "Tags",
        "Adds tags to instances or disks (an existing key gets the new value), all or none.",
        [
            _TAG_REGION,
            _TAG_TYPE,
            P("ResourceId.N", "1 to 50 ids of live resources in the region", required=True),
            P(
                "Tag.N.Key",
                "1 to 20; 1–128 characters, not starting with `aliyun` or `acs:`, without "
                "`http://` or `https://`",
                required=True,
            ),
            P("Tag.N.Value", "0–128 characters, without `http://` or `https://` (absent: empty)"),
        ],
        [
            *_TAG_COMMON_ERRORS,
            E("MissingParameter.ResourceIds", "no `ResourceId.N`", 404),
            E("MissingParameter.Tags", "no `Tag.N`", 404),
            E("NumberExceed.Tags", "more than 20 `Tag.N`", 400),
            E("Duplicate.TagKey", "a key given twice", 400),
            E("InvalidTagKey.Malformed", "a key breaking the rules above", 400),
            E("InvalidTagValue.Malformed", "a value breaking the rules above", 400),
            E("InvalidTag.Mismatch", "a `Tag.N.Value` without its `Tag.N.Key`", 400),
            E("InvalidResourceId.NotFound", "an id that is not a live resource in the region", 404),
            E("OperationDenied.QuotaExceed", "a resource would carry more than 20 tags", 400),
        ],
        returns="nothing but `RequestId`.",
        notes=[
            "The change shows at once in DescribeInstances (`Tags`, the `Tag.N` filter), "
            "DescribeInstanceHistoryEvents' `Tag.N` filter, ListTagResources and DescribeTags.",
        ],
    ),
    "UntagResources": Action(
        "Tags",
        "Removes tags from instances or disks, all or none; a key a resource lacks is ignored.",
        [
            _TAG_REGION,
            _TAG_TYPE,
            P("ResourceId.N", "1 to 50 ids of live resources in the region", required=True),
            P("TagKey.N", "1 to 20 keys to remove"),
            P("All", "`true`: remove every tag (only without `TagKey.N`)"),
        ],
        [
            *_TAG_COMMON_ERRORS,
            E("MissingParameter.ResourceIds", "no `ResourceId.N`", 404),
            E("MissingParameter.Tags", "neither `TagKey.N` nor `All=true`", 404),
            E("NumberExceed.Tags", "more than 20 `TagKey.N`"),
            E("Duplicate.TagKey", "a key given twice", 400),
            E("InvalidTagKey.Malformed", "a key over 128 characters", 400),
            E("Param.Conflict", "`All=true` with `TagKey.N`", 403),
            E("InvalidResourceId.NotFound", "an id that is not a live resource in the region", 404),
        ],
        returns="nothing but `RequestId`.",
    ),
    "ListTagResources": Action(
        "Tags",
        "Lists the (resource, tag) pairs of the resources asked for: every tag of each "
        "resource that matches, 50 a page.",
        [
            _TAG_REGION,
            _TAG_TYPE,
            P("ResourceId.N", "at most 50; ids that do not exist give no rows"),
            P("Tag.N.Key", "1 to 20 exact filters; `acs:rm:rgId` selects a resource group"),
            P("Tag.N.Value", "with its key: that exact pair; absent: any value of the key"),
            P(
                "TagFilter.N.TagKey",
                "1 to 5 fuzzy filters: `env*` (prefix), `*env*` (infix), `env` (exact)",
            ),
            P("TagFilter.N.TagValues.N", "1 to 5 value patterns of the key (any may match)"),
            P("NextToken", 'the `NextToken` of the previous response (`""` on the last page)'),
        ],
        [
            *_TAG_COMMON_ERRORS,
            E("NumberExceed.Tags", "more than 20 `Tag.N`", 400),
            E("Duplicate.TagKey", "a key given twice in `Tag.N`", 400),
            E("InvalidParameter.TagValue", "a `Tag.N.Value` without its key", 400),
            E("InvalidTags.MalFormed", "`Tag.N` and `TagFilter.N` together", 400),
            E("InvalidTag.NotSupported", "`acs:rm:rgId` with other `Tag.N`", 400),
            E(
                "InvalidDefaultResourceGroup.NotSupported",
                "`acs:rm:rgId` with an empty value (the default group)",
                400,
            ),
            E("InvalidTagFilter.Malformed", "more than 5 `TagFilter.N`, or one without key", 403),
            E("NumberExceed.TagValues", "more than 5 `TagValues.N` in a filter", 403),
            E(
                "BothEmpty.TagsAndResources",
                "none of `ResourceId.N`, `Tag.N`, `TagFilter.N`",
                403,
            ),
            E("Invalid.NextToken", "a token this action did not give", 403),
        ],
        returns="`TagResources.TagResource[]` (`ResourceType`, `ResourceId`, `TagKey`, "
        "`TagValue`) and `NextToken`.",
    ),
    "DescribeTags": Action(
        "Tags",
        "Lists the distinct tags (key and value) of the region's resources, with how many "
        "resources of each type carry them.",
        [
            REGION,
            P("ResourceType", "only this type's resources (default: instances and disks)"),
            P("ResourceId", "only this resource's tags"),
            P("Tag.N.Key", "at most 20; a tag is shown if it matches any `Tag.N`"),
            P("Tag.N.Value", "with its key: only that pair"),
            P("Category", "`Custom` or `System` (every simulated tag is `Custom`)"),
            P("PageNumber", "page, from 1 (default 1)"),
            P("PageSize", "1–100 (default 50)"),
        ],
        [
            MISSING,
            INVALID,
            E("InvalidResourceType.NotFound", "a `ResourceType` the API does not document", 404),
        ],
        returns="`Tags.Tag[]` (`TagKey`, `TagValue`, `ResourceTypeCount` with every type), "
        "sorted by key and value, and `TotalCount`, `PageNumber`, `PageSize`.",
    ),
    "DescribeZones": Action(
        "Regions",
        "Lists a region's zones: its own and those of the account's instances there.",
        [
            P("RegionId", "one DescribeRegions lists", required=True),
            P(
                "AcceptLanguage",
                "`zh-CN` (default, `华东 1 可用区 I`), `en-US` (`Hangzhou Zone I`) or `ja`",
            ),
            P("InstanceChargeType", "`PrePaid` or `PostPaid` (default)"),
            P("SpotStrategy", "`NoSpot` (default), `SpotWithPriceLimit`, `SpotAsPriceGo`"),
            P("Verbose", "`false`: only `ZoneId`, `ZoneType`, `LocalName` (default `true`)"),
        ],
        [
            MISSING,
            INVALID,
            E("InvalidRegionId.NotFound", "a region DescribeRegions does not list", 404),
            E("InvalidAcceptLanguage.NotFound", "a language other than the three", 404),
            E("InvalidInstanceChargeType.NotFound", "another charge type", 404),
            E("InvalidSpotStrategy", "another strategy, or a spot strategy with `PrePaid`", 400),
        ],
        returns="`Zones.Zone[]` with every field of the response model: the instance types "
        "of DescribeInstanceTypes, disk and volume categories, dedicated host types.",
    ),
    "DescribeInstanceTypes": Action(
        "Instance types",
        "Describes the simulator's instance types and those the account's instances use, "
        "with every field of the response model.",
        [
            P("InstanceTypes.N", "at most 10 type ids"),
            P("InstanceTypeFamily", "e.g. `ecs.g7`"),
            P("InstanceTypeFamilies.N", "at most 10"),
            P("CpuArchitecture", "`X86` or `ARM`"),
            P("CpuArchitectures.N", "at most 2"),
            P("InstanceCategory", "e.g. `General-purpose`, `Compute-optimized with GPU`"),
            P("InstanceCategories.N", "at most 10"),
            P("InstanceFamilyLevel", "`EntryLevel`, `EnterpriseLevel` or `CreditEntryLevel`"),
            P("GPUSpec", "part of the GPU name (`NVIDIA` finds `NVIDIA A10`)"),
            P("GpuSpecs.N", "at most 10 exact GPU names"),
            P("LocalStorageCategory", "`local_hdd_pro` or `local_ssd_pro`"),
            P("LocalStorageCategories.N", "at most 2"),
            P("NvmeSupport", "`required` or `unsupported`"),
            P("PhysicalProcessorModel", "part of the processor name"),
            P("PhysicalProcessorModels.N", "at most 10 exact processor names"),
            P("AdditionalAttributes.N", "accepted; every attribute is always returned"),
            *_TYPE_RANGES,
            P("MaxResults", "1–1600 (default 1600)"),
            P("NextToken", 'the `NextToken` of the previous response (`""` on the last page)'),
        ],
        [INVALID],
        returns="`InstanceTypes.InstanceType[]`, by type id, and `NextToken`.",
        notes=["Every filter given must hold; the values of one list filter are alternatives."],
    ),
    "DescribeInstanceTypeFamilies": Action(
        "Instance types",
        "Lists the instance families of DescribeInstanceTypes with their generation.",
        [REGION, P("Generation", "only this generation, e.g. `ecs-7`")],
        [MISSING],
        returns="`InstanceTypeFamilies.InstanceTypeFamily[]` (`InstanceTypeFamilyId`, "
        "`Generation`).",
    ),
}

# Cloud Assistant (issue 15; docs/cloud-assistant.md).
_CA_REGION = P("RegionId", "the region of the command and its instances", required=True)
_CA_TAGS = [P("Tag.N.Key", "at most 20 tags kept on the record"), P("Tag.N.Value", "")]
_CA_FILTER_TAGS = [P("Tag.N.Key", "at most 20; only records carrying them"), P("Tag.N.Value", "")]
_CA_PAGES = [
    P("PageNumber", "page, from 1 (default 1)"),
    P("PageSize", "1–50 (default 10)"),
    P("MaxResults", "1–50 (default 10); a value outside is clamped"),
    P("NextToken", 'the `NextToken` of the previous response (`""` on the last page)'),
]
_CA_PAGE_ERRORS = [
    E("InvalidParam.PageNumber", "a `PageNumber` that is not a positive integer", 403),
    E("InvalidParam.PageSize", "a `PageSize` outside 1–50", 403),
]
_CA_ENCODING_OUT = P(
    "ContentEncoding", "`Base64` (default) or `PlainText`: how content and output are shown"
)
_CA_COMMAND = [
    P(
        "CommandContent",
        "the script, plain or Base64 (Base64-encoded at most 24 KB)",
        required=True,
    ),
    P(
        "ContentEncoding",
        "`PlainText` (default) or `Base64`, any case; another value counts as "
        "`PlainText` (documented)",
    ),
    P("Description", "at most 512 characters"),
    P("WorkingDir", "at most 200 characters"),
    P("Timeout", "10–86400 seconds (default 60)"),
    P("EnableParameter", "`true`: `{{name}}` placeholders are custom parameters"),
    P("Launcher", "kept and shown"),
    P("ResourceGroupId", "kept and shown; a filter of the lists"),
    *_CA_TAGS,
]
_CA_INVOKE = [
    P("InstanceId.N", "1 to 100 running instances of the region with the agent"),
    P(
        "ResourceTag.N.Key",
        "instead of (or besides) `InstanceId.N`: the region's instances carrying these tags",
    ),
    P("ResourceTag.N.Value", ""),
    P(
        "Parameters",
        'one JSON object, e.g. `{"host":"web-1"}`: at most 10 of the command\'s '
        "parameters; one not passed is the empty string",
    ),
    P(
        "RepeatMode",
        "`Once` (default) or `DryRun` (checks only); `Period`, `NextRebootOnly`, "
        "`EveryReboot` are refused (not simulated)",
    ),
    P("Timed", "`true` asks for `Period` (refused)"),
    P("Frequency", "`Period`'s schedule (refused)"),
    P("Timeout", "10–86400 seconds (default: the command's)"),
    P("WorkingDir", "at most 200 characters (default: the command's)"),
    P("Username", "at most 255 characters"),
    P("WindowsPasswordName", "at most 255 characters"),
    P("ContainerId", "kept and shown"),
    P("ContainerName", "kept and shown"),
    P("Launcher", "kept and shown"),
    P("TerminationMode", "`Process` or `ProcessTree`"),
    P("OssOutputDelivery", "kept and shown (nothing is delivered)"),
    P("ResourceGroupId", "kept; a filter of the lists"),
    P("ClientToken", "at most 64 characters: the same token returns the same invocation"),
    *_CA_TAGS,
]
_CA_INVOKE_ERRORS = [
    MISSING,
    INVALID,
    E("MissingParameter.InstanceIds", "neither `InstanceId.N` nor `ResourceTag.N`", 400),
    E("InstanceIds.ExceedLimit", "more than 100 instances"),
    E("InvalidInstance.NotFound", "an instance that does not exist in the region", 404),
    E("InvalidInstance.NotMatch", "a Linux type on a Windows instance or the reverse", 403),
    E("InvalidInstance.NoClient", "an instance without the agent (`set_cloud_assistant`)", 400),
    E("InvalidInstanceStatus", "an instance that is not `Running`", 400),
    E("MissingParam.Frequency", "`RepeatMode=Period` (or `Timed`) without `Frequency`", 403),
    E("Parameter.Disabled", "`Parameters` for a command without `EnableParameter`", 404),
    E("ParameterCount.ExceedLimit", "more than 10 `Parameters`", 403),
    E("ParameterKey.ExceedLimit", "a parameter name over 64 characters", 403),
    E("ParameterKey.Duplicate", "a name given twice (names are case-insensitive)", 403),
    E("Parameter.NotMatched", "a parameter the command does not define", 403),
    E("CmdContent.ExceedLimit", "the substituted content over 24 KB in Base64", 403),
    E("Username.ExceedLimit", "a `Username` over 255 characters", 403),
    E("DryRunOperation", "`RepeatMode=DryRun` and every check passed", 400),
]
_CA_CONTENT_ERRORS = [
    E("InvalidCmdType.NotFound", "a `Type` other than the three", 403),
    E("CmdName.ExceedLimit", "a `Name` over 128 characters", 403),
    E("CmdDesc.ExceedLimit", "a `Description` over 512 characters", 403),
    E("CmdContent.ExceedLimit", "content over 24 KB in Base64", 403),
    E("CmdParam.EmptyKey", "`{{}}` with no name (with `EnableParameter`)", 403),
    E("CmdParam.InvalidParamName", "a name with other than letters, digits, `-`, `_`", 403),
    E("CmdParamName.ExceedLimit", "a parameter name over 64 characters", 403),
    E("CmdParamCount.ExceedLimit", "more than 20 custom parameters (our code)", 403),
]
_CA_TYPE = P(
    "Type",
    "`RunShellScript` (Linux), `RunPowerShellScript` or `RunBatScript` (Windows)",
    required=True,
)

CLOUD_ASSISTANT_ACTIONS: dict[str, Action] = {
    "RunCommand": Action(
        "Cloud Assistant",
        "Creates a command and runs it on instances at once (each run: `Pending`, `Running` "
        "1 s later, then what the test's `on_command` script says).",
        [
            _CA_REGION,
            _CA_TYPE,
            P("Name", "at most 128 characters"),
            P(
                "KeepCommand",
                "`true`: DescribeCommands lists the command and InvokeCommand may "
                "run it again; `false` (default): it is deleted once run",
            ),
            P("EnableParameter", "`true`: `{{name}}` placeholders are custom parameters"),
            *[
                q
                for q in _CA_COMMAND
                if q.name
                not in (
                    "EnableParameter",
                    "Tag.N.Key",
                    "Tag.N.Value",
                    "Timeout",
                    "WorkingDir",
                    "Launcher",
                    "ResourceGroupId",
                )
            ],
            *_CA_INVOKE,
        ],
        [*_CA_INVOKE_ERRORS, *_CA_CONTENT_ERRORS],
        returns="`CommandId` and `InvokeId`.",
        notes=["See [Cloud Assistant](cloud-assistant.md) for the statuses and the scripts."],
    ),
    "CreateCommand": Action(
        "Cloud Assistant",
        "Creates a command (its custom parameters are read from its `{{name}}` placeholders).",
        [
            _CA_REGION,
            P("Name", "at most 128 characters", required=True),
            _CA_TYPE,
            *_CA_COMMAND,
            P("ClientToken", "accepted (each call creates a command)"),
        ],
        [MISSING, INVALID, *_CA_CONTENT_ERRORS],
        returns="`CommandId`.",
    ),
    "DescribeCommands": Action(
        "Cloud Assistant",
        "Lists the account's commands, newest first (RunCommand's own only with `KeepCommand`).",
        [
            _CA_REGION,
            P("CommandId", ""),
            P("Name", "exact name"),
            P("Type", ""),
            P("Description", "exact description"),
            P("Provider", "a common commands' provider: the account has none, so it keeps none"),
            P("Latest", "accepted (every command is at its only version)"),
            P("ResourceGroupId", ""),
            _CA_ENCODING_OUT,
            *_CA_FILTER_TAGS,
            *_CA_PAGES,
        ],
        [INVALID, *_CA_PAGE_ERRORS],
        returns="`Commands.Command[]` (with `ParameterNames`, `ParameterDefinitions`, "
        "`InvokeTimes`, `Tags`...), `TotalCount`, `PageNumber`, `PageSize`, `NextToken`.",
    ),
    "DeleteCommand": Action(
        "Cloud Assistant",
        "Deletes a command; its invocations and their results remain.",
        [_CA_REGION, P("CommandId", "", required=True)],
        [MISSING, E("InvalidCmdId.NotFound", "no such command in the region", 404)],
    ),
    "InvokeCommand": Action(
        "Cloud Assistant",
        "Runs a created command on instances.",
        [_CA_REGION, P("CommandId", "", required=True), *_CA_INVOKE],
        [*_CA_INVOKE_ERRORS, E("InvalidCmdId.NotFound", "no such command in the region", 404)],
        returns="`InvokeId`.",
    ),
    "DescribeInvocations": Action(
        "Cloud Assistant",
        "Lists invocations, newest first, with each instance's run.",
        [
            _CA_REGION,
            P("InvokeId", ""),
            P("CommandId", ""),
            P("CommandName", ""),
            P("CommandType", ""),
            P(
                "InvokeStatus",
                "the overall `InvocationStatus` or the older `InvokeStatus` "
                "(`Running`, `Finished`, `Success`, `Failed`, `PartialFailed`, `Stopped`, "
                "`Stopping`, `Pending`, `Scheduled`)",
            ),
            P("InstanceId", "only invocations that ran on it"),
            P("RepeatMode", ""),
            P("Timed", "`true` keeps none (every run is `Once`)"),
            P("IncludeOutput", "`true`: each run's `Output`"),
            P("ResourceGroupId", ""),
            _CA_ENCODING_OUT,
            *_CA_FILTER_TAGS,
            *_CA_PAGES,
        ],
        [INVALID, *_CA_PAGE_ERRORS],
        returns="`Invocations.Invocation[]` (`InvocationStatus`, `InvokeStatus`, "
        "`InvokeInstances.InvokeInstance[]`...), `TotalCount`, `PageNumber`, `PageSize`, "
        "`NextToken`.",
    ),
    "DescribeInvocationResults": Action(
        "Cloud Assistant",
        "Lists each instance's run (newest invocation first): status, output, exit code, times.",
        [
            _CA_REGION,
            P("InvokeId", ""),
            P("InstanceId", ""),
            P("CommandId", ""),
            P(
                "InvokeRecordStatus",
                "`Running`, `Finished`, `Failed`, `Stopped`, `Stopping`, `Pending` or `Scheduled`",
            ),
            P("IncludeHistory", "accepted (a run-once invocation has no history)"),
            P("ResourceGroupId", ""),
            _CA_ENCODING_OUT,
            *_CA_FILTER_TAGS,
            *_CA_PAGES,
        ],
        [INVALID, *_CA_PAGE_ERRORS],
        returns="`Invocation.InvocationResults.InvocationResult[]` (`InvocationStatus`, "
        "`InvokeRecordStatus`, `Output`, `ExitCode`, `ErrorCode`, `ErrorInfo`, `StartTime`, "
        "`FinishedTime`, `StopTime`...), `Invocation.TotalCount`... .",
    ),
    "StopInvocation": Action(
        "Cloud Assistant",
        "Stops an invocation's unfinished runs: `Pending` ones are `Cancelled`, `Running` ones "
        "`Terminated`.",
        [
            _CA_REGION,
            P("InvokeId", "", required=True),
            P("InstanceId.N", "only these instances' runs (default: all)"),
        ],
        [
            MISSING,
            INVALID,
            E("InstanceIds.ExceedLimit", "more than 100 `InstanceId.N`"),
            E("InvalidInvokeId.NotFound", "no such invocation in the region", 400),
            E("InvalidInstance.NotFound", "an instance the invocation did not run on", 404),
        ],
    ),
    "DescribeCloudAssistantStatus": Action(
        "Cloud Assistant",
        "Whether each instance's agent is installed and running.",
        [
            _CA_REGION,
            P("InstanceId.N", "at most 50 (default: the region's instances)"),
            P("OSType", "`Linux` or `Windows`"),
            *_CA_PAGES,
        ],
        [
            INVALID,
            *_CA_PAGE_ERRORS,
            E("InstanceIds.ExceedLimit", "more than 50 `InstanceId.N`"),
            E("InvalidInstance.NotFound", "an instance that does not exist in the region", 404),
        ],
        returns="`InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[]` "
        "(`CloudAssistantStatus` `true`/`false`, `CloudAssistantVersion`, `ActiveTaskCount`, "
        "`InvocationCount`, `OSType`...), `TotalCount`, `PageNumber`, `PageSize`, `NextToken`.",
    ),
}

ACTIONS: dict[str, Action] = {
    "CreateSimulatedSystemEvents": Action(
        "System events",
        "Schedules a simulated event (a drill) for each instance.",
        [
            REGION,
            P(
                "EventType",
                "one of the 7 simulatable types: `SystemMaintenance.Reboot`, `.Stop`, "
                "`.Redeploy`, `SystemFailure.Reboot`, `.Redeploy`, `.Stop`, "
                "`InstanceFailure.Reboot`",
                required=True,
            ),
            P("NotBefore", "`yyyy-MM-ddTHH:mm:ssZ`, not in the past", required=True),
            P("InstanceId.N", "at most 100; duplicates count once", required=True),
            P("TriggerRealOps", "`true` is refused: the simulator never performs real operations"),
        ],
        [
            MISSING,
            E(
                "InvalidParameter",
                "a type that cannot be simulated, a bad time, `TriggerRealOps=true`",
            ),
            E("InstanceIdLimitExceeded", "more than 100 `InstanceId.N`"),
            E("InvalidNotBefore.Passed", "`NotBefore` is before the virtual now", 403),
            E("InvalidInstanceId.NotFound", "an instance that does not exist in the region", 404),
            E(
                "SimulatedEventLimitExceeded",
                "more than 1000 simulated events would be `Scheduled` in the account",
                403,
            ),
        ],
        returns="`EventIdSet.EventId[]`: one id per instance, in input order.",
        notes=[
            "Maintenance types start `Scheduled`; failure types start `Executing`. Simulated "
            "events never change the instance (see [Simulated and platform events](events.md)).",
        ],
    ),
    "CancelSimulatedSystemEvents": Action(
        "System events",
        "Calls off simulated events: `Scheduled` or `Executing` ones become `Canceled`.",
        [REGION, P("EventId.N", "at most 100", required=True)],
        [
            MISSING,
            INVALID,
            E("EventIdLimitExceeded", "more than 100 `EventId.N`"),
            E("InvalidEventId.NotFound", "no such event in the region", 403),
            E(
                "CannotCancelSystemEvent.NotSimulated",
                "a platform event (from `inject_event`)",
                403,
            ),
        ],
        notes=[
            "An event that has already finished is left as it is and the call succeeds "
            "(idempotent, [our choice](fidelity.md)).",
        ],
    ),
    "DescribeInstanceHistoryEvents": Action(
        "System events",
        "Lists events, newest first.",
        [
            REGION,
            P("InstanceId", "one instance"),
            P("ResourceId.N", "at most 100 instances; wins over `InstanceId`"),
            P("EventId.N", "at most 100"),
            P("EventType", "one event type"),
            P("InstanceEventType.N", "at most 30 types; wins over `EventType`"),
            P("EventCycleStatus", "one state"),
            P(
                "InstanceEventCycleStatus.N",
                "at most 7 states; wins over `EventCycleStatus`. **Without either, only "
                "finished events are listed** (`Executed`, `Avoided`, `Canceled`, `Failed`)",
            ),
            *TIME_RANGES,
            P("ResourceType", "`instance` (default), `ddh` or `managedhost` (always empty)"),
            P("ImpactLevel", "simulated events have `100`, platform events none"),
            P("Tag.N.Key", "at most 20 tags; the instance must carry every one"),
            P("Tag.N.Value", "optional: without it any value matches"),
            P("ResourceGroupId", "accepted and ignored"),
            *PAGE_100,
            *TOKENS,
        ],
        [
            MISSING,
            INVALID,
            E("EventIdLimitExceeded", "more than 100 `EventId.N`"),
            END_BEFORE_START,
        ],
        returns=(
            "`TotalCount`, `PageNumber`, `PageSize`, `InstanceSystemEventSet."
            "InstanceSystemEventType[]` and, when paging with `MaxResults`/`NextToken`, "
            "`NextToken` (absent when paging by `PageNumber`, as in the real captures)."
        ),
        notes=[
            "Finished events older than 30 days (by finish time) are no longer listed.",
            "`MaxResults` of 0 or less is refused (`InvalidParameter`): the documentation "
            "clamps only values greater than 0.",
            "Results are newest first, by creation order ([our choice](fidelity.md)).",
        ],
    ),
    "DescribeInstancesFullStatus": Action(
        "System events",
        "Lists instances with their status, health and **`Scheduled`** events.",
        [
            REGION,
            P("InstanceId.N", "at most 100"),
            P("EventId.N", "at most 100; keeps instances with one of these events `Scheduled`"),
            P("Status", "`Starting`, `Running` or `Stopped`"),
            P("HealthStatus", "`Ok`, `Warning`, `Impaired`, `NotApplicable`, ..."),
            P("EventType", "one event type"),
            P("InstanceEventType.N", "at most 30; wins over `EventType`"),
            *TIME_RANGES,
            *PAGE_100,
        ],
        [
            MISSING,
            INVALID,
            E("InstanceIdLimitExceeded", "more than 100 `InstanceId.N`"),
            E("EventIdLimitExceeded", "more than 100 `EventId.N`"),
            END_BEFORE_START,
        ],
        returns=(
            "`InstanceFullStatusSet.InstanceFullStatusType[]`, each with `Status`, "
            '`HealthStatus` and `ScheduledSystemEventSet`; `NextToken` is always `""` (a real '
            "capture has it, though the action pages by `PageNumber` only)."
        ),
        notes=[
            "Only `Scheduled` events appear, so an `Executing` failure event does not. "
            "`HealthStatus` is `Impaired` (128) if an event of the instance is `Inquiring` or "
            "`Executing`, else `Warning` (64) if one is `Scheduled`, else `NotApplicable` (4) "
            "if the instance is not `Running`, else `Ok` (0).",
            "An event or time filter keeps only the instances that have a matching "
            "`Scheduled` event.",
        ],
    ),
    "AcceptInquiredSystemEvent": Action(
        "System events",
        "Answers an `Inquiring` platform event: it starts `Executing` now.",
        [REGION, P("EventId", "", required=True), P("Choice", "accepted")],
        [
            MISSING,
            INVALID,
            E(
                "InvalidEventId.NoInquiringEventFound",
                "no such event, or it is not `Inquiring`",
                404,
            ),
            E(
                "OperationDenied.AcceptNotSupported",
                "the event's type does not ask (not one of the documented `Inquiring` types), "
                "or its `ExtendedAttribute.CanAccept` is `false`",
                403,
            ),
            E(
                "IncorrectInstanceStatus",
                "the instance is not `Running` or `Stopped` (an action is under way)",
                400,
            ),
            E("OperationConflict", "another platform event is `Executing` on the instance", 403),
        ],
    ),
    "ModifySystemEventAttribute": Action(
        "System events",
        "Moves the `NotBefore` of a `Scheduled` event.",
        [
            REGION,
            P("EventId", "", required=True),
            P("InstanceId", "the event's instance", required=True),
            P("NotBefore", "the new time, not in the past", required=True),
        ],
        [
            MISSING,
            E("InvalidParameter", "a bad time, or an `InstanceId` that is not the event's", 400),
            E("InvalidEventId.NotFound", "no such event in the region", 404),
            E("IncorrectEventStatus", "the event is not `Scheduled`", 403),
            E("InvalidNotBefore.Passed", "the new `NotBefore` is in the past", 403),
        ],
        notes=[
            "The first original time is kept in `ExtendedAttribute.InitialNotBefore`. The "
            "error codes of this action are [our choice](fidelity.md).",
        ],
    ),
    "DescribeInstanceStatus": Action(
        "Instances",
        "Lists the status of instances.",
        [
            REGION,
            P("InstanceId.N", "at most 100"),
            P("ZoneId", "a zone of the region"),
            P("PageNumber", "page, from 1 (default 1)"),
            P("PageSize", "1–50 (default 10)"),
        ],
        [
            MISSING,
            INVALID,
            E("InvalidParameter.TooManyInstanceIds", "more than 100 `InstanceId.N`"),
            E("InvalidZoneId.NotFound", "a zone that the region does not have", 404),
            E(
                "Abs.InvalidInstanceIds.MalFormed",
                "an id with spaces, commas or brackets, or over 64 characters",
                403,
            ),
        ],
        returns="`InstanceStatuses.InstanceStatus[]` with `InstanceId` and `Status`.",
    ),
    "DescribeInstances": Action(
        "Instances",
        "Lists instances with every field of the real capture (54 per instance; `Tags` and "
        "`KeyPairName` only when set). All documented filters combine with AND.",
        [
            REGION,
            P(
                "InstanceIds",
                'one JSON array of ids, such as `["i-a","i-b"]`, at most 100; `[]` matches nothing',
            ),
            P("Status", "`Pending`, `Starting`, `Running`, `Stopping` or `Stopped`"),
            P("ZoneId", ""),
            P("VpcId", ""),
            P("VSwitchId", ""),
            P("InstanceType", "e.g. `ecs.c7.large`"),
            P("InstanceTypeFamily", "e.g. `ecs.c7`"),
            P("InstanceChargeType", "`PostPaid` or `PrePaid`"),
            P("InternetChargeType", "`PayByTraffic` or `PayByBandwidth`"),
            P("InstanceNetworkType", "`vpc` (every simulated instance) or `classic` (none)"),
            P("ImageId", ""),
            P("InstanceName", "at most 128 characters; `*` is the only wildcard"),
            P("PrivateIpAddresses", "JSON array, at most 100"),
            P("PublicIpAddresses", "JSON array, at most 100"),
            P("EipAddresses", "JSON array, at most 100"),
            P("InnerIpAddresses", "JSON array (classic network: matches nothing)"),
            P("RdmaIpAddresses", "JSON array (no simulated instance has one)"),
            P("Ipv6Address.N", "no simulated instance has one"),
            P("SecurityGroupId", ""),
            P("ResourceGroupId", ""),
            P("KeyPairName", ""),
            P(
                "LockReason",
                "`financial`, `security`, `Recycling`, `dedicatedhostfinancial`, `refunded`",
            ),
            P("IoOptimized", "`true` or `false`"),
            P("DeviceAvailable", "`true` or `false`"),
            P("HpcClusterId", "no simulated instance is in one"),
            P("HttpEndpoint", "`enabled` (every simulated instance) or `disabled`"),
            P("HttpTokens", "`optional` (every simulated instance) or `required`"),
            P("HttpPutResponseHopLimit", "1–64"),
            P("Tag.N.Key", "at most 20 tags"),
            P("Tag.N.Value", ""),
            P(
                "Filter.N.Key",
                "`CreationStartTime`, `CreationEndTime`, `ExpiredStartTime`, `ExpiredEndTime`",
            ),
            P("Filter.N.Value", "`yyyy-MM-ddTHH:mmZ`"),
            P("AdditionalAttributes.N", "accepted"),
            P("NeedSaleCycle", "`true`: `SaleCycle` is `Month` for subscriptions"),
            P("DryRun", "`true`: check only"),
            *PAGE_100,
            *TOKENS,
        ],
        [
            MISSING,
            INVALID,
            E("InvalidStatus.NotFound", "an unknown `Status`", 404),
            DRY_RUN,
        ],
        returns="`Instances.Instance[]`, `TotalCount`, `PageNumber`, `PageSize`, `NextToken`.",
    ),
    "DescribeInstanceAttribute": Action(
        "Instances",
        "One instance's attributes, the same values as `DescribeInstances`.",
        [P("InstanceId", "", required=True)],
        [MISSING, INVALID, NOT_FOUND_404],
        notes=["It takes no `RegionId`: the instance is found by its id alone."],
    ),
    "ModifyInstanceAttribute": Action(
        "Instances",
        "Changes an instance's name, description, host name, password (never shown), user "
        "data, deletion protection, security groups, burst mode and more; every later "
        "`Describe*` and notification shows the change. All checked before any is applied.",
        [
            P("InstanceId", "", required=True),
            P("InstanceName", "2–128 characters, a letter first; letters, digits, `:`, `_`, `-`"),
            P("Description", "2–256 characters, not `http://`/`https://`"),
            P(
                "HostName",
                "Linux: 2–64, dot-separated segments; Windows: 2–15; not while "
                "`Pending`/`Starting`",
            ),
            P("Password", "8–30 characters of three kinds; not while `Starting`"),
            P("UserData", "Base64, 32 KB raw at most; `Stopped` only"),
            P("DeletionProtection", "`true` or `false`"),
            P("SecurityGroupIds.N", "`sg-…`, distinct, at most 5; replaces the groups"),
            P("CreditSpecification", "`Standard` or `Unlimited` (burstable `ecs.t5`/`ecs.t6`)"),
            P("NetworkInterfaceQueueNumber", "-1 or 1–64; `Stopped` only"),
            P("EnableJumboFrame", "`true` or `false`"),
            P("EnableNetworkEncryption", "accepted"),
            P("Recyclable", "accepted"),
            P("CpuOptions.Core", "`Stopped` only"),
            P("CpuOptions.ThreadsPerCore", ""),
            P("CpuOptions.TopologyType", ""),
            P("CpuOptions.NestedVirtualization", ""),
            P("CpuOptions.EnableVISST", ""),
            P("CpuOptions.EnableVRDT", ""),
            P("CpuOptions.TurboMode", ""),
            P("PrivateDnsNameOptions.EnableInstanceIdDnsAAAARecord", "accepted"),
            P("PrivateDnsNameOptions.EnableInstanceIdDnsARecord", ""),
            P("PrivateDnsNameOptions.EnableIpDnsARecord", ""),
            P("PrivateDnsNameOptions.EnableIpDnsPtrRecord", ""),
            P("PrivateDnsNameOptions.HostnameType", "`Custom`, `IpBased`, `InstanceIdBased`"),
            P("RemoteConnectionOptions.Password", "accepted"),
            P("RemoteConnectionOptions.Type", ""),
        ],
        [
            MISSING,
            INVALID,
            NOT_FOUND_404,
            E("InvalidInstanceName.Malformed", "a name against the rule", 400),
            E("InvalidDescription.Malformed", "a description against the rule", 400),
            E("InvalidHostName.Malformed", "a host name against the rule", 400),
            E("InvalidPassword.Malformed", "a password against the rule", 400),
            E("InvalidUserData.SizeExceeded", "user data over 32 KB", 400),
            E("InvalidSecurityGroupId.Duplicated", "a group given twice", 400),
            E("InvalidSecurityGroupId.MultiGroupLimit", "more than 5 groups", 403),
            E("InvalidSecurityGroupId.NotFound", "a group id that is not `sg-…`", 404),
            E(
                "InvalidInstanceType.NotSupportCredit",
                "`CreditSpecification` on a type that is not burstable",
                403,
            ),
            E("IncorrectInstanceStatus", "a change the instance's status does not allow", 403),
        ],
    ),
    "StartInstances": Action(
        "Instances",
        "Starts `Stopped` instances (Starting → Running), as `StartInstance` does for each.",
        [
            REGION,
            P("InstanceId.N", "at most 100", required=True),
            P("DryRun", "`true`: check only"),
            P("BatchOptimization", "`AllTogether` (default) or `SuccessFirst`"),
        ],
        [
            MISSING,
            INVALID,
            E("InvalidParameter.TooManyInstanceIds", "more than 100 `InstanceId.N`"),
            E("Abs.InvalidInstanceIds.MalFormed", "an id that cannot be an id", 403),
            E("InvalidInstanceIds.NotFound", "an instance that does not exist", 404),
            E("IncorrectInstanceStatus", "with `AllTogether`, one not `Stopped`", 403),
            E("DRYRUN.SUCCESS", "`DryRun=true` (with `SuccessFirst`: always)", 400),
        ],
        returns="`InstanceResponses.InstanceResponse[]` (`Code` `200` or the error code, "
        "`Message`, `InstanceId`, `PreviousStatus`, `CurrentStatus`).",
    ),
    "StopInstances": Action(
        "Instances",
        "Stops `Running` instances (Stopping → Stopped), as `StopInstance` does for each: "
        "the same events are avoided.",
        [
            REGION,
            P("InstanceId.N", "at most 100", required=True),
            P("DryRun", "`true`: check only"),
            P("BatchOptimization", "`AllTogether` (default) or `SuccessFirst`"),
            P("ForceStop", "`true` or `false`"),
            P(
                "StoppedMode",
                "`StopCharging` (pay-as-you-go only; others stop in "
                "`KeepCharging`, no error) or `KeepCharging` (default)",
            ),
        ],
        [
            MISSING,
            INVALID,
            E("InvalidParameter.TooManyInstanceIds", "more than 100 `InstanceId.N`"),
            E("Abs.InvalidInstanceIds.MalFormed", "an id that cannot be an id", 403),
            E("InvalidInstanceIds.NotFound", "an instance that does not exist", 404),
            E("IncorrectInstanceStatus", "with `AllTogether`, one not `Running`", 403),
            E("DRYRUN.SUCCESS", "`DryRun=true` (with `SuccessFirst`: always)", 400),
        ],
        returns="as `StartInstances`.",
    ),
    "RebootInstance": Action(
        "Instances",
        "Reboots a `Running` instance: Stopping → Starting → Running, 5 s per step. It "
        "avoids a `Scheduled` `SystemMaintenance.Reboot` event whose `NotBefore` has not come.",
        [
            P("InstanceId", "", required=True),
            P("ForceStop", "`true` or `false`"),
            P("DryRun", "`true`: check only"),
        ],
        [MISSING, INVALID, NOT_FOUND_404, INCORRECT_STATUS, DRY_RUN],
        notes=["It takes no `RegionId`: the instance is found by its id alone."],
    ),
    "RebootInstances": Action(
        "Instances",
        "Reboots several instances, as `RebootInstance` does for each.",
        [
            REGION,
            P("InstanceId.N", "at most 100", required=True),
            P("ForceReboot", "`true` or `false`"),
            P("DryRun", "`true`: check only"),
            P(
                "BatchOptimization",
                "`AllTogether` (default: all or none) or `SuccessFirst` (reboot those that can)",
            ),
        ],
        [
            MISSING,
            INVALID,
            E("InvalidParameter.TooManyInstanceIds", "more than 100 `InstanceId.N`"),
            E("InvalidInstanceIds.NotFound", "an instance that does not exist", 404),
            E(
                "IncorrectInstanceStatus",
                "with `AllTogether`, an instance that is not `Running`",
                403,
            ),
            E("DRYRUN.SUCCESS", "`DryRun=true` and the request would succeed", 400),
        ],
        returns=(
            "`InstanceResponses.InstanceResponse[]` with `Code`, `Message`, `InstanceId`, "
            "`PreviousStatus` and `CurrentStatus`; with `SuccessFirst`, an instance that is "
            "not `Running` gets `Code` `IncorrectInstanceStatus` and its message, as the batch "
            "start and stop do."
        ),
    ),
    "StopInstance": Action(
        "Instances",
        "Stops a `Running` instance: Stopping → Stopped. It avoids a `Scheduled` platform "
        "`SystemMaintenance.Stop` event.",
        [
            P("InstanceId", "", required=True),
            P("ForceStop", ""),
            P("StoppedMode", "`KeepCharging`, `StopCharging` or `Not-applicable`"),
            P("ConfirmStop", ""),
            P("Hibernate", ""),
            P("DryRun", "`true`: check only"),
        ],
        [MISSING, INVALID, NOT_FOUND_404, INCORRECT_STATUS, DRY_RUN],
    ),
    "StartInstance": Action(
        "Instances",
        "Starts a `Stopped` instance: Starting → Running.",
        [
            P("InstanceId", "", required=True),
            P("InitLocalDisk", ""),
            P("DryRun", "`true`: check only"),
        ],
        [MISSING, INVALID, NOT_FOUND_404, INCORRECT_STATUS, DRY_RUN],
    ),
    "RedeployInstance": Action(
        "Instances",
        "Moves a `Running` or `Stopped` instance to another host. It avoids `Scheduled` or "
        "`Inquiring` **platform** `SystemMaintenance.Reboot`, `SystemMaintenance.Redeploy` and "
        "`SystemFailure.Redeploy` events, and never acts on simulated ones.",
        [P("InstanceId", "", required=True), P("ForceStop", "")],
        [MISSING, INVALID, NOT_FOUND_404, INCORRECT_STATUS],
        returns="`TaskId`.",
    ),
    "DeleteInstance": Action(
        "Instances",
        "Releases an instance now: it leaves every describe action, and later calls naming "
        "it get `InvalidInstanceId.NotFound`. An active **platform** `SystemFailure.Delete` "
        "of the instance becomes `Avoided` (even while `Executing`): the user released it first.",
        [
            P("InstanceId", "", required=True),
            P("Force", "`true`: release it whatever its status; else it must be `Stopped`"),
            P("ForceStop", "accepted"),
            P("TerminateSubscription", "accepted"),
            P("DryRun", "`true`: check only"),
        ],
        [MISSING, INVALID, NOT_FOUND_404, INCORRECT_STATUS, DRY_RUN],
    ),
    "ModifyInstanceMaintenanceAttributes": Action(
        "Instances",
        "Sets the maintenance window and action of instances (it never moves an event).",
        [
            REGION,
            P("InstanceId.N", "at most 100"),
            P(
                "MaintenanceWindow.1.StartTime",
                "`HH:00:00`; one window only, and with a start both ends are needed",
            ),
            P("MaintenanceWindow.1.EndTime", "`HH:00:00`, 1 to 23 hours after the start"),
            P("ActionOnMaintenance", "`Stop`, `AutoRecover` or `AutoRedeploy`"),
            P("NotifyOnMaintenance", "`true` or `false`"),
        ],
        [
            MISSING,
            INVALID,
            NOT_FOUND_404,
            E("InstanceIdLimitExceeded", "more than 100 `InstanceId.N`", 403),
        ],
        refused=("MaintenanceWindow.2.StartTime", "MaintenanceWindow.2.EndTime"),
    ),
    "DescribeInstanceMaintenanceAttributes": Action(
        "Instances",
        "Lists the maintenance attributes of instances (window `02:00:00`–`06:00:00` and "
        "`AutoRecover` unless set).",
        [REGION, P("InstanceId.N", "at most 100"), *PAGE_100],
        [
            MISSING,
            INVALID,
            E("InvalidInstanceId.NotFound", "an `InstanceId.N` names no live instance", 404),
            E("InstanceIdLimitExceeded", "more than 100 `InstanceId.N`", 403),
        ],
        returns="`MaintenanceAttributes.MaintenanceAttribute[]`.",
    ),
    "DescribeRegions": Action(
        "Regions",
        "Lists the regions the simulator knows, with their `RegionEndpoint`.",
        [
            P("AcceptLanguage", "`zh-CN`, `en-US` or `ja`"),
            P(
                "InstanceChargeType",
                "`PrePaid`, `PostPaid`, `SpotWithPriceLimit` or `SpotAsPriceGo`",
            ),
            P("ResourceType", "`instance`, `disk`, `reservedinstance` or `scu`"),
        ],
        [INVALID],
    ),
    **TAG_AND_ZONE_ACTIONS,
    "DescribeDisks": Action(
        "Disks",
        "Lists the account's disks (each instance's system disk, and the data disks "
        "`add_disk` adds). Every filter narrows the answer (logical AND).",
        [
            P("RegionId", "the region; absent: `MissingParamter.RegionId`", required=True),
            P("ZoneId", "a zone of the region"),
            P("DiskIds", "one JSON array of ids, at most 100; `[]` keeps nothing"),
            P("InstanceId", "the instance the disk is attached to"),
            P("DiskType", "`all` (default), `system` or `data`"),
            P("Category", "`all` or a category (`cloud_essd`, `cloud_ssd`, ...)"),
            P(
                "Status",
                "`All` (default), `In_use`, `Available`, `Attaching`, `Detaching`, "
                "`Creating` or `ReIniting`",
            ),
            P("DiskName", "the exact name"),
            P("DiskChargeType", "`PrePaid` or `PostPaid`"),
            P("PerformanceLevel", "`PL0` to `PL3`"),
            P("Portable", "`true` for pay-as-you-go data disks"),
            P("DeleteWithInstance", "`true` or `false`"),
            P("DeleteAutoSnapshot", "`true` keeps nothing (our disks keep their snapshots)"),
            P("EnableAutoSnapshot", "`false` keeps nothing"),
            P("EnableAutomatedSnapshotPolicy", "`true` keeps nothing (no policies)"),
            P("Encrypted", "`true` keeps nothing (no encrypted disks)"),
            P("EnableShared", "`true` keeps nothing (no Shared Block Storage)"),
            P("MultiAttach", "`Disabled`, `Enabled` or `LegacyShared`"),
            P("LockReason", "`financial`, `security`, `recycling` or `dedicated`: keeps nothing"),
            P("SnapshotId", "keeps nothing (no snapshots)"),
            P("AutoSnapshotPolicyId", "keeps nothing"),
            P("KMSKeyId", "keeps nothing"),
            P("ResourceGroupId", "the disk's resource group (its instance's)"),
            P("Tag.N.Key", "at most 20 tags (`Tag.N.key` too)"),
            P("Tag.N.Value", ""),
            P("Filter.N.Key", "`CreationStartTime` or `CreationEndTime`"),
            P("Filter.N.Value", "`yyyy-MM-ddTHH:mmZ`"),
            P("AdditionalAttributes.N", "`Placement` adds `Placement` to regional disks"),
            P("DryRun", "`true`: validate only"),
            P("PageNumber", "page, from 1 (default 1)"),
            P("PageSize", "1–100 (default 10)"),
            P("MaxResults", "10–500 (default 10); a value outside is clamped, as documented"),
            P("NextToken", 'the `NextToken` of the previous response (`""` on the last page)'),
        ],
        [
            E("MissingParamter.RegionId", "no `RegionId` (the code is spelt so)", 400),
            INVALID,
            E("InvalidParameter.DiskIds", "`DiskIds` is not a JSON array of strings", 400),
            E("InvalidDiskIds.Malformed", "more than 100 `DiskIds`", 403),
            E("InvalidDiskType.ValueNotSupported", "an unknown `DiskType`", 400),
            E("InvalidCategory.ValueNotSupported", "an unknown `Category`", 400),
            E("InvalidStatus.ValueNotSupported", "an unknown `Status`", 400),
            E("InvalidDiskChargeType.NotFound", "an unknown `DiskChargeType`", 404),
            E("InvalidLockReason.NotFound", "an unknown `LockReason`", 404),
            E("InvalidParameter.MultiAttach", "an unknown `MultiAttach`", 403),
            E(
                "InvalidParameter.MultiAttachAndEnableSharedNotMatch",
                "`EnableShared=true` with `MultiAttach` other than `LegacyShared`",
                403,
            ),
            E("InvalidTag.Mismatch", "a `Tag.N.Value` without its `Tag.N.Key`", 400),
            E("InvalidTagCount", "more than 20 tags", 400),
            E("InvalidFilterKey.NotFound", "a `Filter.N.Key` other than the two", 404),
            E("InvalidFilterValue", "a `Filter.N.Value` that is not a time", 404),
            E("InvalidZoneId.NotFound", "a zone the region does not have", 400),
            DRY_RUN,
        ],
        returns="`Disks.Disk[]` with every field of the SDK model (`Attachments.Attachment[]`, "
        "`Tags.Tag[]`, `OperationLocks.OperationLock[]`, `MountInstances.MountInstance[]`, "
        "IOPS and throughput, ...), `TotalCount`, `PageNumber`, `PageSize` and `NextToken`.",
    ),
    "DescribeDisksFullStatus": Action(
        "Disks",
        "Lists each disk's lifecycle status, health status and disk events (`Stalled`, "
        "`ErrorDetected`, `Degraded`, `SeverelyDegraded`) of the last seven days.",
        [
            REGION,
            P("DiskId.N", "at most 100"),
            P("EventId.N", "at most 100; only disks with such an event"),
            P(
                "Status",
                "`In_use`, `Available`, `Attaching`, `Detaching`, `Creating` or `ReIniting`",
            ),
            P(
                "HealthStatus",
                "`Ok`, `Impaired`, `Warning`, `Initializing`, "
                "`InsufficientData` or `NotApplicable`",
            ),
            P(
                "EventType",
                "`Degraded`, `SeverelyDegraded`, `Stalled` or `ErrorDetected`; only "
                "disks with such an event",
            ),
            P("EventTime.Start", "`yyyy-MM-ddTHH:mm:ssZ`; only disks with an event then"),
            P("EventTime.End", ""),
            P("ResourceGroupId", ""),
            P("Tag.N.Key", "at most 20 tags"),
            P("Tag.N.Value", ""),
            P("PageNumber", "page, from 1 (default 1)"),
            P("PageSize", "1–100 (default 10)"),
        ],
        [
            MISSING,
            INVALID,
            E("DiskIdLimitExceeded", "more than 100 `DiskId.N`"),
            E("EventIdLimitExceeded", "more than 100 `EventId.N`"),
            END_BEFORE_START,
            E("InvalidTag.Mismatch", "a `Tag.N.Value` without its `Tag.N.Key`", 400),
            E("InvalidTagCount", "more than 20 tags", 400),
        ],
        returns="`DiskFullStatusSet.DiskFullStatusType[]` with `DiskId`, `InstanceId`, "
        "`Device` (while `In_use`), `Status{Code,Name}`, `HealthStatus{Code,Name}` and "
        "`DiskEventSet.DiskEventType[]` (`EventId`, `EventType{Code,Name}`, `EventTime`, "
        "`EventEndTime` once ended, `ImpactLevel`); `TotalCount`, `PageNumber`, `PageSize`.",
        notes=[
            "A disk event is active from its `EventTime` until its `EventEndTime`; "
            "`HealthStatus` is `Impaired` (Stalled, ErrorDetected) or `Warning` (the Degraded "
            "types) while one is, `Ok` after ([Disk events](events.md#disk-events)).",
        ],
    ),
    **CLOUD_ASSISTANT_ACTIONS,
}

GENERIC = ("MissingParameter", "InvalidParameter")

# ------------------------------------------------------------- Server Load Balancer (slb)
_SLB_REGION = P("RegionId", "the load balancer's region (default: the account's)")
_LB_ID = P("LoadBalancerId", "a load balancer of the region", required=True)
_GROUP_ID = P("VServerGroupId", "a vServer group of the region", required=True)
_BACKENDS = P(
    "BackendServers",
    'JSON array, at most 20: `[{"ServerId": "i-...", "Weight": "100", "Type": "ecs", '
    '"Description": "..."}]`; `Weight` 0–100 (default 100), a number or digit text',
    required=True,
)
_GROUP_BACKENDS = P(
    "BackendServers",
    'as above, each with its backend `Port` (1–65535): `[{"ServerId": "i-...", '
    '"Port": "80", "Weight": "100"}]`',
    required=True,
)
_LB_NOT_FOUND = E("InvalidLoadBalancerId.NotFound", "no such load balancer in the region", 404)
_GROUP_NOT_FOUND = "an unknown `VServerGroupId` is `InvalidParameter` with status **404**"
_PARSE_ERRORS = [
    E("TooManyBackendServers", "more than 20 entries", 400),
    E("InvalidWeight.Malformed", "a `Weight` outside 0–100 or not a number", 400),
]
_OBTAIN_IP = E(
    "ObtainIpFail",
    "a server that is not a running ECS instance of the region (nothing added)",
    400,
)
_INVALID_BACKENDS = E(
    "InvalidParameter",
    "malformed JSON, an empty array, no `ServerId`, a `Type` other than `ecs`, a bad `Port` "
    "or `Description`",
)
SLB_ACTIONS: dict[str, Action] = {
    "DescribeLoadBalancers": Action(
        "Load balancers",
        "Lists the region's load balancers.",
        [
            _SLB_REGION,
            P("LoadBalancerId", "comma-separated, at most 10"),
            P("LoadBalancerName", "comma-separated, at most 10"),
            P("ServerId", "only load balancers with this backend (any server group)"),
            P("ServerIntranetAddress", "comma-separated backend private IPs"),
            P("Address", "the load balancer's address"),
            P("AddressType", "`intranet` (every simulated one) or `internet`"),
            P("NetworkType", "`vpc` (every simulated one) or `classic`"),
            P("VpcId", ""),
            P("VSwitchId", ""),
            P("LoadBalancerStatus", "`active` (every simulated one), `inactive`, `locked`"),
            P("MasterZoneId", ""),
            P("PageNumber", "from 1"),
            P("PageSize", "1–100; without it every match is returned (our choice)"),
        ],
        [
            E("InvalidParameter", "more than 10 ids or names, a bad page"),
            E("InvalidRegionId.NotFound", "an unknown `RegionId`", 404),
        ],
        returns="`LoadBalancers.LoadBalancer[]` with every field of the SDK model, "
        "`TotalCount`, and `PageNumber` / `PageSize` when `PageSize` was given.",
    ),
    "DescribeLoadBalancerAttribute": Action(
        "Load balancers",
        "One load balancer: its listeners and its default server group.",
        [_SLB_REGION, _LB_ID],
        [MISSING, _LB_NOT_FOUND],
        returns="the load balancer's fields, `ListenerPorts.ListenerPort[]`, "
        "`ListenerPortsAndProtocol` (and the misspelt `ListenerPortsAndProtocal`), "
        "`BackendServers.BackendServer[]` (`ServerId`, `Weight`, `Type`, `ServerIp`, "
        "`Description`).",
    ),
    "DescribeHealthStatus": Action(
        "Load balancers",
        "Each backend's health on each listener that checks it.",
        [
            _SLB_REGION,
            _LB_ID,
            P("ListenerPort", "only this listener (1–65535)"),
            P("ListenerProtocol", "`tcp`, `udp`, `http` or `https`"),
        ],
        [
            MISSING,
            INVALID,
            _LB_NOT_FOUND,
            E("ListenerNotFound", "`ListenerPort` is not a listener of the load balancer", 404),
        ],
        returns="`BackendServers.BackendServer[]`: `ListenerPort`, `Port` (backend), "
        "`Protocol`, `ServerId`, `ServerIp` and `ServerHealthStatus` (`normal`, `abnormal`, "
        "`unavailable`).",
        notes=[
            "Health follows the instance on the virtual clock: see [Server Load "
            "Balancer](slb.md#backend-health)."
        ],
    ),
    "AddBackendServers": Action(
        "Default server group",
        "Adds backends to the default server group.",
        [_SLB_REGION, _LB_ID, _BACKENDS],
        [MISSING, _INVALID_BACKENDS, *_PARSE_ERRORS, _OBTAIN_IP, _LB_NOT_FOUND],
        returns="`LoadBalancerId` and every backend after the change (`Weight` as text, as "
        "the SDK model types it).",
        notes=[
            "A server given twice is added once (documented); one already a backend is "
            "refused, `InvalidParameter` (documented, the code is our choice). A new "
            "backend is `unavailable` until its first health verdict."
        ],
    ),
    "RemoveBackendServers": Action(
        "Default server group",
        "Removes backends from the default server group.",
        [_SLB_REGION, _LB_ID, _BACKENDS],
        [MISSING, _INVALID_BACKENDS, *_PARSE_ERRORS, _LB_NOT_FOUND],
        returns="`LoadBalancerId` and the backends left.",
        notes=["A server that is not a backend is ignored."],
    ),
    "SetBackendServers": Action(
        "Default server group",
        "Sets backends' weights (and descriptions).",
        [_SLB_REGION, _LB_ID, _BACKENDS],
        [MISSING, _INVALID_BACKENDS, *_PARSE_ERRORS, _LB_NOT_FOUND],
        returns="`LoadBalancerId` and every backend after the change.",
        notes=["Every server must be a backend already (else `InvalidParameter`, our choice)."],
    ),
    "DescribeVServerGroups": Action(
        "vServer groups",
        "Lists a load balancer's vServer groups.",
        [
            _SLB_REGION,
            _LB_ID,
            P(
                "IncludeListener",
                "`true`: `AssociatedObjects.Listeners` (the listeners forwarding to the group)",
            ),
            P("IncludeRule", "`true`: `AssociatedObjects.Rules` (always empty: no rules)"),
            P("Description", "only groups whose name contains it"),
        ],
        [MISSING, INVALID, _LB_NOT_FOUND],
        returns="`VServerGroups.VServerGroup[]`: `VServerGroupId`, `VServerGroupName`, "
        "`ServerCount`, `CreateTime`, `Tags`, `AssociatedObjects` when asked.",
    ),
    "DescribeVServerGroupAttribute": Action(
        "vServer groups",
        "One vServer group and its backends.",
        [_SLB_REGION, _GROUP_ID],
        [MISSING, E("InvalidParameter", _GROUP_NOT_FOUND)],
        returns="`VServerGroupId`, `VServerGroupName`, `LoadBalancerId`, `CreateTime`, "
        "`BackendServers.BackendServer[]` (`ServerId`, `Port`, `Weight`, `Type`, "
        "`Description`, `ServerIp`).",
    ),
    "AddVServerGroupBackendServers": Action(
        "vServer groups",
        "Adds backends (server and port) to a vServer group.",
        [_SLB_REGION, _GROUP_ID, _GROUP_BACKENDS],
        [MISSING, _INVALID_BACKENDS, *_PARSE_ERRORS, _OBTAIN_IP],
        returns="`VServerGroupId` and every backend of the group after the change.",
        notes=[
            f"An unknown group: {_GROUP_NOT_FOUND}. A (server, port) already in the "
            "group is refused, `InvalidParameter`."
        ],
    ),
    "RemoveVServerGroupBackendServers": Action(
        "vServer groups",
        "Removes backends (server and port) from a vServer group.",
        [_SLB_REGION, _GROUP_ID, _GROUP_BACKENDS],
        [MISSING, _INVALID_BACKENDS, *_PARSE_ERRORS],
        returns="`VServerGroupId` and the backends left.",
        notes=[
            "Backends not in the group are ignored, no error (documented).",
            f"An unknown group: {_GROUP_NOT_FOUND}.",
        ],
    ),
    "ModifyVServerGroupBackendServers": Action(
        "vServer groups",
        "Replaces backends of a vServer group: how a drain sets a weight to 0 and back.",
        [
            _SLB_REGION,
            _GROUP_ID,
            P(
                "OldBackendServers",
                "the backends to replace (in the group), as `BackendServers`",
                required=True,
            ),
            P("NewBackendServers", "their replacements, as `BackendServers`", required=True),
        ],
        [MISSING, _INVALID_BACKENDS, *_PARSE_ERRORS, _OBTAIN_IP],
        returns="`VServerGroupId` and every backend of the group after the change.",
        notes=[
            "The same server and port in both lists keeps its membership and health and "
            "takes the new weight; only servers that join must be running. An old "
            "backend not in the group, or a new one already in it (and not replaced), is "
            f"`InvalidParameter` (our choice). An unknown group: {_GROUP_NOT_FOUND}."
        ],
    ),
}


# ------------------------------------------------------------------------ code analysis
def _package_dir() -> Path:
    import pytest_ecs_events

    return Path(pytest_ecs_events.__file__).parent


def _handler_functions(
    folder: tuple[str, ...] = ("api", "actions"),
) -> dict[str, tuple[ast.FunctionDef, ast.Module]]:
    """Action name -> (handler definition, its module), from the @action decorators."""
    found: dict[str, tuple[ast.FunctionDef, ast.Module]] = {}
    for path in sorted(_package_dir().joinpath(*folder).glob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for node in module.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Name)
                    and deco.func.id in ("action", "query_action")
                    and deco.args
                    and isinstance(deco.args[0], ast.Constant)
                ):
                    found[str(deco.args[0].value)] = (node, module)
    return found


def _const(node: ast.AST | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


#: Helpers of the actions that read a family of parameters by pattern (``Tag.N.Key``...).
HELPER_READS: dict[str, set[str]] = {
    "_disk_tags": {"Tag.N.Key", "Tag.N.Value"},
    "_creation_window": {"Filter.N.Key", "Filter.N.Value"},
    "_resource_tags": {"ResourceTag.N.Key", "ResourceTag.N.Value"},
}


def _reads(
    func: ast.FunctionDef, module: ast.Module, seen: set[str] | None = None
) -> tuple[set[str], list[tuple[str, int | None]]]:
    """Parameter names a handler reads, and the (limit code, limit_status) of its lists."""
    seen = seen if seen is not None else set()
    helpers = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
    names: set[str] = set()
    limits: list[tuple[str, int | None]] = []
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        first = _const(node.args[0]) if node.args else None
        if isinstance(callee, ast.Attribute):
            attr = callee.attr
            if attr in {"text", "required", "flag", "choice", "time", "integer", "json_list"}:
                if isinstance(first, str):
                    names.add(first)
            elif attr == "items" and isinstance(first, str):
                names.add(f"{first}.N")
                kwargs = {k.arg: _const(k.value) for k in node.keywords}
                limits.append((kwargs.get("limit_code") or "InvalidParameter",
                               kwargs.get("limit_status")))  # fmt: skip
            elif attr == "time_range" and isinstance(first, str):
                names |= {f"{first}.Start", f"{first}.End"}
            elif attr == "tags":
                names |= {"Tag.N.Key", "Tag.N.Value"}
            elif attr == "region" and not any(
                k.arg == "required" and _const(k.value) is False for k in node.keywords
            ):
                names.add("RegionId")
        elif isinstance(callee, ast.Name):
            if callee.id == "page_request":
                names |= {"PageNumber", "PageSize"}
                if any(k.arg == "tokens" and _const(k.value) is True for k in node.keywords):
                    names |= {"MaxResults", "NextToken"}
            elif callee.id == "read_tags":
                names |= {"Tag.N.Key", "Tag.N.Value"}
            elif callee.id == "read_tag_filters":
                names |= {"TagFilter.N.TagKey", "TagFilter.N.TagValues.N"}
            elif callee.id == "instance_filter":  # DescribeInstances' filters, in their module
                from pytest_ecs_events.api.instance_filters import PARAMETERS

                names |= set(PARAMETERS)
            elif callee.id == "_list_or_single":
                list_name, single = _const(node.args[1]), _const(node.args[2])
                names |= {f"{list_name}.N", str(single)}
                limits.append(("InvalidParameter", None))
            elif callee.id in HELPER_READS:
                names |= HELPER_READS[callee.id]
            elif callee.id in helpers and callee.id not in seen:
                seen.add(callee.id)
                more, more_limits = _reads(helpers[callee.id], module, seen)
                names |= more
                limits += more_limits
    return names, limits


def _raised_statuses() -> dict[str, set[int]]:
    """Every literal ``EcsApiError(code, message, status)`` (and ``self.error``) in the package."""
    statuses: dict[str, set[int]] = {}
    for path in _package_dir().rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 3:
                continue
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            code, status = _const(node.args[0]), _const(node.args[2])
            if (
                name in {"EcsApiError", "error"}
                and isinstance(code, str)
                and isinstance(status, int)
            ):
                statuses.setdefault(code, set()).add(status)
    return statuses


def _actions_markdown(
    product: str = "ecs", documented: dict[str, Action] | None = None,
    folder: tuple[str, ...] = ("api", "actions"),
) -> str:  # fmt: skip
    """The actions table of one product (ECS unless named), checked against its registry."""
    import pytest_ecs_events.api.dispatch  # imports ECS's actions
    import pytest_ecs_events.simulator  # noqa: F401  (lists the other products' actions)
    from pytest_ecs_events.api.registry import actions_of

    ACTIONS = documented if documented is not None else globals()["ACTIONS"]
    REGISTERED = actions_of(product)
    handlers = _handler_functions(folder)
    raised = _raised_statuses()
    problems: list[str] = []
    missing = sorted(set(REGISTERED) - set(ACTIONS))
    extra = sorted(set(ACTIONS) - set(REGISTERED))
    if missing:
        problems.append(f"implemented but not documented ({product}): {', '.join(missing)}")
    if extra:
        problems.append(f"documented but not implemented: {', '.join(extra)}")

    out: list[str] = []
    group = None
    index: dict[str, list[str]] = {}
    for name, doc in ACTIONS.items():
        index.setdefault(doc.group, []).append(name)
    out.append("| group | actions |\n| --- | --- |")
    for group_name, names in index.items():
        links = ", ".join(f"[{n}](#{n.lower()})" for n in names)
        out.append(f"| {group_name} | {links} |")
    out.append("")
    for name, doc in ACTIONS.items():
        if name not in REGISTERED:
            continue
        spec = REGISTERED[name]
        func, module = handlers[name]
        read, limits = _reads(func, module)
        documented = {p.name for p in doc.params}
        if read - documented - set(doc.refused):
            problems.append(f"{name} reads undocumented parameters: {sorted(read - documented)}")
        if documented - read:
            problems.append(f"{name} documents parameters it never reads: "
                            f"{sorted(documented - read)}")  # fmt: skip
        limit_status = {
            code: (status if status is not None else spec.statuses.get(code, 400))
            for code, status in limits
        }
        if doc.group != group:
            group = doc.group
            out.append(f"## {group}\n")
        out.append(f"### {name}\n\n{doc.summary}\n")
        out.append("| parameter | required | notes |\n| --- | :---: | --- |")
        for p in doc.params:
            out.append(f"| `{p.name}` | {'yes' if p.required else ''} | {p.text} |")
        out.append("")
        if doc.returns:
            out.append(f"**Returns** {doc.returns} Every response also carries `RequestId`.\n")
        out.append("| error code | HTTP status | when |\n| --- | :---: | --- |")
        for err in doc.errors:
            if err.code in GENERIC or (err.code in limit_status and err.status is None):
                status = (
                    spec.statuses.get(err.code, 400)
                    if err.code in GENERIC
                    else limit_status[err.code]
                )
                if err.status is not None and err.status != status:
                    problems.append(
                        f"{name}: {err.code} is documented as {err.status}, the code says {status}"
                    )
            elif err.status is None:
                problems.append(f"{name}: {err.code} needs a documented status")
                status = 0
            else:
                status = err.status
                if status not in raised.get(err.code, set()):
                    problems.append(
                        f"{name}: {err.code} {status} is not raised anywhere in the package "
                        f"(found: {sorted(raised.get(err.code, set())) or 'never'})"
                    )
            out.append(f"| `{err.code}` | {status} | {err.text} |")
        out.append("")
        for note in doc.notes:
            out.append(f"- {note}")
        if doc.notes:
            out.append("")
    for problem in problems:
        _warn(f"docs/actions.md is out of date: {problem}")
    return "\n".join(out)


def _epoch() -> Any:
    from datetime import datetime, timezone

    return datetime(2024, 1, 1, tzinfo=timezone.utc)


# ------------------------------------------------------------------------ pytest options
class _RecordingGroup:
    def __init__(self, sink: list[tuple[str, dict[str, Any]]]) -> None:
        self.sink = sink

    def addoption(self, *names: str, **kwargs: Any) -> None:
        self.sink.append((", ".join(f"`{n}`" for n in names), kwargs))

    _addoption = addoption


class _RecordingParser:
    """Stands in for pytest's parser: records what ``pytest_addoption`` registers."""

    def __init__(self) -> None:
        self.options: list[tuple[str, dict[str, Any]]] = []
        self.ini: list[tuple[str, str, Any, Any]] = []

    def addini(self, name: str, help: str, type: Any = None, default: Any = None) -> None:
        self.ini.append((name, help, type, default))

    def getgroup(self, *args: Any, **kwargs: Any) -> _RecordingGroup:
        return _RecordingGroup(self.options)

    def addoption(self, *names: str, **kwargs: Any) -> None:
        self.options.append((", ".join(f"`{n}`" for n in names), kwargs))


def _recorded_options() -> _RecordingParser:
    """Run ``pytest_addoption`` of the plugin, of live mode's start-up hooks (which the
    plugin's ``pytest_addhooks`` registers) and of every module they name in
    ``pytest_plugins``."""
    import importlib

    parser = _RecordingParser()
    pending, seen = ["pytest_ecs_events.plugin", "pytest_ecs_events.plugin.live_hooks"], set()
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        module = importlib.import_module(name)
        hook = getattr(module, "pytest_addoption", None)
        if hook is not None:
            hook(parser)
        more = getattr(module, "pytest_plugins", ())
        pending += [more] if isinstance(more, str) else list(more)
    return parser


def _cell(text: Any) -> str:
    text = re.sub(r"``([^`]+)``", r"`\1`", str(text))  # reST literals to Markdown
    return text.replace("|", "\\|").replace("\n", " ")


def _without_default(help_text: str) -> str:
    """The help text without its "(default ...)" part, which has its own column."""
    return re.sub(r" ?\(default [^)]*\)$", "", help_text).strip()


def _ini_markdown() -> str:
    rows = ["| ini option | default | meaning |", "| --- | --- | --- |"]
    for name, help_text, _type, default in _recorded_options().ini:
        shown = f"`{default}`" if default not in (None, "") else ""
        rows.append(f"| `{name}` | {shown} | {_cell(_without_default(help_text))} |")
    return "\n".join(rows)


def _command_line_markdown() -> str:
    options = _recorded_options().options
    if not options:
        return "The plugin adds no command-line options of its own in this version."
    rows = ["| option | default | meaning |", "| --- | --- | --- |"]
    for names, kwargs in options:
        if kwargs.get("metavar"):
            names += f" `{kwargs['metavar']}`"
        help_text = str(kwargs.get("help", ""))
        match = re.search(r"\(default:? ([^)]*)\)", help_text)
        default = kwargs.get("default")
        if match:
            shown = match.group(1)
            help_text = help_text.replace(match.group(0), "").strip()
        else:
            shown = f"`{default}`" if default not in (None, "", False, []) else ""
        if kwargs.get("choices"):
            help_text += " (" + ", ".join(f"`{c}`" for c in kwargs["choices"]) + ")"
        rows.append(f"| {names} | {_cell(shown)} | {_cell(help_text)} |")
    return "\n".join(rows)


# ----------------------------------------------------------------------------------- hooks
def _hooks_markdown() -> str:
    from pytest_ecs_events import hookspecs

    out = []
    specs = [
        (name, func)
        for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("pytest_ecs_events_")
    ]
    specs.sort(key=lambda item: item[1].__code__.co_firstlineno)  # as written
    for name, func in specs:
        opts = getattr(func, "pytest_spec", {}) or {}
        params = ", ".join(inspect.signature(func).parameters)
        doc = _cell(textwrap.dedent(inspect.getdoc(func) or "").strip())
        first = " Stops at the first non-None result." if opts.get("firstresult") else ""
        out.append(f"### `{name}({params})`\n\n{doc}{first}\n")
    return "\n".join(out)


# ---------------------------------------------------------------------------------- ecs-sim
def _ecs_sim_markdown() -> str:
    from pytest_ecs_events.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rows = []
    for command, subparser in sub.choices.items():
        rows.append(f"`ecs-sim {command}` options:\n")
        rows.append("| option | default | meaning |\n| --- | --- | --- |")
        for act in subparser._actions:
            if not act.option_strings or isinstance(act, argparse._HelpAction):
                continue
            names = ", ".join(f"`{o}`" for o in act.option_strings)
            if act.metavar:
                names += f" `{act.metavar}`"
            help_text = act.help or ""
            match = re.search(r"\(default ([^);]*)", help_text)
            shown = f"`{match.group(1)}`" if match else ""
            if not shown and act.default not in (None, False, [], argparse.SUPPRESS):
                shown = f"`{act.default}`"
            help_text = re.sub(
                r" ?\(default [^);]*(\)|; )",
                lambda m: " (" if m.group(1) == "; " else "",
                help_text,
            )
            rows.append(f"| {names} | {shown} | {_cell(help_text.strip())} |")
        rows.append("")
    return "\n".join(rows)


def _control_api_markdown() -> str:
    path = _package_dir() / "transports" / "server" / "routes.py"
    routes: list[tuple[str, str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if (
                isinstance(key, ast.Tuple)
                and len(key.elts) == 2
                and all(isinstance(e, ast.Constant) for e in key.elts)
                and str(_const(key.elts[1])).startswith("/_sim/")
            ):
                handler = value.attr if isinstance(value, ast.Attribute) else ""
                routes.append((str(_const(key.elts[0])), str(_const(key.elts[1])), handler))
    if not routes:
        _warn("no /_sim/ routes found in transports/server/routes.py")
    rows = ["| method | path |", "| --- | --- |"]
    rows += [f"| `{method}` | `{route}` |" for method, route, _ in routes]
    return "\n".join(rows)


# ------------------------------------------------------------------------------ catalog
def _event_types_markdown() -> str:
    from pytest_ecs_events.core.catalog import DEFAULT_CATALOG

    def status(value: Any) -> str:
        return value.value if value is not None else "unchanged"

    rows = [
        "| event type | code | starts | simulatable | platform event: while Executing "
        "| once Executed | level |",
        "| --- | ---: | --- | :---: | --- | --- | --- |",
    ]
    for spec in DEFAULT_CATALOG.event_types.values():
        code = f"{spec.code}" + ("" if spec.code_confirmed else " (ours)")
        after = "released" if spec.effect.release else status(spec.effect.after)
        rows.append(
            f"| `{spec.name}` | {code} | {spec.start_state.value} | "
            f"{'yes' if spec.simulatable else ''} | {status(spec.effect.during)} | {after} | "
            f"{spec.level} |"
        )
    return "\n".join(rows)


def _numeric_codes_markdown() -> str:
    from pytest_ecs_events.core import catalog as c

    def split(table: Any) -> tuple[str, str]:
        confirmed = [f"{getattr(k, 'value', k)} {code}" for k, (code, ok) in table.items() if ok]
        ours = [f"{getattr(k, 'value', k)} {code}" for k, (code, ok) in table.items() if not ok]
        return ", ".join(confirmed) or "(none)", ", ".join(ours) or "(none)"

    rows = ["| kind | confirmed | ours |", "| --- | --- | --- |"]
    for kind, table in (
        ("EventCycleStatus", c.DEFAULT_STATE_CODES),
        ("Instance Status (full status)", c.DEFAULT_INSTANCE_STATUS_CODES),
        ("HealthStatus", c.DEFAULT_HEALTH_CODES),
    ):
        confirmed, ours = split(table)
        rows.append(f"| {kind} | {confirmed} | {ours} |")
    return "\n".join(rows)


GENERATORS = {
    "event-types": _event_types_markdown,
    "numeric-codes": _numeric_codes_markdown,
    "actions": _actions_markdown,
    "slb-actions": lambda: _actions_markdown("slb", SLB_ACTIONS, ("slb",)),
    "ini-options": _ini_markdown,
    "command-line-options": _command_line_markdown,
    "hooks": _hooks_markdown,
    "ecs-sim-options": _ecs_sim_markdown,
    "control-api": _control_api_markdown,
}


def _check_handle_members(markdown: str) -> None:
    """Every public member of ``EcsSimulator`` must be named on the reference page."""
    from pytest_ecs_events import EcsSimulator

    members = [name for name in vars(EcsSimulator) if not name.startswith("_")]
    for name in members:
        if not re.search(rf"`{re.escape(name)}[`(]|`\.{re.escape(name)}`", markdown):
            _warn(f"docs/reference.md does not document EcsSimulator.{name}")


# ------------------------------------------------------------------ sections in the pages
def _generated(name: str, where: str) -> str | None:
    """The fresh text of one section, made once per run (several pages share none, but the
    hook and ``check`` would otherwise rebuild the actions table for every page)."""
    if name not in _cache:
        generator = GENERATORS.get(name)
        if generator is None:
            _warn(f"{where}: unknown generated section {name!r} (known: {', '.join(GENERATORS)})")
            return None
        _cache[name] = generator()
    return _cache[name]


def refresh(text: str, where: str = "<page>") -> str:
    """``text`` with every generated section (and every old bare marker) rewritten."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name") or match.group("bare")
        body = _generated(name, where)
        if body is None:
            return match.group(0)
        return f"{BEGIN.format(name=name)}\n\n{body.strip()}\n\n{END.format(name=name)}"

    return SECTION.sub(replace, text)


def pages(docs_dir: Path = DOCS) -> list[Path]:
    """The pages that hold a generated section."""
    return sorted(
        path for path in docs_dir.rglob("*.md") if SECTION.search(path.read_text(encoding="utf-8"))
    )


def check(docs_dir: Path = DOCS) -> list[str]:
    """Everything wrong: stale pages, and the docs-vs-code checks (actions, handle members)."""
    _cache.clear()
    _problems.clear()
    for path in pages(docs_dir):
        text = path.read_text(encoding="utf-8")
        if refresh(text, _shown(path)) != text:
            _problems.append(f"{_shown(path)}: a generated section is stale; run `{COMMAND}`")
    _check_handle_members((docs_dir / "reference.md").read_text(encoding="utf-8"))
    return list(dict.fromkeys(_problems))


def write(docs_dir: Path = DOCS) -> list[Path]:
    """Rewrite the generated sections in place; returns the pages that changed."""
    _cache.clear()
    changed = []
    for path in pages(docs_dir):
        text = path.read_text(encoding="utf-8")
        fresh = refresh(text, _shown(path))
        if fresh != text:
            path.write_text(fresh, encoding="utf-8")
            changed.append(path)
    return changed


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- mkdocs hook
def on_pre_build(config: Any) -> None:
    _cache.clear()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Checks only: the sections are in the Markdown already (so GitHub shows whole pages)."""
    where = f"docs/{page.file.src_path}"
    if page.file.src_path == "reference.md":
        _check_handle_members(markdown)
    if SECTION.search(markdown) and refresh(markdown, where) != markdown:
        _warn(f"{where}: a generated section is stale; run `{COMMAND}`")
    return markdown


# ---------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python docs/_hooks/generate.py",
        description="Write (--write) or check (default) the generated sections of docs/*.md.",
    )
    parser.add_argument("--write", action="store_true", help="rewrite the stale sections")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:  # this checkout's package, not another installed one
        sys.path.insert(0, str(ROOT))
    logging.basicConfig(format="%(message)s")
    if args.write:
        for path in write():
            print(f"rewrote {_shown(path)}")
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
