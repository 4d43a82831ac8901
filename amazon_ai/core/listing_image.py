"""Main image rules, with Pillow.

Source: Amazon's "Product image requirements" for the MAIN image: pure white
background (RGB 255, 255, 255), the product filling 85% or more of the
frame, at least 1,000 px on the longest side (for zoom) and at most
10,000 px, no text, logos, graphics, badges or watermarks. Amazon's own page
was not among the sources searched (December 2026); the wording was checked
against several sellers' guides quoting it (editthispic.com, prodlens.ai,
changethisfile.com), which agree on every figure used here.

What each check measures, and where it is approximate:

- size: the longest side in pixels, exact, read from the file's header;
  an image over 10,000 px is reported without being decoded. The other
  checks run on a copy 400 px wide (JPEGs decoded at reduced scale).
- background: the outermost ring of pixels (1% of the shorter side, at least
  1 px). At least ``BORDER_WHITE_SHARE`` of it must be white, a pixel being
  white when every channel is at least ``WHITE_LEVEL`` (250, so JPEG noise
  around pure white passes). The share is below 100% because a product that
  fills the frame may touch an edge. An off-white or grey backdrop, a
  gradient, a coloured frame or a lifestyle scene fails; a product on white
  with a soft grey shadow only under it passes.
- fill: the bounding box of the non-white pixels; its larger side ratio
  (width share or height share of the frame) must reach 85%. This is how
  Amazon's "fills 85% of the frame" is usually measured; it is generous to
  long thin products and cannot tell a product from its shadow.
- text overlay: a heuristic on a grey copy scaled to 400 px wide. Text is
  many thin strokes side by side, so a row crossing a line of text meets many
  sharp vertical edges (neighbouring pixels differing by ``EDGE_CONTRAST``
  grey levels or more), while a row crossing a product photographed on white
  meets few (its outline, a handle, a highlight). The check counts rows with
  at least ``TEXT_EDGES`` (8) edges and warns when they cover
  ``TEXT_ROWS_SHARE`` (5%) of the height or more: a banner or caption of large
  text ("50% OFF", "BEST SELLER", a slogan), dark on light or light on dark:
  in practice a line of capitals about 5% of the image height or taller
  (60 px on a 1,200 px image) with several letters.
  It misses: smaller text (a line under 5% of the height covers too few
  rows), text in low contrast with what is behind it, a logo without
  letters, a short word of two or three letters ("NEW"), a badge's shape.
  It raises on: products that are themselves striped or lettered (a
  barcode, a keyboard, a striped shirt, a printed package), hence a warning,
  not an error.
"""

import io
import struct

from PIL import Image, ImageChops

from .listing_findings import MAIN_IMAGE, finding

MIN_SIDE = 1000
MAX_SIDE = 10000
WHITE_LEVEL = 250
BORDER_WHITE_SHARE = 0.9
FILL_MINIMUM = 0.85
TEXT_EDGES = 8
EDGE_CONTRAST = 48
TEXT_ROWS_SHARE = 0.05
ANALYSIS_WIDTH = 400


def _open_header(data):
    """The image with only its header read (no pixels decoded), or None.

    ``Image.open`` without its decompression-bomb check: that check raises on
    a 30,000 px image (which the seller should hear is too large, not
    unreadable) and warns on 10,000 x 10,000, which Amazon allows. The
    check's purpose, not decoding an absurd pixel count, is kept by
    ``check_main_image``: it decodes nothing whose longest side is over
    ``MAX_SIDE``, so at most 10,000 x 10,000 px, and JPEGs at a reduced
    scale. ``Image.MAX_IMAGE_PIXELS`` stays as it is for the rest of the
    process (changing it, even for a moment, would change it for every
    thread).
    """
    Image.init()
    prefix = data[:16]
    for name in Image.ID:
        factory, accept = Image.OPEN[name]
        accepted = not accept or accept(prefix)
        if not accepted or isinstance(accepted, str):
            continue
        try:
            return factory(io.BytesIO(data), "")
        except (SyntaxError, IndexError, TypeError, ValueError, OSError, struct.error):
            continue
    return None


