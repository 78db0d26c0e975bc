//! Generic drawing on a photo: antialiased lines with a dark rim, dashes,
//! text on dark boxes, and labels placed where they cover the least. It
//! knows nothing of bodies or measurements (that is `overlay`).
//!
//! The painter does not touch pixels: it records a [`Scene`], the one
//! vector description of the overlay, which is then rasterised into the
//! photo ([`Scene::paint`]) or written as SVG for the review page
//! ([`Scene::svg`]). Placing labels needs only the font's metrics and the
//! lines recorded so far, so both get the same picture.

use std::f64::consts::PI;
use std::sync::OnceLock;

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_text_mut, text_size};

use crate::measure::geometry::Vec2;

/// DejaVu Sans Bold (Bitstream Vera licence, see `assets/fonts/`): bold
/// strokes stay readable over a busy photo.
const FONT_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_TTF).expect("the embedded font is valid"))
}

/// The rim around lines and the boxes behind text.
const OUTLINE: Rgb<u8> = Rgb([12, 12, 12]);
/// Opacity of the boxes behind text.
const BOX_ALPHA: f64 = 0.72;

/// Sizes derived from the image, in photo pixels.
pub(super) struct Style {
    /// Half the width of a main line.
    pub(super) radius: f64,
    /// Width of the dark rim around lines.
    pub(super) outline: f64,
    pub(super) text: f32,
}

impl Style {
    fn new(width: u32, height: u32) -> Self {
        let diagonal = f64::from(width).hypot(f64::from(height));
        let radius = (diagonal / 450.0).max(1.0);
        Self {
            radius,
            outline: (radius * 0.8).max(1.0),
            text: (diagonal / 45.0).max(11.0) as f32,
        }
    }

    pub(super) fn text_px(&self) -> f64 {
        f64::from(self.text)
    }
}

/// An axis-aligned box in photo pixels.
#[derive(Debug, Clone, Copy)]
struct Rect {
    min: Vec2,
    max: Vec2,
}

impl Rect {
    fn around(center: Vec2, size: Vec2) -> Self {
        Self {
            min: center - size * 0.5,
            max: center + size * 0.5,
        }
    }

    /// The point of the box nearest to `p`.
    fn nearest(&self, p: Vec2) -> Vec2 {
        Vec2::new(
            p.x.clamp(self.min.x, self.max.x),
            p.y.clamp(self.min.y, self.max.y),
        )
    }

    fn contains(&self, p: Vec2) -> bool {
        (self.min.x..=self.max.x).contains(&p.x) && (self.min.y..=self.max.y).contains(&p.y)
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.min.x < other.max.x
            && other.min.x < self.max.x
            && self.min.y < other.max.y
            && other.min.y < self.max.y
    }

    /// Moved (not resized) to lie inside `width` x `height` where it fits.
    fn inside(self, width: f64, height: f64) -> Self {
        let size = self.max - self.min;
        let min = Vec2::new(
            self.min.x.min(width - size.x).max(0.0),
            self.min.y.min(height - size.y).max(0.0),
        );
        Self {
            min,
            max: min + size,
        }
    }
}

/// A line of text to place: its colour and the point it belongs to.
pub(super) struct Label {
    pub(super) text: String,
    pub(super) color: Rgb<u8>,
    pub(super) anchor: Vec2,
    /// Which way from the anchor to place it (a unit vector), and how far
    /// its nearest edge stays from the anchor.
    pub(super) direction: Vec2,
    pub(super) distance: f64,
    /// Where a leader line from a displaced label ends.
    pub(super) tip: Vec2,
}

/// One drawn element, in photo pixels, in drawing order.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Round-capped segments of half-width `radius` with a dark rim of
    /// `rim` beyond it: all rims are drawn before the coloured lines.
    Strokes {
        segments: Vec<(Vec2, Vec2)>,
        radius: f64,
        rim: f64,
        color: Rgb<u8>,
    },
    /// A darkened box with lines of text, one under the other, at `scale`
    /// pixels.
    Text {
        min: Vec2,
        max: Vec2,
        lines: Vec<(String, Rgb<u8>)>,
        scale: f32,
    },
}

/// The overlay of one photo as vectors: what the painter recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub shapes: Vec<Shape>,
}

pub(super) struct Painter {
    width: u32,
    height: u32,
    shapes: Vec<Shape>,
    pub(super) style: Style,
    /// Boxes already holding text, which later labels avoid.
    taken: Vec<Rect>,
    /// Points along every line drawn, which labels avoid covering.
    ink: Vec<Vec2>,
}

