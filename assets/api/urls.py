from django.urls import path

from assets.api import views

urlpatterns = [
    path("assets/images", views.ImageCollectionView.as_view(), name="asset-images"),
    path("assets/images/upload", views.ImageUploadView.as_view(), name="asset-images-upload"),
    path("assets/images/by-id/<str:id>", views.ImageByIdView.as_view(), name="asset-images-by-id"),
    path("assets/images/by-key/<path:file_key>", views.ImageByKeyView.as_view(), name="asset-images-by-key"),
    path("assets/images/by-hash/<str:file_hash>", views.ImageByHashView.as_view(), name="asset-images-by-hash"),
    path("assets/images/<str:id>/restore", views.ImageRestoreView.as_view(), name="asset-images-restore"),
    path("assets/images/<str:id>", views.ImageDeleteView.as_view(), name="asset-images-detail"),
]