def _decode_small(image):
    """The pixels at a reduced size, ``ANALYSIS_WIDTH`` wide, in RGB.

    JPEG decodes at 1/2, 1/4 or 1/8 scale when asked (``draft``), so a
    9,000 px JPEG is decoded at about 1,100 px: a fraction of the memory and
    time of decoding it whole. Other formats decode whole, then are scaled
    down before any copy or mode conversion is made at full size.
    """
    image.draft("RGB", (ANALYSIS_WIDTH * 2, ANALYSIS_WIDTH * 2))
    image.load()
    if image.mode == "1":
        # Pillow resizes 1-bit images by nearest neighbour only; one byte a
        # pixel (grey) is the cheapest mode it averages.
        image = image.convert("L")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        # Palette, CMYK, 16-bit: resampled poorly or not at all, so converted
        # first, at full size (rare modes for a product photo).
        image = _rgb(image)
    height = max(1, round(image.height * ANALYSIS_WIDTH / image.width))
    small = image.resize((ANALYSIS_WIDTH, height), Image.Resampling.BOX)
    return _rgb(small)


def _rgb(image):
    if image.mode in ("RGBA", "LA") or (
        image.mode == "P" and "transparency" in image.info
    ):
        # Amazon shows transparency as it pleases (often grey): flatten on
        # white, as a seller's export would, and judge what remains.
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image).convert("RGB")
    return image.convert("RGB")


def _min_channel(image):
    red, green, blue = image.split()
    return ImageChops.darker(ImageChops.darker(red, green), blue)


def _share_white(pixels_min):
    histogram = pixels_min.histogram()
    total = sum(histogram)
    return sum(histogram[WHITE_LEVEL:]) / total if total else 1.0


def check_background(small):
    width, height = small.size
    ring = max(1, round(min(width, height) * 0.01))
    darkest = _min_channel(small)
    strips = [
        darkest.crop((0, 0, width, ring)),
        darkest.crop((0, height - ring, width, height)),
        darkest.crop((0, ring, ring, height - ring)),
        darkest.crop((width - ring, ring, width, height - ring)),
    ]
    white = sum(_share_white(s) * s.width * s.height for s in strips)
    total = sum(s.width * s.height for s in strips)
    share = white / total
    if share >= BORDER_WHITE_SHARE:
        return []
    return [finding("image.background", MAIN_IMAGE, percent=round(share * 100))]


def check_fill(small):
    darkest = _min_channel(small)
    product = darkest.point(lambda v: 255 if v < WHITE_LEVEL else 0)
    box = product.getbbox()
    if box is None:
        return [finding("image.fill", MAIN_IMAGE, percent=0, minimum=85)]
    left, top, right, bottom = box
    share = max((right - left) / small.width, (bottom - top) / small.height)
    if share >= FILL_MINIMUM:
        return []
    return [
        finding(
            "image.fill",
            MAIN_IMAGE,
            percent=round(share * 100),
            minimum=round(FILL_MINIMUM * 100),
        )
    ]


def _edge_runs(row):
    """Number of runs of edge pixels (value 1) in a row of 0/1 bytes."""
    return row.count(b"\x00\x01") + (1 if row[:1] == b"\x01" else 0)


def check_text_overlay(small):
    grey = small.convert("L")
    shifted = ImageChops.offset(grey, 1, 0)
    edges = ImageChops.difference(grey, shifted).point(
        lambda v: 1 if v >= EDGE_CONTRAST else 0
    )
    width, height = edges.size
    data = edges.tobytes()
    busy = sum(
        1
        for y in range(height)
        if _edge_runs(data[y * width + 1 : (y + 1) * width]) >= TEXT_EDGES
    )
    share = busy / height if height else 0
    if share < TEXT_ROWS_SHARE:
        return []
    return [finding("image.text_overlay", MAIN_IMAGE, percent=round(share * 100))]


def check_main_image(data):
    """Findings for the main image's bytes (None: no findings, the image is
    Amazon's required attribute and the schema reports it missing)."""
    if not data:
        return []
    image = _open_header(data)
    if image is None:
        return [finding("image.unreadable", MAIN_IMAGE)]
    longest = max(image.size)
    out = []
    if not MIN_SIDE <= longest <= MAX_SIDE:
        out.append(
            finding(
                "image.size",
                MAIN_IMAGE,
                longest=longest,
                minimum=MIN_SIDE,
                maximum=MAX_SIDE,
            )
        )
    if longest > MAX_SIDE:
        # Not decoded: the size alone is the finding, and decoding an image
        # over Amazon's maximum is what Pillow's bomb check is there to stop.
        return out
    try:
        small = _decode_small(image)
    except (OSError, ValueError, SyntaxError, struct.error):
        return [finding("image.unreadable", MAIN_IMAGE)]
    return out + check_background(small) + check_fill(small) + check_text_overlay(small)
