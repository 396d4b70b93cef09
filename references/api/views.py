"""REST views for references (contract §6): declare, validate, call a service or selector."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.schema import IDEMPOTENCY_KEY, enveloped, errors, register_links
from core.api.views import BaseAPIView
from references import selectors, services
from references.api.serializers import (
    ReferenceCreateSerializer,
    ReferenceLookupSerializer,
    ReferenceOutputSerializer,
    represent_lookup_row,
)
from references.validators import EXTERNAL_ID_MAX_LENGTH, PROVIDER_MAX_LENGTH, REF_PATTERN

TAG = ["references"]
represent = ReferenceOutputSerializer.represent

# The ref is `provider:id`: both parts of the created reference, joined by a colon.
_REF = {"ref": "{$response.body#/data/provider}:{$response.body#/data/id}"}
register_links(
    "references_create",
    201,
    {
        "GetReference": {"operationId": "references_get", "parameters": _REF},
        "DeleteReference": {"operationId": "references_delete", "parameters": _REF},
    },
)

REF_PATH = OpenApiParameter(
    "ref",
    {"type": "string", "pattern": REF_PATTERN, "maxLength": PROVIDER_MAX_LENGTH + 1 + EXTERNAL_ID_MAX_LENGTH},
    OpenApiParameter.PATH,
    description=(
        "`provider:id`, split at the first colon. A generated client encodes it: give it the ref as it is. "
        "In a URL built by hand, percent-encode it once (`/`, `?`, `#`, `%`, spaces)."
    ),
)


class ReferenceCollectionView(BaseAPIView):
    api_resource = "references"

    @extend_schema(
        tags=TAG,
        operation_id="references_create",
        request=ReferenceCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
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
