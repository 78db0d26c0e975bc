//! The annotated photo: skeleton, plumb line, measured angles, and the
//! traced back outline with each spine curve's chord and apex drawn on it.
//!
//! Everything is drawn on a copy of the photo, in its pixels. Line widths and
//! text grow with the image diagonal, so a 480x600 crop and a 4000x3000 phone
//! photo look alike when shown at the same size. Lines are light with a dark
//! outline and text sits on a dark box, so both read on any background.

mod painter;

use std::f64::consts::PI;

use image::Rgb;

use crate::measure::conventions::{self, Quantity, ReferenceLine};
use crate::measure::geometry::{UP, Vec2};
use crate::pose::Joint;
use crate::schema::{Analysis, MeasurementId, ProtocolKind, Side};
pub use painter::{FONT, Scene, Shape};
use painter::{Label, Painter};

const BONE: Rgb<u8> = Rgb([250, 250, 250]);
const PLUMB: Rgb<u8> = Rgb([0, 215, 255]);
const VALID: Rgb<u8> = Rgb([130, 230, 90]);
const INVALID: Rgb<u8> = Rgb([255, 110, 100]);
/// Keypoints moved by hand: a ring where the point now is, and a dashed
/// line from where the model had it.
const CORRECTED: Rgb<u8> = Rgb([70, 150, 255]);
/// The traced back outline.
const TRACE: Rgb<u8> = Rgb([255, 80, 60]);
/// Spine curves, drawn as a chord with its apex rather than as an arc.
const CURVES: [MeasurementId; 2] = [
    MeasurementId::LumbarLordosisAngle,
    MeasurementId::ThoracicKyphosisAngle,
];
fn is_curve(name: &str) -> bool {
    CURVES.iter().any(|c| c.name() == name)
}
/// One colour per measured angle, so an arc and its label belong together.
/// Nine: as many as the standing protocol draws angles.
const PALETTE: [Rgb<u8>; 9] = [
    Rgb([255, 210, 0]),
    Rgb([255, 95, 215]),
    Rgb([140, 235, 70]),
    Rgb([255, 150, 40]),
    Rgb([0, 225, 235]),
    Rgb([255, 255, 255]),
    Rgb([205, 140, 85]),
    Rgb([175, 145, 255]),
    Rgb([255, 170, 190]),
];
/// A measurement's colour: by its place among the angles the registry
/// lists for the protocol (spine curves from the palette's other end), so
/// that it keeps its colour whichever others are drawn: a corrected photo
/// may draw one that the original declined.
fn measurement_color(name: &str, protocol: ProtocolKind) -> Rgb<u8> {
    if let Some(index) = CURVES.iter().position(|c| c.name() == name) {
        return PALETTE[PALETTE.len() - 1 - index % PALETTE.len()];
    }
    let index = conventions::MEASUREMENTS
        .iter()
        .filter(|m| m.quantity == Quantity::Angle && !is_curve(m.name))
        .filter(|m| m.protocols().any(|p| p == protocol))
        .position(|m| m.name == name)
        .unwrap_or(0);
    PALETTE[index % PALETTE.len()]
}

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
    scene(analysis, image.width(), image.height()).paint(&mut image);
    image
}

/// The overlay of `analysis` as vectors, for a photo of `width` x `height`
/// pixels: what [`annotate`] draws into the photo, and what the review page
/// shows as SVG over it.
pub fn scene(analysis: &Analysis, width: u32, height: u32) -> Scene {
    let scale = |size: u32, analysed: u32| match analysed {
        0 => 1.0,
        analysed => f64::from(size) / f64::from(analysed),
    };
    let frame = Vec2::new(
        scale(width, analysis.image.width),
        scale(height, analysis.image.height),
    );
    let to_photo = |x: f64, y: f64| Vec2::new(x * frame.x, y * frame.y);
    let mut painter = Painter::new(width, height);

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
    for correction in &analysis.corrections {
        let [from, to] = [correction.from_px, correction.to_px].map(|[x, y]| to_photo(x, y));
        if is_finite(from) && is_finite(to) {
            painter.corrected(from, to);
        }
    }

    let skeleton: Vec<Vec2> = keypoints.iter().flatten().map(|&(p, _)| p).collect();
    // The back outline the spine curves were read from, then each curve's
    // chord (dashed) and the line from it to the apex.
    let mut traced = false;
    for m in analysis.measurements.values() {
        let trace: Vec<Vec2> = m
            .outline_px()
            .iter()
            .map(|&[x, y]| to_photo(x, y))
            .collect();
        if trace.len() >= 2 && trace.iter().all(|&p| is_finite(p)) {
            let segments: Vec<_> = trace.windows(2).map(|w| (w[0], w[1])).collect();
            painter.strokes(&segments, painter.style.radius * 0.6, TRACE);
            traced = true;
        }
    }
    let mut labels = Vec::new();
    let curves = analysis.measurements.iter().filter_map(|(name, m)| {
        let value = m.value_deg().filter(|v| v.is_finite())?;
        let points: Vec<Vec2> = m.points_px().iter().map(|&[x, y]| to_photo(x, y)).collect();
        (is_curve(name) && points.len() == 3 && points.iter().all(|&p| is_finite(p)))
            .then_some((name, value, points))
    });
    let kind = analysis.protocol.kind;
    for (name, value, points) in curves {
        let color = measurement_color(name, kind);
        labels.push(painter.curve(name, value, [points[0], points[1], points[2]], color));
    }
    let angles = analysis.measurements.iter().filter_map(|(name, m)| {
        if is_curve(name) {
            return None;
        }
        let value = m.value_deg().filter(|v| v.is_finite())?;
        let points: Vec<Vec2> = m.points_px().iter().map(|&[x, y]| to_photo(x, y)).collect();
        (matches!(points.len(), 2 | 3) && points.iter().all(|&p| is_finite(p)))
            .then_some((name, value, points))
    });
    for (name, value, points) in angles {
        let color = measurement_color(name, kind);
        labels.push(painter.angle(name, value, &points, &skeleton, color));
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
    if !analysis.corrections.is_empty() {
        let names: Vec<String> = analysis
            .corrections
            .iter()
            .map(|c| label_name(&c.keypoint))
            .collect();
        legend.push((format!("moved by hand: {}", names.join(", ")), CORRECTED));
    }
    if traced {
        legend.push(("traced back outline".to_string(), TRACE));
    }
    // The legend goes in the top corner away from the person.
    let left_of_centre = !skeleton.is_empty()
        && skeleton.iter().map(|p| p.x).sum::<f64>() / (skeleton.len() as f64)
            < f64::from(width) / 2.0;
    painter.legend(&legend, left_of_centre);
    painter.labels(&labels);
    painter.finish()
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
                && m.value().is_some()
        })
        .map(|(_, m)| m.points_px().iter().map(|&[x, y]| to_photo(x, y)).collect())
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

