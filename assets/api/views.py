"""REST views for asset images (contract §4): declare, validate, call a service."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiRequest, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from assets import selectors, services
from assets.api.filters import ImageFilter
from assets.api.serializers import (
    ImageCreateSerializer,
    ImageOutputSerializer,
    UploadOutputSerializer,
    UploadSerializer,
)
from assets.renditions.selectors import rendition_urls_maker
from assets.renditions.specs import InvalidSpec, parse_spec_list
from assets.storage import HashingUploadHandler
from core.api.schema import (
    ID_PATH,
    INCLUDE_DELETED,
    NOT_BLANK_PATTERN,
    create_schema,
    delete_schema,
    enveloped,
    errors,
    locale_filter,
    path_parameter,
    register_links,
    register_soft_delete_links,
    restore_schema,
    search_filter,
)
from core.api.views import BaseAPIView, CreateView, GetOneView, ListView
from core.exceptions import BadRequest

TAG = ["asset images"]
represent = ImageOutputSerializer.represent
# The specs' syntax for the schema (ECMA-262): which presets exist and the largest side are the
# operator's settings, so a spec of the right form may still be refused, naming the spec.
_SPEC = (
    "(?:(?:fill|fit)-[1-9][0-9]{0,4}x[1-9][0-9]{0,4}|width-[1-9][0-9]{0,4}|[a-z][a-z0-9_]{0,31})"
    "(?:-q(?:[1-9][0-9]?|100))?[.](?:webp|avif|jpeg|png)"
)
RENDITIONS = OpenApiParameter(
    "renditions",
    {"type": "string", "pattern": f"^(?:{_SPEC}(?:,{_SPEC}){{0,19}})?$"},
    description=(
        "Comma-separated rendition specs (at most 20), such as `card.webp,width-640.avif`: adds `renditions`, "
        "signed URLs with their output size, keyed by each spec as asked. Operations: `fill-WxH`, `fit-WxH`, "
        "`width-W`, each optionally `-qN` (1..100), or a preset name; formats: webp, avif, jpeg, png."
    ),
)

FILE_KEY_PATH = path_parameter(
    "file_key",
    {"type": "string", "pattern": NOT_BLANK_PATTERN, "maxLength": 255},
    "The storage key returned by the upload (it holds slashes).",
)
FILE_HASH_PATH = path_parameter(
    "file_hash",
    {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
    "SHA-256 of the file, 64 hexadecimal characters; anything else is a 400.",
)


def represent_for(request):
    """`represent`, plus the renditions asked for in `?renditions=` (a 400 naming a bad spec)."""
    raw = request.query_params.get("renditions")
    if not raw:
        return represent
    try:
        asked = parse_spec_list(raw)
    except InvalidSpec as exc:
        raise BadRequest({"renditions": [f"Invalid spec {exc}."]}) from None
    except ValueError as exc:
        raise BadRequest({"renditions": [str(exc)]}) from None
    base_url = settings.RENDITION_BASE_URL or request.build_absolute_uri("/").rstrip("/")

    urls_of = rendition_urls_maker(asked=asked, base_url=base_url)  # once per request, not per image

    def represent_with_renditions(image) -> dict:
        body = represent(image)
        body["renditions"] = urls_of(image)
        return body

    return represent_with_renditions


for _status in (200, 201):
    register_links(
        "asset_images_upload",
        _status,
        {
            "CreateImage": {
                "operationId": "asset_images_create",
                "requestBody": {
                    "file_key": "$response.body#/data/file_key",
                    "file_hash": "$response.body#/data/file_hash",
                    "name": "Uploaded image",
                },
                "description": "Describe the uploaded file: its `file_key` (and `file_hash`) in the create body.",
            }
        },
    )
register_soft_delete_links(
    name="Image",
    create="asset_images_create",
    get="asset_images_get_by_id",
    delete="asset_images_delete",
    restore="asset_images_restore",
    GetImageByKey={
        "operationId": "asset_images_get_by_key",
        "parameters": {"file_key": "$response.body#/data/file_key"},
    },
    GetImageByHash={
        "operationId": "asset_images_get_by_hash",
        "parameters": {"file_hash": "$response.body#/data/file_hash"},
    },
)


def _get_by(operation_id: str, path):
    """The schema of a `GET /assets/images/by-...`: one image, with its renditions if asked."""
    return extend_schema(
        tags=TAG,
        operation_id=operation_id,
        parameters=[path, INCLUDE_DELETED, RENDITIONS],
        responses={200: enveloped(ImageOutputSerializer), **errors(400, 404)},
    )


class ImageView(BaseAPIView):
    """Base of the image views: the `assets` resource; an image read shows the renditions asked for."""

    api_resource = "assets"
    represent = staticmethod(represent)

    def representer(self):
        return represent_for(self.request)


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        operation_id="asset_images_list",
        parameters=[
            INCLUDE_DELETED,
            search_filter(
                "Case-insensitive substring of the name, a credit or a caption's text (tags aside), "
                "at least 2 characters (else 400)."
            ),
            locale_filter("Images having a caption in this locale (BCP 47)."),
            RENDITIONS,
        ],
        responses={200: ImageOutputSerializer(many=True), **errors(400)},
    ),
    post=create_schema(
        tags=TAG, operation_id="asset_images_create", request=ImageCreateSerializer, output=ImageOutputSerializer
    ),
)
class ImageCollectionView(ImageView, ListView, CreateView):
    cursor_scope = create_scope = "assets.images"
    filterset_class = ImageFilter
    create_serializer_class = ImageCreateSerializer

    def list_queryset(self, *, include_deleted):
        return selectors.image_list(include_deleted=include_deleted)

    def create(self, **validated_data):
        return services.image_create(**validated_data)


@extend_schema_view(get=_get_by("asset_images_get_by_id", ID_PATH))
class ImageByIdView(ImageView, GetOneView):
    def get_object(self, value):
        return selectors.image_get(image_id=value, include_deleted=self.include_deleted())


@extend_schema_view(get=_get_by("asset_images_get_by_key", FILE_KEY_PATH))
class ImageByKeyView(ImageView, GetOneView):
    def get_object(self, value):
        return selectors.image_get_by_key(file_key=value, include_deleted=self.include_deleted())


@extend_schema_view(get=_get_by("asset_images_get_by_hash", FILE_HASH_PATH))
class ImageByHashView(ImageView, GetOneView):
    def get_object(self, value):
        return selectors.image_get_by_hash(file_hash=value, include_deleted=self.include_deleted())


class ImageDeleteView(ImageView):
    @delete_schema(tags=TAG, operation_id="asset_images_delete")
    def delete(self, request, id):
        services.image_soft_delete(image=selectors.image_get(image_id=id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImageRestoreView(ImageView):
    @restore_schema(tags=TAG, operation_id="asset_images_restore", output=ImageOutputSerializer)
    def post(self, request, id):
        image = services.image_restore(image=selectors.image_get(image_id=id, include_deleted=True))
        return Response(represent(image))


class ImageUploadView(ImageView):
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # Before the body is parsed: stream each file to disk while hashing it.
        request.upload_handlers = [HashingUploadHandler(request, settings.BACKOFFICE_UPLOAD_MAX_BYTES)]
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=TAG,
        operation_id="asset_images_upload",
        request={
            "multipart/form-data": OpenApiRequest(
                UploadSerializer, encoding={"file": {"contentType": "image/jpeg, image/png, image/gif, image/webp"}}
            )
        },
        responses={
            201: enveloped(UploadOutputSerializer),
            200: enveloped(UploadOutputSerializer),
            **errors(400, 413, 415),
        },
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise BadRequest({"file": ["Send the image as the multipart file field `file`."]})
        stored, created = services.stored_file_upload(file=upload)
        body = {
            "file_key": stored.key,
            "file_hash": stored.sha256,
            "content_type": stored.content_type,
            "byte_size": stored.byte_size,
            "width": stored.width,
            "height": stored.height,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
