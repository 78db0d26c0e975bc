//! The routine on a page (the analysis and the visit pages), with phase
//! two; and the referral that replaces a withheld one.

use maud::{Markup, html};

use super::words;
use crate::schema::{LeftOut, Routine, RoutineExercise};

/// "2:20 min".
pub(super) fn duration_text(seconds: u32) -> String {
    format!("{}:{:02}\u{a0}min", seconds / 60, seconds % 60)
}

/// Decimal minutes as in [`duration_text`]: 11.17 -> "11:10 min".
fn minutes_text(minutes: f64) -> String {
    duration_text((minutes * 60.0).round() as u32)
}

/// The texts in first-seen order, each once.
fn distinct<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for text in texts {
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen
}

/// The referral that replaces a withheld routine, at the top of the page
/// (and again at its end).
pub(super) fn referral(routine: &Routine) -> Markup {
    let flags: Vec<String> = routine
        .red_flags
        .iter()
        .map(|flag| words(&flag.to_string()))
        .collect();
    html! {
        div class="alert big" {
            h2 { "Routine withheld: please see a professional first" }
            @if let Some(referral) = &routine.referral { p { (referral) } }
            @if !flags.is_empty() {
                p class="small" { b { "Warning signs reported:" } " " (flags.join(", ")) }
            }
        }
    }
}

/// The routine, with phase two; not called for a withheld one.
pub(super) fn routine(routine: &Routine) -> Markup {
    let count = routine.exercises.len();
    // Each rule's rationale once, for the whole routine.
    let because = routine.exercises.iter().flat_map(|e| &e.because);
    let rationales = distinct(because.map(|b| b.rationale.as_str()));
    let reasons: Vec<String> = routine.exercises.iter().map(reasons).collect();
    let shared = reasons.windows(2).all(|pair| pair[0] == pair[1]);
    let shared_reason = reasons.first().filter(|_| shared);
    let each_reason = (!shared).then_some(reasons.as_slice());
    html! {
        h2 {
            @if routine.general { "General routine, not based on this photo" } @else { "Your routine" }
            ": " (count) " exercise" @if count != 1 { "s" } ", "
            (minutes_text(routine.total_minutes)) " of " (minutes_text(routine.budget_minutes))
        }
        @if routine.general {
            p class="alert" {
                "This photo could not be assessed. This routine was asked for with --general-routine: it does not rest on any measurement of yours."
            }
        }
        @if !routine.scope.is_empty() { p { b { "Who this is for:" } " " (routine.scope) } }
        @if !routine.screening_questions.is_empty() {
            div class="alert" {
                b { "Only if none of these apply." }
                " The warning-sign questions were not asked; answer them before starting:"
                ul class="cols" { @for question in &routine.screening_questions { li { (question) } } }
                "If any of them applies, do not start: see a physiotherapist or doctor first."
            }
        }
        @if let Some(frequency) = &routine.frequency { p { b { (frequency) } } }
        @if let Some(when) = &routine.when { p { b { "When:" } " " (when) } }
        ul class="small" { @for rationale in rationales { li { (rationale) } } }
        @if let Some(reason) = shared_reason { p { b { "For:" } " " (reason) } }
        (exercises(&routine.exercises, Session::Now { reasons: each_reason }))
        (left_out(&routine.left_out))
        @for progression in &routine.progressions {
            p class="small" {
                b { "Later: " (progression.name) }
                " instead of the " (progression.instead.to_lowercase()) ", " (progression.start) "."
            }
        }
        @if let Some(daily_life) = &routine.daily_life { p { b { "Day to day:" } " " (daily_life) } }
        @if let Some(phase_two) = &routine.phase_two {
            h2 { "Phase two, after " (phase_two.start_after) ": " (minutes_text(phase_two.total_minutes)) }
            p class="small" { (phase_two.rationale) }
            (exercises(&phase_two.exercises, Session::Later))
            (left_out(&phase_two.left_out))
        }
        @if !routine.notes.is_empty() {
            ul class="small" { @for note in &routine.notes { li { (note) } } }
        }
    }
}

