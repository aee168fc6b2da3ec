"""Tags of the annotate screen, whose fragments are rendered with every span created.

`{% csrf_field %}`: `{% csrf_token %}`, masked once per request. The side panel holds a
dozen forms and each `{% csrf_token %}` masked the token anew (random characters from the
kernel, one call each): about a twentieth of a span create's CPU. Every form of a fragment
keeps its field all the same: a form the browser submits before htmx has taken it over
(Enter pressed the moment the panel is swapped in) is posted natively, and only the field
lets it through the CSRF check.
"""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, reverse

register = template.Library()

_CSRF_TOKEN = CsrfTokenNode()


@register.simple_tag(takes_context=True)
def csrf_field(context) -> str:
    request = context.get("request")
    if request is None:
        return _CSRF_TOKEN.render(context)
    field = getattr(request, "_csrf_field_html", None)
    if field is None:
        field = request._csrf_field_html = _CSRF_TOKEN.render(context)
    return field


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
