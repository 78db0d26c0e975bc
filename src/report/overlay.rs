//! The annotated photo: skeleton, plumb line, measured angles, and the
//! traced back outline with each spine curve's chord and apex drawn on it.
//!
//! Everything is drawn on a copy of the photo, in its pixels. Line widths and
//! text grow with the image diagonal, so a 480x600 crop and a 4000x3000 phone
//! photo look alike when shown at the same size. Lines are light with a dark
//! outline and text sits on a dark box, so both read on any background.

use std::f64::consts::PI;
use std::sync::OnceLock;

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_text_mut, text_size};

use crate::measure::conventions::{self, Quantity, ReferenceLine};
use crate::measure::geometry::{UP, Vec2};
use crate::pose::Joint;
use crate::schema::{Analysis, ProtocolKind, Side};

/// DejaVu Sans Bold (Bitstream Vera licence, see `assets/fonts/`): bold
/// strokes stay readable over a busy photo.
const FONT_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_TTF).expect("the embedded font is valid"))
}

const OUTLINE: Rgb<u8> = Rgb([12, 12, 12]);
const BONE: Rgb<u8> = Rgb([250, 250, 250]);
const PLUMB: Rgb<u8> = Rgb([0, 215, 255]);
const VALID: Rgb<u8> = Rgb([130, 230, 90]);
/// The traced back outline.
const TRACE: Rgb<u8> = Rgb([255, 80, 60]);
/// Spine curves drawn as a chord with its apex: these, not an arc.
const CURVES: [&str; 2] = ["lumbar_lordosis_angle", "thoracic_kyphosis_angle"];
const INVALID: Rgb<u8> = Rgb([255, 110, 100]);
/// One colour per measured angle, so an arc and its label belong together.
const PALETTE: [Rgb<u8>; 6] = [
    Rgb([255, 210, 0]),
    Rgb([255, 95, 215]),
    Rgb([140, 235, 70]),
    Rgb([255, 150, 40]),
    Rgb([175, 145, 255]),
    Rgb([255, 170, 190]),
];
/// Opacity of the boxes behind text.
const BOX_ALPHA: f64 = 0.72;

/// A side's chain: ear to foot, with the foot's three points.
fn chain(side: Side) -> [Joint; 7] {
    match side {
        Side::Left => [
            Joint::LeftEar,
            Joint::LeftShoulder,
            Joint::LeftHip,
            Joint::LeftKnee,
            Joint::LeftAnkle,
            Joint::LeftHeel,
            Joint::LeftFootIndex,
        ],
        Side::Right => [
            Joint::RightEar,
            Joint::RightShoulder,
            Joint::RightHip,
            Joint::RightKnee,
            Joint::RightAnkle,
            Joint::RightHeel,
            Joint::RightFootIndex,
        ],
    }
}

/// Bones as indices into a [`chain`]; the foot is a triangle.
const BONES: [(usize, usize); 7] = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 4)];
const ANKLE: usize = 4;

/// Sizes derived from the image, in photo pixels.
struct Style {
    /// Half the width of a main line.
    radius: f64,
    /// Width of the dark rim around lines.
    outline: f64,
    text: f32,
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

