"""REST routes of references (contract §6)."""

from django.urls import path

from references.api import views

urlpatterns = [
    path("references", views.ReferenceCollectionView.as_view(), name="references"),
    # Before the ref route. No ref is shadowed: a ref always has a colon, "lookup" has none.
    path("references/lookup", views.ReferenceLookupView.as_view(), name="references-lookup"),
    # `path`, not `str`: Django decodes %2F before routing, so an id may hold slashes.
    path("references/<path:ref>", views.ReferenceDetailView.as_view(), name="references-detail"),
]
