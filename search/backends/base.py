"""The one interface every search backend implements.

A backend stores the documents of search.documents and answers public
queries over them. It never decides what is public: documents arrive already
filtered. Backends are chosen by settings (see search.backends.get_backend).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

from search.documents import IndexDoc
from search.service import SearchQuery, SearchResults


class SearchUnavailable(RuntimeError):
    """The search engine cannot be reached or refused the request; the caller may retry."""


@dataclass
class IndexStatus:
    """What a backend can say about its live index."""

    name: str  # the live index (or embedded generation) serving queries
    documents: int
    exists: bool = True
    details: dict = field(default_factory=dict)


class SearchBackend(ABC):
    """Abstract search backend: indexing, querying and index lifecycle."""

    name = "abstract"

    # -- querying ---------------------------------------------------------------
    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run a cleaned public query: hits for the requested page, the total and facet
        counts (each facet counted with the other facets' filters applied), in the
        shared ranking order (relevance tiers, then IndexDoc.order)."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int) -> list[dict]:
        """Up to `limit` organisations whose name starts with `prefix` (already normalised),
        shortest name first: [{"name", "code"}]. Never natural persons."""

    @abstractmethod
    def near_names(self, keys: list[str], limit: int) -> list[dict]:
        """Up to `limit` organisations holding any of the name keys (portal.subjects.name_keys),
        shortest name first: [{"name", "code"}]. Never natural persons."""

    # -- indexing ---------------------------------------------------------------
    @abstractmethod
    def replace_subjects(self, documents: dict[int, list[IndexDoc]]) -> int:
        """Make the live index hold exactly `documents[subject_id]` for each subject given:
        add new documents, overwrite changed ones, delete the subject's others.
        Idempotent; returns the number of documents written."""

    @abstractmethod
    def delete_documents(self, keys: list[str]) -> None:
        """Remove documents by key (records deleted from the database). Idempotent."""

    # -- lifecycle --------------------------------------------------------------
    @abstractmethod
    def ensure_index(self) -> None:
        """Create the live index (and alias) if there is none, empty. Cheap when it exists."""

    @abstractmethod
    def status(self) -> IndexStatus:
        """The live index's name and document count (exists=False when there is none)."""

    @abstractmethod
    def begin_rebuild(self) -> str:
        """Create a new, empty, versioned index next to the live one; return its name."""

    @abstractmethod
    def bulk_load(self, target: str, documents: Iterable[IndexDoc]) -> int:
        """Write documents into the index `target` (from begin_rebuild); return the count."""

    @abstractmethod
    def finish_rebuild(self, target: str) -> None:
        """Atomically point the live alias at `target` and drop the previous index."""

    @abstractmethod
    def abort_rebuild(self, target: str) -> None:
        """Drop a partially built index after a failure; the live index is untouched."""

    @abstractmethod
    def document_versions(self) -> dict[str, str]:
        """{document key: version} of every document in the live index (for drift checks)."""

    @abstractmethod
    def drop_all(self) -> None:
        """Delete every index this backend owns under its prefix (tests and teardown)."""
