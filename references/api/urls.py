"""REST routes (filled in by the references issue)."""

urlpatterns: list = []
