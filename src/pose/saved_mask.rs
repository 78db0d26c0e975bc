//! The person mask as a saved analysis keeps it ([`PersonMask`]), so that
//! `measure --from` traces the same outlines as the photo's own analysis,
//! without the model.
//!
//! The measurements read the mask in two ways: whether a point is inside
//! the person (its probability against `mask.person_probability`), and,
//! where a walk crosses the outline, the probabilities at the two steps
//! either side of the crossing, to place it between them. So the document
//! keeps, for every cell, only whether it is inside (run lengths), and the
//! model's own log-odds, bit for bit, for the cells a walk crossing the
//! outline can read: those of every 2x2 block of cells not all on one side,
//! and a margin around them as wide as one walk step spans. Everywhere else
//! a restored cell is saturated on its own side, which the lookup's
//! bilinear interpolation cannot carry across the contour: a block whose
//! four cells lie on one side interpolates to that side. Restored, the mask
//! answers every question the measurements ask of it as the model's did.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ndarray::Array2;

use super::{OUTLINE_STEP_PX, Region, SegmentationMask, sigmoid};
use crate::error::Invalid;
use crate::schema::{MaskRegion, PersonMask};

/// The most cells a saved mask may have along a side (BlazePose's has 256).
pub const MAX_SIDE_CELLS: u32 = 1024;

/// The log-odds a cell away from the outline is restored with, signed by
/// its side: a probability within 1.2e-7 of 0 or 1, beyond any contour
/// probability a document may name ([`CONTOUR_PROBABILITIES`]).
const SATURATED_LOGIT: f32 = 16.0;

/// The contour probabilities a document may name.
const CONTOUR_PROBABILITIES: std::ops::RangeInclusive<f64> = 0.01..=0.99;

/// The largest log-odds a saved outline cell may carry. BlazePose's reach
/// -1600 to 270 (the full model) and +-41 (the heavy one) on the samples and
/// the shared photos; the bound leaves room for other models and keeps the
/// lookup's differences between cells finite.
const MAX_LOGIT: f32 = 1e5;

/// The largest coordinate or side of a mask's region, in pixels (as for keypoints).
const MAX_REGION_PX: f32 = 1e6;

impl SegmentationMask {
    /// The mask as the document keeps it, with cells inside where the
    /// probability is at least `contour_probability`.
    pub fn report(&self, contour_probability: f64) -> PersonMask {
        let inside_test = InsideTest::new(contour_probability);
        let inside = self.logits.map(|&logit| inside_test.holds(logit));
        let mut runs = Vec::new();
        let (mut side, mut length) = (false, 0u32);
        for &cell in &inside {
            if cell != side {
                push_leb128(&mut runs, length);
                (side, length) = (cell, 0);
            }
            length += 1;
        }
        push_leb128(&mut runs, length);
        let near = outline_cells(&inside, self.margin_cells());
        let mut logits = Vec::with_capacity(4 * near.iter().filter(|near| **near).count());
        for (logit, _) in self.logits.iter().zip(&near).filter(|(_, near)| **near) {
            logits.extend_from_slice(&logit.to_le_bytes());
        }
        let (rows, columns) = self.logits.dim();
        PersonMask {
            rows: rows as u32,
            columns: columns as u32,
            region: MaskRegion {
                center_px: [self.region.center_x, self.region.center_y],
                side_px: self.region.size,
                rotation_rad: self.region.rotation,
            },
            contour_probability,
            inside_runs: BASE64.encode(runs),
            outline_logits: BASE64.encode(logits),
        }
    }

