"""`{% csrf_field %}`: `{% csrf_token %}`, except in the annotate screen's htmx fragments.

Those fragments only ever reach a page whose every htmx request sends the CSRF token in a
header (base.html's hx-headers); a browser without JavaScript gets whole pages, with the
fields. Masking a token for the fields cost about a twentieth of a span create's CPU
(random characters from the kernel, one call each). The views mark a fragment's context
with `fragment=True` (`views.annotate.render_fragment`).
"""

from django import template
from django.template.defaulttags import CsrfTokenNode

register = template.Library()

_CSRF_TOKEN = CsrfTokenNode()


@register.simple_tag(takes_context=True)
def csrf_field(context) -> str:
    if context.get("fragment"):
        return ""
    return _CSRF_TOKEN.render(context)
