"""Tags of the annotate screen, whose fragments are rendered with every span created."""

from functools import cache

import jinja2
from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

register = template.Library()

PANEL_TEMPLATE = "annotations/jinja/panel.html"

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


@register.simple_tag(takes_context=True)
def annotation_panel(context) -> SafeString:
    """The side panel (templates/annotations/jinja/panel.html) with the variables the
    Django template has here. It goes out with every span created and every change: drawn
    by Jinja2 it costs a fraction of what the Django template did (the largest part of a
    create's rendering). `{% csrf_token %}` is `csrf_input` there, the same field."""
    values = context.flatten()
    values["csrf_input"] = _csrf_input(values.get("csrf_token"))
    return SafeString(_environment().get_template(PANEL_TEMPLATE).render(values))


def _csrf_input(token) -> str:
    """What `{% csrf_token %}` draws for `token`."""
    if not token or token == "NOTPROVIDED":
        return SafeString("")
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _review_outcome(annotation) -> str:
    """The latest review of the panel's annotation, as the review page shows it (the same
    Django include); nothing, and no rendering, before the first review."""
    if not annotation.reviews.all():
        return ""
    return render_to_string("annotations/includes/review_outcome.html", {"annotation": annotation})


def _date(value, format_string: str) -> str:
    """Django's `date` filter, on the value in the current time zone as Django templates
    show it."""
    return date_filter(template_localtime(value), format_string)


@cache
def _environment() -> jinja2.Environment:
    """Jinja2 for the templates under templates/annotations/jinja/: escaped like Django's,
    lenient like them with a missing variable, reloaded on change when DEBUG."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.BASE_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        auto_reload=settings.DEBUG,
    )
    environment.globals |= {"id_url": id_url, "review_outcome": _review_outcome}
    environment.filters["date"] = _date
    return environment
