"""REST views for references (contract §6): declare, validate, call a service or selector."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from core.api.schema import create_schema, delete_schema, enveloped, errors, path_parameter, register_links
from core.api.views import BaseAPIView, CreateView, GetOneView
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

REF_PATH = path_parameter(
    "ref",
    {"type": "string", "pattern": REF_PATTERN, "maxLength": PROVIDER_MAX_LENGTH + 1 + EXTERNAL_ID_MAX_LENGTH},
    (
        "`provider:id`, split at the first colon. A generated client encodes it: give it the ref as it is. "
        "In a URL built by hand, percent-encode it once (`/`, `?`, `#`, `%`, spaces)."
    ),
)


@extend_schema_view(
    post=create_schema(
        tags=TAG, operation_id="references_create", request=ReferenceCreateSerializer, output=ReferenceOutputSerializer
    )
)
class ReferenceCollectionView(CreateView):
    api_resource = "references"
    represent = staticmethod(represent)
    create_scope = "references"
    create_serializer_class = ReferenceCreateSerializer

    def create(self, **validated_data):
        return services.reference_create(**validated_data)


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


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        operation_id="references_get",
        parameters=[REF_PATH],
        responses={200: enveloped(ReferenceOutputSerializer), **errors(404)},
    )
)
class ReferenceDetailView(GetOneView):
    api_resource = "references"
    represent = staticmethod(represent)

    def get_object(self, value):
        return selectors.reference_get(ref=value)

    @delete_schema(tags=TAG, operation_id="references_delete", path=REF_PATH, codes=(404,))
    def delete(self, request, ref):
        services.reference_delete(reference=selectors.reference_get(ref=ref))
        return Response(status=status.HTTP_204_NO_CONTENT)
