"""Specs: what parses, what is refused (naming the spec), and the output size without any file."""

import pytest

from assets.renditions.specs import InvalidSpec, Operation, parse_operation, parse_spec, parse_spec_list


@pytest.mark.parametrize(
    "text,kind,width,height,quality,fmt",
    [
        ("fill-800x450.webp", "fill", 800, 450, None, "webp"),
        ("fit-300x200-q70.avif", "fit", 300, 200, 70, "avif"),
        ("width-640.jpeg", "width", 640, None, None, "jpeg"),
        ("width-1-q100.png", "width", 1, None, 100, "png"),
        ("card.webp", "fill", 800, 450, None, "webp"),
        ("thumb.png", "fill", 160, 160, None, "png"),
        ("hero-q60.jpeg", "width", 1600, None, 60, "jpeg"),
    ],
)
def test_valid_specs_parse_to_their_canonical_operation(text, kind, width, height, quality, fmt):
    spec = parse_spec(text)
    assert (spec.operation.kind, spec.operation.width, spec.operation.height) == (kind, width, height)
    assert (spec.operation.quality, spec.format) == (quality, fmt)


@pytest.mark.parametrize(
    "text",
    [
        "fill-800x450",  # no format
        "fill-800x450.gif",
        "fill-800x450.jpg",  # the format is named jpeg
        "fill-0x450.webp",
        "fill-800x4097.webp",  # over RENDITION_MAX_SIDE
        "width-99999.webp",
        "fill-800.webp",
        "fit-800x450-q0.webp",
        "fit-800x450-q101.webp",
        "crop-800x450.webp",
        "nosuchpreset.webp",
        "card-q0.webp",
        "FILL-800x450.webp",
        "fill-800x450 .webp",
        "",
    ],
)
def test_anything_else_is_refused_naming_the_spec(text):
    with pytest.raises(InvalidSpec) as caught:
        parse_spec(text)
    assert repr(text) in str(caught.value)


def test_presets_and_the_maximum_side_come_from_the_settings(settings):
    settings.RENDITION_PRESETS = {"square": "fill-500x500-q75"}
    settings.RENDITION_MAX_SIDE = 600
    assert parse_spec("square.webp").operation == Operation("fill", 500, 500, 75)
    with pytest.raises(InvalidSpec):
        parse_spec("card.webp")  # no longer a preset
    with pytest.raises(InvalidSpec):
        parse_spec("width-601.webp")


def test_a_list_keeps_each_spec_as_asked_and_refuses_more_than_twenty():
    asked = parse_spec_list("card.webp, width-640.avif,card.webp")
    assert [text for text, _ in asked] == ["card.webp", "width-640.avif"]
    parse_spec_list(",".join(f"width-{n}.webp" for n in range(1, 21)))
    with pytest.raises(ValueError, match="At most 20"):
        parse_spec_list(",".join(f"width-{n}.webp" for n in range(1, 22)))


@pytest.mark.parametrize(
    "operation,source,expected",
    [
        ("fill-800x450", (6000, 4000), (800, 450)),
        ("fill-800x450", (400, 300), (400, 225)),  # never upscaled: the largest 16:9 box the source holds
        ("fill-160x160", (100, 300), (100, 100)),
        ("fit-300x300", (6000, 4000), (300, 200)),
        ("fit-300x300", (200, 100), (200, 100)),
        ("fit-300x100", (6000, 4000), (150, 100)),
        ("width-640", (6000, 4000), (640, 427)),
        ("width-640", (500, 400), (500, 400)),
        ("width-3", (6000, 10), (3, 1)),  # never 0 pixels
    ],
)
def test_output_size_never_upscales_and_keeps_the_shape(operation, source, expected):
    assert parse_operation(operation).output_size(*source) == expected


def test_bad_rendition_settings_are_refused_by_the_system_checks(settings):
    from assets.renditions.checks import check_rendition_settings

    assert check_rendition_settings() == []
    settings.RENDITION_PRESETS = {"card": "fill-800x", "Big": "width-10"}
    settings.RENDITION_SIGNING_KEYS = []
    assert {error.id for error in check_rendition_settings()} == {"assets.E001", "assets.E002", "assets.E003"}
