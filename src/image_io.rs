//! Reading photos: format by content (not by name), decoding limits, EXIF
//! orientation applied so that the person is upright as the camera saw them.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

use crate::error::{FileError, FileErrorKind};
use crate::schema::Warning;

/// Limits that keep a hostile or broken file from exhausting memory.
///
/// They make one worker's memory budget for decoding: the file (at most
/// `max_file_bytes`, 160 MiB) is read and decoded into a buffer the decoder
/// may make at most `max_alloc` (256 MiB) large, after the header's width x
/// height x bytes per pixel was checked against it, and only if the photo
/// has at most `max_pixels` (50 million: a 48-megapixel phone photo,
/// 8064 x 6048, fits). The file's bytes are dropped before the pixels are
/// turned into RGB (150 MB at most) and turned upright (a quarter turn
/// makes one more RGB copy; flips and half turns are done in place).
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Largest width or height, in pixels.
    pub max_side: u32,
    /// Largest width x height, in pixels.
    pub max_pixels: u64,
    /// Most memory the decoder may allocate, in bytes.
    pub max_alloc: u64,
    /// Smallest width or height a person could be measured in.
    pub min_side: u32,
    /// Widest long-side to short-side ratio accepted.
    pub max_aspect: f32,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            // An uncompressed 48-megapixel RGB TIFF is 146 MB.
            max_file_bytes: 160 * 1024 * 1024,
            max_side: 16_384,
            max_pixels: 50_000_000,
            // 48 megapixels at 4 bytes (RGBA) is 195 MB.
            max_alloc: 256 * 1024 * 1024,
            min_side: 64,
            max_aspect: 8.0,
        }
    }
}

/// A decoded photo, upright, with anything worth telling the user.
pub struct Photo {
    pub image: RgbImage,
    pub warnings: Vec<Warning>,
    /// When the camera took it (EXIF DateTimeOriginal), as
    /// `YYYY-MM-DDTHH:MM:SS`; `None` without a valid tag.
    pub taken: Option<String>,
    /// Whether the EXIF orientation turned the stored pixels a quarter turn
    /// to make the photo upright.
    pub quarter_turned_by_exif: bool,
    /// The lens's 35 mm-equivalent focal length (EXIF
    /// FocalLengthIn35mmFilm), when the photo gives a plausible one.
    pub focal_length_35mm_mm: Option<f64>,
}

