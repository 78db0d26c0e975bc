//! Standing pelvic tilt: the ASIS-PSIS line against the horizontal, positive
//! for anterior tilt, by one of three methods.
//!
//! - `landmarks`: the user gives the ASIS and PSIS in image pixels: exact.
//! - `markers`: two coloured adhesive dots on ASIS and PSIS are found near the
//!   hip: the same angle, from the dots' centres.
//! - `estimate`: no markers. Tilting the pelvis turns the body outline
//!   around it, at the front (lower abdomen to pubis) and at the back (lumbar
//!   hollow to buttock). sagitta finds both outlines in the person mask at 12
//!   heights between the waist and just below the hip joint, fits a straight
//!   line to each, and reads its inclination (positive when the outline runs
//!   backwards as it descends, as anterior tilt makes it). Each inclination
//!   is turned into a tilt by a straight line fitted on rendered people whose
//!   tilt is known (samples/render, the accuracy sweep of benches/README.md):
//!   the outline turns less than the pelvis itself (soft tissue), so the
//!   gain is above one, and the offset is where a neutral pelvis leaves the
//!   outline. The front outline follows the tilt far better than the back
//!   one, whose slope depends mostly on the buttock's shape, so the front
//!   gives the estimate and the back stands in only where the front is
//!   hidden. The uncertainty is a 90 % bound from the calibration's
//!   residual spread across bodies, widened by the spread pelvic shape alone
//!   gives the ASIS-PSIS angle in real pelves (Preece2008), which the
//!   rendered skeleton does not vary. Heights where a hand or an arm crosses an outline are skipped;
//!   an outline left with too few heights, or too irregular to be a body
//!   contour, is not used; with neither outline left, the estimate is
//!   declined with the reason. A back outline that hangs straight from the
//!   waist (loose clothing, or a flat buttock) is still used, since a tucked
//!   pelvis flattens the buttock too, but with a wider uncertainty, a lower
//!   confidence and a warning.
use std::str::FromStr;

use image::RgbImage;

use crate::pose::Joint;
use crate::schema::{Measurement, Side};

use super::conventions::pelvic_tilt_deg;
use super::geometry::Vec2;
use super::protocol::View;
use super::{Body, Limb, angle, declined, joint, round};

/// How the pelvic tilt is obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum PelvisInput {
    /// From the body outline; needs nothing from the user.
    #[default]
    Estimate,
    /// ASIS and PSIS given in photo pixels.
    Landmarks { asis: (f64, f64), psis: (f64, f64) },
    /// Coloured dots on ASIS and PSIS.
    Markers(MarkerColor),
}

/// Spread of the ASIS-PSIS angle from pelvic shape alone (Preece2008): real
/// pelves vary this much where the rendered skeleton does not.
const MORPHOLOGY_SD_DEG: f64 = 5.0;
/// Standard deviations to a two-sided 90 % bound: `uncertainty_deg` covers
/// nine errors in ten, as the keypoint angles' 90th-percentile errors do.
const SD_TO_90_PERCENT: f64 = 1.645;

/// Tilt from one outline's inclination: `offset_deg + gain * inclination`,
/// with the residual spread of that line across the rendered bodies.
#[derive(Debug, Clone, Copy)]
struct Calibration {
    offset_deg: f64,
    gain: f64,
    residual_sd_deg: f64,
}

impl Calibration {
    fn tilt_deg(self, inclination_deg: f64) -> f64 {
        self.offset_deg + self.gain * inclination_deg
    }
}