    /// The mask a document keeps, read as hostile input: every field is
    /// checked, and the message names the one that is wrong.
    pub fn from_report(report: &PersonMask) -> Result<Self, Invalid> {
        let field = |name: &str| format!("pose.person_mask.{name}");
        for (name, cells) in [("rows", report.rows), ("columns", report.columns)] {
            if !(1..=MAX_SIDE_CELLS).contains(&cells) {
                return Err(Invalid(format!(
                    "{} is {cells}: a mask has 1 to {MAX_SIDE_CELLS} cells a side",
                    field(name)
                )));
            }
        }
        let region = region(&report.region)?;
        let contour = report.contour_probability;
        if !CONTOUR_PROBABILITIES.contains(&contour) {
            return Err(Invalid(format!(
                "{} is {contour:e}, outside {} to {}",
                field("contour_probability"),
                CONTOUR_PROBABILITIES.start(),
                CONTOUR_PROBABILITIES.end()
            )));
        }
        let (rows, columns) = (report.rows as usize, report.columns as usize);
        let inside = inside_cells(&report.inside_runs, rows, columns)?;
        let near = outline_cells(&inside, margin_cells(region.size, rows, columns));
        let bytes = BASE64
            .decode(&report.outline_logits)
            .map_err(|e| format!("{} is not base64: {e}", field("outline_logits")))?;
        let expected = near.iter().filter(|near| **near).count();
        if bytes.len() != 4 * expected {
            return Err(Invalid(format!(
                "{} holds {} bytes, not the 4 x {expected} of the cells along the outline that inside_runs gives",
                field("outline_logits"),
                bytes.len()
            )));
        }
        let mut saved = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let mut logits = Array2::zeros((rows, columns));
        for (((row, column), logit), (&is_in, &is_near)) in
            logits.indexed_iter_mut().zip(inside.iter().zip(&near))
        {
            *logit = if is_near {
                let value = saved
                    .next()
                    .expect("one value per outline cell, counted above");
                if !(value.is_finite() && value.abs() <= MAX_LOGIT)
                    || is_inside(value, contour) != is_in
                {
                    return Err(Invalid(format!(
                        "{} holds {value:e} at row {row}, column {column}: not finite within +-{MAX_LOGIT}, or on the other side of contour_probability from inside_runs",
                        field("outline_logits")
                    )));
                }
                value
            } else if is_in {
                SATURATED_LOGIT
            } else {
                -SATURATED_LOGIT
            };
        }
        Ok(Self::from_logits(logits, region))
    }

    /// How many cells around the outline a walk with steps of
    /// [`OUTLINE_STEP_PX`] can reach from it: one, or more where cells are
    /// smaller than a step.
    fn margin_cells(&self) -> usize {
        let (rows, columns) = self.logits.dim();
        margin_cells(self.region.size, rows, columns)
    }
}

/// Whether a cell of these log-odds is inside the person, as the
/// measurements decide it.
fn is_inside(logit: f32, contour_probability: f64) -> bool {
    f64::from(sigmoid(logit)) >= contour_probability
}

/// [`is_inside`] for a whole grid: a cell's log-odds are compared with the
/// contour's, and only the cells within a hair of it (where the sigmoid's
/// rounding could tip the answer) are decided by [`is_inside`] itself, so
/// the answer is the same for every cell at a fraction of the cost.
struct InsideTest {
    contour_probability: f64,
    /// Below this, a cell is outside; above `surely_inside`, inside. The
    /// band is a thousand times the sigmoid's rounding error in log-odds
    /// (about 1e-5 for the contour probabilities a document may name).
    surely_outside: f64,
    surely_inside: f64,
}

impl InsideTest {
    const BAND: f64 = 1e-2;

    fn new(contour_probability: f64) -> Self {
        let log_odds = (contour_probability / (1.0 - contour_probability)).ln();
        Self {
            contour_probability,
            surely_outside: log_odds - Self::BAND,
            surely_inside: log_odds + Self::BAND,
        }
    }

    fn holds(&self, logit: f32) -> bool {
        let value = f64::from(logit);
        if value > self.surely_inside {
            true
        } else if value < self.surely_outside {
            false
        } else {
            is_inside(logit, self.contour_probability)
        }
    }
}

fn margin_cells(side_px: f32, rows: usize, columns: usize) -> usize {
    let spacing = f64::from(side_px) / rows.max(columns) as f64;
    let cells = (OUTLINE_STEP_PX / spacing).ceil();
    // A non-finite or huge ratio saturates; the grid bounds it anyway.
    (cells as usize).clamp(1, MAX_SIDE_CELLS as usize)
}

/// The region, checked: a centre and side within a million pixels, a
/// positive side, a rotation within a half turn.
fn region(saved: &MaskRegion) -> Result<Region, Invalid> {
    let [center_x, center_y] = saved.center_px;
    if !(center_x.is_finite()
        && center_y.is_finite()
        && center_x.abs() <= MAX_REGION_PX
        && center_y.abs() <= MAX_REGION_PX)
    {
        return Err(Invalid(format!(
            "pose.person_mask.region.center_px ({center_x:e}, {center_y:e}) has a coordinate outside +-{MAX_REGION_PX}"
        )));
    }
    let side = saved.side_px;
    if !(side.is_finite() && side > 0.0 && side <= MAX_REGION_PX) {
        return Err(Invalid(format!(
            "pose.person_mask.region.side_px is {side:e}: not a side of 0 to {MAX_REGION_PX} pixels"
        )));
    }
    let rotation = saved.rotation_rad;
    if !(rotation.is_finite() && rotation.abs() <= std::f32::consts::PI) {
        return Err(Invalid(format!(
            "pose.person_mask.region.rotation_rad is {rotation:e}, outside -pi to pi"
        )));
    }
    Ok(Region {
        center_x,
        center_y,
        size: side,
        rotation,
    })
}