    fn text_px(&self) -> f64 {
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
struct Label {
    text: String,
    color: Rgb<u8>,
    anchor: Vec2,
    /// Which way from the anchor to place it (a unit vector), and how far
    /// its nearest edge stays from the anchor.
    direction: Vec2,
    distance: f64,
    /// Where a leader line from a displaced label ends.
    tip: Vec2,
}

/// The short label drawn next to an angle: the registry's, else the name
/// in words (a document from an older or newer sagitta).
fn label_name(name: &str) -> String {
    conventions::spec(name).map_or_else(|| name.replace('_', " "), |m| m.label.to_string())
}

// Names for people, shared with the HTML report.

pub(super) fn protocol_name(kind: ProtocolKind) -> &'static str {
    match kind {
        ProtocolKind::Standing => "Standing",
        ProtocolKind::ThomasTest => "Thomas test",
        ProtocolKind::Unsupported => "Unsupported pose",
    }
}

/// `photo` with the analysis drawn on it. Points are scaled from
/// the analysed image's size to the photo's, so a resized copy works too.
pub fn annotate(photo: image::RgbImage, analysis: &Analysis) -> image::RgbImage {
    // The photo is taken by value and drawn on in place: a copy of a 12 MP
    // photo took half the drawing time.
    let mut image = photo;
    if image.width() == 0 || image.height() == 0 {
        return image;
    }
    let scale = |size: u32, analysed: u32| match analysed {
        0 => 1.0,
        analysed => f64::from(size) / f64::from(analysed),
    };
    let frame = Vec2::new(
        scale(image.width(), analysis.image.width),
        scale(image.height(), analysis.image.height),
    );
    let to_photo = |x: f64, y: f64| Vec2::new(x * frame.x, y * frame.y);
    let mut painter = Painter::new(&mut image);

    // The near side's keypoints; `None` where the model gave no usable point.
    let side = analysis
        .protocol
        .near_side
        .unwrap_or_else(|| likelier_side(analysis));
    let keypoints = chain(side).map(|joint| {
        analysis.pose.keypoint(joint.name()).and_then(|k| {
            let point = to_photo(f64::from(k.x), f64::from(k.y));
            is_finite(point).then_some((point, k.visibility))
        })
    });

    let plumb = plumb_line(analysis, keypoints[ANKLE].map(|(p, _)| p), &to_photo);
    if let Some((x, ties)) = &plumb {
        painter.plumb(*x, ties);
    }
    painter.skeleton(&keypoints);

    let skeleton: Vec<Vec2> = keypoints.iter().flatten().map(|&(p, _)| p).collect();
    // The back outline the spine curves were read from, then each curve's
    // chord (dashed) and the line from it to the apex.
    let mut legend_extra = Vec::new();
    for m in analysis.measurements.values() {
        let trace: Vec<Vec2> = m.outline_px.iter().map(|&[x, y]| to_photo(x, y)).collect();
        if trace.len() >= 2 && trace.iter().all(|&p| is_finite(p)) {
            let segments: Vec<_> = trace.windows(2).map(|w| (w[0], w[1])).collect();
            painter.strokes(&segments, painter.style.radius * 0.6, TRACE);
            legend_extra.push(("traced back outline".to_string(), TRACE));
        }
    }
    let curves = analysis.measurements.iter().filter_map(|(name, m)| {
        let value = m
            .value_deg
            .filter(|v| v.is_finite() && m.declined.is_none())?;
        let points: Vec<Vec2> = m.points_px.iter().map(|&[x, y]| to_photo(x, y)).collect();
        (CURVES.contains(&name.as_str())
            && points.len() == 3
            && points.iter().all(|&p| is_finite(p)))
        .then_some((name, value, points))
    });
    let mut labels = Vec::new();
    for ((name, value, points), color) in curves.zip(PALETTE.iter().rev().cycle()) {
        labels.push(painter.curve(name, value, [points[0], points[1], points[2]], *color));
    }
    let angles = analysis.measurements.iter().filter_map(|(name, m)| {
        if CURVES.contains(&name.as_str()) {
            return None;
        }
        let value = m
            .value_deg
            .filter(|v| v.is_finite() && m.declined.is_none())?;
        let points: Vec<Vec2> = m.points_px.iter().map(|&[x, y]| to_photo(x, y)).collect();
        (matches!(points.len(), 2 | 3) && points.iter().all(|&p| is_finite(p)))
            .then_some((name, value, points))
    });
    for ((name, value, points), color) in angles.zip(PALETTE.iter().cycle()) {
        labels.push(painter.angle(name, value, &points, &skeleton, *color));
    }

    let (validity, validity_color) = if analysis.protocol.valid {
        ("valid", VALID)
    } else {
        ("not valid", INVALID)
    };
    let mut legend = vec![
        (
            format!("{} · {validity}", protocol_name(analysis.protocol.kind)),
            validity_color,
        ),
        (format!("near side: {}", super::snake_name(&side)), BONE),
        (
            format!("model: {}", super::snake_name(&analysis.model.kind)),
            BONE,
        ),
    ];
    if plumb.is_some() {
        legend.push(("plumb line".to_string(), PLUMB));
    }
    legend.extend(legend_extra.into_iter().take(1));
    // The legend goes in the top corner away from the person.
    let left_of_centre = !skeleton.is_empty()
        && skeleton.iter().map(|p| p.x).sum::<f64>() / (skeleton.len() as f64)
            < f64::from(painter.image.width()) / 2.0;
    painter.legend(&legend, left_of_centre);
    painter.labels(&labels);
    image
}

fn is_finite(p: Vec2) -> bool {
    p.x.is_finite() && p.y.is_finite()
}

/// The side whose chain the model saw better, when the protocol names none.
fn likelier_side(analysis: &Analysis) -> Side {
    let seen = |side| -> f32 {
        chain(side)
            .iter()
            .filter_map(|&joint| analysis.pose.keypoint(joint.name()))
            .map(|k| k.visibility)
            .sum()
    };
    if seen(Side::Right) > seen(Side::Left) {
        Side::Right
    } else {
        Side::Left
    }
}

/// The plumb line's x and its ties (each point measured against it, with
/// its foot on the line), when any `plumb_*` measurement has a value. The
/// line runs through the ankle the measurements used, else the near ankle.
fn plumb_line(
    analysis: &Analysis,
    near_ankle: Option<Vec2>,
    to_photo: &impl Fn(f64, f64) -> Vec2,
) -> Option<(f64, Vec<Vec2>)> {
    let measured: Vec<Vec<Vec2>> = analysis
        .measurements
        .iter()
        .filter(|(name, m)| {
            conventions::spec(name).is_some_and(|s| s.quantity == Quantity::HeightFraction)
                && m.declined.is_none()
                && m.value.is_some()
        })
        .map(|(_, m)| m.points_px.iter().map(|&[x, y]| to_photo(x, y)).collect())
        .collect();
    if measured.is_empty() {
        return None;
    }
    let x = measured
        .iter()
        .find_map(|points| points.first())
        .copied()
        .or(near_ankle)
        .map(|ankle| ankle.x)
        .filter(|x| x.is_finite())?;
    let ties = measured
        .iter()
        .filter_map(|points| points.get(1).copied())
        .filter(|&p| is_finite(p))
        .collect();
    Some((x, ties))
}

struct Painter<'a> {
    image: &'a mut RgbImage,
    style: Style,
    /// Boxes already holding text, which later labels avoid.
    taken: Vec<Rect>,
    /// Points along every line drawn, which labels avoid covering.
    ink: Vec<Vec2>,
}

