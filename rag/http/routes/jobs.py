"""/v1/jobs/{id}: the state and progress of a write."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ..deps import State
from ..errors import documented
from ..schemas import JobOut

router = APIRouter(tags=["documents"])


@router.get("/v1/jobs/{job_id}", responses=documented(401, 404, 429))
def get_job(job_id: Annotated[str, Path(max_length=100)], state: State) -> JobOut:
    """A write job: state (queued, running, done, failed), chunks embedded of total, the ids it
    added, replaced and removed, and the error when it failed."""
    return JobOut(**state.service.job(job_id).to_dict())
