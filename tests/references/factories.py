"""Factories for reference test data (factory_boy); rows are written as given, without the services' checks."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from references.models import Reference


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    provider = "facebook"
    external_id = factory.Sequence(lambda n: f"post-{n}")
    urn = factory.LazyFunction(lambda: f"urn:docs:content:{uuid.uuid4()}")
    expires_at = None

    class Params:
        expired = factory.Trait(expires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)))
        expiring = factory.Trait(expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)))