/// Appends `value` as an unsigned LEB128 number: seven bits a byte, low
/// bits first, the top bit set on every byte but the last.
fn push_leb128(bytes: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        bytes.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

/// The inside cells `inside_runs` gives, checked: base64, LEB128 numbers of
/// at most three bytes (a grid has at most 2^20 cells), no empty run but
/// the first, and runs that cover the grid exactly.
fn inside_cells(runs: &str, rows: usize, columns: usize) -> Result<Array2<bool>, Invalid> {
    const FIELD: &str = "pose.person_mask.inside_runs";
    let bytes = BASE64
        .decode(runs)
        .map_err(|e| format!("{FIELD} is not base64: {e}"))?;
    let cells = rows * columns;
    let mut inside = Vec::with_capacity(cells);
    let (mut side, mut at, mut index) = (false, 0, 0);
    while at < bytes.len() {
        let (mut length, mut shift) = (0usize, 0);
        loop {
            let Some(&byte) = bytes.get(at) else {
                return Err(Invalid(format!("{FIELD} ends inside run {index}")));
            };
            at += 1;
            if shift == 21 {
                return Err(Invalid(format!(
                    "{FIELD}: run {index} takes more than 3 bytes"
                )));
            }
            length |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        if length == 0 && index > 0 {
            return Err(Invalid(format!(
                "{FIELD}: run {index} is 0 cells long (only the first may be)"
            )));
        }
        if inside.len() + length > cells {
            return Err(Invalid(format!(
                "{FIELD} covers more than the {rows} x {columns} cells of the grid"
            )));
        }
        inside.resize(inside.len() + length, side);
        side = !side;
        index += 1;
    }
    if inside.len() != cells {
        return Err(Invalid(format!(
            "{FIELD} covers {} cells, not the {rows} x {columns} = {cells} of the grid",
            inside.len()
        )));
    }
    Ok(Array2::from_shape_vec((rows, columns), inside).expect("the runs cover the grid"))
}

/// The cells whose log-odds the document keeps: those of every 2x2 block
/// (clamped at the grid's edge, as the lookup clamps) whose cells are not
/// all on one side, and those within `margin` cells of one.
fn outline_cells(inside: &Array2<bool>, margin: usize) -> Array2<bool> {
    let (rows, columns) = inside.dim();
    let cells: Vec<bool> = inside.iter().copied().collect();
    // Block (r, c) holds cells r and r + 1 down, c and c + 1 across.
    let mut mixed = vec![false; rows * columns];
    for r in 0..rows {
        let top = &cells[r * columns..(r + 1) * columns];
        let below = (r + 1).min(rows - 1) * columns;
        let bottom = &cells[below..below + columns];
        for (c, block) in mixed[r * columns..(r + 1) * columns].iter_mut().enumerate() {
            let c1 = (c + 1).min(columns - 1);
            let first = top[c];
            *block = top[c1] != first || bottom[c] != first || bottom[c1] != first;
        }
    }
    // Cell i lies in blocks i - 1 and i; within `margin` of blocks
    // i - 1 - margin to i + margin. Spread across, then down.
    let across = spread_across(&mixed, columns, margin + 1, margin);
    let near = spread_down(&across, columns, margin + 1, margin);
    Array2::from_shape_vec((rows, columns), near).expect("one value per cell")
}

/// For each cell of the row-major `grid`, whether any cell of its row from
/// `before` ahead of it to `after` past it is set (prefix counts: linear in
/// the grid).
fn spread_across(grid: &[bool], columns: usize, before: usize, after: usize) -> Vec<bool> {
    let mut out = vec![false; grid.len()];
    let mut counts = vec![0u32; columns + 1];
    for (row, out_row) in grid
        .chunks_exact(columns)
        .zip(out.chunks_exact_mut(columns))
    {
        for (c, &set) in row.iter().enumerate() {
            counts[c + 1] = counts[c] + u32::from(set);
        }
        for (c, cell) in out_row.iter_mut().enumerate() {
            *cell = counts[(c + after + 1).min(columns)] > counts[c.saturating_sub(before)];
        }
    }
    out
}

/// [`spread_across`] down the columns: the prefix counts of all columns
/// advance a row at a time, so every step reads and writes whole rows.
fn spread_down(grid: &[bool], columns: usize, before: usize, after: usize) -> Vec<bool> {
    let rows = grid.len() / columns;
    let mut counts = vec![0u32; (rows + 1) * columns];
    for (r, row) in grid.chunks_exact(columns).enumerate() {
        let (done, next) = counts.split_at_mut((r + 1) * columns);
        let previous = &done[r * columns..];
        for ((count, &above), &set) in next[..columns].iter_mut().zip(previous).zip(row) {
            *count = above + u32::from(set);
        }
    }
    let mut out = vec![false; grid.len()];
    for (r, out_row) in out.chunks_exact_mut(columns).enumerate() {
        let last = (r + after + 1).min(rows) * columns;
        let first = r.saturating_sub(before) * columns;
        let (to, from) = (
            &counts[last..last + columns],
            &counts[first..first + columns],
        );
        for ((cell, &to), &from) in out_row.iter_mut().zip(to).zip(from) {
            *cell = to > from;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(size: f32) -> Region {
        Region {
            center_x: 50.0,
            center_y: 60.0,
            size,
            rotation: 0.25,
        }
    }

    /// A disc of a person, with log-odds falling off from its middle.
    fn disc(cells: usize, size: f32) -> SegmentationMask {
        let middle = cells as f32 / 2.0;
        let logits = Array2::from_shape_fn((cells, cells), |(r, c)| {
            let distance = (r as f32 - middle).hypot(c as f32 - 0.8 * middle);
            2.7 * (0.3 * cells as f32 - distance) + 0.01 * ((7 * r + 13 * c) % 11) as f32
        });
        SegmentationMask::from_logits(logits, region(size))
    }

    #[test]
    fn a_restored_mask_answers_as_the_model_did() {
        let mask = disc(64, 128.0);
        let saved = mask.report(0.5);
        let restored = SegmentationMask::from_report(&saved).unwrap();
        let near = outline_cells(&mask.logits.map(|&l| is_inside(l, 0.5)), 1);
        let mut compared = 0;
        // Every point a walk can read either side of a crossing, and
        // inside/outside everywhere.
        for i in 0..400 {
            for j in 0..400 {
                let (x, y) = (-50.0 + 0.37 * i as f32, -40.0 + 0.41 * j as f32);
                let (a, b) = (mask.probability_at(x, y), restored.probability_at(x, y));
                assert_eq!(a >= 0.5, b >= 0.5, "({x}, {y}): {a} vs {b}");
                let crossing = [(0.5, 0.0), (-0.5, 0.0), (0.0, 0.5), (0.0, -0.5)]
                    .iter()
                    .any(|(dx, dy)| (mask.probability_at(x + dx, y + dy) >= 0.5) != (a >= 0.5));
                if crossing {
                    assert_eq!(a.to_bits(), b.to_bits(), "({x}, {y})");
                    compared += 1;
                }
            }
        }
        assert!(compared > 1000, "{compared}");
        // Saved again, the restored mask gives the same document.
        assert_eq!(restored.report(0.5), saved);
        // The outline is a small part of the grid.
        let kept = near.iter().filter(|n| **n).count();
        assert!(kept > 0 && kept < 64 * 64 / 3, "{kept}");
    }

    #[test]
    fn the_grid_test_answers_as_the_sigmoid_does() {
        for contour in [0.01, 0.2, 0.5, 0.73, 0.99] {
            let test = InsideTest::new(contour);
            let log_odds = (contour / (1.0 - contour)).ln() as f32;
            // Every f32 within 200 steps of the contour, and a wide sweep.
            let below = std::iter::successors(Some(log_odds), |x| Some(x.next_down())).take(200);
            let above = std::iter::successors(Some(log_odds), |x| Some(x.next_up())).take(200);
            let near = below.chain(above);
            let wide = (-4000..4000).map(|i| i as f32 * 0.01);
            for logit in near.chain(wide).chain([f32::NAN, f32::INFINITY, -1e30]) {
                assert_eq!(
                    test.holds(logit),
                    is_inside(logit, contour),
                    "{logit} at {contour}"
                );
            }
        }
    }

    #[test]
    fn outline_cells_are_the_mixed_blocks_and_their_margin() {
        // A pseudo-random grid, checked against the definition cell by cell.
        let (rows, columns) = (23, 31);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let inside = Array2::from_shape_fn((rows, columns), |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.is_multiple_of(5)
        });
        let mixed = |r: usize, c: usize| {
            let (r1, c1) = ((r + 1).min(rows - 1), (c + 1).min(columns - 1));
            let first = inside[[r, c]];
            [inside[[r, c1]], inside[[r1, c]], inside[[r1, c1]]].contains(&!first)
        };
        for margin in [1, 2, 4] {
            let near = outline_cells(&inside, margin);
            for ((r, c), &is_near) in near.indexed_iter() {
                let expected =
                    (r.saturating_sub(margin + 1)..=(r + margin).min(rows - 1)).any(|br| {
                        (c.saturating_sub(margin + 1)..=(c + margin).min(columns - 1))
                            .any(|bc| mixed(br, bc))
                    });
                assert_eq!(is_near, expected, "cell ({r}, {c}), margin {margin}");
            }
        }
    }

    #[test]
    fn small_cells_keep_a_wider_margin() {
        // 64 cells over 16 px: a quarter pixel each, so a half-pixel step
        // spans two.
        let mask = disc(64, 16.0);
        assert_eq!(mask.margin_cells(), 2);
        let restored = SegmentationMask::from_report(&mask.report(0.5)).unwrap();
        for i in 0..200 {
            let (x, y) = (40.0 + 0.1 * i as f32, 61.3);
            let (a, b) = (mask.probability_at(x, y), restored.probability_at(x, y));
            let step = mask.probability_at(x + 0.5, y);
            if (a >= 0.5) != (step >= 0.5) {
                assert_eq!(a.to_bits(), b.to_bits(), "({x}, {y})");
                assert_eq!(
                    step.to_bits(),
                    restored.probability_at(x + 0.5, y).to_bits()
                );
            }
        }
    }

    #[test]
    fn runs_alternate_from_outside() {
        let inside = ndarray::array![[true, true, false], [false, false, true]];
        let mask = SegmentationMask::from_logits(
            inside.map(|&i| if i { 3.0 } else { -3.0 }),
            region(30.0),
        );
        let saved = mask.report(0.5);
        // 0 outside, 2 in, 3 out, 1 in.
        assert_eq!(BASE64.decode(&saved.inside_runs).unwrap(), [0, 2, 3, 1]);
        assert_eq!(inside_cells(&saved.inside_runs, 2, 3).unwrap(), inside);
        let mut long = Vec::new();
        push_leb128(&mut long, 300);
        assert_eq!(long, [0xac, 0x02]);
    }

    #[test]
    fn damaged_masks_are_refused_with_the_field_named() {
        let saved = disc(32, 64.0).report(0.5);
        let refused = |edit: &dyn Fn(&mut PersonMask), expected: &str| {
            let mut damaged = saved.clone();
            edit(&mut damaged);
            let error = SegmentationMask::from_report(&damaged).unwrap_err();
            assert!(error.0.contains(expected), "{expected}: {error}");
        };
        refused(&|m| m.rows = 0, "pose.person_mask.rows is 0");
        refused(&|m| m.columns = 4096, "pose.person_mask.columns is 4096");
        refused(&|m| m.rows = 31, "covers more than the 31 x 32 cells");
        refused(&|m| m.rows = 33, "covers 1024 cells, not the 33 x 32");
        refused(&|m| m.region.side_px = 0.0, "region.side_px");
        refused(&|m| m.region.side_px = f32::INFINITY, "region.side_px");
        refused(&|m| m.region.center_px[1] = -2e6, "region.center_px");
        refused(&|m| m.region.rotation_rad = 4.0, "region.rotation_rad");
        refused(&|m| m.contour_probability = 1.0, "contour_probability");
        refused(&|m| m.inside_runs.push('!'), "inside_runs is not base64");
        refused(
            &|m| m.inside_runs = BASE64.encode([0x80]),
            "ends inside run 0",
        );
        refused(
            &|m| m.inside_runs = BASE64.encode([0xff, 0xff, 0xff, 0x01]),
            "more than 3 bytes",
        );
        refused(
            &|m| m.inside_runs = BASE64.encode([5, 0, 100]),
            "run 1 is 0 cells long",
        );
        refused(&|m| m.outline_logits.clear(), "holds 0 bytes, not the 4 x");
        refused(
            &|m| m.outline_logits = "*".to_string(),
            "outline_logits is not base64",
        );
        let flipped = |value: f32| {
            let mut bytes = BASE64.decode(&saved.outline_logits).unwrap();
            bytes[..4].copy_from_slice(&value.to_le_bytes());
            BASE64.encode(bytes)
        };
        refused(
            &|m| m.outline_logits = flipped(f32::NAN),
            "holds NaN at row",
        );
        refused(&|m| m.outline_logits = flipped(-5e6), "holds -5e6 at row");
        // The first outline cell is outside (it follows the first run of
        // outside cells): a positive value contradicts the runs.
        refused(
            &|m| m.outline_logits = flipped(2.0),
            "other side of contour_probability",
        );
    }
}
