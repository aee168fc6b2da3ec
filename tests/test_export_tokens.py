"""API tokens: created with a secret shown once, authenticated by hash, revoked for good."""

import pytest
from django.core.exceptions import PermissionDenied

from annotations import tokens
from annotations.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_new_token_has_a_recognisable_prefix_and_a_long_random_secret(researcher):
    token, secret = tokens.token_create(user=researcher, name=" nightly ")

    assert secret.startswith("wbt_") and len(secret) > 40
    assert token.prefix == secret[:12]
    assert token.name == "nightly"
    assert token.user == researcher


def test_two_tokens_never_share_a_secret(researcher):
    secrets = {tokens.token_create(user=researcher, name="t")[1] for _ in range(5)}

    assert len(secrets) == 5


def test_a_token_gets_only_scopes_the_role_allows(annotator, outsider):
    # An annotator's scripts read and annotate; exporting is not an annotator's to do.
    with pytest.raises(PermissionDenied):
        tokens.token_create(user=annotator, name="script", scopes=["read", "export"])
    with pytest.raises(PermissionDenied):
        tokens.token_create(user=outsider, name="script")
    assert not ApiToken.objects.exists()

    token, _secret = tokens.token_create(user=annotator, name="script")

    assert token.scope_set == {"read", "annotate"}


def test_authenticate_finds_the_token_and_its_user(researcher, django_assert_max_num_queries):
    token, secret = tokens.token_create(user=researcher, name="t")

    with django_assert_max_num_queries(2):  # the lookup and the last-used update
        found = tokens.token_authenticate(secret)
        assert found.user.username == researcher.username

    assert found == token


@pytest.mark.parametrize("secret", ["", "wbt_", "wbt_unknown", "not-even-our-prefix"])
def test_authenticate_refuses_unknown_secrets(secret, db):
    assert tokens.token_authenticate(secret) is None


def test_the_owner_revokes_their_token_and_a_second_revocation_changes_nothing(researcher):
    token, secret = tokens.token_create(user=researcher, name="t")

    first = tokens.token_revoke(token_id=token.pk, user=researcher).revoked_at
    second = tokens.token_revoke(token_id=token.pk, user=researcher).revoked_at

    assert first is not None and first == second
    assert tokens.token_authenticate(secret) is None


def test_an_editor_may_revoke_anyones_token_but_a_researcher_may_not(researcher, editor):
    token, _secret = tokens.token_create(user=editor, name="editors")
    with pytest.raises(PermissionDenied):
        tokens.token_revoke(token_id=token.pk, user=researcher)

    mine, _ = tokens.token_create(user=researcher, name="mine")
    assert tokens.token_revoke(token_id=mine.pk, user=editor).revoked_at is not None
