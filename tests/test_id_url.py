"""`{% id_url %}` writes exactly what `{% url %}` writes for the annotate screen's URLs."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from annotations.templatetags.fragments import id_url

NAMES = ["annotate_edit", "annotate_create", "article_detail", "comments", "seen_before",
         "annotate_panel", "proposal_accept"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 7, 10, 2147483647, 12345678901234])
def test_the_same_url_as_reverse(name, pk):
    assert id_url(name, pk) == reverse(name, args=[pk])


def test_in_a_template_with_as():
    template = Template("{% load fragments %}{% id_url 'annotate_edit' 5 as edit %}[{{ edit }}]")
    assert template.render(Context()) == f"[{reverse('annotate_edit', args=[5])}]"


def test_a_non_integer_goes_through_reverse_and_its_errors():
    assert id_url("annotate_edit", "5") == reverse("annotate_edit", args=["5"])
    with pytest.raises(NoReverseMatch):
        id_url("annotate_edit", "five")
    with pytest.raises(NoReverseMatch):
        id_url("no_such_url", 1)
