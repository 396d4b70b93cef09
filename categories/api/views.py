"""REST views for categories (contract §5): declare, validate, call a service."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from categories import selectors, services
from categories.api.filters import CategoryFilter
from categories.api.serializers import CategoryCreateSerializer, CategoryOutputSerializer, CategoryPatchSerializer
from core.api.filters import apply_filters
from core.api.pagination import KeysetPagination
from core.api.schema import (
    CREATED_ID,
    ID_PATH,
    IDEMPOTENCY_KEY,
    INCLUDE_DELETED,
    enveloped,
    errors,
    locale_filter,
    register_soft_delete_links,
    search_filter,
)
from core.api.views import BaseAPIView

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


class CategoryCollectionView(BaseAPIView):
    api_resource = "categories"
    cursor_scope = "categories"
    pagination_class = KeysetPagination

    @extend_schema(
        tags=TAG,
        operation_id="categories_list",
        parameters=[
            INCLUDE_DELETED,
            OpenApiParameter("is_archived", bool, description="Only archived (true) or not archived (false)."),
            locale_filter("Categories having a live locale with this BCP 47 tag."),
            search_filter("Case-insensitive substring of any live locale name, at least 2 characters (else 400)."),
        ],
        responses={200: CategoryOutputSerializer(many=True), **errors(400)},
    )
    def get(self, request):
        queryset = apply_filters(
            CategoryFilter, request, selectors.category_list(include_deleted=self.include_deleted())
        )
        return self.page_response(queryset, represent)

    @extend_schema(
        tags=TAG,
        operation_id="categories_create",
        request=CategoryCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: enveloped(CategoryOutputSerializer), **errors(400, 409, 413, 415, 422)},
    )
    def post(self, request):
        return self.create_response(
            scope="categories",
            serializer_class=CategoryCreateSerializer,
            service=services.category_create,
            represent=represent,
        )


class CategoryDetailView(BaseAPIView):
    api_resource = "categories"

    @extend_schema(
        tags=TAG,
        operation_id="categories_get",
        parameters=[ID_PATH, INCLUDE_DELETED],
        responses={200: enveloped(CategoryOutputSerializer), **errors(400, 404)},
    )
    def get(self, request, id):
        category = selectors.category_get(category_id=id, include_deleted=self.include_deleted())
        return Response(represent(category))

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

    @extend_schema(
        tags=TAG,
        operation_id="categories_delete",
        parameters=[ID_PATH],
        responses={204: None, **errors(400, 404)},
    )
    def delete(self, request, id):
        services.category_soft_delete(category=selectors.category_get(category_id=id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryRestoreView(BaseAPIView):
    api_resource = "categories"

    @extend_schema(
        tags=TAG,
        operation_id="categories_restore",
        request=None,
        parameters=[ID_PATH],
        responses={200: enveloped(CategoryOutputSerializer), **errors(400, 404, 409)},
    )
    def post(self, request, id):
        category = selectors.category_get(category_id=id, include_deleted=True)
        return Response(represent(services.category_restore(category=category)))
