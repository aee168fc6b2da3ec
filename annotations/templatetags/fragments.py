"""Tags of the annotate screen, whose fragments are rendered with every span created."""

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

# URL name and number of ids -> the URL's text around each id, made once per process.
_URL_PARTS: dict[tuple[str, str, int], list[str]] = {}
# Ids no URL of the screen holds otherwise, in place of the real ones while the parts are
# made (one more digit than any id of a 64-bit key would have, so never a real one).
_PLACEHOLDER = 10**19


@register.simple_tag
def id_url(name: str, *ids) -> str:
    """`{% url name id … %}` for URLs that take only integer ids, as the annotate screen's
    do: the URL is reversed once per name, then its ids are put in place. Reversing every
    URL of the side panel with each span created (a dozen) was a seventh of the create's
    CPU. Anything but an int falls back to `reverse` (and its errors)."""
    if not all(type(value) is int for value in ids):
        return reverse(name, args=ids)
    key = (get_script_prefix(), name, len(ids))
    parts = _URL_PARTS.get(key)
    if parts is None:
        placeholders = [str(_PLACEHOLDER + index) for index in range(len(ids))]
        url = reverse(name, args=[int(text) for text in placeholders])
        parts = []
        for placeholder in placeholders:
            before, _, url = url.partition(placeholder)
            parts.append(before)
        parts.append(url)
        _URL_PARTS[key] = parts
    pieces = [parts[0]]
    for value, after in zip(ids, parts[1:], strict=True):
        pieces += [str(value), after]
    return "".join(pieces)
