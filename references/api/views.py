"""REST views for references (contract §6): declare, validate, call a service or selector."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.schema import enveloped, errors
from core.api.views import BaseAPIView
from references import selectors, services
from references.api.serializers import (
    ReferenceCreateSerializer,
    ReferenceLookupSerializer,
    ReferenceOutputSerializer,
    represent_lookup_row,
)

TAG = ["references"]
represent = ReferenceOutputSerializer.represent

REF_PATH = OpenApiParameter(
    "ref",
    str,
    OpenApiParameter.PATH,
    description="`provider:id`, split at the first colon; percent-encode the id where needed (`/`, `?`, `#`, `%`).",
)


class ReferenceCollectionView(BaseAPIView):
    api_resource = "references"

    @extend_schema(
        tags=TAG,
        operation_id="references_create",
        request=ReferenceCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={201: enveloped(ReferenceOutputSerializer), **errors(400, 409, 413, 415, 422)},
    )
    def post(self, request):
        return self.create_response(
            scope="references",
            serializer_class=ReferenceCreateSerializer,
            service=services.reference_create,
            represent=represent,
        )


class ReferenceLookupView(BaseAPIView):
    """A POST that only reads (a body carries 100 refs better than a query string)."""

    api_resource = "references"
    action = "lookup"
    read_actions = ("lookup",)

    @extend_schema(
        tags=TAG,
        operation_id="references_lookup",
        request=ReferenceLookupSerializer,
        responses={200: enveloped(ReferenceOutputSerializer, many=True), **errors(400, 413, 415)},
    )
    def post(self, request):
        serializer = ReferenceLookupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        references = selectors.references_lookup(refs=serializer.validated_data["refs"])
        return Response([represent_lookup_row(row) for row in references])


class ReferenceDetailView(BaseAPIView):
    api_resource = "references"

    @extend_schema(
        tags=TAG,
        operation_id="references_get",
        parameters=[REF_PATH],
        responses={200: enveloped(ReferenceOutputSerializer), **errors(404)},
    )
    def get(self, request, ref):
        return Response(represent(selectors.reference_get(ref=ref)))

    @extend_schema(
        tags=TAG,
        operation_id="references_delete",
        parameters=[REF_PATH],
        responses={204: None, **errors(404)},
    )
    def delete(self, request, ref):
        services.reference_delete(reference=selectors.reference_get(ref=ref))
        return Response(status=status.HTTP_204_NO_CONTENT)