/// Least-squares lines fitted on the 48 standing renders of the accuracy
/// sweep (samples/render/sweep.py, seed 11: tilts -15 to 25 degrees, both
/// sexes, weights, facings, tight and loose clothing, camera heights 0.6 to
/// 1.6 m), each render analysed with its camera roll given; benches/README.md
/// gives the figures and the command.
const FRONT: Calibration = Calibration {
    offset_deg: 9.6,
    gain: 1.48,
    residual_sd_deg: 6.6,
};
const BACK: Calibration = Calibration {
    offset_deg: -0.3,
    gain: 0.67,
    residual_sd_deg: 9.6,
};
/// The outline is sampled from this far above the hip joint (the waist) ...
const BAND_TOP_TORSO: f64 = 0.35;
/// ... down to the buttock, a little below the hip joint (negative = below).
const BAND_BOTTOM_TORSO: f64 = -0.10;
const BAND_LEVELS: usize = 12;
/// At least this share of the levels must give an outline point, and those
/// points must span at least `MIN_SPAN_SHARE` of the band's height.
const MIN_LEVEL_SHARE: f64 = 0.5;
const MIN_SPAN_SHARE: f64 = 0.6;
/// A contour whose points stray further than this from their line (RMS,
/// torso lengths) is folds of cloth, hair or a hand, not a body outline.
const MAX_RESIDUAL_TORSO: f64 = 0.03;
/// A buttock standing out less than this (torso lengths, about 1.5 cm)
/// behind the waist may be cloth hanging straight down (sagitta default).
const MIN_BUTTOCK_CURVE_TORSO: f64 = 0.03;
/// Extra uncertainty for an outline that may be cloth, not body: a flat
/// outline could hide a buttock curve of up to about this angle over the
/// band (sagitta default, the back outline's inclination with a neutral
/// pelvis on the renders, about 15 degrees, halved).
const DRAPED_EXTRA_DEG: f64 = 7.5;
/// An elbow, wrist or hand keypoint this close (torso lengths) to an outline point hides it.
const ARM_CLEARANCE: f64 = 0.10;

/// A pelvic tilt measurement, and a warning where the estimate leans on an
/// outline that may be cloth rather than body.
pub fn measure(
    body: &Body,
    view: &View,
    image: &RgbImage,
    input: &PelvisInput,
) -> (Measurement, Option<String>) {
    match input {
        PelvisInput::Estimate => estimate(body, view),
        PelvisInput::Landmarks { asis, psis } => {
            let (asis, psis) = (
                body.from_photo(Vec2::new(asis.0, asis.1)),
                body.from_photo(Vec2::new(psis.0, psis.1)),
            );
            (from_points(body, "landmarks", asis, psis, view), None)
        }
        PelvisInput::Markers(color) => match find_markers(image, body, view, *color) {
            Ok((asis, psis)) => (from_points(body, "markers", asis, psis, view), None),
            Err(reason) => (declined("markers", reason), None),
        },
    }
}

/// Uncertainty of a tilt from palpated landmarks (given as pixels or as
/// marker dots): the angle itself is exact, the palpation is not. The
/// largest standard error of measurement among the palpation-meter studies
/// reviewed by Suits2021 is 3.6 degrees; sagitta takes it.
pub const PALPATION_UNCERTAINTY_DEG: f64 = 3.6;

fn from_points(body: &Body, method: &str, asis: Vec2, psis: Vec2, view: &View) -> Measurement {
    match pelvic_tilt_deg(asis, psis, view.anterior) {
        Some(value) => Measurement {
            points_px: body.photo_points(&[psis, asis]),
            uncertainty_deg: Some(PALPATION_UNCERTAINTY_DEG),
            ..angle(value, method, 1.0)
        },
        None => declined(
            method,
            "the ASIS must lie in front of the PSIS (check which point is which, and the facing)",
        ),
    }
}

/// One traced outline: its inclination (degrees, positive when it runs
/// backwards as it descends), the line fit's angular error, and whether it
/// hangs straight like cloth.
#[derive(Debug, Clone, Copy)]
struct Outline {
    inclination_deg: f64,
    fit_error_deg: f64,
    draped: bool,
    /// The fitted line at the top and the bottom of the band.
    top: Vec2,
    bottom: Vec2,
}

