//! Plane geometry on photo points: a small vector type and the rotation that
//! corrects a tilted camera. Pure functions, no model, no I/O.

use std::ops::{Add, Mul, Sub};

/// A point or direction in photo pixels (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Vec2 {
    pub x: f64,
    pub y: f64,
}

impl Vec2 {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    pub fn dot(self, other: Vec2) -> f64 {
        self.x * other.x + self.y * other.y
    }

    pub fn length(self) -> f64 {
        self.x.hypot(self.y)
    }

    pub fn distance(self, other: Vec2) -> f64 {
        (self - other).length()
    }

    /// The unit vector, or `None` for a zero (or non-finite) vector.
    pub fn normalized(self) -> Option<Vec2> {
        let length = self.length();
        (length > 1e-9 && length.is_finite()).then(|| self * (1.0 / length))
    }

    /// Distance to the segment from `a` to `b` (to `a` if the two coincide).
    pub fn distance_to_segment(self, a: Vec2, b: Vec2) -> f64 {
        let along = b - a;
        let share = (self - a).dot(along) / along.dot(along).max(1e-12);
        self.distance(a + along * share.clamp(0.0, 1.0))
    }

    pub fn midpoint(self, other: Vec2) -> Vec2 {
        (self + other) * 0.5
    }

    /// Rotates clockwise on screen (y down) by `degrees` about `center`.
    pub fn rotated_about(self, center: Vec2, degrees: f64) -> Vec2 {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let d = self - center;
        center + Vec2::new(d.x * cos - d.y * sin, d.x * sin + d.y * cos)
    }
}

impl Add for Vec2 {
    type Output = Vec2;
    fn add(self, o: Vec2) -> Vec2 {
        Vec2::new(self.x + o.x, self.y + o.y)
    }
}

impl Sub for Vec2 {
    type Output = Vec2;
    fn sub(self, o: Vec2) -> Vec2 {
        Vec2::new(self.x - o.x, self.y - o.y)
    }
}

impl Mul<f64> for Vec2 {
    type Output = Vec2;
    fn mul(self, k: f64) -> Vec2 {
        Vec2::new(self.x * k, self.y * k)
    }
}

/// Straight up in the photo.
pub const UP: Vec2 = Vec2::new(0.0, -1.0);

/// Signed angle in degrees of `v` measured from the reference direction
/// `zero` towards `positive` (which needs only to point to the positive side
/// of `zero`), in (-180, 180]. `None` if either direction is degenerate.
pub fn signed_angle_deg(v: Vec2, zero: Vec2, positive: Vec2) -> Option<f64> {
    let e1 = zero.normalized()?;
    // The part of `positive` perpendicular to `zero`.
    let e2 = (positive - e1 * positive.dot(e1)).normalized()?;
    let v = v.normalized()?;
    Some(v.dot(e2).atan2(v.dot(e1)).to_degrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_angle_quadrants() {
        let zero = Vec2::new(0.0, 1.0); // down the photo
        let positive = Vec2::new(1.0, 0.0); // to the right
        let at = |deg: f64| Vec2::new(deg.to_radians().sin(), deg.to_radians().cos());
        for deg in [-170.0, -90.0, -30.0, 0.0, 12.5, 90.0, 135.0, 180.0] {
            let got = signed_angle_deg(at(deg), zero, positive).unwrap();
            assert!((got - deg).abs() < 1e-9, "{deg} -> {got}");
        }
        // `positive` need not be perpendicular.
        let got = signed_angle_deg(at(40.0), zero, Vec2::new(1.0, 0.7)).unwrap();
        assert!((got - 40.0).abs() < 1e-9);
        assert!(signed_angle_deg(Vec2::default(), zero, positive).is_none());
        assert!(signed_angle_deg(at(10.0), zero, zero).is_none());
    }

    #[test]
    fn rotation_is_clockwise_on_screen() {
        let p = Vec2::new(1.0, 0.0).rotated_about(Vec2::default(), 90.0);
        assert!((p.x).abs() < 1e-12 && (p.y - 1.0).abs() < 1e-12);
    }
}