/// What an exercise is for: its findings, by name. The findings section
/// gives their evidence.
fn reasons(item: &RoutineExercise) -> String {
    let findings = item.because.iter().map(|b| {
        // `none` marks the maintenance routine, which no finding asked for.
        if b.finding == "none" {
            b.rule.as_str()
        } else {
            b.finding.as_str()
        }
    });
    let names: Vec<String> = distinct(findings).into_iter().map(words).collect();
    names.join(", ")
}

/// Which session a list of exercises is for.
#[derive(Clone, Copy)]
enum Session<'a> {
    /// Today's routine: steps one per line, and what each exercise is for
    /// when the exercises differ in that (else the heading says it once).
    Now { reasons: Option<&'a [String]> },
    /// Phase two, weeks away: the same facts in less room.
    Later,
}

/// The exercises as numbered cards in two columns.
fn exercises(exercises: &[RoutineExercise], session: Session<'_>) -> Markup {
    html! {
        div class="exercises" {
            @for (number, item) in exercises.iter().enumerate() {
                (exercise(exercises, number, item, session))
            }
        }
    }
}

/// Exercise `number` of `exercises` as a card.
fn exercise(
    exercises: &[RoutineExercise],
    number: usize,
    item: &RoutineExercise,
    session: Session<'_>,
) -> Markup {
    // An exercise done again (to close, say) points back to its steps.
    let earlier = exercises[..number]
        .iter()
        .position(|e| same_instructions(e, item));
    let class = match (session, earlier) {
        (Session::Later, _) => "exercise later",
        (_, Some(_)) => "exercise again",
        _ => "exercise",
    };
    // What the exercise is for, when the exercises differ in that.
    let reason = match session {
        Session::Now {
            reasons: Some(reasons),
        } => Some(&reasons[number]),
        _ => None,
    };
    html! {
        div class=(class) {
            div class="head" {
                h3 { (number + 1) ". " (item.name) } " "
                span class="dose" { (crate::recommend::dose_text(&item.amount, item.sides)) } " "
                span class="muted" {
                    "· " (duration_text(item.duration_s)) " · " (item.phase.name())
                    @if item.closing { ", to close" }
                }
            }
            @if let Some(earlier) = earlier {
                p class="small" { "Position, steps and cautions as in exercise " (earlier + 1) "." }
            } @else {
                @match session {
                    Session::Now { .. } => {
                        p class="small" { b { "Position:" } " " (item.position) }
                        ol { @for step in &item.steps { li { (step) } } }
                    }
                    // The steps run on after the position, numbered inline.
                    Session::Later => {
                        p class="small" {
                            b { "Position:" } " " (item.position)
                            @for (number, step) in item.steps.iter().enumerate() {
                                @if number == 0 { " —" }
                                " " b { (number + 1) "." } "\u{a0}" (step)
                            }
                        }
                    }
                }
                @for note in &item.notes { p class="small" { b { "Note:" } " " (note) } }
                @for caution in &item.cautions { p class="small" { b { "Caution:" } " " (caution) } }
            }
            @if let Some(reason) = reason {
                p class="small muted" { b { "For:" } " " (reason) }
            }
        }
    }
}

/// Whether two exercises are done the same way, so that the second can
/// point back to the first.
fn same_instructions(a: &RoutineExercise, b: &RoutineExercise) -> bool {
    a.name == b.name
        && a.position == b.position
        && a.steps == b.steps
        && a.cautions == b.cautions
        && a.notes == b.notes
}

fn left_out(left_out: &[LeftOut]) -> Markup {
    html! {
        @if !left_out.is_empty() {
            div class="block" {
                h3 { "Left out" }
                ul class="small" {
                    @for item in left_out {
                        li {
                            b { (item.name) } @if item.closing { ", closing" }
                            " (" (duration_text(item.duration_s)) "): " (item.reason)
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(duration_text(140), "2:20\u{a0}min");
        assert_eq!(duration_text(45), "0:45\u{a0}min");
        assert_eq!(minutes_text(11.17), "11:10\u{a0}min");
    }
}