fn estimate(body: &Body, view: &View) -> (Measurement, Option<String>) {
    const METHOD: &str = "estimate";
    let near = view.near_side;
    let (shoulder, hip) = (joint(near, Limb::Shoulder), joint(near, Limb::Hip));
    if let Err(reason) = body.require(&[shoulder, hip]) {
        return (declined(METHOD, reason), None);
    }
    let torso = body.torso_length(near);
    let arms = arm_points(body);

    let back = outline(body, view, near, torso, Edge::Back, &arms);
    let front = outline(body, view, near, torso, Edge::Front, &arms);
    // The front outline gives the estimate; the back one stands in where the
    // front is hidden. Each carries its calibration's spread and the error of
    // its own line fit, scaled like the inclination.
    let chosen = match (&front, &back) {
        (Ok(o), _) => Some((FRONT, o, 0.0)),
        (Err(_), Ok(o)) => Some((BACK, o, if o.draped { DRAPED_EXTRA_DEG } else { 0.0 })),
        _ => None,
    };
    let Some((calibration, used, draped_extra)) = chosen else {
        let (Err(back), Err(front)) = (back, front) else {
            unreachable!("an outline succeeded")
        };
        return (
            declined(
                METHOD,
                format!("back outline: {back}; front outline: {front}"),
            ),
            None,
        );
    };
    let value = calibration.tilt_deg(used.inclination_deg);
    // The pelvic line the estimate implies, drawn through the hip joint:
    // PSIS end first, as for palpated landmarks.
    let hip_point = body.point(hip);
    let (down, forward) = value.to_radians().sin_cos();
    let half = (view.anterior * forward + super::geometry::UP * -down) * (0.25 * torso);
    // What the photo itself says about the error: the line fit's own error.
    let measured = (calibration.gain * used.fit_error_deg).hypot(draped_extra);
    let uncertainty = SD_TO_90_PERCENT
        * calibration
            .residual_sd_deg
            .hypot(MORPHOLOGY_SD_DEG)
            .hypot(measured);
    let from_back = front.is_err();
    let loose = back.as_ref().is_ok_and(|o| o.draped);
    // Halves where the error measured on the photo reaches 7.5 degrees, where
    // only the weaker back outline is left, and where the clothing may hang.
    let confidence = body.min_visibility(&[shoulder, hip])
        * view.lateral_score
        * (1.0 + (measured / 7.5).powi(2)).recip()
        * if from_back { 0.5 } else { 1.0 }
        * if loose { 0.5 } else { 1.0 };
    // What the user should know about the evidence behind the value.
    let mut caveats = Vec::new();
    if let Err(reason) = &front {
        caveats.push(format!(
            "the front outline was not used ({reason}), so the estimate rests on the back \
             outline, which follows the tilt less closely"
        ));
    }
    if loose {
        caveats.push(format!(
            "the back outline hangs straight from the waist (loose clothing, or a flat buttock){}; \
             close-fitting clothing around the pelvis gives a firmer estimate",
            if from_back {
                format!(", so it is used with {DRAPED_EXTRA_DEG} degrees more uncertainty")
            } else {
                String::new()
            }
        ));
    }
    let warning = (!caveats.is_empty()).then(|| format!("pelvic_tilt: {}", caveats.join("; ")));
    (
        Measurement {
            uncertainty_deg: Some(round(uncertainty, 1)),
            points_px: body.photo_points(&[hip_point - half, hip_point + half]),
            ..angle(value, METHOD, confidence)
        },
        warning,
    )
}

/// Spread of the front outline's inclination across the rendered bodies at
/// a given tilt: the front calibration's residual over its gain.
const FRONT_BODY_SD_DEG: f64 = FRONT.residual_sd_deg / FRONT.gain;

