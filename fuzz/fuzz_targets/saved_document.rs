//! Saved analysis documents as `sagitta measure --from` and `routine --from`
//! read them. The input does not spell a document: it picks one of the valid
//! seed documents (`fuzz/seeds/`) and edits its JSON structure (replace a
//! value with an awkward one, drop or copy a member, scale a number, change
//! a character of a text such as the saved mask's base64), so
//! that most inputs still parse and reach re-measuring. A document that is
//! read is then planned again and measured again with keypoints moved, and
//! two promises are checked: a recorded warning sign keeps the routine
//! withheld, and what sagitta writes it can read back.
//!
//! Every 2^16 inputs the share that parsed and the share re-measured are
//! printed to standard error.

#![no_main]

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use sagitta::measure::ProtocolChoice;
use sagitta::pose::Joint;
use sagitta::recommend::{Recommender, Screening, write_routine_text};
use sagitta::schema::{Analysis, ScreeningStatus};
use sagitta::{PlanOptions, Remeasure, document, plan_routine, remeasure};
use serde_json::{Value, json};

const SEEDS: &[&str] = &[
    include_str!("../seeds/standing_landmarks_red_flag.json"),
    include_str!("../seeds/standing_estimate_negative.json"),
    include_str!("../seeds/standing_corrected.json"),
    include_str!("../seeds/thomas_short_left.json"),
    include_str!("../seeds/walker_not_assessed.json"),
];

static SEED_VALUES: LazyLock<Vec<Value>> = LazyLock::new(|| {
    SEEDS
        .iter()
        .map(|text| serde_json::from_str(text).expect("a seed is JSON"))
        .collect()
});

static RECOMMENDER: LazyLock<Recommender> =
    LazyLock::new(|| Recommender::embedded().expect("the embedded catalogue and rules are valid"));

static INPUTS: AtomicU64 = AtomicU64::new(0);
static PARSED: AtomicU64 = AtomicU64::new(0);
static REMEASURED: AtomicU64 = AtomicU64::new(0);

/// Values a document's fields should refuse or survive.
fn awkward(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=17)? {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(1e300),
        3 => json!(-1e300),
        4 => json!(90.0),
        5 => json!(359.0),
        6 => json!(4294967295u64),
        7 => json!(u64::MAX),
        8 => json!(0.5),
        9 => json!(f64::from(u.arbitrary::<f32>()?).clamp(-1e300, 1e300)),
        10 => json!(""),
        11 => json!("<script>"),
        12 => json!("\u{202e}\u{1b}[31m\u{200b}"),
        13 => json!("x".repeat(u.int_in_range(0..=5000)?)),
        14 => Value::Null,
        15 => json!(u.arbitrary::<bool>()?),
        16 => json!([]),
        _ => json!({}),
    })
}

/// A path to one node: at each level, the child the input names, stopping
/// where the input says or at a leaf.
fn pick<'v>(mut value: &'v mut Value, u: &mut Unstructured) -> Result<&'v mut Value> {
    loop {
        let children = match &*value {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        };
        if children == 0 || u.ratio(1, 6)? {
            return Ok(value);
        }
        let i = u.choose_index(children)?;
        value = match value {
            Value::Object(map) => map.values_mut().nth(i).expect("in range"),
            Value::Array(items) => &mut items[i],
            _ => unreachable!("only objects and arrays have children"),
        };
    }
}

/// The characters of base64 text.
const BASE64_CHARACTERS: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

/// One structural edit of the document.
fn edit(document: &mut Value, u: &mut Unstructured) -> Result<()> {
    match u.int_in_range(0..=6)? {
        // Replace a node with an awkward value.
        0 | 1 => *pick(document, u)? = awkward(u)?,
        // Scale or shift a number.
        2 => {
            let node = pick(document, u)?;
            if let Some(number) = node.as_f64() {
                let factor = [-1.0, 0.0, 0.5, 2.0, 10.0, 1e6][u.choose_index(6)?];
                let shifted = number * factor + f64::from(u.int_in_range(-400i16..=400)?);
                *node = json!(shifted);
            }
        }
        // Drop an object member or an array item.
        3 => match pick(document, u)? {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(u.choose_index(map.len())?).unwrap().clone();
                map.remove(&key);
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(u.choose_index(items.len())?);
            }
            _ => {}
        },
        // Copy one node over another (a measurement under another name, a
        // keypoint over another, a session into the screening...).
        4 => {
            let copied = pick(document, u)?.clone();
            *pick(document, u)? = copied;
        }
        // Rewrite one character of a text with a base64 one: in the saved
        // mask's base64 (`pose.person_mask.inside_runs`, `outline_logits`)
        // the text mostly stays base64 and the bytes it decodes to change,
        // so the run lengths and log-odds themselves are tried.
        5 => {
            if let Value::String(text) = pick(document, u)?
                && !text.is_empty()
            {
                let mut characters: Vec<char> = text.chars().collect();
                let at = u.choose_index(characters.len())?;
                characters[at] = char::from(*u.choose(BASE64_CHARACTERS)?);
                *text = characters.into_iter().collect();
            }
        }
        // Add a member: an unknown field, or a known name at another level.
        _ => {
            if let Value::Object(map) = pick(document, u)? {
                let name = ["measurements", "flags", "corrections", "pelvic_tilt", "zz"]
                    [u.choose_index(5)?];
                let value = awkward(u)?;
                map.insert(name.to_string(), value);
            }
        }
    }
    Ok(())
}