/// Reads and decodes the photo at `path`.
pub fn load(path: &Path, limits: &DecodeLimits) -> Result<Photo, FileError> {
    let error = |kind, message: String| FileError::new(path, kind, message);
    // Opened without blocking and checked on the open file: a FIFO or a
    // device is refused, not read.
    let (file, metadata) = crate::input::open_regular(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            error(FileErrorKind::Io, e.to_string())
        } else {
            error(FileErrorKind::Io, format!("cannot read the file: {e}"))
        }
    })?;
    if metadata.len() > limits.max_file_bytes {
        return Err(error(
            FileErrorKind::TooLarge,
            format!(
                "the file is {} MB, over the {} MB limit",
                metadata.len() >> 20,
                limits.max_file_bytes >> 20
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, limits.max_file_bytes + 1),
        &mut bytes,
    )
    .map_err(|e| error(FileErrorKind::Io, format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(error(
            FileErrorKind::TooLarge,
            format!(
                "the file grew past the {} MB limit",
                limits.max_file_bytes >> 20
            ),
        ));
    }
    let decoded = decode_pixels(&bytes, limits).map_err(|(kind, message)| error(kind, message))?;
    // The encoded bytes are not needed any more: free them before the copies below.
    drop(bytes);
    finish(decoded, limits).map_err(|(kind, message)| error(kind, message))
}

/// Pixels as decoded, before they are made RGB and upright.
struct Decoded {
    image: DynamicImage,
    orientation: image::metadata::Orientation,
    warnings: Vec<Warning>,
    taken: Option<String>,
    focal_length_35mm_mm: Option<f64>,
}

/// Decodes image bytes; the error carries the kind and a message without the path.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Photo, (FileErrorKind, String)> {
    finish(decode_pixels(bytes, limits)?, limits)
}

fn decode_pixels(bytes: &[u8], limits: &DecodeLimits) -> Result<Decoded, (FileErrorKind, String)> {
    if bytes.is_empty() {
        return Err((FileErrorKind::NotAnImage, "the file is empty".to_string()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| (FileErrorKind::Io, e.to_string()))?;
    let Some(format) = reader.format() else {
        return Err((
            FileErrorKind::NotAnImage,
            "the content is not an image sagitta can read".to_string(),
        ));
    };
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    image_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(image_limits.clone());

    let format_name = format!("{format:?}").to_uppercase();
    // The JPEG decoder fills a cut-off scan with grey instead of failing; a
    // half-grey photo would give wrong keypoints, so refuse it here.
    if format == image::ImageFormat::Jpeg && !jpeg_has_end_marker(bytes) {
        return Err((
            FileErrorKind::Decode,
            "the JPEG data is truncated (no end-of-image marker)".to_string(),
        ));
    }
    // The WebP decoder reads a metadata chunk (EXIF, for the orientation) by
    // its declared size: up to 4 GiB for a file of a few bytes. A chunk that
    // runs past the end of the file means a truncated file anyway.
    if format == image::ImageFormat::WebP && !webp_chunks_fit(bytes) {
        return Err((
            FileErrorKind::Decode,
            "the WEBP data is truncated (a chunk runs past the end of the file)".to_string(),
        ));
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| classify(e, &format_name))?;
    // The header's size, checked before a single pixel is decoded: a file of
    // a kilobyte can declare gigabytes.
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err((
            FileErrorKind::TooLarge,
            format!(
                "the image exceeds the decoding limits ({width}x{height} pixels, {:.1} megapixels; the limit is {:.0})",
                pixels as f64 / 1e6,
                limits.max_pixels as f64 / 1e6
            ),
        ));
    }
    // Unlike `ImageReader::decode`, `into_decoder` leaves the image buffer
    // itself to the caller: without this, a header within the side limit
    // (16384 x 16384 RGBA at 16 bits: 2 GiB) would be allocated in full.
    image_limits
        .reserve(decoder.total_bytes())
        .map_err(|e| classify(e, &format_name))?;
    // Read before the orientation, which the JPEG decoder then takes from
    // the same parse. A damaged EXIF block costs the date and the focal
    // length, not the photo.
    let exif = decoder
        .exif_metadata()
        .ok()
        .flatten()
        .and_then(|raw| exif::Reader::new().read_raw(raw).ok());
    let taken = exif.as_ref().and_then(exif_date_taken);
    let focal_length_35mm_mm = exif.as_ref().and_then(exif_focal_length_35mm);
    let orientation = decoder
        .orientation()
        .map_err(|e| classify(e, &format_name))?;
    let image = DynamicImage::from_decoder(decoder).map_err(|e| classify(e, &format_name))?;
    let mut warnings = Vec::new();
    if matches!(format, image::ImageFormat::Gif | image::ImageFormat::WebP)
        && is_animated(bytes, format)
    {
        warnings.push(Warning::AnimatedImage);
    }
    Ok(Decoded {
        image,
        orientation,
        warnings,
        taken,
        focal_length_35mm_mm,
    })
}

/// RGB first (dropping the decoder's buffer), then upright: a quarter turn
/// copies the 3-byte image rather than a 4- or 8-byte one, and flips and
/// half turns need no copy.
fn finish(decoded: Decoded, limits: &DecodeLimits) -> Result<Photo, (FileErrorKind, String)> {
    use image::metadata::Orientation;
    let Decoded {
        image,
        orientation,
        warnings,
        taken,
        focal_length_35mm_mm,
    } = decoded;
    let quarter_turned_by_exif = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let mut rgb = image.into_rgb8();
    rgb = match orientation {
        Orientation::NoTransforms => rgb,
        Orientation::FlipHorizontal => {
            image::imageops::flip_horizontal_in_place(&mut rgb);
            rgb
        }
        Orientation::FlipVertical => {
            image::imageops::flip_vertical_in_place(&mut rgb);
            rgb
        }
        Orientation::Rotate180 => {
            image::imageops::rotate180_in_place(&mut rgb);
            rgb
        }
        other => {
            let mut dynamic = DynamicImage::ImageRgb8(rgb);
            dynamic.apply_orientation(other);
            dynamic.into_rgb8()
        }
    };
    let (width, height) = (rgb.width(), rgb.height());
    let (short, long) = (width.min(height), width.max(height));
    if short < limits.min_side {
        return Err((
            FileErrorKind::TooSmall,
            format!(
                "the image is {width}x{height} pixels; a person needs at least {} pixels each way",
                limits.min_side
            ),
        ));
    }
    if long as f32 / short as f32 > limits.max_aspect {
        return Err((
            FileErrorKind::TooSmall,
            format!("the image is {width}x{height} pixels, too narrow to hold a whole person"),
        ));
    }
    Ok(Photo {
        image: rgb,
        warnings,
        taken,
        quarter_turned_by_exif,
        focal_length_35mm_mm,
    })
}

/// The EXIF DateTimeOriginal as `YYYY-MM-DDTHH:MM:SS`, when it is there
/// and a real calendar date.
fn exif_date_taken(exif: &exif::Exif) -> Option<String> {
    let field = exif.get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)?;
    let exif::Value::Ascii(ref values) = field.value else {
        return None;
    };
    let taken = exif::DateTime::from_ascii(values.first()?).ok()?;
    let date = format!("{:04}-{:02}-{:02}", taken.year, taken.month, taken.day);
    crate::session::parse_date(&date).ok()?;
    (taken.hour < 24 && taken.minute < 60 && taken.second < 61).then(|| {
        format!(
            "{date}T{:02}:{:02}:{:02}",
            taken.hour, taken.minute, taken.second
        )
    })
}

/// The EXIF FocalLengthIn35mmFilm in mm, when it lies in the range sagitta
/// accepts (0 means unknown in EXIF).
fn exif_focal_length_35mm(exif: &exif::Exif) -> Option<f64> {
    let field = exif.get_field(exif::Tag::FocalLengthIn35mmFilm, exif::In::PRIMARY)?;
    let mm = f64::from(field.value.get_uint(0)?);
    let (shortest, longest) = crate::measure::FOCAL_LENGTH_35MM_RANGE_MM;
    (shortest..=longest).contains(&mm).then_some(mm)
}

fn classify(error: image::ImageError, format: &str) -> (FileErrorKind, String) {
    use image::ImageError;
    match error {
        ImageError::Limits(e) => (
            FileErrorKind::TooLarge,
            format!("the image exceeds the decoding limits ({e})"),
        ),
        ImageError::Unsupported(e) => (
            FileErrorKind::NotAnImage,
            format!("unsupported {format} image: {e}"),
        ),
        ImageError::IoError(e) => (
            FileErrorKind::Decode,
            format!("the {format} data is truncated or unreadable: {e}"),
        ),
        e => (
            FileErrorKind::Decode,
            format!("the {format} data is corrupt: {e}"),
        ),
    }
}

/// True when the marker structure runs from the start to an end-of-image
/// marker. Segments are skipped by their length (so an EXIF thumbnail's own
/// end marker does not count), entropy-coded data byte by byte (where every
/// 0xFF is followed by 0x00 or a restart marker), and whatever follows the
/// end marker is not looked at: phones append videos and depth maps there.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            at += 1;
            continue;
        }
        match bytes[at + 1] {
            0xD9 => return true,
            // Fill bytes before a marker.
            0xFF => at += 1,
            // A stuffed 0xFF in scan data, or a marker without a length (TEM, RSTn).
            0x00 | 0x01 | 0xD0..=0xD7 => at += 2,
            _ => match bytes.get(at + 2..at + 4) {
                Some(&[high, low]) => at += 2 + usize::from(u16::from_be_bytes([high, low])),
                _ => return false,
            },
        }
    }
    false
}

