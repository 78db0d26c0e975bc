//! Marker dots and balls on ASIS and PSIS: finding them in the photo
//! (`--markers`) and, for raised balls, the landmarks under them
//! (`--marker-balls`). Every limit is `pelvis.marker_*` in
//! `assets/limits.toml`, with its provenance.
use std::str::FromStr;

use image::RgbImage;

use crate::limits::limits;

use super::geometry::Vec2;
use super::protocol::View;
use super::{Body, Limb, joint};

/// The landmarks under two marker balls, and the spread of that estimate
/// across bodies as an angle (degrees, 1 SD). A ball's centre stands its
/// radius out along the skin's normal; seen from the side, the part of that
/// normal across the ASIS-PSIS line (`pelvis.marker_ball_lift_*`, measured
/// on posed bodies) moves each end of the line towards the head, which
/// would read as a tilt turned posteriorly by (lift_asis - lift_psis) r / L.
/// Each centre is moved back across the line by its lift; the radius is the
/// balls' own in the photo, so no scale is needed.
pub(super) fn off_the_balls(pair: &MarkerPair) -> (Vec2, Vec2, f64) {
    let limits = &limits().pelvis;
    let line = pair.asis - pair.psis;
    let length = line.length();
    // the unit normal to the line that points up the photo (towards the head)
    let mut up = Vec2::new(line.y, -line.x) * (1.0 / length);
    if up.y > 0.0 {
        up = up * -1.0;
    }
    let r = pair.radius_px;
    let asis = pair.asis - up * (limits.marker_ball_lift_asis * r);
    let psis = pair.psis - up * (limits.marker_ball_lift_psis * r);
    let spread_deg = (limits.marker_ball_lift_sd * r / length)
        .atan()
        .to_degrees();
    (asis, psis, spread_deg)
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
                    "unknown marker colour {:?}: use red, green, blue, yellow, magenta, cyan or #rrggbb",
                    crate::input::excerpt(text)
                ));
            }
        };
        let (_, saturation, _) = hsv(rgb);
        if saturation < limits().pelvis.marker_min_saturation {
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

/// Finds the two marker balls (or dots) of `color` near the hip
/// (`pelvis.marker_*` limits); returns (ASIS, PSIS) in the corrected frame,
/// the ASIS being the more anterior one. Where one is hidden, cannot be told
/// from the skin or clothing around it, or shows less than half of itself,
/// the reason names it and says what to change.
pub(super) fn find_markers(
    image: &RgbImage,
    body: &Body,
    view: &View,
    color: MarkerColor,
) -> Result<MarkerPair, String> {
    let near = view.near_side;
    let hip = joint(near, Limb::Hip);
    if !body.in_frame(hip) {
        return Err(
            "the hip is outside the photo, so the markers cannot be searched for".to_string(),
        );
    }
    let torso = body.torso_length(near);
    let patches = colour_patches(image, body.to_photo(body.point(hip)), torso, color)?;
    let placed: Vec<Patch> = patches
        .markers
        .iter()
        .map(|patch| Patch {
            centre: body.from_photo(patch.centre),
            hidden_towards: body.from_photo(patch.centre + patch.hidden_towards)
                - body.from_photo(patch.centre),
            rim: patch.rim.iter().map(|p| body.from_photo(*p)).collect(),
            ..*patch
        })
        .collect();
    pick_markers(
        &placed,
        patches.large,
        body.point(hip),
        view.anterior,
        color,
    )
}

/// The two markers' centres in the corrected frame, and their radius in
/// photo pixels (the mean of the two).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkerPair {
    pub asis: Vec2,
    pub psis: Vec2,
    pub radius_px: f64,
}

/// What the search around the hip found: the marker-sized patches, and
/// whether the colour also lies there in a patch larger than a marker, or
/// around a marker-sized one (the skin or clothing, or a marker merged with
/// them).
#[derive(Debug)]
struct Patches {
    markers: Vec<Patch>,
    large: bool,
}

/// One patch of the colour the size of a marker (pixels).
#[derive(Debug, Clone, PartialEq)]
struct Patch {
    /// Where at least half of the ball shows (`whole`), its centre and
    /// radius, even when a straight edge (the outline it sits on, a hand) or
    /// the shadowed side cuts part of it off. Otherwise the patch is a cap
    /// cut off by a chord: the chord's midpoint and half its length.
    centre: Vec2,
    radius: f64,
    whole: bool,
    /// For a cap: the unit direction from the cap across its chord, where
    /// the rest of the ball lies hidden.
    hidden_towards: Vec2,
    /// Pixels in the patch.
    area: f64,
    /// The centres of its rim pixels.
    rim: Vec<Vec2>,
}

impl Patch {
    /// The centre of a ball of `radius` of which this patch is the part
    /// that shows, the rest hidden `towards` (a unit direction): one radius
    /// back from the patch's far rim, across from where it is cut.
    fn centre_beyond(&self, towards: Vec2, radius: f64) -> Vec2 {
        // the rim pixel's centre lies half a pixel inside the outline
        let far_edge = self
            .rim
            .iter()
            .map(|p| p.dot(towards))
            .fold(f64::MAX, f64::min)
            - 0.5;
        // across `towards`, the patch's own middle
        let across = self.centre - towards * self.centre.dot(towards);
        across + towards * (far_edge + radius)
    }
}