/// What the rest of the input asks `measure --from` to change.
fn change(analysis: &Analysis, u: &mut Unstructured) -> Result<Remeasure> {
    let (width, height) = (analysis.image.width.max(1), analysis.image.height.max(1));
    let inside = |u: &mut Unstructured| -> Result<[f64; 2]> {
        Ok([
            f64::from(u.int_in_range(0..=width - 1)?) + 0.5,
            f64::from(u.int_in_range(0..=height - 1)?) + 0.5,
        ])
    };
    let mut moves: Vec<(Joint, [f64; 2])> = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let joint = Joint::ALL[u.choose_index(Joint::ALL.len())?];
        if !moves.iter().any(|(j, _)| *j == joint) {
            moves.push((joint, inside(u)?));
        }
    }
    let landmarks = if u.ratio(1, 4)? {
        let ([ax, ay], [px, py]) = (inside(u)?, inside(u)?);
        Some(((ax, ay), (px, py)))
    } else {
        None
    };
    Ok(Remeasure {
        moves,
        protocol: [
            None,
            Some(ProtocolChoice::Auto),
            Some(ProtocolChoice::Standing),
            Some(ProtocolChoice::ThomasTest),
        ][u.choose_index(4)?],
        camera_roll_deg: u
            .ratio(1, 4)?
            .then(|| f64::from(u.int_in_range(-45i8..=45).unwrap_or(0))),
        landmarks,
    })
}

/// A document that records a warning sign never yields exercises.
fn assert_withheld_if_flagged(saved: &Analysis, planned: &Analysis) {
    if saved.screening.status == ScreeningStatus::Positive {
        assert_eq!(planned.screening.status, ScreeningStatus::Positive);
        let routine = planned.routine.as_ref().expect("a withheld routine is recorded");
        assert!(routine.withheld && routine.exercises.is_empty());
    }
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let mut document = SEED_VALUES[u.choose_index(SEED_VALUES.len())?].clone();
    for _ in 0..u.int_in_range(0..=4)? {
        edit(&mut document, &mut u)?;
    }
    let text = serde_json::to_string(&document).expect("a JSON value serialises");
    let Ok(saved) = document::parse_analysis(&text, "saved.json") else {
        return Ok(());
    };
    PARSED.fetch_add(1, Ordering::Relaxed);
    let mut options = PlanOptions::default();
    if u.ratio(1, 3)? {
        options.screening = Screening::all_answered_no();
    }
    options.minutes = f64::from(u.int_in_range(1u8..=60)?);

    // routine --from
    let mut planned = saved.clone();
    plan_routine(&RECOMMENDER, &options, &mut planned);
    assert_withheld_if_flagged(&saved, &planned);
    if let Some(routine) = &planned.routine {
        write_routine_text(routine, &mut Vec::new()).expect("the routine prints");
    }

    // measure --from
    let change = change(&saved, &mut u)?;
    if let Ok(again) = remeasure(&saved, &change, &RECOMMENDER, &options) {
        REMEASURED.fetch_add(1, Ordering::Relaxed);
        assert_withheld_if_flagged(&saved, &again);
        let written = serde_json::to_string(&again).expect("the analysis serialises");
        if let Err(problem) = document::parse_analysis(&written, "again.json") {
            panic!("sagitta cannot read what it wrote: {problem}");
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
    let inputs = INPUTS.fetch_add(1, Ordering::Relaxed) + 1;
    if inputs % (1 << 16) == 0 {
        let share = |n: &AtomicU64| 100.0 * n.load(Ordering::Relaxed) as f64 / inputs as f64;
        eprintln!(
            "saved_document: {inputs} inputs, {:.1} % parsed, {:.1} % re-measured",
            share(&PARSED),
            share(&REMEASURED)
        );
    }
});
