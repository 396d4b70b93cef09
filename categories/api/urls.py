"""REST routes of categories (contract §5)."""

from django.urls import path

from categories.api import views

urlpatterns = [
    path("categories", views.CategoryCollectionView.as_view(), name="categories"),
    path("categories/<str:id>/restore", views.CategoryRestoreView.as_view(), name="categories-restore"),
    path("categories/<str:id>", views.CategoryDetailView.as_view(), name="categories-detail"),
]
