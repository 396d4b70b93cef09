"""REST routes (filled in by the categories issue)."""

urlpatterns: list = []
