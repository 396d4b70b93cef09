"""Source images whose renditions can be judged by pixel colour, and a way to ask for their URLs."""

import io
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from PIL import Image

from assets.models import AssetImage
from assets.services import image_create, stored_file_upload

RED, GREEN, BLUE = (255, 0, 0), (0, 200, 0), (0, 0, 255)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def stripes(size=(300, 100), colours=(RED, GREEN, BLUE), vertical_bands: bool = True) -> Image.Image:
    """Three bands side by side (or stacked): a crop shows which band it kept."""
    width, height = size
    image = Image.new("RGB", size)
    for i, colour in enumerate(colours):
        if vertical_bands:
            image.paste(colour, (i * width // 3, 0, (i + 1) * width // 3, height))
        else:
            image.paste(colour, (0, i * height // 3, width, (i + 1) * height // 3))
    return image


def upload_image(content: bytes, *, name: str = "photo", gravity: str = "center", filename="photo.png") -> AssetImage:
    stored, _ = stored_file_upload(file=ContentFile(content, name=filename))
    return image_create(file_key=stored.key, name=name, gravity=gravity)


def decode(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def close_to(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def path_of(url: str) -> str:
    return urlsplit(url).path
