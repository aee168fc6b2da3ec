"""The annotate screen's fragments, which go out with every span created and every change.

They are Jinja2 templates under templates/annotations/jinja/ (the environment is
`_environment`): the page's Django template draws them with `{% jinja %}`, and the answers
to creates, changes and live updates are drawn by Jinja2 alone (`render_jinja`). Their
form fields are written by `field_group`, `field_widget` and `field_errors`, as Django's
form templates write them. `{% id_url %}` makes their URLs.
"""

from functools import cache

import jinja2
from django import template
from django.conf import settings
from django.contrib.auth.context_processors import PermWrapper
from django.forms import BoundField, Widget
from django.middleware.csrf import get_token
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import gettext
from markupsafe import Markup, escape

register = template.Library()

CREATE_FIELDS_TEMPLATE = "annotations/jinja/create_fields.html"

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
def jinja(context, template_name: str) -> SafeString:
    """A Jinja2 template of templates/annotations/jinja/ with the variables the Django
    template has here: the parts of the annotate screen that go out with every span created
    and every change (the side panel, the create box, the list's head, the changes). Drawn
    by Jinja2 they cost a fraction of what Django templates did, and the answers to those
    writes are drawn by Jinja2 alone (`render_jinja`). `{% csrf_token %}` is `csrf_input`
    there, the same field."""
    values = context.flatten()
    values["csrf_input"] = _csrf_input(values.get("csrf_token"))
    return SafeString(_environment().get_template(template_name).render(values))


def render_jinja(request, template_name: str, context: dict) -> SafeString:
    """A Jinja2 template of templates/annotations/jinja/ as a whole answer, with what the
    Django templates get from the request (the user, their permissions, the CSRF field)."""
    values = {"request": request, "user": request.user, "perms": PermWrapper(request.user),
              **context}  # fmt: skip
    values["csrf_input"] = _csrf_input(get_token(request))
    return SafeString(_environment().get_template(template_name).render(values))


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


def create_fields(form) -> Markup:
    """The create box's fields (templates/annotations/jinja/create_fields.html) for `form`,
    or for a blank form when None: the box is reset with every span created, and a blank
    form's fields are the same for every article and user, so they are drawn once per
    process instead of building and drawing a form each time."""
    if form is None:
        return _blank_create_fields() if not settings.DEBUG else _blank_create_fields.__wrapped__()
    return Markup(_environment().get_template(CREATE_FIELDS_TEMPLATE).render(form=form))


@cache
def _blank_create_fields() -> Markup:
    from ..forms.annotate import CreateForm

    return create_fields(CreateForm(article=None))


# Django's widget templates that `field_group` and `field_widget` draw, by shape.
_DRAWN_WIDGETS = {
    **dict.fromkeys(
        [
            f"django/forms/widgets/{name}.html"
            for name in ("text", "number", "email", "url", "tel", "search", "password", "hidden")
        ],
        "input",
    ),  # fmt: skip
    "django/forms/widgets/select.html": "select",
    "django/forms/widgets/textarea.html": "textarea",
}


def field_group(field: BoundField) -> Markup:
    """`field.as_field_group()`: label, help text, errors and widget, drawn as Django's form
    templates draw them (django/forms/jinja2/django/forms/field.html, label.html,
    errors/list/ul.html and the widget's) from what Django's own methods compute. Django
    renders four or five templates per field, each in a context of its own: for the few
    fields of a new span's panel that was a sixth of a span create's CPU. A field drawn
    otherwise (see `_drawn`) is left to Django. tests/test_panel_fields.py holds the two
    renderings equal. Text is escaped as the templates escape it; the help text is not."""
    drawn = _drawn(field)
    if drawn is None:
        return Markup(field.as_field_group())
    shape, widget, label, label_attrs = drawn
    parts = []
    if field.label:
        label = escape(label)
        parts.append(
            label if label_attrs is None else f"<label{_attrs(label_attrs)}>{label}</label>"
        )
    if field.help_text:
        help_id = f' id="{escape(field.auto_id)}_helptext"' if field.auto_id else ""
        parts.append(f'<div class="helptext"{help_id}>{field.help_text}</div>')
    parts += [field_errors(field.errors), _widget(shape, widget)]
    return Markup("\n".join(parts))


def field_widget(field: BoundField) -> Markup:
    """`{{ field }}`: the widget alone (see `field_group`)."""
    drawn = _drawn(field)
    if drawn is None:
        return Markup(field)
    return Markup(_widget(drawn[0], drawn[1]))


def field_errors(errors) -> Markup:
    """A form's or a field's ErrorList as django/forms/errors/list/ul.html draws it."""
    if not errors:
        return Markup("")
    field_id = f' id="{escape(errors.field_id)}_error"' if errors.field_id else ""
    items = "".join(f"<li>{escape(error)}</li>" for error in errors)
    return Markup(f'<ul class="{escape(errors.error_class)}"{field_id}>{items}</ul>')


def _drawn(field: BoundField):
    """(shape, the widget's context, label, label attributes or None for no tag) as
    `BoundField.as_widget` and `BoundField.label_tag` compute them; None for a field drawn
    otherwise (a widget of another kind or with a rendering of its own, a fieldset, field or
    label templates of the form's own)."""
    widget = field.field.widget
    form = field.form
    shape = _DRAWN_WIDGETS.get(widget.template_name)
    if (
        shape is None
        or type(widget).render is not Widget.render
        or (shape == "select"
            and widget.option_template_name != "django/forms/widgets/select_option.html")
        or field.use_fieldset
        or field.field.localize
        or field.field.template_name is not None
        or form.template_name_label != "django/forms/label.html"
        or form.renderer.field_template_name != "django/forms/field.html"
    ):  # fmt: skip
        return None
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    # BoundField.label_tag() with no arguments.
    label = field.label
    suffix = field.field.label_suffix
    if suffix is None:
        suffix = form.label_suffix
    if suffix and label and label[-1] not in gettext(":?.!"):
        label = format_html("{}{}", label, suffix)
    label_attrs = None
    if label_id := widget.attrs.get("id") or field.auto_id:
        label_attrs = {}
        if for_label := widget.id_for_label(label_id):
            label_attrs["for"] = for_label
        if field.field.required and hasattr(form, "required_css_class"):
            label_attrs["class"] = form.required_css_class
    return shape, context, label, label_attrs


def _widget(shape: str, widget: dict) -> str:
    """django/forms/widgets/input.html, select.html (with select_option.html) or
    textarea.html, escaped as they are."""
    name, attrs = escape(widget["name"]), _attrs(widget["attrs"])
    if shape == "input":
        value = widget["value"]
        value = "" if value is None else f' value="{escape(value)}"'
        return f'<input type="{escape(widget["type"])}" name="{name}"{value}{attrs}>'
    if shape == "select":
        parts = [f'<select name="{name}"{attrs}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'<optgroup label="{escape(group_name)}">')
            parts += [
                f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{escape(option['label'])}</option>"
                for option in options
            ]
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return "\n".join(parts)
    return f'<textarea name="{name}"{attrs}>\n{escape(widget["value"] or "")}</textarea>'


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `name="value"`, a bare name for True, nothing for
    False."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


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
    environment.globals |= {
        "id_url": id_url,
        "review_outcome": _review_outcome,
        "field_group": field_group,
        "field_widget": field_widget,
        "field_errors": field_errors,
        "create_fields": create_fields,
    }
    environment.filters["date"] = _date
    return environment