/// What the annotated image shows, drawn with the generic [`Painter`].
impl Painter {
    /// A keypoint moved by hand: a dashed line from where the model had it
    /// and a ring around where it is now.
    fn corrected(&mut self, from: Vec2, to: Vec2) {
        const SEGMENTS: usize = 24;
        let ring_radius = self.style.radius * 5.0;
        let on_ring = |i: usize| {
            let turn = std::f64::consts::TAU * i as f64 / SEGMENTS as f64;
            to + Vec2::new(turn.cos(), turn.sin()) * ring_radius
        };
        let mut segments: Vec<(Vec2, Vec2)> = (0..SEGMENTS)
            .map(|i| (on_ring(i), on_ring(i + 1)))
            .collect();
        // The move, up to the ring, where it is longer than the ring is wide.
        if let Some(along) = (from - to).normalized()
            && from.distance(to) > ring_radius
        {
            segments.extend(self.dashes(from, to + along * ring_radius));
        }
        self.strokes(&segments, self.style.radius * 0.7, CORRECTED);
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
        // The label goes on the chord's side of the apex, away from the body
        // for a hollow.
        let away = (foot - apex)
            .normalized()
            .unwrap_or_else(|| Vec2::new(-chord.y, chord.x).normalized().unwrap_or(UP));
        Label {
            text: format!("{} {value:.1}°", label_name(name)),
            color,
            anchor: apex,
            direction: away,
            distance: self.style.radius * 5.0,
            tip: apex,
        }
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
}

/// `angle` in (-pi, pi].
fn wrap_angle(angle: f64) -> f64 {
    let wrapped = (angle + PI).rem_euclid(2.0 * PI) - PI;
    if wrapped == -PI { PI } else { wrapped }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The colours a photo's drawn angles get.
    fn colors(analysis: &Analysis) -> Vec<(String, Rgb<u8>)> {
        analysis
            .measurements
            .iter()
            .filter(|(_, m)| m.value_deg().is_some() && m.declined_reason().is_none())
            .map(|(name, _)| {
                (
                    name.clone(),
                    measurement_color(name, analysis.protocol.kind),
                )
            })
            .collect()
    }

    #[test]
    fn a_measurement_keeps_its_colour_when_another_is_declined_or_added() {
        for fixture in ["analysis_thomas.json", "analysis_standing.json"] {
            let path = format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let whole: Analysis = serde_json::from_str(&text).unwrap();
            let drawn = colors(&whole);
            assert!(drawn.len() >= 3, "{fixture}: {drawn:?}");
            // The protocol's angles (those drawn) get different colours.
            for (i, (name, color)) in drawn.iter().enumerate() {
                for (other, other_color) in &drawn[..i] {
                    assert!(color != other_color, "{fixture}: {name} and {other}");
                }
            }
            // Declining any one leaves the others' colours as they were.
            for (declined, _) in &drawn {
                let mut less = whole.clone();
                *less.measurements.get_mut(declined).unwrap() =
                    crate::schema::Measurement::declined("keypoints", "hidden");
                let kept: Vec<_> = drawn
                    .iter()
                    .filter(|(n, _)| n != declined)
                    .cloned()
                    .collect();
                assert_eq!(colors(&less), kept, "{fixture}: {declined} declined");
            }
        }
    }

    #[test]
    fn every_angle_a_protocol_draws_has_its_own_colour() {
        for kind in [ProtocolKind::Standing, ProtocolKind::ThomasTest] {
            let angles: Vec<&str> = conventions::MEASUREMENTS
                .iter()
                .filter(|m| m.quantity == Quantity::Angle && m.protocols().any(|p| p == kind))
                .map(|m| m.name)
                .collect();
            assert!(angles.len() >= 4);
            for (i, name) in angles.iter().enumerate() {
                for other in &angles[..i] {
                    assert_ne!(
                        measurement_color(name, kind),
                        measurement_color(other, kind),
                        "{name} and {other}"
                    );
                }
            }
        }
    }

    #[test]
    fn angles_wrap_into_the_half_open_circle() {
        assert!((wrap_angle(1.5 * PI) + 0.5 * PI).abs() < 1e-12);
        assert!((wrap_angle(-1.5 * PI) - 0.5 * PI).abs() < 1e-12);
        assert_eq!(wrap_angle(PI), PI);
        assert_eq!(wrap_angle(-PI), PI);
    }
}
