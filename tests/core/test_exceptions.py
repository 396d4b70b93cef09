"""Domain errors know no HTTP; the admin and the commands read them through messages()."""

import pytest
from rest_framework.exceptions import APIException

from core import exceptions as domain
from core.api.exceptions import error_body


@pytest.mark.parametrize(
    "error_class",
    [
        domain.BadRequest,
        domain.Conflict,
        domain.EntityNotFound,
        domain.IdempotencyKeyReused,
        domain.InvalidUUID,
        domain.PayloadTooLarge,
        domain.UnsupportedMediaType,
    ],
)
def test_every_domain_error_is_a_plain_exception(error_class):
    assert issubclass(error_class, domain.DomainError)
    assert not issubclass(error_class, APIException)
    assert not hasattr(error_class(), "status_code")


@pytest.mark.parametrize(
    "exc, status",
    [
        (domain.BadRequest(), 400),
        (domain.InvalidUUID(), 400),
        (domain.EntityNotFound(), 404),
        (domain.Conflict(), 409),
        (domain.PayloadTooLarge(), 413),
        (domain.UnsupportedMediaType(), 415),
        (domain.IdempotencyKeyReused(), 422),
    ],
)
def test_the_api_handler_gives_each_its_contract_status(exc, status):
    assert error_body(exc)[:2] == (status, {"error": exc.error})


def test_messages_name_the_field_of_each_message_nested_or_not():
    exc = domain.BadRequest({"name": ["Too long."], "locales": [{}, {"locale": ["Not a tag."]}]})
    assert exc.messages() == ["name: Too long.", "locale: Not a tag."]
    assert exc.messages(fields=False) == ["Too long.", "Not a tag."]


def test_messages_without_details_is_the_error_itself():
    assert domain.Conflict().messages() == ["Conflict"]
    assert domain.EntityNotFound(error="Gone").messages() == ["Gone"]


def test_the_body_keeps_details_as_given():
    exc = domain.Conflict({"file_key": ["Taken."], "existing_id": "abc"})
    assert exc.body() == {"error": "Conflict", "details": {"file_key": ["Taken."], "existing_id": "abc"}}
    assert exc.messages() == ["file_key: Taken.", "existing_id: abc"]


def test_messages_can_leave_out_a_key_at_any_depth():
    exc = domain.Conflict({"file_key": ["Taken."], "existing_id": "abc", "x": [{"existing_id": "x", "a": ["B."]}]})
    assert exc.messages(skip=("existing_id",)) == ["file_key: Taken.", "a: B."]
    assert exc.messages(fields=False, skip=("existing_id",)) == ["Taken.", "B."]
    assert domain.Conflict({"existing_id": None}).messages(fields=False, skip=("existing_id",)) == ["Conflict"]
