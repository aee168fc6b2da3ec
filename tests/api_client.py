"""A test client for the JSON API: a token of the user's in every request, JSON in and out."""

import json
from urllib.parse import urlencode

from django.test import Client

from annotations import tokens

API = "/api/v1"


class ApiClient:
    def __init__(self, user, *, scopes=None, client=None):
        self.user = user
        self.token, self.secret = tokens.token_create(user=user, name="tests", scopes=scopes)
        self.client = client or Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"}

    def get(self, path, **query):
        url = API + path + (f"?{urlencode(query)}" if query else "")
        return self.client.get(url, **self.headers)

    def _send(self, method, path, body):
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        send = getattr(self.client, method)
        return send(API + path, data, content_type="application/json", **self.headers)

    def post(self, path, body=None):
        return self._send("post", path, {} if body is None else body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self.client.delete(API + path, **self.headers)


def problem(response, status: int) -> dict:
    """The problem document of a refusal, after checking its status and media type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    document = response.json()
    assert document["status"] == status and document["detail"] and document["title"]
    return document
