//! The routine and the catalogue as readable text.

use std::io::{self, Write};

use super::catalog::{Catalog, Exercise, Sourced};
use super::plan::clock;
use crate::schema::{Amount, LeftOut, Routine, RoutineExercise, Sides};

/// "2 × 30 s hold, each side", "2 × 10 reps of about 3 s, both sides at once".
pub fn dose_text(amount: &Amount, sides: Sides) -> String {
    let work = match (amount.hold_s, amount.reps, amount.time_s) {
        (Some(hold), _, _) => format!("{hold} s hold"),
        (_, Some(reps), _) => match amount.seconds_per_rep {
            Some(pace) => format!("{reps} reps of about {pace} s"),
            None => format!("{reps} reps"),
        },
        (_, _, Some(time)) => format!("{time} s"),
        _ => String::new(),
    };
    let sides = match sides {
        Sides::Each => "each side",
        Sides::Both => "both sides at once",
    };
    format!("{} × {work}, {sides}", amount.sets)
}

fn write_exercise(
    out: &mut dyn Write,
    number: usize,
    item: &RoutineExercise,
    why: bool,
) -> io::Result<()> {
    let closing = if item.closing { ", closing" } else { "" };
    writeln!(
        out,
        "{number:>2}. {} ({}) [{}{closing}, {}]",
        item.name,
        clock(item.duration_s),
        item.phase.name(),
        dose_text(&item.amount, item.sides)
    )?;
    writeln!(out, "    Position: {}", item.position)?;
    for (step, text) in item.steps.iter().enumerate() {
        writeln!(out, "    {}. {text}", step + 1)?;
    }
    for note in &item.notes {
        writeln!(out, "    Note: {note}")?;
    }
    for caution in &item.cautions {
        writeln!(out, "    Caution: {caution}")?;
    }
    if why {
        // One line per piece of evidence, with every rule that acted on it.
        let mut lines: Vec<(&str, Vec<&str>)> = Vec::new();
        for because in &item.because {
            match lines
                .iter_mut()
                .find(|(evidence, _)| *evidence == because.evidence)
            {
                Some((_, rules)) => rules.push(&because.rule),
                None => lines.push((&because.evidence, vec![&because.rule])),
            }
        }
        for (evidence, rules) in lines {
            writeln!(out, "    Why: {evidence} ({})", rules.join(", "))?;
        }
    }
    Ok(())
}

fn write_left_out(out: &mut dyn Write, left_out: &[LeftOut]) -> io::Result<()> {
    if left_out.is_empty() {
        return Ok(());
    }
    writeln!(out, "Left out:")?;
    for item in left_out {
        let closing = if item.closing { " (closing)" } else { "" };
        writeln!(
            out,
            "  - {}{closing}, {}: {}",
            item.name,
            clock(item.duration_s),
            item.reason
        )?;
    }
    Ok(())
}

