"""Device choice and distributed data parallelism when started by torchrun.

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE in each process's environment; when they are present
with WORLD_SIZE > 1 the trainer joins a process group (NCCL on CUDA, gloo on CPU). Without them
everything here is a no-op for a single process.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessGroupInfo:
    """Rank of this process and the number of processes; (0, 1) without distributed training."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_distributed(self) -> bool:
        """Whether more than one process trains together."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this process writes files and shows progress (rank 0)."""
        return self.rank == 0


def choose_device(request: str, local_rank: int = 0) -> torch.device:
    """Return the torch device for ``request`` (auto, cpu, cuda or cuda:N).

    "auto" picks CUDA when it is available. Under torchrun a bare "cuda" or "auto" means the GPU
    with index LOCAL_RANK.
    """
    if request == "auto":
        request = "cuda" if torch.cuda.is_available() else "cpu"
    if request == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise InvalidInputError(
            f"device {request!r} requested but this torch build sees no CUDA GPU; use --device cpu"
        )
    if request == "cuda":
        return torch.device("cuda", local_rank)
    return torch.device(request)


def start_process_group(device: torch.device) -> ProcessGroupInfo:
    """Join the torchrun process group when WORLD_SIZE in the environment is above 1."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return ProcessGroupInfo()
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
    logger.info("rank %d of %d joined the %s process group", rank, world_size, backend)
    return ProcessGroupInfo(rank=rank, world_size=world_size, local_rank=local_rank)


def local_rank_from_environment() -> int:
    """Return LOCAL_RANK as set by torchrun, or 0."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def stop_process_group(info: ProcessGroupInfo) -> None:
    """Leave the process group joined by start_process_group."""
    if info.is_distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: ProcessGroupInfo) -> None:
    """Wait until every process reaches this point."""
    if info.is_distributed:
        dist.barrier()


def sum_over_ranks(
    values: list[float], info: ProcessGroupInfo, device: torch.device
) -> list[float]:
    """Return the element-wise sum of ``values`` over all processes."""
    if not info.is_distributed:
        return list(values)
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.tolist()


def broadcast_from_main(value: Any, info: ProcessGroupInfo) -> Any:
    """Return rank 0's ``value`` on every process (a picklable object)."""
    if not info.is_distributed:
        return value
    container = [value]
    dist.broadcast_object_list(container, src=0)
    return container[0]