/// The lower abdominal outline: the front outline's inclination between the
/// waist and the pubis (positive when it runs backwards as it descends, as
/// an anterior tilt makes it), with its 90 % uncertainty from its spread
/// across bodies and its own line fit.
pub fn lower_abdomen(body: &Body, view: &View) -> Measurement {
    const METHOD: &str = "front_outline";
    let near = view.near_side;
    let (shoulder, hip) = (joint(near, Limb::Shoulder), joint(near, Limb::Hip));
    if let Err(reason) = body.require(&[shoulder, hip]) {
        return declined(METHOD, reason);
    }
    let torso = body.torso_length(near);
    let arms = arm_points(body);
    match outline(body, view, near, torso, Edge::Front, &arms) {
        Ok(front) => Measurement {
            uncertainty_deg: Some(round(
                SD_TO_90_PERCENT * FRONT_BODY_SD_DEG.hypot(front.fit_error_deg),
                1,
            )),
            points_px: body.photo_points(&[front.top, front.bottom]),
            ..angle(
                front.inclination_deg,
                METHOD,
                body.min_visibility(&[shoulder, hip]) * view.lateral_score,
            )
        },
        Err(reason) => declined(METHOD, reason),
    }
}

/// Elbows, wrists and hands that are in the photo: they may hide an outline.
pub(super) fn arm_points(body: &Body) -> Vec<Vec2> {
    [Side::Left, Side::Right]
        .into_iter()
        .flat_map(|side| [Limb::Elbow, Limb::Wrist].map(|limb| joint(side, limb)))
        .chain([
            Joint::LeftIndex,
            Joint::RightIndex,
            Joint::LeftThumb,
            Joint::RightThumb,
        ])
        .filter(|&j| body.in_frame(j))
        .map(|j| body.point(j))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Edge {
    Back,
    Front,
}

/// Finds one outline of the body between the waist and the hip joint and
/// fits a line to it. Heights where a hand or an arm lies over the outline
/// are skipped.
fn outline(
    body: &Body,
    view: &View,
    near: Side,
    torso: f64,
    edge: Edge,
    arms: &[Vec2],
) -> Result<Outline, String> {
    let name = if edge == Edge::Back { "back" } else { "front" };
    let hip = body.point(joint(near, Limb::Hip));
    let shoulder = body.point(joint(near, Limb::Shoulder));
    let outward = if edge == Edge::Back {
        view.anterior * -1.0
    } else {
        view.anterior
    };
    let backward = view.anterior * -1.0;
    let mut points = Vec::with_capacity(BAND_LEVELS);
    let mut occluded = false;
    for level in 0..BAND_LEVELS {
        let t = level as f64 / (BAND_LEVELS - 1) as f64;
        let rise = torso * (BAND_TOP_TORSO + (BAND_BOTTOM_TORSO - BAND_TOP_TORSO) * t);
        // Start inside the body, on the trunk line at this height.
        let along = rise / torso;
        let start = hip + (shoulder - hip) * along;
        if body.mask_at(start) < 0.5 {
            continue;
        }
        let Some(point) = find_edge(body, start, outward, torso)? else {
            continue;
        };
        if arms
            .iter()
            .any(|a| a.distance(point) < ARM_CLEARANCE * torso)
        {
            occluded = true;
            continue;
        }
        // Height below the waist, and how far back the outline lies.
        points.push((-(point - hip).dot(super::geometry::UP), point.dot(backward)));
    }
    let band = torso * (BAND_TOP_TORSO - BAND_BOTTOM_TORSO);
    let span =
        points.last().map_or(0.0, |last| last.0) - points.first().map_or(0.0, |first| first.0);
    if (points.len() as f64) < MIN_LEVEL_SHARE * BAND_LEVELS as f64 || span < MIN_SPAN_SHARE * band
    {
        return Err(if occluded {
            format!("a hand or arm lies over the {name} outline of the pelvis")
        } else {
            format!("the {name} outline of the pelvis was not found in the person mask")
        });
    }
    let (slope, residual) = fit_line(&points);
    if residual > MAX_RESIDUAL_TORSO * torso {
        return Err(format!(
            "the {name} outline of the pelvis is irregular (loose clothing, hair or a hand over it)"
        ));
    }
    // The fitted line's ends, back in the photo frame: `backward` offset
    // `mean + slope * (height - mean height)` at the first and last heights.
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let mean_height = points.iter().map(|p| p.0).sum::<f64>() / points.len() as f64;
    let mean_back = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let at = |height: f64| {
        let back = mean_back + slope * (height - mean_height);
        // Height is measured down from the hip; `backward` is horizontal.
        let horizontal = backward * (back - hip.dot(backward));
        Vec2::new(hip.x + horizontal.x, hip.y + height)
    };
    Ok(Outline {
        top: at(first),
        bottom: at(last),
        inclination_deg: slope.atan().to_degrees(),
        fit_error_deg: (residual / band).atan().to_degrees(),
        draped: edge == Edge::Back && !buttock_stands_out(torso, &points),
    })
}

/// Walks from `start` (inside the body) along `outward` to where the person
/// mask ends; `None` if it does not end within a torso length.
pub(super) fn find_edge(body: &Body, start: Vec2, outward: Vec2, torso: f64) -> Result<Option<Vec2>, String> {
    const STEP: f64 = 0.5;
    let (width, height) = body.photo_size();
    let mut previous = body.mask_at(start);
    let mut distance = 0.0;
    while distance < torso {
        let point = start + outward * (distance + STEP);
        let photo = body.to_photo(point);
        if photo.x < 0.0 || photo.y < 0.0 || photo.x >= width || photo.y >= height {
            return Err("the body is cut by the frame around the pelvis".to_string());
        }
        let current = body.mask_at(point);
        if current < 0.5 {
            let fraction = (previous - 0.5) / (previous - current).max(1e-9);
            return Ok(Some(start + outward * (distance + fraction * STEP)));
        }
        previous = current;
        distance += STEP;
    }
    Ok(None)
}

/// Whether the buttock stands out behind the waist, as a body contour does;
/// cloth hanging straight from the back does not.
fn buttock_stands_out(torso: f64, band: &[(f64, f64)]) -> bool {
    let waist = band[0].1;
    let lower_half = &band[band.len() / 2..];
    let buttock = lower_half.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    buttock - waist >= MIN_BUTTOCK_CURVE_TORSO * torso
}

/// Least-squares line `y = a + b x`; returns the slope and the RMS residual.
fn fit_line(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum::<f64>();
    let sxy = points
        .iter()
        .map(|p| (p.0 - mean_x) * (p.1 - mean_y))
        .sum::<f64>();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let residual = (points
        .iter()
        .map(|p| (p.1 - mean_y - slope * (p.0 - mean_x)).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    (slope, residual)
}

/// A marker colour: a named colour or `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkerColor {
    pub rgb: [u8; 3],
}

impl FromStr for MarkerColor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let rgb = match text.to_ascii_lowercase().as_str() {
            "red" => [220, 30, 30],
            "green" => [30, 180, 60],
            "blue" => [30, 80, 220],
            "yellow" => [240, 220, 30],
            "magenta" => [220, 30, 200],
            "cyan" => [30, 200, 220],
            hex if hex.len() == 7 && hex.starts_with('#') => {
                let byte = |i: usize| {
                    u8::from_str_radix(&hex[i..i + 2], 16)
                        .map_err(|_| format!("bad colour {text:?}"))
                };
                [byte(1)?, byte(3)?, byte(5)?]
            }
            _ => {
                return Err(format!(
                    "unknown marker colour {text:?}: use red, green, blue, yellow, magenta, cyan or #rrggbb"
                ));
            }
        };
        let (_, saturation, _) = hsv(rgb);
        if saturation < 0.4 {
            return Err(format!(
                "marker colour {text:?} is too grey to tell from skin and clothing"
            ));
        }
        Ok(Self { rgb })
    }
}

