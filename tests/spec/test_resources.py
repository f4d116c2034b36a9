"""Resource arithmetic (``pfctl.spec.resources``): a job's request, comparisons, text forms."""

from __future__ import annotations

from decimal import Decimal

from pfctl.spec import resources

GIB = 2**30


def test_job_request_sums_flavour_times_replicas() -> None:
    members = [
        {"role": "pserver", "replicas": 2, "flavour": {"name": "", "cpu": "500m", "mem": "1Gi"}},
        {
            "role": "worker",
            "replicas": 3,
            "flavour": {"cpu": "1", "mem": "2Gi", "scalarResources": {"nvidia.com/gpu": "1"}},
        },
    ]
    request = resources.job_request(members)
    assert request == {
        "cpu": Decimal(4),
        "mem": Decimal(8 * 2**30),
        "nvidia.com/gpu": Decimal(3),
    }


def test_named_flavour_is_resolved_through_lookup() -> None:
    def lookup(name: str) -> dict[str, str] | None:
        return {"cpu": "4", "mem": "8Gi"} if name == "flavour2" else None

    assert resources.job_request([{"replicas": 2, "flavour": {"name": "flavour2"}}], lookup) == {
        "cpu": Decimal(8),
        "mem": Decimal(16 * 2**30),
    }


def test_fits_treats_missing_capacity_as_zero() -> None:
    assert not resources.fits({"nvidia.com/gpu": Decimal(1)}, {"cpu": Decimal(10)})
    assert resources.fits({"nvidia.com/gpu": Decimal(0)}, {"cpu": Decimal(10)})


def test_to_wire_formats_cpu_memory_and_scalars() -> None:
    amounts = {"cpu": Decimal("2.5"), "mem": Decimal(3 * 2**30), "nvidia.com/gpu": Decimal(1)}
    assert resources.to_wire(amounts) == {
        "cpu": "2.5",
        "memory": "3Gi",
        "scalarResources": {"nvidia.com/gpu": "1"},
    }
    assert resources.to_wire({}) == {"cpu": "0", "memory": "0"}


def test_a_member_without_replicas_requests_nothing() -> None:
    """PaddleFlow multiplies a member's flavour by its ``replicas``, Go's zero value when the key
    is absent (``validateMembersResource`` in ``pkg/apiserver/controller/job/create.go``): the
    create check and the scheduler count such a member zero times, never once."""
    flavour = {"name": "", "cpu": "1", "mem": "1Gi"}
    members = [
        {"role": "driver", "replicas": 1, "flavour": flavour},
        {"role": "executor", "flavour": flavour},
        {"role": "executor", "replicas": 0, "flavour": flavour},
        {"role": "executor", "replicas": None, "flavour": flavour},
    ]
    assert resources.job_request(members) == {"cpu": Decimal(1), "mem": Decimal(GIB)}


def test_remaining_keeps_the_maximums_names_and_may_go_negative() -> None:
    maximum = {"cpu": Decimal(4), "mem": Decimal(8 * GIB)}
    used = {"cpu": Decimal(6), "nvidia.com/gpu": Decimal(1)}
    assert resources.remaining(maximum, used) == {"cpu": Decimal(-2), "mem": Decimal(8 * GIB)}


def test_strings_round_trip_and_describe_names_memory_in_binary_units() -> None:
    amounts = {"cpu": Decimal("0.5"), "mem": Decimal(6 * GIB), "nvidia.com/gpu": Decimal(2)}
    strings = resources.to_strings(amounts)
    assert strings == {"cpu": "0.5", "mem": "6Gi", "nvidia.com/gpu": "2"}
    assert resources.from_strings(strings) == amounts
    assert resources.describe(amounts) == "cpu: 0.5, mem: 6Gi, nvidia.com/gpu: 2, "
    assert resources.describe({"mem": Decimal(1024**4)}) == "mem: 1024Gi, "


def test_a_custom_flavour_without_cpu_or_mem_falls_back_as_paddleflow_does() -> None:
    """PADDLEFLOW_API.md §7 and §13 item 10: cpu 1 / mem 1Gi, scalarResources dropped."""
    gpu = {"nvidia.com/gpu": "1"}
    assert resources.custom_flavour({"name": "", "cpu": "2", "scalarResources": gpu}) == {
        "name": "",
        "cpu": "1",
        "mem": "1Gi",
    }
    assert resources.custom_flavour({}) == {"name": "", "cpu": "1", "mem": "1Gi"}
    complete = {"name": "customFlavour", "cpu": "2", "mem": "4Gi", "scalarResources": gpu}
    assert resources.custom_flavour(complete) == complete