impl Painter {
    pub(super) fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            shapes: Vec::new(),
            style: Style::new(width, height),
            taken: Vec::new(),
            ink: Vec::new(),
        }
    }

    pub(super) fn size(&self) -> Vec2 {
        Vec2::new(f64::from(self.width), f64::from(self.height))
    }

    pub(super) fn finish(self) -> Scene {
        Scene {
            width: self.width,
            height: self.height,
            shapes: self.shapes,
        }
    }

    /// Draws segments with a dark rim: all rims first, so a rim never cuts
    /// across a neighbouring segment's colour.
    pub(super) fn strokes(&mut self, segments: &[(Vec2, Vec2)], radius: f64, color: Rgb<u8>) {
        let spacing = self.style.text_px() / 4.0;
        let size = self.size();
        for &(a, b) in segments {
            // Bounded like the dashes: a far-off point must not ask for millions.
            let count = (a.distance(b) / spacing).ceil().min(4096.0) as usize;
            let samples = (0..=count).map(|i| a + (b - a) * (i as f64 / count.max(1) as f64));
            self.ink.extend(
                samples.filter(|p| (0.0..size.x).contains(&p.x) && (0.0..size.y).contains(&p.y)),
            );
        }
        self.shapes.push(Shape::Strokes {
            segments: segments.to_vec(),
            radius,
            rim: radius + self.style.outline,
            color,
        });
    }

    /// The dashes of the line from `a` to `b`.
    pub(super) fn dashes(&self, a: Vec2, b: Vec2) -> Vec<(Vec2, Vec2)> {
        let dash = self.style.radius * 7.0;
        let period = dash + self.style.radius * 5.0;
        let length = a.distance(b);
        let Some(along) = (b - a).normalized() else {
            return Vec::new();
        };
        // Bounded so that a point far outside the image cannot ask for millions.
        let count = (length / period).ceil().min(4096.0) as usize;
        (0..count)
            .map(|i| {
                let start = i as f64 * period;
                (a + along * start, a + along * (start + dash).min(length))
            })
            .collect()
    }

    /// Draws the labels where they cover the fewest drawn lines and no other
    /// text, each with a leader line when it ends up away from its arc. All
    /// leaders go first so that none crosses a label's text.
    pub(super) fn labels(&mut self, labels: &[Label]) {
        let boxes: Vec<Rect> = labels.iter().map(|label| self.place(label)).collect();
        let text_px = self.style.text_px();
        for (label, rect) in labels.iter().zip(&boxes) {
            let near = rect.nearest(label.tip);
            if near.distance(label.tip) > text_px * 0.5 {
                self.strokes(&[(label.tip, near)], self.style.radius * 0.5, label.color);
            }
        }
        for (label, rect) in labels.iter().zip(boxes) {
            self.text_lines(rect, &[(label.text.clone(), label.color)], self.style.text);
        }
    }

    /// The box for a label around its anchor: the one that covers the least,
    /// preferring the label's own direction and nearness. It is taken at once.
    fn place(&mut self, label: &Label) -> Rect {
        let text_px = self.style.text_px();
        let size = self.text_box(&label.text, self.style.text);
        let image = self.size();
        // Five rings of sixteen directions around the anchor.
        let candidates = (0..5u8).flat_map(|ring| (0..16u8).map(move |step| (ring, step)));
        let (_, chosen) = candidates
            .map(|(ring, step)| {
                let reach = label.distance + f64::from(ring) * text_px * 0.9;
                let angle = f64::from(step) * PI / 8.0;
                let unit = Vec2::new(angle.cos(), angle.sin());
                // From the box centre to its edge along `unit`, about.
                let half = (unit.x * size.x).abs() / 2.0 + (unit.y * size.y).abs() / 2.0;
                let rect = Rect::around(label.anchor + unit * (reach + half), size)
                    .inside(image.x, image.y);
                let score = self.cost(&rect)
                    + f64::from(ring) * 2.0
                    + (1.0 - unit.dot(label.direction)) * 1.5;
                (score, rect)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .expect("there are eighty candidates");
        self.taken.push(chosen);
        chosen
    }

    /// What covering `rect` spoils: other text above all, then drawn lines.
    fn cost(&self, rect: &Rect) -> f64 {
        let boxes = self.taken.iter().filter(|t| t.overlaps(rect)).count();
        let ink = self.ink.iter().filter(|&&p| rect.contains(p)).count();
        boxes as f64 * 100.0 + ink as f64 * 3.0
    }

    /// The legend box in a top corner: left, or right when `right` is set.
    pub(super) fn legend(&mut self, lines: &[(String, Rgb<u8>)], right: bool) {
        let scale = self.style.text * 0.8;
        let margin = f64::from(scale) * 0.6;
        let sizes: Vec<Vec2> = lines.iter().map(|(t, _)| self.text_box(t, scale)).collect();
        let pad = f64::from(scale) * 0.35;
        let width = sizes.iter().map(|s| s.x).fold(0.0, f64::max);
        let height = sizes.iter().map(|s| s.y - pad * 2.0).sum::<f64>() + pad * 2.0;
        let x = if right {
            self.size().x - margin - width
        } else {
            margin
        };
        let min = Vec2::new(x, margin);
        let rect = Rect {
            min,
            max: min + Vec2::new(width, height),
        }
        .inside(self.size().x, self.size().y);
        self.taken.push(rect);
        self.text_lines(rect, lines, scale);
    }

    /// The size of a one-line text box, padding included.
    fn text_box(&self, text: &str, scale: f32) -> Vec2 {
        let (w, h) = text_size(PxScale::from(scale), font(), text);
        let pad = f64::from(scale) * 0.35;
        Vec2::new(f64::from(w) + pad * 2.0, f64::from(h) + pad * 2.0)
    }

    /// Records the darkened `rect` with `lines` in it.
    fn text_lines(&mut self, rect: Rect, lines: &[(String, Rgb<u8>)], scale: f32) {
        self.shapes.push(Shape::Text {
            min: rect.min,
            max: rect.max,
            lines: lines.to_vec(),
            scale,
        });
    }
}

impl Scene {
    /// Rasterises the scene into `image` (the photo it was recorded for).
    pub fn paint(&self, image: &mut RgbImage) {
        for shape in &self.shapes {
            match shape {
                Shape::Strokes {
                    segments,
                    radius,
                    rim,
                    color,
                } => {
                    for &(a, b) in segments {
                        capsule(image, a, b, *rim, OUTLINE);
                    }
                    for &(a, b) in segments {
                        capsule(image, a, b, *radius, *color);
                    }
                }
                Shape::Text {
                    min,
                    max,
                    lines,
                    scale,
                } => text_lines(image, *min, *max, lines, *scale),
            }
        }
    }

    /// The scene as an SVG element in photo pixels (its `viewBox`), to lay
    /// over the photo: the same strokes and text boxes the raster has.
    pub fn svg(&self) -> String {
        use std::fmt::Write;
        let hex = |c: &Rgb<u8>| format!("#{:02x}{:02x}{:02x}", c.0[0], c.0[1], c.0[2]);
        let path = |segments: &[(Vec2, Vec2)]| {
            let mut d = String::new();
            for (a, b) in segments {
                let _ = write!(d, "M{:.1} {:.1}L{:.1} {:.1}", a.x, a.y, b.x, b.y);
            }
            d
        };
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"overlay\" viewBox=\"0 0 {} {}\" \
             stroke-linecap=\"round\" fill=\"none\">",
            self.width, self.height
        );
        for shape in &self.shapes {
            match shape {
                Shape::Strokes {
                    segments,
                    radius,
                    rim,
                    color,
                } => {
                    let d = path(segments);
                    let _ = write!(
                        out,
                        "<path d=\"{d}\" stroke=\"{}\" stroke-width=\"{:.2}\"/>\
                         <path d=\"{d}\" stroke=\"{}\" stroke-width=\"{:.2}\"/>",
                        hex(&OUTLINE),
                        rim * 2.0 + 1.0,
                        hex(color),
                        radius * 2.0 + 1.0
                    );
                }
                Shape::Text {
                    min,
                    max,
                    lines,
                    scale,
                } => {
                    let _ = write!(
                        out,
                        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" fill-opacity=\"{BOX_ALPHA}\"/>",
                        min.x,
                        min.y,
                        max.x - min.x,
                        max.y - min.y,
                        hex(&OUTLINE)
                    );
                    let pad = f64::from(*scale) * 0.35;
                    let em = em_size(*scale);
                    // The raster puts the line's top at `y`; SVG places the baseline.
                    let ascent = {
                        use ab_glyph::Font;
                        f64::from(*scale * font().ascent_unscaled() / font().height_unscaled())
                    };
                    let mut y = min.y + pad;
                    for (text, color) in lines {
                        let (_, h) = text_size(PxScale::from(*scale), font(), text);
                        let _ = write!(
                            out,
                            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{:.2}\" fill=\"{}\" \
                             font-family=\"sagitta overlay, DejaVu Sans, sans-serif\" font-weight=\"bold\">{}</text>",
                            min.x + pad,
                            y + ascent,
                            em,
                            hex(color),
                            escape(text)
                        );
                        y += f64::from(h);
                    }
                }
            }
        }
        out.push_str("</svg>");
        out
    }
}

