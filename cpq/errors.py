"""Domain errors: each has a machine-readable code, a title and the HTTP status it maps to.

One handler (cpq.api.problems) renders them all as RFC 9457 problem+json; the CLI prints them.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CPQError(Exception):
    code: ClassVar[str] = "cpq_error"
    title: ClassVar[str] = "Request failed"
    status: ClassVar[int] = 400

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(CPQError):
    code = "not_found"
    title = "Not found"
    status = 404


class Conflict(CPQError):
    code = "conflict"
    title = "Conflict"
    status = 409


class ReadOnlyResource(CPQError):
    code = "read_only"
    title = "Owned by the back office"
    status = 405


class InvalidInput(CPQError):
    """Input that failed validation; ``issues`` lists every problem found."""

    code = "invalid_input"
    title = "Invalid input"
    status = 422


class SourceError(CPQError):
    """A sync source could not be read (unreachable, refused, or not what it claims to be)."""

    code = "source_unavailable"
    title = "Sync source unavailable"
    status = 502


class RuleSetInvalid(CPQError):
    """The pricing rule set on the server does not load; ``issues`` lists why. Not the client's
    fault, and it lasts until someone fixes the files: 503."""

    code = "rule_set_invalid"
    title = "Pricing rule set invalid"
    status = 503


class SyncInProgress(Conflict):
    code = "sync_in_progress"
    title = "Another sync is running"


class Unauthorized(CPQError):
    code = "unauthorized"
    title = "Unauthorized"
    status = 401


class Forbidden(CPQError):
    code = "forbidden"
    title = "Forbidden"
    status = 403


class NoValidConfiguration(CPQError):
    """The choices cannot be completed into a valid configuration; ``conflict`` says why."""

    code = "no_valid_configuration"
    title = "No valid configuration"
    status = 422


class InvalidTransition(Conflict):
    """The quote's status does not allow this action (the lifecycle says which do)."""

    code = "invalid_transition"
    title = "Not allowed in the quote's status"


class AlreadyDecided(Conflict):
    code = "approval_not_pending"
    title = "Approval no longer pending"


class SnapshotChanged(Conflict):
    """A decision on content other than the approval's: the quote changed since it was read."""

    code = "snapshot_changed"
    title = "Quote content changed"


class NoApproverFound(Conflict):
    code = "no_approver"
    title = "No approver found"


class PreconditionRequired(CPQError):
    """An update without ``If-Match``: without it, a stale client would overwrite others."""

    code = "precondition_required"
    title = "If-Match required"
    status = 428


class PreconditionFailed(CPQError):
    code = "precondition_failed"
    title = "Quote changed since you read it"
    status = 412


class ApprovalPolicyInvalid(CPQError):
    """The approval policy on the server does not load: nobody can submit until it is fixed."""

    code = "approval_policy_invalid"
    title = "Approval policy invalid"
    status = 503


class PdfUnavailable(CPQError):
    """The server cannot render documents (a system library is missing): not the client's fault."""

    code = "pdf_unavailable"
    title = "Documents unavailable"
    status = 503


class RenderFailed(CPQError):
    """A document render ran past its time or memory bound (or its process died): the server
    is unharmed, the request failed, and nothing was stored."""

    code = "render_failed"
    title = "Document render failed"
    status = 503