impl<'a> Painter<'a> {
    fn new(image: &'a mut RgbImage) -> Self {
        let style = Style::new(image.width(), image.height());
        Self {
            image,
            style,
            taken: Vec::new(),
            ink: Vec::new(),
        }
    }

    fn size(&self) -> Vec2 {
        Vec2::new(
            f64::from(self.image.width()),
            f64::from(self.image.height()),
        )
    }

    /// Blends a round-capped, antialiased line of half-width `radius` from
    /// `a` to `b` (a disc when they coincide). Only rows and columns near the
    /// segment are visited, clipped to the image, so points far outside it
    /// cost nothing.
    fn capsule(&mut self, a: Vec2, b: Vec2, radius: f64, color: Rgb<u8>) {
        let size = self.size();
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
                    blend(
                        self.image.get_pixel_mut(x as u32, y as u32),
                        color,
                        coverage,
                    );
                }
                x += 1.0;
            }
            y += 1.0;
        }
    }

    /// Draws segments with a dark rim: all rims first, so a rim never cuts
    /// across a neighbouring segment's colour.
    fn strokes(&mut self, segments: &[(Vec2, Vec2)], radius: f64, color: Rgb<u8>) {
        let rim = radius + self.style.outline;
        let spacing = self.style.text_px() / 4.0;
        let size = self.size();
        for &(a, b) in segments {
            self.capsule(a, b, rim, OUTLINE);
            // Bounded like the dashes: a far-off point must not ask for millions.
            let count = (a.distance(b) / spacing).ceil().min(4096.0) as usize;
            let samples = (0..=count).map(|i| a + (b - a) * (i as f64 / count.max(1) as f64));
            self.ink.extend(
                samples.filter(|p| (0.0..size.x).contains(&p.x) && (0.0..size.y).contains(&p.y)),
            );
        }
        for &(a, b) in segments {
            self.capsule(a, b, radius, color);
        }
    }

    /// The dashes of the line from `a` to `b`.
    fn dashes(&self, a: Vec2, b: Vec2) -> Vec<(Vec2, Vec2)> {
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

    fn plumb(&mut self, x: f64, ties: &[Vec2]) {
        let height = self.size().y;
        let line = self.dashes(Vec2::new(x, 0.0), Vec2::new(x, height));
        let mut segments: Vec<_> = ties.iter().map(|&p| (p, Vec2::new(x, p.y))).collect();
        segments.extend(line);
        self.strokes(&segments, self.style.radius * 0.7, PLUMB);
    }

    fn skeleton(&mut self, chain: &[Option<(Vec2, f32)>; 7]) {
        let mut solid = Vec::new();
        let mut dashed = Vec::new();
        for (from, to) in BONES {
            let (Some((a, va)), Some((b, vb))) = (chain[from], chain[to]) else {
                continue;
            };
            // A bone whose end the model did not see is drawn dashed.
            if va.min(vb) >= crate::limits::limits().keypoint.min_visibility as f32 {
                solid.push((a, b));
            } else {
                dashed.extend(self.dashes(a, b));
            }
        }
        solid.extend(dashed);
        self.strokes(&solid, self.style.radius, BONE);
        let joints: Vec<_> = chain.iter().flatten().map(|&(p, _)| (p, p)).collect();
        self.strokes(&joints, self.style.radius * 2.2, BONE);
    }

    /// Draws one angle: its segments where the skeleton does not already
    /// show them, the reference it is measured from (dashed) and the arc
    /// from the reference to the measured segment. Returns its label.
    fn angle(
        &mut self,
        name: &str,
        value: f64,
        points: &[Vec2],
        skeleton: &[Vec2],
        color: Rgb<u8>,
    ) -> Label {
        let near = self.style.radius;
        let on_skeleton = |p: Vec2| skeleton.iter().any(|&k| k.distance(p) <= near);
        let own: Vec<(Vec2, Vec2)> = points
            .windows(2)
            .map(|w| (w[0], w[1]))
            .filter(|&(a, b)| !on_skeleton(a) || !on_skeleton(b))
            .collect();
        let ends: Vec<(Vec2, Vec2)> = points
            .iter()
            .filter(|&&p| !on_skeleton(p))
            .map(|&p| (p, p))
            .collect();
        self.strokes(&own, self.style.radius * 0.8, color);
        self.strokes(&ends, self.style.radius * 1.8, color);

        // Vertex, the direction the angle is measured from, and the measured end.
        let (vertex, zero, end) = match *points {
            [from, to] => match conventions::spec(name).and_then(|m| m.reference_line) {
                Some(ReferenceLine::Vertical) => (from, Some(UP), to),
                Some(ReferenceLine::Horizontal) => {
                    let side = if to.x < from.x { -1.0 } else { 1.0 };
                    (from, Some(Vec2::new(side, 0.0)), to)
                }
                None => (from, None, to),
            },
            // A joint angle is read against the first segment continued past the vertex.
            _ => (points[1], (points[1] - points[0]).normalized(), points[2]),
        };
        let text = format!("{} {value:.1}°", label_name(name));
        let measured = (end - vertex).normalized();
        let (Some(zero), Some(measured)) = (zero, measured) else {
            // No arc: beside the segment, off its start.
            return Label {
                text,
                color,
                anchor: vertex,
                direction: measured.map_or(Vec2::new(1.0, 0.0), |m| Vec2::new(-m.y, m.x)),
                distance: self.style.radius * 4.0,
                tip: vertex,
            };
        };
        let style = &self.style;
        let radius = (vertex.distance(end) * 0.4)
            .min(style.text_px() * 2.5)
            .max(style.radius * 6.0);
        let start = zero.y.atan2(zero.x);
        let sweep = wrap_angle(measured.y.atan2(measured.x) - start);
        let steps = (sweep.abs() * radius / (style.radius * 3.0))
            .ceil()
            .clamp(2.0, 96.0) as usize;
        let arc: Vec<Vec2> = (0..=steps)
            .map(|i| {
                let angle = start + sweep * i as f64 / steps as f64;
                vertex + Vec2::new(angle.cos(), angle.sin()) * radius
            })
            .collect();
        let mut segments: Vec<_> = arc.windows(2).map(|w| (w[0], w[1])).collect();
        segments.extend(self.dashes(vertex, vertex + zero * (radius * 1.7)));
        self.strokes(&segments, self.style.radius * 0.8, color);

        let middle = start + sweep / 2.0;
        Label {
            text,
            color,
            anchor: vertex,
            direction: Vec2::new(middle.cos(), middle.sin()),
            distance: radius + self.style.radius * 3.0,
            tip: vertex + Vec2::new(middle.cos(), middle.sin()) * radius,
        }
    }

    /// Draws one spine curve: its chord between the two ends (dashed), the
    /// ends and the apex as dots, and the line from the apex square to the
    /// chord (the depth). Returns its label, beside the apex.
    fn curve(
        &mut self,
        name: &str,
        value: f64,
        [from, apex, to]: [Vec2; 3],
        color: Rgb<u8>,
    ) -> Label {
        let chord = to - from;
        let along = chord.dot(apex - from) / chord.dot(chord).max(1e-9);
        let foot = from + chord * along;
        let mut segments = self.dashes(from, to);
        segments.push((apex, foot));
        self.strokes(&segments, self.style.radius * 0.8, color);
        let dots: Vec<_> = [from, apex, to].iter().map(|&p| (p, p)).collect();
        self.strokes(&dots, self.style.radius * 1.8, color);
        let outwards = (apex - foot)
            .normalized()
            .unwrap_or_else(|| Vec2::new(-chord.y, chord.x).normalized().unwrap_or(UP));
        Label {
            text: format!("{} {value:.1}°", label_name(name)),
            color,
            anchor: apex,
            direction: outwards * -1.0,
            distance: self.style.radius * 5.0,
            tip: apex,
        }
    }

    /// Draws the labels where they cover the fewest drawn lines and no other
    /// text, each with a leader line when it ends up away from its arc. All
    /// leaders go first so that none crosses a label's text.
    fn labels(&mut self, labels: &[Label]) {
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
    fn legend(&mut self, lines: &[(String, Rgb<u8>)], right: bool) {
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

    /// Darkens `rect` and writes the lines in it, one under the other.
    fn text_lines(&mut self, rect: Rect, lines: &[(String, Rgb<u8>)], scale: f32) {
        let (x0, y0) = (rect.min.x.max(0.0) as u32, rect.min.y.max(0.0) as u32);
        let (x1, y1) = (
            (rect.max.x.ceil() as u32).min(self.image.width()),
            (rect.max.y.ceil() as u32).min(self.image.height()),
        );
        for y in y0..y1 {
            for x in x0..x1 {
                blend(self.image.get_pixel_mut(x, y), OUTLINE, BOX_ALPHA);
            }
        }
        let pad = f64::from(scale) * 0.35;
        let mut y = rect.min.y + pad;
        for (text, color) in lines {
            let (_, h) = text_size(PxScale::from(scale), font(), text);
            draw_text_mut(
                self.image,
                *color,
                (rect.min.x + pad).round() as i32,
                y.round() as i32,
                PxScale::from(scale),
                font(),
                text,
            );
            y += f64::from(h);
        }
    }
}

/// `angle` in (-pi, pi].
fn wrap_angle(angle: f64) -> f64 {
    let wrapped = (angle + PI).rem_euclid(2.0 * PI) - PI;
    if wrapped == -PI { PI } else { wrapped }
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
    fn angles_wrap_into_the_half_open_circle() {
        assert!((wrap_angle(1.5 * PI) + 0.5 * PI).abs() < 1e-12);
        assert!((wrap_angle(-1.5 * PI) - 0.5 * PI).abs() < 1e-12);
        assert_eq!(wrap_angle(PI), PI);
        assert_eq!(wrap_angle(-PI), PI);
    }

    #[test]
    fn a_box_is_moved_inside_the_image() {
        let rect =
            Rect::around(Vec2::new(-10.0, 500.0), Vec2::new(40.0, 20.0)).inside(100.0, 100.0);
        assert_eq!((rect.min.x, rect.min.y), (0.0, 80.0));
        assert_eq!((rect.max.x, rect.max.y), (40.0, 100.0));
    }
}
