"""REST views for categories (contract §5): declare, validate, call a service."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from categories import selectors, services
from categories.api.filters import CategoryFilter
from categories.api.serializers import CategoryCreateSerializer, CategoryOutputSerializer, CategoryPatchSerializer
from core.api.schema import (
    CREATED_ID,
    ID_PATH,
    INCLUDE_DELETED,
    create_schema,
    delete_schema,
    enveloped,
    errors,
    locale_filter,
    register_soft_delete_links,
    restore_schema,
    search_filter,
)
from core.api.views import BaseAPIView, CreateView, GetOneView, ListView

TAG = ["categories"]
represent = CategoryOutputSerializer.represent

register_soft_delete_links(
    name="Category",
    create="categories_create",
    get="categories_get",
    delete="categories_delete",
    restore="categories_restore",
    UpdateCategory={"operationId": "categories_update", "parameters": CREATED_ID},
)


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        operation_id="categories_list",
        parameters=[
            INCLUDE_DELETED,
            OpenApiParameter("is_archived", bool, description="Only archived (true) or not archived (false)."),
            locale_filter("Categories having a live locale with this BCP 47 tag."),
            search_filter("Case-insensitive substring of any live locale name, at least 2 characters (else 400)."),
        ],
        responses={200: CategoryOutputSerializer(many=True), **errors(400)},
    ),
    post=create_schema(
        tags=TAG, operation_id="categories_create", request=CategoryCreateSerializer, output=CategoryOutputSerializer
    ),
)
class CategoryCollectionView(ListView, CreateView):
    api_resource = "categories"
    cursor_scope = create_scope = "categories"
    represent = staticmethod(represent)
    filterset_class = CategoryFilter
    create_serializer_class = CategoryCreateSerializer

    def list_queryset(self, *, include_deleted):
        return selectors.category_list(include_deleted=include_deleted)

    def create(self, **validated_data):
        return services.category_create(**validated_data)


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        operation_id="categories_get",
        parameters=[ID_PATH, INCLUDE_DELETED],
        responses={200: enveloped(CategoryOutputSerializer), **errors(400, 404)},
    )
)
class CategoryDetailView(GetOneView):
    api_resource = "categories"
    represent = staticmethod(represent)

    def get_object(self, value):
        return selectors.category_get(category_id=value, include_deleted=self.include_deleted())

    @extend_schema(
        tags=TAG,
        operation_id="categories_update",
        request=CategoryPatchSerializer,
        parameters=[ID_PATH],
        responses={200: enveloped(CategoryOutputSerializer), **errors(400, 404, 409, 413, 415)},
    )
    def patch(self, request, id):
        category = selectors.category_get(category_id=id)
        serializer = CategoryPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_update(category=category, **serializer.validated_data)
        return Response(represent(category))

    @delete_schema(tags=TAG, operation_id="categories_delete")
    def delete(self, request, id):
        services.category_soft_delete(category=selectors.category_get(category_id=id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryRestoreView(BaseAPIView):
    api_resource = "categories"

    @restore_schema(tags=TAG, operation_id="categories_restore", output=CategoryOutputSerializer)
    def post(self, request, id):
        category = selectors.category_get(category_id=id, include_deleted=True)
        return Response(represent(services.category_restore(category=category)))