/// The patches of `color` in the square `pelvis.marker_search_torso` torso
/// lengths either side of the hip (photo pixels), each with its holes (a
/// ball's specular highlight) filled. Where skin or clothing of the marker's
/// hue hides the markers among it, they are sought again as patches more
/// colourful than that fabric ([`standing_out`]).
fn colour_patches(
    image: &RgbImage,
    hip_px: Vec2,
    torso_px: f64,
    color: MarkerColor,
) -> Result<Patches, String> {
    let limits = &limits().pelvis;
    let half = limits.marker_search_torso * torso_px;
    let x0 = (hip_px.x - half).floor().max(0.0) as u32;
    let y0 = (hip_px.y - half).floor().max(0.0) as u32;
    let x1 = ((hip_px.x + half).ceil().max(0.0) as u32).min(image.width());
    let y1 = ((hip_px.y + half).ceil().max(0.0) as u32).min(image.height());
    if x1 <= x0 || y1 <= y0 {
        return Err("the hip region is outside the photo".to_string());
    }
    let square = Square {
        origin: Vec2::new(x0 as f64, y0 as f64),
        w: (x1 - x0) as usize,
        h: (y1 - y0) as usize,
    };
    let hue = Hue::of(color);
    let matches: Vec<bool> = (0..square.w * square.h)
        .map(|i| hue.holds(square.hsv(image, i), limits.marker_min_saturation))
        .collect();
    let sizes = Sizes::of(torso_px);
    let mut seen = vec![false; matches.len()];
    let mut found = Patches {
        markers: Vec::new(),
        large: false,
    };
    for start in 0..matches.len() {
        if !matches[start] || seen[start] {
            continue;
        }
        let patch = flood(&mut seen, square.w, square.h, start, |i| matches[i]);
        if patch.len() > sizes.max_area {
            found.large = true;
            continue;
        }
        let Some(disc) = sizes.disc(&square, &patch) else {
            continue;
        };
        // the ring's own fabric at half the saturation a marker pixel needs,
        // so that its paler and shaded parts are seen too
        let ringed = surround_share(image, &disc, |p| {
            hue.holds(hsv(p), limits.marker_min_saturation / 2.0)
        }) > limits.marker_max_surround_share;
        if ringed {
            found.large = true;
        } else {
            found.markers.push(disc);
        }
    }
    if found.large && found.markers.len() != 2 {
        let stand_out = standing_out(image, &square, hue, &sizes, torso_px);
        // the second search stands in where it finds the pair, or more of it
        if stand_out.len() == 2 || stand_out.len() > found.markers.len() {
            found.markers = stand_out;
        }
    }
    Ok(found)
}

/// The search square: its top-left corner in the photo and its size.
struct Square {
    origin: Vec2,
    w: usize,
    h: usize,
}

impl Square {
    /// The HSV of the square's cell `i` (row by row).
    fn hsv(&self, image: &RgbImage, i: usize) -> (f64, f64, f64) {
        let x = self.origin.x as u32 + (i % self.w) as u32;
        let y = self.origin.y as u32 + (i / self.w) as u32;
        hsv(image.get_pixel(x, y).0)
    }
}

/// The marker's hue, and whether an HSV pixel has it.
#[derive(Clone, Copy)]
struct Hue(f64);

impl Hue {
    fn of(color: MarkerColor) -> Self {
        Self(hsv(color.rgb).0)
    }

    /// Within the hue tolerance, at least `min_saturation` saturated and
    /// bright enough to show a colour.
    fn holds(self, (hue, s, v): (f64, f64, f64), min_saturation: f64) -> bool {
        let diff = (hue - self.0).abs();
        diff.min(360.0 - diff) <= limits().pelvis.marker_hue_tolerance_deg
            && s >= min_saturation
            && v >= limits().pelvis.marker_min_value
    }
}

/// The sizes a marker may have in the photo, from the torso length.
struct Sizes {
    min_area: usize,
    max_area: usize,
    diameters: std::ops::RangeInclusive<f64>,
}

impl Sizes {
    fn of(torso_px: f64) -> Self {
        let limits = &limits().pelvis;
        let min_area = limits.marker_min_dot_px as usize;
        Self {
            min_area,
            max_area: (((limits.marker_max_dot_torso * torso_px).powi(2)) as usize).max(min_area),
            diameters: limits.marker_min_diameter_torso * torso_px
                ..=limits.marker_max_diameter_torso * torso_px,
        }
    }

    /// The disc of a patch (cell indices in `square`) with its holes filled,
    /// where it is large enough and of a marker's diameter.
    fn disc(&self, square: &Square, patch: &[usize]) -> Option<Patch> {
        let cells: Vec<(usize, usize)> = patch
            .iter()
            .map(|&i| (i % square.w, i / square.w))
            .collect();
        let filled = with_holes_filled(&cells);
        if filled.len() < self.min_area {
            return None;
        }
        let disc = disc_of(&filled, square.origin);
        self.diameters
            .contains(&(2.0 * disc.radius))
            .then_some(disc)
    }
}

/// Marker-sized round patches of the hue that stand out by their chroma
/// ([`chroma`]) from the skin or clothing of that hue around them. A pixel
/// seeds one where its chroma lies `pelvis.marker_stand_out_sd` robust
/// standard deviations above the mean of the hue's pixels within a ring's
/// reach of the largest marker; the patch is grown from its most colourful
/// pixel to where the chroma falls halfway from the seed's to the fabric's
/// (a blurred disc's edge at half maximum), and kept where it is a whole disc
/// of a marker's size with fabric, not more of itself, around it, and the
/// median pixel of the patch, not only of its seed, stands out as far.
fn standing_out(
    image: &RgbImage,
    square: &Square,
    hue: Hue,
    sizes: &Sizes,
    torso_px: f64,
) -> Vec<Patch> {
    let limits = &limits().pelvis;
    let (w, h) = (square.w, square.h);
    let pixels: Vec<(f64, f64, f64)> = (0..w * h).map(|i| square.hsv(image, i)).collect();
    let fabric: Vec<bool> = pixels
        .iter()
        .map(|&p| hue.holds(p, limits.marker_min_saturation / 2.0))
        .collect();
    let colour: Vec<f64> = pixels.iter().map(|&p| chroma(p)).collect();
    let reach = (limits.marker_surround_outer_radii * limits.marker_max_diameter_torso / 2.0
        * torso_px)
        .ceil()
        .max(1.0) as usize;
    let around = local_mean(&colour, &fabric, w, h, reach);
    let excess: Vec<f64> = colour.iter().zip(&around).map(|(c, a)| c - a).collect();
    let Some(scatter) = robust_sd(
        excess
            .iter()
            .zip(&fabric)
            .filter(|(_, f)| **f)
            .map(|(e, _)| *e)
            .collect(),
    ) else {
        return Vec::new();
    };
    let seeds: Vec<bool> = (0..w * h)
        .map(|i| {
            // of the fabric's hue and as saturated as a marker pixel must be
            fabric[i]
                && pixels[i].1 >= limits.marker_min_saturation
                && excess[i] > limits.marker_stand_out_sd * scatter
        })
        .collect();
    // each seed's most colourful pixel and the level its patch's edge lies at
    let mut seeded = vec![false; w * h];
    let mut starts: Vec<(f64, usize, f64)> = Vec::new();
    for start in 0..w * h {
        if !seeds[start] || seeded[start] {
            continue;
        }
        let seed = flood(&mut seeded, w, h, start, |i| seeds[i]);
        let level = median(seed.iter().map(|&i| colour[i]).collect());
        let base = median(seed.iter().map(|&i| around[i]).collect());
        let top = seed
            .iter()
            .copied()
            .max_by(|&a, &b| colour[a].total_cmp(&colour[b]));
        if let (Some(level), Some(base), Some(top)) = (level, base, top) {
            starts.push((level - base, top, (level + base) / 2.0));
        }
    }
    // The most distinct first, so that a faint swell of the fabric, grown
    // at its own low edge, cannot take in a marker beside it.
    starts.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut grown = vec![false; w * h];
    let mut found = Vec::new();
    for (_, top, edge) in starts {
        if grown[top] {
            continue;
        }
        let patch = flood(&mut grown, w, h, top, |i| fabric[i] && colour[i] >= edge);
        if patch.len() > sizes.max_area {
            continue;
        }
        let stands_out = median(patch.iter().map(|&i| excess[i]).collect()).unwrap_or(0.0);
        let Some(disc) = sizes.disc(square, &patch) else {
            continue;
        };
        let ringed = surround_share(image, &disc, |p| {
            let p = hsv(p);
            hue.holds(p, limits.marker_min_saturation / 2.0) && chroma(p) >= edge
        }) > limits.marker_max_surround_share;
        // the patch as a whole, not only its seed, stands out from the fabric
        if disc.whole && !ringed && stands_out > limits.marker_stand_out_sd * scatter {
            found.push(disc);
        }
    }
    found
}