/// The CSS font size (the em) that draws glyphs as large as `scale` does
/// in the raster: ab_glyph scales the font's ascent-to-descent height.
fn em_size(scale: f32) -> f64 {
    use ab_glyph::Font;
    let font = font();
    let em = font.units_per_em().unwrap_or(2048.0);
    f64::from(scale * em / font.height_unscaled())
}

/// The embedded overlay font, for the review page to draw the SVG's text
/// with the same glyphs.
pub const FONT: &[u8] = FONT_TTF;

/// `text` with the characters that mean something in XML escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Blends a round-capped, antialiased line of half-width `radius` from `a`
/// to `b` (a disc when they coincide). Only rows and columns near the
/// segment are visited, clipped to the image, so points far outside it cost
/// nothing.
fn capsule(image: &mut RgbImage, a: Vec2, b: Vec2, radius: f64, color: Rgb<u8>) {
    let size = Vec2::new(f64::from(image.width()), f64::from(image.height()));
    let reach = radius + 1.0;
    let rows = (
        (a.y.min(b.y) - reach).floor().max(0.0),
        (a.y.max(b.y) + reach).ceil().min(size.y - 1.0),
    );
    let d = b - a;
    let length2 = d.dot(d);
    let mut y = rows.0;
    while y <= rows.1 {
        let py = y + 0.5;
        // The part of the centre line within reach of this row.
        let (t0, t1) = if d.y.abs() < 1e-9 {
            (0.0, 1.0)
        } else {
            let ta = (py - reach - a.y) / d.y;
            let tb = (py + reach - a.y) / d.y;
            (ta.min(tb).clamp(0.0, 1.0), ta.max(tb).clamp(0.0, 1.0))
        };
        let (xa, xb) = (a.x + d.x * t0, a.x + d.x * t1);
        let mut x = (xa.min(xb) - reach).floor().max(0.0);
        let last = (xa.max(xb) + reach).ceil().min(size.x - 1.0);
        while x <= last {
            let p = Vec2::new(x + 0.5, py);
            let t = if length2 > 0.0 {
                ((p - a).dot(d) / length2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let coverage = (radius + 0.5 - p.distance(a + d * t)).clamp(0.0, 1.0);
            if coverage > 0.0 {
                blend(image.get_pixel_mut(x as u32, y as u32), color, coverage);
            }
            x += 1.0;
        }
        y += 1.0;
    }
}

/// Darkens the box from `min` to `max` and writes the lines in it, one
/// under the other.
fn text_lines(image: &mut RgbImage, min: Vec2, max: Vec2, lines: &[(String, Rgb<u8>)], scale: f32) {
    let (x0, y0) = (min.x.max(0.0) as u32, min.y.max(0.0) as u32);
    let (x1, y1) = (
        (max.x.ceil() as u32).min(image.width()),
        (max.y.ceil() as u32).min(image.height()),
    );
    for y in y0..y1 {
        for x in x0..x1 {
            blend(image.get_pixel_mut(x, y), OUTLINE, BOX_ALPHA);
        }
    }
    let pad = f64::from(scale) * 0.35;
    let mut y = min.y + pad;
    for (text, color) in lines {
        let (_, h) = text_size(PxScale::from(scale), font(), text);
        draw_text_mut(
            image,
            *color,
            (min.x + pad).round() as i32,
            y.round() as i32,
            PxScale::from(scale),
            font(),
            text,
        );
        y += f64::from(h);
    }
}

fn blend(pixel: &mut Rgb<u8>, color: Rgb<u8>, alpha: f64) {
    for (channel, target) in pixel.0.iter_mut().zip(color.0) {
        let mixed = f64::from(*channel) + (f64::from(target) - f64::from(*channel)) * alpha;
        *channel = mixed.round().clamp(0.0, 255.0) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_is_moved_inside_the_image() {
        let rect =
            Rect::around(Vec2::new(-10.0, 500.0), Vec2::new(40.0, 20.0)).inside(100.0, 100.0);
        assert_eq!((rect.min.x, rect.min.y), (0.0, 80.0));
        assert_eq!((rect.max.x, rect.max.y), (40.0, 100.0));
    }
}