/// Writes the routine, or the referral that replaces it, for a reader. A
/// withheld routine ends with the referral and gives no exercise advice.
pub fn write_routine_text(routine: &Routine, out: &mut dyn Write) -> io::Result<()> {
    if routine.withheld {
        let flags: Vec<String> = routine.red_flags.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "Routine withheld (warning signs: {}). Do not start the exercises.",
            flags.join(", ")
        )?;
        if let Some(referral) = &routine.referral {
            writeln!(out, "{referral}")?;
        }
        return Ok(());
    }
    if routine.general {
        writeln!(
            out,
            "GENERAL ROUTINE, NOT BASED ON THIS PHOTO: the photo could not be assessed, and this routine was asked for with --general-routine."
        )?;
    }
    if !routine.scope.is_empty() {
        writeln!(out, "Who this is for: {}", routine.scope)?;
    }
    if !routine.screening_questions.is_empty() {
        writeln!(
            out,
            "The warning-sign questions were not asked. Do this routine only if none of these apply:"
        )?;
        for question in &routine.screening_questions {
            writeln!(out, "  - {question}")?;
        }
        writeln!(
            out,
            "  If any of them applies, do not start: see a physiotherapist or doctor first."
        )?;
    }
    let count = routine.exercises.len();
    writeln!(
        out,
        "Routine: {} of {} minutes, {count} exercise{}.",
        routine.total_minutes,
        routine.budget_minutes,
        if count == 1 { "" } else { "s" }
    )?;
    if let Some(frequency) = &routine.frequency {
        writeln!(out, "{frequency}")?;
    }
    if let Some(when) = &routine.when {
        writeln!(out, "When: {when}")?;
    }
    let mut rationales: Vec<&str> = Vec::new();
    for because in routine.exercises.iter().flat_map(|e| &e.because) {
        if !rationales.contains(&because.rationale.as_str()) {
            rationales.push(&because.rationale);
        }
    }
    for rationale in rationales {
        writeln!(out, "- {rationale}")?;
    }
    writeln!(out)?;
    for (index, item) in routine.exercises.iter().enumerate() {
        write_exercise(out, index + 1, item, true)?;
    }
    write_left_out(out, &routine.left_out)?;
    for progression in &routine.progressions {
        writeln!(
            out,
            "Later: {} instead of the {}, {}.",
            progression.name,
            progression.instead.to_lowercase(),
            progression.start
        )?;
    }
    if let Some(phase_two) = &routine.phase_two {
        writeln!(out)?;
        writeln!(
            out,
            "Phase two, after {} ({} minutes): {}",
            phase_two.start_after, phase_two.total_minutes, phase_two.rationale
        )?;
        for (index, item) in phase_two.exercises.iter().enumerate() {
            write_exercise(out, index + 1, item, false)?;
        }
        write_left_out(out, &phase_two.left_out)?;
    }
    for note in &routine.notes {
        writeln!(out, "Note: {note}")?;
    }
    if let Some(daily_life) = &routine.daily_life {
        writeln!(out, "Day to day: {daily_life}")?;
    }
    writeln!(out)?;
    writeln!(out, "Safety: {}", routine.safety_note)
}

/// "kneeling_stretch", or "sagitta default: reason".
fn credit_text(source: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("{source}: {reason}"),
        None => source.to_string(),
    }
}

fn sourced_text(name: &str, number: &Sourced<u32>) -> String {
    format!(
        "{name} {} [{}]",
        number.value,
        credit_text(&number.source, number.reason.as_deref())
    )
}

fn write_catalog_exercise(out: &mut dyn Write, exercise: &Exercise) -> io::Result<()> {
    writeln!(out, "{}: {}", exercise.id, exercise.name)?;
    let variant = match &exercise.variant_of {
        Some(parent) => format!("; variant of {parent}"),
        None => String::new(),
    };
    writeln!(
        out,
        "  {}, {}, {}{variant}",
        exercise.phase.name(),
        exercise.level.name(),
        exercise.position
    )?;
    let dose = &exercise.dose;
    writeln!(
        out,
        "  Dose: {}",
        dose_text(&dose.amount(dose.sets.value), exercise.sides)
    )?;
    let numbers = [
        ("hold_s", dose.hold_s.as_ref()),
        ("reps", dose.reps.as_ref()),
        ("seconds_per_rep", dose.seconds_per_rep.as_ref()),
        ("time_s", dose.time_s.as_ref()),
        ("sets", Some(&dose.sets)),
    ];
    for (name, number) in numbers {
        if let Some(number) = number {
            writeln!(out, "    {}", sourced_text(name, number))?;
        }
    }
    writeln!(out, "  Targets: {}", exercise.targets.join(", "))?;
    writeln!(out, "  Sources: {}", exercise.sources.join(", "))?;
    let steps = &exercise.steps_source;
    writeln!(
        out,
        "  Steps [{}]:",
        credit_text(&steps.source, steps.reason.as_deref())
    )?;
    for (step, text) in exercise.steps.iter().enumerate() {
        writeln!(out, "    {}. {text}", step + 1)?;
    }
    for caution in &exercise.cautions {
        writeln!(out, "  Caution: {caution}")?;
    }
    Ok(())
}

/// Writes every exercise with its dose and where each part comes from.
pub fn write_catalog_text(catalog: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Exercise catalogue: {} exercises.",
        catalog.exercises.len()
    )?;
    writeln!(out, "Sources:")?;
    for source in &catalog.sources {
        writeln!(out, "  {}: {} ({})", source.id, source.title, source.file)?;
    }
    writeln!(
        out,
        "Timing: {}; {}",
        sourced_text("setup_s", &catalog.timing.setup_s),
        sourced_text("switch_s", &catalog.timing.switch_s)
    )?;
    for exercise in &catalog.exercises {
        writeln!(out)?;
        write_catalog_exercise(out, exercise)?;
    }
    Ok(())
}
