"""Sources: url validation and normalisation, find-or-create by url, search by url or title.

The same document must be one Source however its url was pasted, so urls are stored in a
normal form: scheme and host lower-cased, the fragment, a default port and `utm_*`
tracking parameters dropped, an empty path written as `/`. Nothing else is rewritten
(paths and the remaining query are case-sensitive on most servers).
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q

from . import policy
from .models import Source, SourceKind
from .policy import Action

URL_MAX_LENGTH = Source._meta.get_field("url").max_length
TITLE_MAX_LENGTH = Source._meta.get_field("title").max_length
DEFAULT_PORTS = {"http": 80, "https": 443}
SEARCH_LIMIT = 10

_validate_url = URLValidator(schemes=["http", "https"])


def validate_url(url: str, *, label: str = "The url") -> str:
    """The url stripped, or ValidationError saying why it is not a usable web address."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(f"{label} is required.", code="required")
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(f"{label} is longer than {URL_MAX_LENGTH} characters.")
    try:
        _validate_url(url)
    except ValidationError:
        raise ValidationError(
            f"{label} must be a full web address starting with http:// or https://.",
            code="invalid",
        ) from None
    return url


def normalise_url(url: str) -> str:
    """The canonical form of a web address (see the module docstring); validates it first."""
    parts = urlsplit(validate_url(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise ValidationError("The url's port is not a number from 0 to 65535.") from None
    netloc = host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    # Split by hand rather than parse and re-encode: the other parameters stay byte for byte.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not pair.split("=", 1)[0].lower().startswith("utm_")
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def title_from_url(url: str) -> str:
    """A label for a source nobody gave a title: its address as a person reads it, host
    and path without the scheme, `www.` or escapes ("stats.example.org/trade/2024")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = unquote(parts.path).strip("/")
    return (f"{host}/{path}" if path else host)[:TITLE_MAX_LENGTH]


def looks_like_url(text: str) -> bool:
    text = text.strip().lower()
    return text.startswith(("http://", "https://")) or ("." in text and " " not in text)


@dataclass(frozen=True)
class SourceDetails:
    """What a reviewer types for a new source; `url` as typed, normalised on save."""

    url: str
    title: str
    publisher: str = ""
    kind: str = SourceKind.OTHER
    accessed: date | None = None
    archived_url: str = ""


def source_find_or_create(*, details: SourceDetails, user) -> tuple[Source, bool]:
    """The Source for this url (normalised), created from `details` if it is new.

    An existing source is returned unchanged: one url is one source, and its title stays
    the one the first reviewer gave (editors correct it in the admin). The title is
    optional: without one, the source is labelled by its url (`title_from_url`). Returns
    (source, created).
    """
    policy.check(user, Action.ADD_SOURCE)
    url = normalise_url(details.url)
    title = (details.title or "").strip()
    if details.kind not in SourceKind.values:
        raise ValidationError("Choose the kind of source.")
    archived_url = details.archived_url.strip()
    if archived_url:
        archived_url = validate_url(archived_url, label="The archived copy's url")
    existing = Source.objects.filter(url=url).first()
    if existing is not None:
        return existing, False
    title = title or title_from_url(url)
    try:
        with transaction.atomic():
            source = Source.objects.create(
                url=url,
                title=title,
                publisher=details.publisher.strip(),
                kind=details.kind,
                accessed=details.accessed,
                archived_url=archived_url,
                created_by=user,
            )
    except IntegrityError:
        # Another reviewer added the same url at the same moment: theirs is the source.
        return Source.objects.get(url=url), False
    return source, True


def sources_search(query: str, *, limit: int = SEARCH_LIMIT):
    """Sources matching a url (its normal form, or a fragment of it) or words of a title."""
    query = (query or "").strip()
    if not query:
        return Source.objects.none()
    condition = Q(title__icontains=query) | Q(url__icontains=query)
    condition |= Q(publisher__icontains=query)
    if looks_like_url(query):
        try:
            condition |= Q(url=normalise_url(query))
        except ValidationError:
            pass
    return Source.objects.filter(condition).order_by("title", "id")[:limit]
