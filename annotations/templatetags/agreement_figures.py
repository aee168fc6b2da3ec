"""`{{ value|figure }}`: an agreement figure as the pages print it (three decimals, "—")."""

from django import template

from ..agreement_chart import figure as figure_text

register = template.Library()


@register.filter
def figure(value) -> str:
    return figure_text(value)
