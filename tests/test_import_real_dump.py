"""Acceptance on the real news dump (tests/fixtures/corpus): every article it holds, no more.

Its README says where each article starts; the 20 titles below were counted by hand:
18 teasers closed by `Continue reading`, one short article shown whole between two
teasers (the webinar), and the last article, which holds sub-articles of its own.
"""

from pathlib import Path

import pytest

from annotations.importers import decode, import_path, parse_dump
from annotations.models import Article, ImportBatch
from annotations.text import normalise_body

DUMP = Path(__file__).resolve().parent / "fixtures" / "corpus" / "news-dump.txt"

TITLES = [
    "China and LAC countries bound by a shared commitment to justice and a common pursuit "
    "of modernisation",
    "Xi Jinping: Writing a new chapter in building a China-LAC Community with a Shared Future",
    "Xi Jinping meets with leaders of Cuba, Venezuela, Slovakia, Serbia, Myanmar and Vietnam "
    "in Moscow",
    "Putin: It is Russia’s strategic choice to unswervingly advance relations with China",
    "Lula: China’s resolute and strong countermeasures against “reciprocal tariffs” are admirable",
    "Wang Yi: The BRICS family stands at the forefront of the Global South",
    "Xi Jinping: Learning from history to build together a brighter future",
    "Sixth China-Central Asia Foreign Ministers’ Meeting promotes synergised development",
    "Iranian FM: China is a strategic and trusted partner",
    "Mark Carney’s anti-China posture will not benefit the Canadian people",
    "Chinese Ambassador: Haiti’s future should not be sacrificed to US strategic interests",
    "From Bandung to BRICS: the inexorable rise of the Global South",
    "Webinar marks 70th anniversary of the Bandung Conference",
    "Detailed joint statements adopted between China and Vietnam, Malaysia and Cambodia",
    "Spanish PM: US tariffs “unjustified, unjust and harmful for everybody”",
    "China and Cambodia: friendly neighbours and ironclad friends",
    "General Secretary Tô Lâm: Xi Jinping is a sincere comrade and a close friend of Vietnam",
    "Xi Jinping: China and Malaysia are good neighbours, good friends and good partners",
    "China and Vietnam reaffirm their will to jointly strengthen the cause of socialism in "
    "the world",
    "Xi Jinping: CELAC has remained committed to independence, self-reliance and strength "
    "through unity",
]
WEBINAR = "Webinar marks 70th anniversary of the Bandung Conference"
CONTINUE = "Continue reading "


@pytest.fixture(scope="module")
def lines() -> list[str]:
    assert DUMP.is_file(), f"the corpus fixture is missing: {DUMP}"
    return decode(DUMP.read_bytes(), filename=DUMP.name).split("\n")


@pytest.fixture(scope="module")
def articles(lines):
    return parse_dump("\n".join(lines), filename=DUMP.name)


def test_the_dump_holds_exactly_its_twenty_articles_with_their_titles(articles):
    assert [article.title for article in articles] == TITLES


def test_each_continue_reading_title_closes_the_article_that_starts_at_that_title_line(
    lines, articles
):
    by_title = {article.title: article for article in articles}
    closing_lines = [i for i, line in enumerate(lines) if line.startswith(CONTINUE)]
    assert len(closing_lines) == 18
    for closing in closing_lines:
        title = lines[closing].removeprefix(CONTINUE)
        article = by_title[title]
        title_index = article.line - 1
        assert lines[title_index] == title
        assert title_index < closing
        assert article.body == normalise_body("\n".join(lines[title_index + 1 : closing]))


def test_no_body_contains_a_continue_reading_line(articles):
    for article in articles:
        assert not any(line.startswith("Continue reading") for line in article.body.split("\n"))


def test_the_webinar_shown_whole_between_two_teasers_is_an_article_of_its_own(articles):
    titles = [article.title for article in articles]
    webinar = articles[titles.index(WEBINAR)]
    before, after = articles[titles.index(WEBINAR) - 1], articles[titles.index(WEBINAR) + 1]
    assert webinar.body.startswith("Seventy years ago, the Bandung Conference brought together")
    assert webinar.body.endswith("The video of the webinar is embedded below.")
    # Its bullet list, as written: plain spaces before the bullet, a no-break space inside.
    assert "  • Radhika Desai\u00a0(Convenor, International Manifesto Group)" in webinar.body
    assert WEBINAR not in before.body and WEBINAR not in after.body
    assert "Seventy years ago" not in before.body + after.body


def test_sub_headings_stay_in_the_last_article(articles):
    last = articles[-1]
    for heading in (
        "Xi Jinping Sends Congratulatory Letter to the 9th Summit of Heads of State and "
        "Government of the CELAC",
        "The ghost of Trump at the meeting",
        "Lula to visit China in May for another meeting with Xi Jinping",
        "International trade",
    ):
        assert f"\n{heading}\n" in last.body
    assert last.body.endswith("at the BRICS Summit in South Africa.")
    assert "International trade" not in [article.title for article in articles]


def test_bodies_keep_en_spaces_and_no_break_spaces_as_written(lines, articles):
    text = "\n".join(lines)
    bodies = "".join(article.body for article in articles)
    for space in ("\u2002", "\u00a0"):
        assert bodies.count(space) == text.count(space) > 0


@pytest.mark.django_db
def test_importing_the_dump_twice_imports_twenty_then_reports_twenty_duplicates():
    first = import_path(DUMP)
    assert [article.title for article in first.imported] == TITLES
    assert set(Article.objects.values_list("title", flat=True)) == set(TITLES)

    second = import_path(DUMP)
    assert second.imported == []
    assert second.duplicates == TITLES
    assert Article.objects.count() == 20
    assert ImportBatch.objects.count() == 1
