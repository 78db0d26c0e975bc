//! Plane geometry on photo points: a small vector type, and the roll and
//! pitch corrections that take a photo point to the frame of a level camera.
//! Pure functions, no model, no I/O.

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

/// A camera tilted up or down: the pitch and the focal length in pixels,
/// about the photo's centre (the principal point of a phone photo).
#[derive(Debug, Clone, Copy)]
pub struct Pitch {
    /// Positive when the camera looked up (see `conventions`).
    pub deg: f64,
    pub focal_px: f64,
}

impl Pitch {
    /// Where a point of a photo taken with this pitch would lie in the photo
    /// of a camera at the same place turned level: each pixel's ray turned
    /// about the camera's horizontal axis. Lines that are vertical in space
    /// become parallel again, so a body in a vertical plane square to the
    /// camera is seen without the keystone the tilt gave it. `center` is the
    /// principal point.
    pub fn levelled(self, point: Vec2, center: Vec2) -> Vec2 {
        self.turn(point, center, self.deg)
    }

    /// The inverse of [`Pitch::levelled`].
    pub fn tilted(self, point: Vec2, center: Vec2) -> Vec2 {
        self.turn(point, center, -self.deg)
    }

    fn turn(self, point: Vec2, center: Vec2, degrees: f64) -> Vec2 {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let ray = (point - center) * (1.0 / self.focal_px);
        // Image y points down. A camera that looked up saw the horizon below
        // its centre; level, what it saw at its centre lies above it.
        let y = cos * ray.y - sin;
        // A ray at or behind the camera's plane cannot be imaged level; the
        // limits on pitch and on the photo keep keypoints far from it.
        let depth = (sin * ray.y + cos).max(1e-6);
        center + Vec2::new(ray.x / depth, y / depth) * self.focal_px
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

    /// A point in a level camera's frame (x right, y down, z forward) as a
    /// camera at the same place looking `pitch_deg` up images it.
    fn seen_pitched(p: [f64; 3], pitch_deg: f64, focal_px: f64, center: Vec2) -> Vec2 {
        let (sin, cos) = pitch_deg.to_radians().sin_cos();
        let [x, y, z] = p;
        let (y, z) = (cos * y + sin * z, -sin * y + cos * z);
        center + Vec2::new(x / z, y / z) * focal_px
    }

    #[test]
    fn levelling_a_pitched_photo_gives_the_level_cameras_photo() {
        let center = Vec2::new(432.0, 288.0);
        let focal_px = 624.0; // 26 mm on a 36 mm-wide 864-pixel frame
        for pitch_deg in [-12.0, -3.0, 9.0, 20.0] {
            let pitch = Pitch {
                deg: pitch_deg,
                focal_px,
            };
            for p in [[0.4, -0.3, 3.0], [-0.9, 0.5, 2.5], [0.0, 0.0, 4.0]] {
                let level = center + Vec2::new(p[0] / p[2], p[1] / p[2]) * focal_px;
                let pitched = seen_pitched(p, pitch_deg, focal_px, center);
                let got = pitch.levelled(pitched, center);
                assert!(
                    got.distance(level) < 1e-9,
                    "{pitch_deg}: {got:?} vs {level:?}"
                );
                assert!(pitch.tilted(got, center).distance(pitched) < 1e-9);
            }
        }
    }

    #[test]
    fn levelling_restores_an_angle_in_a_plane_square_to_the_camera() {
        // A bent knee in a vertical plane 2 m ahead, above the lens and off
        // the photo's centre, as a leg hanging off a table is for a low
        // camera that looked up at the body; the tilt widens it by 2.4 degrees.
        let center = Vec2::new(432.0, 288.0);
        let pitch = Pitch {
            deg: 9.0,
            focal_px: 624.0,
        };
        let [hip, knee, ankle] = [[0.2, -0.3, 2.0], [0.65, -0.3, 2.0], [0.85, 0.046, 2.0]];
        let angle = |[a, b, c]: [Vec2; 3]| {
            let (u, v) = ((a - b).normalized().unwrap(), (c - b).normalized().unwrap());
            u.dot(v).clamp(-1.0, 1.0).acos().to_degrees()
        };
        let true_deg = angle([hip, knee, ankle].map(|p| Vec2::new(p[0], p[1])));
        let seen = [hip, knee, ankle].map(|p| seen_pitched(p, pitch.deg, pitch.focal_px, center));
        let tilted = angle(seen);
        let levelled = angle(seen.map(|p| pitch.levelled(p, center)));
        assert!(
            (levelled - true_deg).abs() < 1e-6,
            "{levelled} vs {true_deg}"
        );
        assert!(
            (tilted - true_deg - 2.4).abs() < 0.05,
            "the tilt's keystone: {tilted}"
        );
    }

    #[test]
    fn rotation_is_clockwise_on_screen() {
        let p = Vec2::new(1.0, 0.0).rotated_about(Vec2::default(), 90.0);
        assert!((p.x).abs() < 1e-12 && (p.y - 1.0).abs() < 1e-12);
    }
}
