from django.urls import re_path

from assets.renditions import views

# Everything under /r/ reaches the view, so that any malformed URL is a JSON 403, not an HTML 404.
urlpatterns = [re_path(r"^r/(?P<path>.*)$", views.deliver, name="rendition")]
