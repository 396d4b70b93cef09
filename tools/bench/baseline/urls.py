"""Routes of the baseline server, one per benchmarked endpoint."""

from django.urls import path

from tools.bench.baseline import views

urlpatterns = [
    path("baseline/images", views.image_create),
    path("baseline/images/by-id/<str:id>", views.image_by_id),
    path("baseline/images/by-key/<path:file_key>", views.image_by_key),
    path("baseline/images/by-hash/<str:file_hash>", views.image_by_hash),
    path("baseline/categories", views.category_list),
    path("baseline/categories/<str:id>", views.category_by_id),
    path("baseline/references/lookup", views.reference_lookup),
    path("baseline/references/<path:ref>", views.reference_by_ref),
]
