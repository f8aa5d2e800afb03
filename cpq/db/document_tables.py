"""Stored quote documents: each rendered PDF with its SHA-256, served again on repeat requests.

A document is identified by ``document_key``: a SHA-256 over the quote version, its snapshot
hash, the template version, the language, the variant and a digest of the whole template
context (seller settings and names shape the document too). Persistence only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary
from sqlmodel import Field, SQLModel


class QuoteDocumentRow(SQLModel, table=True):
    __tablename__ = "quote_documents"
    __table_args__ = (Index("ix_quote_documents_quote_version", "quote_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    document_key: str = Field(max_length=64, unique=True)
    quote_id: str = Field(foreign_key="quotes.id", max_length=36)
    version: int
    lang: str = Field(max_length=35)
    variant: str = Field(max_length=16)
    snapshot_hash: str = Field(max_length=64)
    template_version: str = Field(max_length=64)
    context_digest: str = Field(max_length=64)
    sha256: str = Field(max_length=64)
    size_bytes: int
    content: bytes = Field(sa_type=LargeBinary)
    created_at: datetime
