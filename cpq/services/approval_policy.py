"""The approval policy of the server (``approvals.yaml`` in the rules folder), loaded once and
again when the file changes. A policy that does not load stops submissions (fail closed)."""

from __future__ import annotations

import threading
from pathlib import Path

from cpq.approvals.files import load_policy
from cpq.approvals.policy import Policy
from cpq.catalog.issues import Issue
from cpq.errors import ApprovalPolicyInvalid
from cpq.pricing.rules.files import APPROVAL_POLICY_FILE

_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int] | None, Policy | list[Issue]]] = {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size)


def policy_for(rules_dir: Path) -> Policy:
    folder = rules_dir.resolve()
    stamp = _stamp(folder / APPROVAL_POLICY_FILE)
    with _lock:
        cached = _cache.get(folder)
        if cached is None or cached[0] != stamp:
            policy, issues, _examples = load_policy(folder)
            cached = (stamp, policy if policy is not None else issues)
            _cache[folder] = cached
    found = cached[1]
    if isinstance(found, Policy):
        return found
    errors = [i for i in found if i.is_error]
    raise ApprovalPolicyInvalid(
        f"the approval policy does not load ({len(errors)} problem(s)); quotes cannot be "
        "submitted until it is fixed (check it with `cpq approvals check`)",
        issues=found,
    )