/// Hue (degrees), saturation and value (0..1).
fn hsv([r, g, b]: [u8; 3]) -> (f64, f64, f64) {
    let (r, g, b) = (r as f64 / 255.0, g as f64 / 255.0, b as f64 / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    let hue = if delta == 0.0 {
        0.0
    } else if max == r {
        60.0 * (((g - b) / delta).rem_euclid(6.0))
    } else if max == g {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    (hue, if max == 0.0 { 0.0 } else { delta / max }, max)
}

/// Finds exactly two dots of `color` within 0.6 torso lengths of the near
/// hip; returns (ASIS, PSIS) in the corrected frame, the ASIS being the more
/// anterior one.
pub fn find_markers(
    image: &RgbImage,
    body: &Body,
    view: &View,
    color: MarkerColor,
) -> Result<(Vec2, Vec2), String> {
    const HUE_TOLERANCE_DEG: f64 = 20.0;
    const MIN_SATURATION: f64 = 0.4;
    const MIN_VALUE: f64 = 0.25;
    let near = view.near_side;
    let hip = joint(near, Limb::Hip);
    if !body.in_frame(hip) {
        return Err(
            "the hip is outside the photo, so the markers cannot be searched for".to_string(),
        );
    }
    let torso = body.torso_length(near);
    let center = body.to_photo(body.point(hip));
    let half = 0.6 * torso;
    let x0 = (center.x - half).floor().max(0.0) as u32;
    let y0 = (center.y - half).floor().max(0.0) as u32;
    let x1 = ((center.x + half).ceil() as u32).min(image.width());
    let y1 = ((center.y + half).ceil() as u32).min(image.height());
    if x1 <= x0 || y1 <= y0 {
        return Err("the hip region is outside the photo".to_string());
    }
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let (target_hue, _, _) = hsv(color.rgb);
    let matches: Vec<bool> = (0..h * w)
        .map(|i| {
            let p = image.get_pixel(x0 + (i % w) as u32, y0 + (i / w) as u32).0;
            let (hue, s, v) = hsv(p);
            let diff = (hue - target_hue).abs();
            diff.min(360.0 - diff) <= HUE_TOLERANCE_DEG && s >= MIN_SATURATION && v >= MIN_VALUE
        })
        .collect();

    let min_area = 4usize;
    let max_area = ((0.2 * torso).powi(2)) as usize;
    let mut seen = vec![false; h * w];
    let mut dots = Vec::new();
    for start in 0..h * w {
        if !matches[start] || seen[start] {
            continue;
        }
        let (mut area, mut sum_x, mut sum_y) = (0usize, 0.0, 0.0);
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            area += 1;
            sum_x += x as f64;
            sum_y += y as f64;
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for n in neighbours.into_iter().flatten() {
                if matches[n] && !seen[n] {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        if (min_area..=max_area.max(min_area)).contains(&area) {
            let centre = Vec2::new(
                x0 as f64 + sum_x / area as f64 + 0.5,
                y0 as f64 + sum_y / area as f64 + 0.5,
            );
            dots.push(body.from_photo(centre));
        }
    }
    match dots.as_slice() {
        [a, b] => {
            let (asis, psis) = if a.dot(view.anterior) >= b.dot(view.anterior) {
                (*a, *b)
            } else {
                (*b, *a)
            };
            Ok((asis, psis))
        }
        found => Err(format!(
            "found {} marker dots of colour #{:02x}{:02x}{:02x} near the hip; expected exactly 2 (ASIS and PSIS)",
            found.len(),
            color.rgb[0],
            color.rgb[1],
            color.rgb[2]
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_colours_parse() {
        assert_eq!("#ff0000".parse::<MarkerColor>().unwrap().rgb, [255, 0, 0]);
        assert_eq!("Green".parse::<MarkerColor>().unwrap().rgb, [30, 180, 60]);
        assert!("#808080".parse::<MarkerColor>().is_err());
        assert!("plaid".parse::<MarkerColor>().is_err());
        assert!("#12345".parse::<MarkerColor>().is_err());
    }

    #[test]
    fn hsv_of_primaries() {
        assert_eq!(hsv([255, 0, 0]), (0.0, 1.0, 1.0));
        assert_eq!(hsv([0, 255, 0]).0, 120.0);
        assert_eq!(hsv([0, 0, 255]).0, 240.0);
        assert_eq!(hsv([0, 0, 0]), (0.0, 0.0, 0.0));
    }
}