/// True when every RIFF chunk after the `RIFF<size>WEBP` header lies within `bytes`.
fn webp_chunks_fit(bytes: &[u8]) -> bool {
    let mut at = 12;
    while let Some(&[_, _, _, _, a, b, c, d]) = bytes.get(at..at + 8) {
        let size = u32::from_le_bytes([a, b, c, d]) as usize;
        let end = at + 8 + size;
        if end > bytes.len() {
            return false;
        }
        // Chunks are padded to an even length.
        at = end + size % 2;
    }
    true
}

fn is_animated(bytes: &[u8], format: image::ImageFormat) -> bool {
    use image::AnimationDecoder;
    match format {
        image::ImageFormat::Gif => image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
            .map(|decoder| decoder.into_frames().take(2).count() > 1)
            .unwrap_or(false),
        image::ImageFormat::WebP => image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
            .map(|decoder| decoder.has_animation())
            .unwrap_or(false),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(image: &DynamicImage, format: image::ImageFormat) -> Vec<u8> {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        bytes
    }

    #[test]
    fn decodes_by_content_not_name() {
        let image =
            DynamicImage::ImageRgb8(RgbImage::from_pixel(80, 120, image::Rgb([10, 20, 30])));
        let photo = decode(
            &encode(&image, image::ImageFormat::Png),
            &DecodeLimits::default(),
        )
        .unwrap();
        assert_eq!(photo.image.dimensions(), (80, 120));
        assert_eq!(photo.image.get_pixel(5, 5).0, [10, 20, 30]);
    }

    #[test]
    fn says_which_exif_orientations_turned_the_photo_a_quarter_turn() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/files");
        for orientation in 1..=8 {
            let path = corpus.join(format!("orientation-{orientation}.jpg"));
            let photo = load(&path, &DecodeLimits::default()).unwrap();
            // 5 to 8 swap width and height; 1 to 4 keep them.
            assert_eq!(
                photo.quarter_turned_by_exif,
                orientation >= 5,
                "{orientation}"
            );
        }
    }

    #[test]
    fn rejects_text_empty_truncated_tiny_and_huge() {
        let limits = DecodeLimits::default();
        assert_eq!(
            decode(b"hello, not an image", &limits).err().unwrap().0,
            FileErrorKind::NotAnImage
        );
        assert_eq!(
            decode(b"", &limits).err().unwrap().0,
            FileErrorKind::NotAnImage
        );

        let image =
            DynamicImage::ImageRgb8(RgbImage::from_pixel(200, 200, image::Rgb([200, 20, 30])));
        let jpeg = encode(&image, image::ImageFormat::Jpeg);
        assert_eq!(
            decode(&jpeg[..jpeg.len() / 2], &limits).err().unwrap().0,
            FileErrorKind::Decode
        );

        let tiny = DynamicImage::ImageRgb8(RgbImage::new(8, 8));
        assert_eq!(
            decode(&encode(&tiny, image::ImageFormat::Png), &limits)
                .err()
                .unwrap()
                .0,
            FileErrorKind::TooSmall
        );

        let strict = DecodeLimits {
            max_side: 100,
            ..limits
        };
        assert_eq!(
            decode(&jpeg, &strict).err().unwrap().0,
            FileErrorKind::TooLarge
        );
    }
}