/// How colourful an HSV pixel is: its chroma, saturation times value (the
/// spread of its RGB channels, 0..1). A marker is painted in a pure, light
/// pigment; a fabric of its hue is rarely as pure and, where it is, is
/// usually a darker shade of it. Saturation sees only the first; chroma,
/// under the light both share, sees both.
fn chroma((_, saturation, value): (f64, f64, f64)) -> f64 {
    saturation * value
}

/// The mean of `values` over the cells where `counted` holds, in the
/// (2 `reach` + 1)-cell square around each cell of a `w` x `h` grid (cut by
/// the grid's edges), from summed-area tables; 0 where none counts.
fn local_mean(values: &[f64], counted: &[bool], w: usize, h: usize, reach: usize) -> Vec<f64> {
    let stride = w + 1;
    let (mut sum, mut count) = (vec![0.0; stride * (h + 1)], vec![0.0; stride * (h + 1)]);
    for y in 0..h {
        for x in 0..w {
            let (v, c) = if counted[y * w + x] {
                (values[y * w + x], 1.0)
            } else {
                (0.0, 0.0)
            };
            let at = (y + 1) * stride + x + 1;
            sum[at] = v + sum[at - 1] + sum[at - stride] - sum[at - stride - 1];
            count[at] = c + count[at - 1] + count[at - stride] - count[at - stride - 1];
        }
    }
    let boxed = |table: &[f64], x0: usize, y0: usize, x1: usize, y1: usize| {
        table[y1 * stride + x1] - table[y0 * stride + x1] - table[y1 * stride + x0]
            + table[y0 * stride + x0]
    };
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let (x0, y0) = (x.saturating_sub(reach), y.saturating_sub(reach));
            let (x1, y1) = ((x + reach + 1).min(w), (y + reach + 1).min(h));
            let n = boxed(&count, x0, y0, x1, y1);
            if n > 0.0 {
                boxed(&sum, x0, y0, x1, y1) / n
            } else {
                0.0
            }
        })
        .collect()
}

/// The median, unless there are no values.
fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

/// A standard deviation robust to the few outliers a marker makes: 1.4826
/// times the median absolute deviation (the SD of a normal scatter).
fn robust_sd(values: Vec<f64>) -> Option<f64> {
    let centre = median(values.clone())?;
    median(values.iter().map(|v| (v - centre).abs()).collect()).map(|mad| 1.4826 * mad)
}

/// The share of the ring around a disc (`pelvis.marker_surround_*_radii`)
/// whose pixels are `alike` the marker: a ball stands out from skin or
/// clothing of another colour (or another saturation), while a fleck of
/// the colour in a fabric of that colour is ringed by it.
fn surround_share(image: &RgbImage, disc: &Patch, alike: impl Fn([u8; 3]) -> bool) -> f64 {
    let limits = &limits().pelvis;
    let (inner, outer) = (
        limits.marker_surround_inner_radii * disc.radius,
        limits.marker_surround_outer_radii * disc.radius,
    );
    let (mut ring, mut like) = (0usize, 0usize);
    let span = |c: f64, size: u32| {
        ((c - outer).floor().max(0.0) as u32)..((c + outer).ceil().max(0.0) as u32).min(size)
    };
    for y in span(disc.centre.y, image.height()) {
        for x in span(disc.centre.x, image.width()) {
            let d = Vec2::new(x as f64 + 0.5, y as f64 + 0.5).distance(disc.centre);
            if d < inner || d > outer {
                continue;
            }
            ring += 1;
            if alike(image.get_pixel(x, y).0) {
                like += 1;
            }
        }
    }
    if ring == 0 {
        0.0
    } else {
        like as f64 / ring as f64
    }
}

