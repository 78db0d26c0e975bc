"""Makes the corpus of broken and odd image files that tests/it/hostile.rs
reads, and its manifest expected.json (file -> the outcome sagitta must give).

Run it in a throw-away virtualenv (Pillow is pinned so the bytes are stable):

    python3 -m venv /tmp/corpus-venv
    /tmp/corpus-venv/bin/pip install Pillow==11.3.0
    /tmp/corpus-venv/bin/python tests/corpus/make_corpus.py

The outcomes are written here by hand, from what each file is; the tests
check sagitta against them, never the other way round.
"""

import io
import json
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
ORIENTATION_TAG = 0x0112

# Six distinct colours in a 3x2 grid: every flip or rotation moves one of them.
COLOURS = [(220, 30, 30), (30, 200, 40), (40, 60, 230), (240, 220, 40), (200, 40, 210), (30, 210, 220)]
BLOCK = 40  # a multiple of 8, so JPEG blocks never straddle two colours


def upright():
    image = Image.new("RGB", (3 * BLOCK, 2 * BLOCK))
    for index, colour in enumerate(COLOURS):
        x, y = (index % 3) * BLOCK, (index // 3) * BLOCK
        image.paste(colour, (x, y, x + BLOCK, y + BLOCK))
    return image


# What must be done to the upright pattern so that applying orientation N
# (as a viewer does) brings it back: the inverse of EXIF's display transform.
STORE_FOR_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def stored_for(orientation):
    transform = STORE_FOR_ORIENTATION[orientation]
    image = upright() if transform is None else upright().transpose(transform)
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    return image, exif.tobytes()


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, bit_depth, colour_type, raw_rows):
    """A PNG written by hand, for what Pillow will not write (16-bit RGB, lying headers)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + png_chunk(b"IEND", b"")
    )


def gradient(width, height):
    return Image.linear_gradient("L").resize((width, height)).convert("RGB")


def main():
    FILES.mkdir(exist_ok=True)
    expected = {}

    def put(name, data, outcome):
        (FILES / name).write_bytes(data)
        expected[name] = outcome

    def decoded(width, height, **extra):
        return {"decoded": [width, height], **extra}

    def refused(kind, message):
        return {"kind": kind, "message": message}

    # Upright reference, and the pattern under each EXIF orientation.
    put("orientation-upright.png", encode(upright(), "PNG"), decoded(120, 80))
    for orientation in range(1, 9):
        image, exif = stored_for(orientation)
        # Self-check: Pillow's own EXIF handling must bring the pattern back.
        check = Image.open(io.BytesIO(encode(image, "PNG", exif=exif)))
        assert list(ImageOps.exif_transpose(check).getdata()) == list(upright().getdata()), orientation
        put(
            f"orientation-{orientation}.jpg",
            encode(image, "JPEG", quality=100, subsampling=0, exif=exif),
            decoded(120, 80, upright="orientation-upright.png"),
        )
    image, exif = stored_for(6)
    put("orientation-6.png", encode(image, "PNG", exif=exif), decoded(120, 80, upright="orientation-upright.png"))
    put(
        "orientation-6.webp",
        encode(image, "WEBP", lossless=True, exif=exif),
        decoded(120, 80, upright="orientation-upright.png"),
    )

    # Formats and pixel layouts that must decode.
    photo = gradient(96, 128)
    put("gray8.png", encode(photo.convert("L"), "PNG"), decoded(96, 128))
    sixteen = Image.linear_gradient("L").resize((96, 128)).point(lambda v: v * 257, "I").convert("I;16")
    put("gray16.png", encode(sixteen, "PNG"), decoded(96, 128))
    rows = b"".join(
        b"\x00" + struct.pack(">" + "HHH" * 96, *([y * 500, 1000, 65535 - y * 500] * 96)) for y in range(128)
    )
    put("rgb16.png", png(96, 128, 16, 2, rows), decoded(96, 128))
    put("rgba.png", encode(photo.convert("RGBA"), "PNG"), decoded(96, 128))
    put("gray-alpha.png", encode(photo.convert("LA"), "PNG"), decoded(96, 128))
    put("palette.png", encode(photo.convert("P"), "PNG"), decoded(96, 128))
    put("cmyk.jpg", encode(photo.convert("CMYK"), "JPEG", quality=80), decoded(96, 128))
    put("gray.jpg", encode(photo.convert("L"), "JPEG", quality=80), decoded(96, 128))
    put("progressive.jpg", encode(photo, "JPEG", quality=80, progressive=True), decoded(96, 128))
    put("lossless.webp", encode(photo, "WEBP", lossless=True), decoded(96, 128))
    put("lossy.webp", encode(photo, "WEBP", quality=60), decoded(96, 128))
    put("still.gif", encode(photo, "GIF"), decoded(96, 128))
    put("image.bmp", encode(photo, "BMP"), decoded(96, 128))
    put("image.tiff", encode(photo, "TIFF", compression="tiff_deflate"), decoded(96, 128))
    # The content decides, not the name.
    put("jpeg-named.png", encode(photo, "JPEG", quality=80), decoded(96, 128))
    frames = [gradient(96, 128), ImageOps.invert(gradient(96, 128)), gradient(96, 128).rotate(180)]
    animated = {"warning": "animated: only its first frame"}
    put(
        "animated.gif",
        encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0),
        decoded(96, 128, **animated),
    )
    put(
        "animated.webp",
        encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0, lossless=True),
        decoded(96, 128, **animated),
    )

    # Bytes after the end marker (a phone's motion-photo video, here with
    # start-of-scan bytes in it) belong to no image: the photo is whole.
    trailer = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    put("video-after-end.jpg", encode(photo, "JPEG", quality=80) + trailer, decoded(96, 128))
    # An orientation tag out of range, and EXIF that is not TIFF at all: used as stored.
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = 9
    put(
        "orientation-9.jpg",
        encode(upright(), "JPEG", quality=100, subsampling=0, exif=exif.tobytes()),
        decoded(120, 80, upright="orientation-upright.png"),
    )
    put(
        "garbage-exif.jpg",
        encode(upright(), "JPEG", quality=100, subsampling=0, exif=b"Exif\x00\x00not a TIFF header"),
        decoded(120, 80, upright="orientation-upright.png"),
    )

    # Not images at all.
    put("empty.jpg", b"", refused("not_an_image", "the file is empty"))
    put("text.jpg", b"session notes: hip flexors tight, retest in 3 weeks\n", refused("not_an_image", "not an image"))
    put(
        "page.png",
        b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n",
        refused("not_an_image", "not an image"),
    )
    put("archive.jpg", b"PK\x03\x04" + bytes(60), refused("not_an_image", "not an image"))
    put("nul-bytes.png", bytes(512), refused("not_an_image", "not an image"))

    # Truncated and corrupt images.
    jpeg = encode(photo, "JPEG", quality=80)
    put("truncated.jpg", jpeg[: len(jpeg) // 2], refused("decode", "JPEG data is truncated"))
    put("header-only.jpg", jpeg[:200], refused("decode", "JPEG data is truncated"))
    put("markers-only.jpg", b"\xff\xd8\xff\xe0", refused("decode", "JPEG data is truncated"))
    # Markers intact, the frame header lies about the component count.
    sof = jpeg.index(b"\xff\xc0")
    put("corrupt-frame.jpg", jpeg[: sof + 9] + b"\x07" + jpeg[sof + 10 :], refused("decode", "JPEG data is corrupt"))
    progressive = encode(photo, "JPEG", quality=80, progressive=True)
    put(
        "truncated-progressive.jpg",
        progressive[: len(progressive) * 2 // 3],
        refused("decode", "JPEG data is truncated"),
    )
    # A whole JPEG inside a comment segment, before a main image cut short:
    # the thumbnail's end marker must not pass for the photo's.
    with_thumbnail = encode(photo, "JPEG", quality=80, comment=encode(gradient(16, 16), "JPEG", quality=80))
    put(
        "truncated-with-thumbnail.jpg",
        with_thumbnail[: len(with_thumbnail) - 300],
        refused("decode", "JPEG data is truncated"),
    )
    png_bytes = encode(photo, "PNG")
    put("truncated.png", png_bytes[: len(png_bytes) // 2], refused("decode", "PNG data"))
    idat = png_bytes.index(b"IDAT") + 4
    flipped = bytearray(png_bytes)
    for offset in range(idat + 10, idat + 40):
        flipped[offset] ^= 0x5A
    put("corrupt-idat.png", bytes(flipped), refused("decode", "PNG data"))
    webp = encode(photo, "WEBP", quality=60)
    put("truncated.webp", webp[: len(webp) // 2], refused("decode", "WEBP data"))
    # Found by fuzzing: an EXIF chunk that claims 4 GiB in a file of 200 bytes.
    with_exif = encode(gradient(16, 16), "WEBP", lossless=True, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00")
    exif_at = with_exif.index(b"EXIF")
    put(
        "exif-4gib.webp",
        with_exif[: exif_at + 4] + struct.pack("<I", 0xFF00001A) + with_exif[exif_at + 8 :],
        refused("decode", "a chunk runs past the end of the file"),
    )
    gif = encode(photo, "GIF")
    put("truncated.gif", gif[: len(gif) // 2], refused("decode", "GIF data"))

    # Too small or too narrow to hold a person.
    put("tiny-8x8.png", encode(gradient(8, 8), "PNG"), refused("too_small", "8x8 pixels"))
    put("strip-1024x64.png", encode(Image.new("L", (1024, 64)), "PNG"), refused("too_small", "too narrow"))

    # Decompression bombs: small files whose headers ask for huge images.
    put(
        "bomb-100000x100000.png",
        png(100_000, 100_000, 8, 0, bytes(100_001 * 4)),
        refused("too_large", "exceeds the decoding limits"),
    )
    # Within the side limit, but 16384 x 16384 RGBA at 16 bits is 2 GiB.
    put(
        "bomb-2gib.png",
        png(16_384, 16_384, 16, 6, bytes((16_384 * 8 + 1) * 4)),
        refused("too_large", "exceeds the decoding limits"),
    )
    small_jpeg = encode(gradient(16, 16), "JPEG", quality=80)
    sof = small_jpeg.index(b"\xff\xc0")
    put(
        "bomb-65500x65500.jpg",
        small_jpeg[: sof + 5] + struct.pack(">HH", 65_500, 65_500) + small_jpeg[sof + 9 :],
        refused("too_large", "exceeds the decoding limits"),
    )
    small_gif = encode(gradient(4, 4), "GIF")
    put(
        "bomb-screen.gif",
        small_gif[:6] + struct.pack("<HH", 65_535, 65_535) + small_gif[10:],
        refused("too_large", "exceeds the decoding limits"),
    )
    small_webp = encode(gradient(16, 16).convert("RGBA"), "WEBP", lossless=True, exif=Image.Exif().tobytes())
    assert small_webp[12:16] == b"VP8X"
    canvas = (30_000 - 1).to_bytes(3, "little") * 2
    put(
        "bomb-canvas.webp",
        small_webp[:24] + canvas + small_webp[30:],
        refused("too_large", "exceeds the decoding limits"),
    )

    manifest = {
        "about": "file -> expected outcome of sagitta::image_io::load with the default limits. "
        "decoded: [width, height] after EXIF orientation (upright: the file whose pixels it must match; "
        "warning: a fragment of a warning). kind/message: the error kind (as in the JSON records) "
        "and a fragment of its message. Made by make_corpus.py.",
        "files": dict(sorted(expected.items())),
    }
    (HERE / "expected.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in FILES.iterdir())
    print(f"{len(expected)} files, {total} bytes")


if __name__ == "__main__":
    main()