/// A patch with the pixels it encloses added: those of its bounding box
/// that cannot be reached from outside the box without crossing it.
fn with_holes_filled(pixels: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let (min_x, max_x) = pixels
        .iter()
        .fold((usize::MAX, 0), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (min_y, max_y) = pixels
        .iter()
        .fold((usize::MAX, 0), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    // the box with a one-pixel border, so that the outside is connected
    let (bw, bh) = (max_x - min_x + 3, max_y - min_y + 3);
    let mut inside = vec![false; bw * bh];
    for &(x, y) in pixels {
        inside[(y - min_y + 1) * bw + (x - min_x + 1)] = true;
    }
    let mut outside = vec![false; bw * bh];
    flood(&mut outside, bw, bh, 0, |i| !inside[i]);
    (0..bw * bh)
        .filter(|&i| !outside[i])
        .map(|i| (i % bw + min_x - 1, i / bw + min_y - 1))
        .collect()
}

/// Flood fill over a `w` x `h` grid from `start`, through 4-connected cells
/// where `passable` holds and that are not yet `seen`; marks them seen and
/// returns their indices (`start` included, taken as passable).
fn flood(
    seen: &mut [bool],
    w: usize,
    h: usize,
    start: usize,
    passable: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let mut cells = Vec::new();
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(i) = stack.pop() {
        cells.push(i);
        let (x, y) = (i % w, i / w);
        let neighbours = [
            (x > 0).then(|| i - 1),
            (x + 1 < w).then(|| i + 1),
            (y > 0).then(|| i - w),
            (y + 1 < h).then(|| i + w),
        ];
        for n in neighbours.into_iter().flatten() {
            if passable(n) && !seen[n] {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    cells
}

/// The disc behind a patch (pixels relative to `origin`): the smallest
/// circle holding the patch's rim pixels. Where the rim that shows spans
/// at least a half-turn (a ball whose shadowed side is too dark to show its
/// colour, or one cut by a straight edge such as a hand or the outline it
/// sits on, with at least half of it left) that circle is the ball's own
/// outline, whatever the highlight or the shading inside it. A patch
/// covering less than `pelvis.marker_min_visible_span` of that circle is
/// less than half a ball, and its centre is not placed.
fn disc_of(pixels: &[(usize, usize)], origin: Vec2) -> Patch {
    let member: std::collections::HashSet<(usize, usize)> = pixels.iter().copied().collect();
    let rim: Vec<Vec2> = pixels
        .iter()
        .filter(|&&(x, y)| {
            x == 0
                || y == 0
                || !member.contains(&(x - 1, y))
                || !member.contains(&(x + 1, y))
                || !member.contains(&(x, y - 1))
                || !member.contains(&(x, y + 1))
        })
        .map(|&(x, y)| Vec2::new(x as f64 + 0.5, y as f64 + 0.5))
        .collect();
    let (outer, outer_radius) = smallest_enclosing_circle(&rim);
    // The enclosing circle rests on two or three pixels, so it is off by up
    // to half a pixel; the rim pixels within a pixel of it (the ball's own
    // outline, not an edge that cuts it) place the circle to a fraction of one.
    let on_rim: Vec<Vec2> = rim
        .iter()
        .copied()
        .filter(|p| p.distance(outer) >= outer_radius - 1.0)
        .collect();
    let area = pixels.len() as f64;
    // pixel centres lie half a pixel inside the outline they draw
    let whole = area / (std::f64::consts::PI * (outer_radius + 0.5).powi(2))
        >= limits().pelvis.marker_min_visible_span;
    if !whole {
        // less than half a disc: the enclosing circle stands on the chord's
        // ends, and the cap's centroid lies on the visible side of its middle
        let centroid = pixels.iter().fold(Vec2::default(), |sum, &(x, y)| {
            sum + Vec2::new(x as f64 + 0.5, y as f64 + 0.5)
        }) * (1.0 / area);
        let across = outer - centroid;
        return Patch {
            centre: origin + outer,
            radius: outer_radius + 0.5,
            whole,
            hidden_towards: across * (1.0 / across.length().max(f64::EPSILON)),
            area,
            rim: rim.iter().map(|p| origin + *p).collect(),
        };
    }
    let (centre, radius) = fitted_circle(&on_rim).unwrap_or((outer, outer_radius));
    Patch {
        centre: origin + centre,
        radius: radius + 0.5,
        whole,
        hidden_towards: Vec2::default(),
        area,
        rim: rim.iter().map(|p| origin + *p).collect(),
    }
}

/// The smallest circle holding all `points` (centre, radius): Welzl's
/// incremental construction, visiting the points in a fixed scattered order
/// so that its expected time stays linear on the ordered rim of a patch.
fn smallest_enclosing_circle(points: &[Vec2]) -> (Vec2, f64) {
    const SLACK: f64 = 1e-9;
    let n = points.len();
    // a stride coprime with n visits every point once, far from its neighbours
    let stride = (1..=n)
        .rev()
        .map(|k| (k * 7919) % n.max(1))
        .find(|&k| k > 0 && gcd(k, n) == 1)
        .unwrap_or(1);
    let order: Vec<Vec2> = (0..n).map(|i| points[(i * stride) % n]).collect();
    let inside = |c: (Vec2, f64), p: Vec2| c.0.distance(p) <= c.1 + SLACK;
    let mut circle = (order.first().copied().unwrap_or_default(), 0.0);
    for i in 1..n {
        if inside(circle, order[i]) {
            continue;
        }
        circle = (order[i], 0.0);
        for j in 0..i {
            if inside(circle, order[j]) {
                continue;
            }
            circle = diametral(order[i], order[j]);
            for k in 0..j {
                if !inside(circle, order[k]) {
                    circle = circumcircle(order[i], order[j], order[k])
                        .unwrap_or_else(|| widest_pair(order[i], order[j], order[k]));
                }
            }
        }
    }
    circle
}

/// The least-squares circle through `points` (the algebraic fit of
/// x^2 + y^2 + D x + E y + F = 0), unless they are too few or on one line.
fn fitted_circle(points: &[Vec2]) -> Option<(Vec2, f64)> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let mean = points.iter().fold(Vec2::default(), |s, p| s + *p) * (1.0 / n);
    // centred coordinates keep the normal equations well conditioned
    let (mut suu, mut suv, mut svv, mut suz, mut svz) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for p in points {
        let d = *p - mean;
        let z = d.dot(d);
        suu += d.x * d.x;
        suv += d.x * d.y;
        svv += d.y * d.y;
        suz += d.x * z;
        svz += d.y * z;
    }
    let det = suu * svv - suv * suv;
    if det.abs() < 1e-9 {
        return None;
    }
    // the centre (a, b) solves [suu suv; suv svv] (a, b) = (suz, svz) / 2
    let a = (svv * suz - suv * svz) / (2.0 * det);
    let b = (suu * svz - suv * suz) / (2.0 * det);
    let centre = Vec2::new(a, b);
    let radius = (points
        .iter()
        .map(|p| (*p - mean).distance(centre).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    Some((mean + centre, radius))
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn diametral(a: Vec2, b: Vec2) -> (Vec2, f64) {
    let centre = (a + b) * 0.5;
    (centre, centre.distance(a))
}

/// The circle through three points, unless they lie on one line.
fn circumcircle(a: Vec2, b: Vec2, c: Vec2) -> Option<(Vec2, f64)> {
    let (b, c) = (b - a, c - a);
    let d = 2.0 * (b.x * c.y - b.y * c.x);
    if d.abs() < 1e-12 {
        return None;
    }
    let (bb, cc) = (b.dot(b), c.dot(c));
    let centre = Vec2::new((c.y * bb - b.y * cc) / d, (b.x * cc - c.x * bb) / d);
    Some((a + centre, centre.length()))
}

/// Three points on one line: the circle on the two farthest apart.
fn widest_pair(a: Vec2, b: Vec2, c: Vec2) -> (Vec2, f64) {
    [diametral(a, b), diametral(a, c), diametral(b, c)]
        .into_iter()
        .fold((a, -1.0), |best, c| if c.1 > best.1 { c } else { best })
}

/// The two markers as (ASIS, PSIS), or why not: which marker is missing or
/// spoilt, judged by where the one found lies against the hip keypoint and
/// the body's front, and what to change.
fn pick_markers(
    markers: &[Patch],
    large_patch: bool,
    hip: Vec2,
    anterior: Vec2,
    color: MarkerColor,
) -> Result<MarkerPair, String> {
    const HIDDEN: &str = "it may be hidden by a hand or an arm, or turned away from the camera: \
                          retake with the arms folded across the chest, clear of the hips, and \
                          the marker facing the camera";
    const BLENDED: &str = "a patch of the marker colour larger than a marker covers the hip \
                           region, so the marker cannot be told from the skin or clothing around \
                           it: use a marker colour that contrasts with the clothing and the skin \
                           (or clothing that contrasts with the markers)";
    let hex = format!(
        "#{:02x}{:02x}{:02x}",
        color.rgb[0], color.rgb[1], color.rgb[2]
    );
    // flecks of the colour (render or sensor noise, a crease of the fabric)
    // much smaller than the two largest patches are not a third marker
    let mut by_area: Vec<Patch> = markers.to_vec();
    by_area.sort_by(|a, b| b.area.total_cmp(&a.area));
    if let [_, second, rest @ ..] = by_area.as_slice() {
        let fleck = limits().pelvis.marker_max_fleck_share * second.area;
        if rest.iter().all(|p| p.area < fleck) {
            by_area.truncate(2);
        }
    }
    match by_area.as_slice() {
        [a, b] => {
            let (asis, psis) = if a.centre.dot(anterior) >= b.centre.dot(anterior) {
                (a, b)
            } else {
                (b, a)
            };
            // Both balls are one size: a patch much smaller than the other
            // is a part of its ball, the rest hidden (a PSIS ball half sunk
            // behind the back's outline, shading and highlight leaving a
            // rounded middle of what shows).
            let ratio_limit = limits().pelvis.marker_max_radius_ratio;
            let partial = |m: &Patch, other: &Patch| {
                !m.whole || (other.whole && m.radius * ratio_limit < other.radius)
            };
            let (asis_partial, psis_partial) = (partial(asis, psis), partial(psis, asis));
            let radius = match (asis_partial, psis_partial) {
                (false, false) => (asis.radius + psis.radius) / 2.0,
                (false, true) => asis.radius,
                (true, false) => psis.radius,
                // both cut: by skin or clothing of their hue where that lies
                // around them, else by hands, arms or the outline
                (true, true) if large_patch => {
                    return Err(format!(
                        "the ASIS and PSIS markers of colour {hex} both show only in part: {BLENDED}"
                    ));
                }
                (true, true) => {
                    return Err(
                        "the ASIS and PSIS markers are both partly hidden: less than half of each shows, so their centres cannot be placed; retake with the hands off the hips (arms folded across the chest), the camera square to the side, and the whole markers in view"
                            .to_string(),
                    );
                }
            };
            let mut centres = [asis.centre, psis.centre];
            let parts = [
                ("ASIS", asis, asis_partial, anterior * -1.0),
                ("PSIS", psis, psis_partial, anterior),
            ];
            for (i, (name, marker, is_partial, into_body)) in parts.into_iter().enumerate() {
                if !is_partial {
                    continue;
                }
                let share = marker.area / (std::f64::consts::PI * radius * radius);
                if share < limits().pelvis.marker_min_visible_share {
                    return Err(format!(
                        "the {name} marker is mostly hidden: {:.0} % of it shows, too little to place its centre; retake with the hands off the hips (arms folded across the chest), the camera square to the side, and the whole marker in view",
                        100.0 * share
                    ));
                }
                // a cap shows where it is cut; a rounded part is taken as
                // sunk into the body, the ASIS's towards the back, the PSIS's
                // towards the front
                let towards = if marker.whole {
                    into_body
                } else {
                    marker.hidden_towards
                };
                centres[i] = marker.centre_beyond(towards, radius);
            }
            Ok(MarkerPair {
                asis: centres[0],
                psis: centres[1],
                radius_px: radius,
            })
        }
        [one] => {
            let (found, missing, side) = if (one.centre - hip).dot(anterior) >= 0.0 {
                ("ASIS", "PSIS", "front")
            } else {
                ("PSIS", "ASIS", "back")
            };
            let why = if large_patch { BLENDED } else { HIDDEN };
            Err(format!(
                "only one marker of colour {hex} was found near the hip, in the {found}'s place (on the {side} side of the hip); the {missing} marker is missing: {why}"
            ))
        }
        [] if large_patch => Err(format!(
            "neither the ASIS nor the PSIS marker of colour {hex} was found: {BLENDED}"
        )),
        [] => Err(format!(
            "no marker of colour {hex} was found near the hip: check --marker-color, and that both markers face the camera with the arms folded across the chest"
        )),
        // many patches among skin or clothing of the hue: parts of that
        // fabric or skin, not other things to take away
        found if large_patch => Err(format!(
            "found {} patches of the marker colour {hex} near the hip where 2 markers were expected: {BLENDED}",
            found.len()
        )),
        found => Err(format!(
            "found {} marker dots of colour {hex} near the hip; expected exactly 2 (ASIS and PSIS): remove or cover other things of that colour near the hips",
            found.len()
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

    /// A photo of a plain grey wall, 200 x 160 pixels.
    fn wall() -> RgbImage {
        RgbImage::from_pixel(200, 160, image::Rgb([150, 150, 145]))
    }

    /// A ball of `rgb` at `centre` (photo pixels) lit from `light` (a unit
    /// vector, z towards the camera), as a camera sees a shaded sphere: Lambert
    /// shading over the room's ambient light (a quarter of the key, as the
    /// renders' fill and ambient give), the rim turned from the light too
    /// dark to show a hue, and a white specular highlight where the normal
    /// halves the light and the view.
    fn lit_ball(image: &mut RgbImage, centre: Vec2, radius: f64, rgb: [u8; 3], light: [f64; 3]) {
        let half_vector = {
            let h = [light[0], light[1], light[2] + 1.0];
            let n = (h[0] * h[0] + h[1] * h[1] + h[2] * h[2]).sqrt();
            [h[0] / n, h[1] / n, h[2] / n]
        };
        for y in 0..image.height() {
            for x in 0..image.width() {
                let d = Vec2::new(x as f64 + 0.5, y as f64 + 0.5) - centre;
                if d.length() > radius {
                    continue;
                }
                let (nx, ny) = (d.x / radius, d.y / radius);
                let normal = [nx, ny, (1.0 - nx * nx - ny * ny).max(0.0).sqrt()];
                let dot = |v: [f64; 3]| normal[0] * v[0] + normal[1] * v[1] + normal[2] * v[2];
                let shade = 0.25 + 0.75 * dot(light).max(0.0);
                let pixel = if dot(half_vector) > 0.985 {
                    [255, 255, 255]
                } else {
                    rgb.map(|c| (c as f64 * shade).round() as u8)
                };
                image.put_pixel(x, y, image::Rgb(pixel));
            }
        }
    }

    /// A ball lit from the upper left, 35 degrees off the view.
    fn shaded_ball(image: &mut RgbImage, centre: Vec2, radius: f64, rgb: [u8; 3]) {
        lit_ball(image, centre, radius, rgb, [-0.4056, -0.4056, 0.8192]);
    }

    /// Fill a rectangle (a hand, a patch of clothing).
    fn fill(image: &mut RgbImage, (x0, y0): (u32, u32), (x1, y1): (u32, u32), rgb: [u8; 3]) {
        for y in y0..y1 {
            for x in x0..x1 {
                image.put_pixel(x, y, image::Rgb(rgb));
            }
        }
    }

    const RED: MarkerColor = MarkerColor { rgb: [220, 30, 30] };
    /// The hip keypoint of the synthetic photos; the body faces the image's
    /// left.
    const HIP: Vec2 = Vec2 { x: 100.0, y: 100.0 };
    const FRONT: Vec2 = Vec2 { x: -1.0, y: 0.0 };
    /// 16-pixel balls are 0.05 torso lengths across, as a 20 mm ball on a
    /// 0.4 m torso.
    const TORSO: f64 = 300.0;
    const ASIS_AT: Vec2 = Vec2 { x: 70.3, y: 80.6 };
    const PSIS_AT: Vec2 = Vec2 { x: 131.7, y: 70.2 };

    /// Balls found by their chroma on a top of their hue, as a shaded ball
    /// shows it: the lit part, so each centre lies up to a third of the
    /// radius towards the light. Both balls share the light, so the line
    /// between them, the tilt, keeps its angle (to a quarter of a degree: the
    /// two balls fall differently on the pixel grid).
    fn assert_found_on_the_top((asis, psis): (Vec2, Vec2)) {
        let angle = |a: Vec2, p: Vec2| (a.y - p.y).atan2(a.x - p.x).to_degrees();
        assert!(
            asis.distance(ASIS_AT) < 8.0 / 3.0 && psis.distance(PSIS_AT) < 8.0 / 3.0,
            "{asis:?} {psis:?}"
        );
        let off = angle(asis, psis) - angle(ASIS_AT, PSIS_AT);
        assert!(off.abs() < 0.25, "{off} degrees");
    }

    fn locate(image: &RgbImage) -> Result<(Vec2, Vec2), String> {
        let patches = colour_patches(image, HIP, TORSO, RED)?;
        pick_markers(&patches.markers, patches.large, HIP, FRONT, RED).map(|p| (p.asis, p.psis))
    }

    #[test]
    fn a_shaded_ball_is_centred_despite_its_highlight_and_dark_side() {
        let mut photo = wall();
        shaded_ball(&mut photo, ASIS_AT, 8.0, RED.rgb);
        shaded_ball(&mut photo, PSIS_AT, 8.0, RED.rgb);
        let patches = colour_patches(&photo, HIP, TORSO, RED).unwrap();
        assert_eq!(patches.markers.len(), 2);
        assert!(!patches.large);
        // the highlight is not the marker's colour, nor is the darkest rim
        let (x, y) = (ASIS_AT.x as u32, ASIS_AT.y as u32);
        let unmatched = |p: &image::Rgb<u8>| {
            let (_, s, v) = hsv(p.0);
            s < limits().pelvis.marker_min_saturation || v < limits().pelvis.marker_min_value
        };
        assert!(unmatched(photo.get_pixel(x - 2, y - 2)));
        assert!(unmatched(photo.get_pixel(x + 6, y + 4)));
        // within a tenth of the radius: the dark rim takes a quarter of the
        // outline, and the circle rests on the lit rest of it
        let (asis, psis) = locate(&photo).unwrap();
        assert!(asis.distance(ASIS_AT) < 0.8, "{asis:?}");
        assert!(psis.distance(PSIS_AT) < 0.8, "{psis:?}");
        // the patch's plain centroid is pulled towards the light by more
        let centroid = {
            let inside: Vec<Vec2> = (70..92)
                .flat_map(|y| (60..82).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let (hue, s, v) = hsv(photo.get_pixel(x, y).0);
                    (hue.min(360.0 - hue)) <= 20.0 && s >= 0.4 && v >= 0.25
                })
                .map(|(x, y)| Vec2::new(x as f64 + 0.5, y as f64 + 0.5))
                .collect();
            inside.iter().fold(Vec2::default(), |s, p| s + *p) * (1.0 / inside.len() as f64)
        };
        assert!(
            centroid.distance(ASIS_AT) > asis.distance(ASIS_AT),
            "{centroid:?}"
        );
    }

    #[test]
    fn a_ball_cut_by_a_straight_edge_keeps_its_centre_while_half_of_it_shows() {
        // lit from the camera: no dark rim, so the edge alone cuts the disc
        let mut photo = wall();
        lit_ball(&mut photo, ASIS_AT, 8.0, RED.rgb, [0.0, 0.0, 1.0]);
        lit_ball(&mut photo, PSIS_AT, 8.0, RED.rgb, [0.0, 0.0, 1.0]);
        // a skin-coloured hand over the ASIS's upper third
        let cut = (ASIS_AT.y - 8.0 + 16.0 / 3.0).round() as u32;
        fill(&mut photo, (50, 40), (90, cut), [190, 150, 120]);
        let (asis, psis) = locate(&photo).unwrap();
        assert!(asis.distance(ASIS_AT) < 0.35, "{asis:?}");
        assert!(psis.distance(PSIS_AT) < 0.35, "{psis:?}");
    }

    /// The synthetic photo with both balls lit from the camera, and a hand
    /// over the ball at `hidden` down to `shows` pixels above its bottom.
    fn with_hand_over(hidden: Vec2, shows: f64) -> RgbImage {
        let mut photo = wall();
        lit_ball(&mut photo, ASIS_AT, 8.0, RED.rgb, [0.0, 0.0, 1.0]);
        lit_ball(&mut photo, PSIS_AT, 8.0, RED.rgb, [0.0, 0.0, 1.0]);
        let cut = (hidden.y + 8.0 - shows).round() as u32;
        let left = hidden.x as u32 - 12;
        fill(&mut photo, (left, 40), (left + 24, cut), [190, 150, 120]);
        photo
    }

    #[test]
    fn a_cap_of_a_ball_is_placed_from_the_other_balls_radius() {
        // the lowest third of each ball in turn shows (a cap 0.67 radii
        // high, 29 % of the disc), as a PSIS ball half sunk behind the back
        for (hidden, other) in [(ASIS_AT, PSIS_AT), (PSIS_AT, ASIS_AT)] {
            let (asis, psis) = locate(&with_hand_over(hidden, 16.0 / 3.0)).unwrap();
            let (cap, whole) = if hidden == ASIS_AT {
                (asis, psis)
            } else {
                (psis, asis)
            };
            assert!(cap.distance(hidden) < 1.0, "{cap:?}");
            assert!(whole.distance(other) < 0.35, "{whole:?}");
        }
    }

    #[test]
    fn a_mostly_hidden_ball_is_declined_naming_it() {
        for (hidden, name) in [(ASIS_AT, "ASIS"), (PSIS_AT, "PSIS")] {
            // a cap a third of a radius high: 11 % of the disc
            let reason = locate(&with_hand_over(hidden, 8.0 / 3.0)).unwrap_err();
            assert!(
                reason.starts_with(&format!("the {name} marker is mostly hidden"))
                    && reason.contains("hands off the hips"),
                "{reason}"
            );
        }
        // both balls under a hand: both named
        let mut photo = with_hand_over(ASIS_AT, 16.0 / 3.0);
        let cut = (PSIS_AT.y + 8.0 - 16.0 / 3.0).round() as u32;
        fill(
            &mut photo,
            (PSIS_AT.x as u32 - 12, 40),
            (PSIS_AT.x as u32 + 12, cut),
            [190, 150, 120],
        );
        let reason = locate(&photo).unwrap_err();
        assert!(
            reason.starts_with("the ASIS and PSIS markers are both partly hidden"),
            "{reason}"
        );
        // where a patch of their hue lies there too, it is named instead
        fill(&mut photo, (0, 130), (200, 160), [150, 25, 20]);
        let reason = locate(&photo).unwrap_err();
        assert!(
            reason
                .starts_with("the ASIS and PSIS markers of colour #dc1e1e both show only in part")
                && reason.contains("contrasts with the clothing"),
            "{reason}"
        );
    }

    #[test]
    fn a_missing_marker_is_named_from_the_other_ones_place() {
        for (shown, missing) in [(ASIS_AT, "PSIS"), (PSIS_AT, "ASIS")] {
            let mut photo = wall();
            shaded_ball(&mut photo, shown, 8.0, RED.rgb);
            let reason = locate(&photo).unwrap_err();
            assert!(
                reason.contains(&format!("the {missing} marker is missing"))
                    && reason.contains("hidden by a hand or an arm")
                    && reason.contains("arms folded across the chest"),
                "{reason}"
            );
        }
    }

    #[test]
    fn a_marker_merged_with_clothing_of_its_colour_is_named_with_the_remedy() {
        let mut photo = wall();
        // a top of the marker's own colour over the front of the hip, the
        // ASIS ball on it
        fill(&mut photo, (30, 50), (100, 110), RED.rgb);
        shaded_ball(&mut photo, ASIS_AT, 8.0, RED.rgb);
        shaded_ball(&mut photo, PSIS_AT, 8.0, RED.rgb);
        let reason = locate(&photo).unwrap_err();
        assert!(
            reason.contains("the ASIS marker is missing")
                && reason.contains("cannot be told from the skin or clothing")
                && reason.contains("contrasts with the clothing"),
            "{reason}"
        );
        // both on it: neither
        fill(&mut photo, (30, 50), (160, 110), RED.rgb);
        shaded_ball(&mut photo, ASIS_AT, 8.0, RED.rgb);
        shaded_ball(&mut photo, PSIS_AT, 8.0, RED.rgb);
        let reason = locate(&photo).unwrap_err();
        assert!(
            reason.starts_with("neither the ASIS nor the PSIS marker")
                && reason.contains("contrasts with the clothing"),
            "{reason}"
        );
    }

    /// A top of colour `rgb` over the hip, its weave a few levels of noise
    /// either way.
    fn top(photo: &mut RgbImage, [r, g, b]: [i32; 3]) {
        for y in 40..130 {
            for x in 20..180 {
                // a fixed scatter of -4..=4 levels per pixel
                let noise = ((x * 7919 + y * 104_729) % 9) as i32 - 4;
                let level = |c: i32| (c + noise).clamp(0, 255) as u8;
                photo.put_pixel(x, y, image::Rgb([level(r), level(g), level(b)]));
            }
        }
    }

    /// A muted red top: the marker's hue at two thirds of its saturation.
    fn muted_top(photo: &mut RgbImage) {
        top(photo, [160, 75, 70]);
    }

    #[test]
    fn balls_on_a_darker_shade_of_their_colour_are_found_by_their_chroma() {
        // As saturated as the balls (220, 30, 30), at half their lightness:
        // saturation cannot tell them from it, chroma can.
        let mut photo = wall();
        top(&mut photo, [110, 15, 15]);
        assert!((hsv([110, 15, 15]).1 - hsv(RED.rgb).1).abs() < 0.01);
        shaded_ball(&mut photo, ASIS_AT, 8.0, RED.rgb);
        shaded_ball(&mut photo, PSIS_AT, 8.0, RED.rgb);
        assert!(colour_patches(&photo, HIP, TORSO, RED).unwrap().large);
        assert_found_on_the_top(locate(&photo).unwrap());
    }

    #[test]
    fn balls_on_a_top_of_their_hue_are_found_by_their_purer_colour() {
        let mut photo = wall();
        muted_top(&mut photo);
        shaded_ball(&mut photo, ASIS_AT, 8.0, RED.rgb);
        shaded_ball(&mut photo, PSIS_AT, 8.0, RED.rgb);
        // the top is one patch of the hue larger than a marker
        assert!(colour_patches(&photo, HIP, TORSO, RED).unwrap().large);
        assert_found_on_the_top(locate(&photo).unwrap());
        // A fold a little purer than the rest of the top is no marker: long
        // and thin, and hardly beyond the weave's own scatter.
        let mut folded = wall();
        muted_top(&mut folded);
        fill(&mut folded, (40, 60), (110, 64), [168, 70, 64]);
        shaded_ball(&mut folded, PSIS_AT, 8.0, RED.rgb);
        let reason = locate(&folded).unwrap_err();
        assert!(
            reason.contains("the ASIS marker is missing")
                && reason.contains("cannot be told from the skin or clothing"),
            "{reason}"
        );
    }

    #[test]
    fn no_marker_and_too_many_markers_are_declined() {
        let reason = locate(&wall()).unwrap_err();
        assert!(
            reason.starts_with("no marker of colour #dc1e1e") && reason.contains("--marker-color"),
            "{reason}"
        );
        let mut photo = wall();
        for at in [ASIS_AT, PSIS_AT, Vec2::new(100.0, 130.0)] {
            shaded_ball(&mut photo, at, 8.0, RED.rgb);
        }
        let reason = locate(&photo).unwrap_err();
        assert!(reason.starts_with("found 3 marker dots"), "{reason}");
        // beside skin or clothing of the hue they are parts of it, and the
        // remedy is a contrasting colour, not taking things away
        fill(&mut photo, (140, 90), (200, 160), [150, 25, 20]);
        let reason = locate(&photo).unwrap_err();
        assert!(
            reason.starts_with("found 3 patches of the marker colour")
                && reason.contains("use a marker colour that contrasts"),
            "{reason}"
        );
    }

    #[test]
    fn a_fleck_of_the_colour_is_no_third_marker() {
        let mut photo = wall();
        shaded_ball(&mut photo, ASIS_AT, 8.0, RED.rgb);
        shaded_ball(&mut photo, PSIS_AT, 8.0, RED.rgb);
        // a 3-pixel-wide fleck (0.01 torso lengths: under the marker size)
        // and a 4.5-pixel one (a marker's size, a third of a ball's area)
        fill(&mut photo, (100, 120), (103, 123), [200, 20, 20]);
        lit_ball(
            &mut photo,
            Vec2::new(100.0, 140.0),
            2.5,
            RED.rgb,
            [0.0, 0.0, 1.0],
        );
        let (asis, psis) = locate(&photo).unwrap();
        assert!(asis.distance(ASIS_AT) < 0.8 && psis.distance(PSIS_AT) < 0.8);
    }

    #[test]
    fn marker_balls_are_moved_back_across_the_line_by_their_lift() {
        let limits = &limits().pelvis;
        // a level line 100 px long, balls of radius 5 px
        let pair = MarkerPair {
            asis: Vec2::new(50.0, 200.0),
            psis: Vec2::new(150.0, 200.0),
            radius_px: 5.0,
        };
        let (asis, psis, spread) = off_the_balls(&pair);
        // down the photo (y grows) by each lift times the radius
        assert_eq!(
            asis,
            Vec2::new(50.0, 200.0 + limits.marker_ball_lift_asis * 5.0)
        );
        assert_eq!(
            psis,
            Vec2::new(150.0, 200.0 + limits.marker_ball_lift_psis * 5.0)
        );
        assert!((spread - (limits.marker_ball_lift_sd * 0.05).atan().to_degrees()).abs() < 1e-12);
        // the ASIS end goes down more than the PSIS end: a more anterior tilt
        assert!(asis.y - psis.y > 0.0);
    }

    #[test]
    fn hsv_of_primaries() {
        assert_eq!(hsv([255, 0, 0]), (0.0, 1.0, 1.0));
        assert_eq!(hsv([0, 255, 0]).0, 120.0);
        assert_eq!(hsv([0, 0, 255]).0, 240.0);
        assert_eq!(hsv([0, 0, 0]), (0.0, 0.0, 0.0));
    }
}
