//! The routine and the catalogue as readable text.

use std::io::{self, Write};

use super::catalog::{Catalog, Exercise, Sourced};
use super::plan::{NO_FINDING, clock};
use crate::schema::{Amount, LeftOut, Phase, Routine, RoutineExercise, Sides};

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

/// The widest line of the text summary, in characters.
pub const SUMMARY_WIDTH: usize = 100;

/// `text` broken at spaces into lines of at most [`SUMMARY_WIDTH`]
/// characters, the first starting with `first`, the rest with `indent`
/// (a word longer than a line is left whole).
pub fn wrap(first: &str, indent: &str, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    // A word follows a label after a space, and an indent directly.
    let mut empty = first.is_empty() || first.ends_with(' ');
    for word in text.split_whitespace() {
        let width = line.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && width > SUMMARY_WIDTH {
            lines.push(std::mem::replace(&mut line, indent.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line);
    lines
}

/// Writes `text` wrapped as [`wrap`] breaks it.
pub fn write_wrapped(out: &mut dyn Write, first: &str, indent: &str, text: &str) -> io::Result<()> {
    for line in wrap(first, indent, text) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// "2:20": a duration as minutes and seconds.
pub fn mmss(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// Minutes (as a routine's totals hold them) as m:ss.
fn minutes_mmss(minutes: f64) -> String {
    mmss((minutes * 60.0).round() as u32)
}

/// What an exercise does to what it targets, in plain words.
fn action(phase: Phase) -> &'static str {
    match phase {
        Phase::Decompress => "eases",
        Phase::Release => "loosens",
        Phase::Dynamic => "mobilises",
        Phase::Stretch => "stretches",
        Phase::Strengthen => "strengthens",
    }
}

/// The findings an exercise answers, in words (none for maintenance).
fn finding_names(item: &RoutineExercise) -> Vec<String> {
    let mut findings: Vec<String> = Vec::new();
    for because in &item.because {
        let name = because.finding.replace('_', " ");
        if because.finding != NO_FINDING && !findings.contains(&name) {
            findings.push(name);
        }
    }
    findings
}

/// One plain line of why: what the exercise works (its first target), and
/// the findings it answers where they are not all of the routine's.
fn plain_why(item: &RoutineExercise, all_findings: &[String]) -> String {
    let mut why = match item.targets.first() {
        Some(target) => format!("{} the {target}", action(item.phase)),
        None => format!("a {} exercise", item.phase.name()),
    };
    if item.closing {
        why.push_str(", closing as the session opened");
    }
    let findings = finding_names(item);
    if !findings.is_empty() && findings.len() < all_findings.len() {
        why.push_str(&format!("; for {}", findings.join(", ")));
    }
    if item.notes.iter().any(|n| n.starts_with("Shortened")) {
        why.push_str("; shortened to fit the time");
    }
    why
}

/// The routine as the text summary shows it: per exercise its name, dose,
/// duration (m:ss) and one plain line of why; what was left out on one
/// line; phase two as names; the planner's notes and the safety note.
/// Steps, cautions, rule ids and guidance are in [`write_routine_text`].
pub fn write_routine_summary(routine: &Routine, out: &mut dyn Write) -> io::Result<()> {
    if routine.withheld {
        return write_routine_text(routine, out);
    }
    if routine.general {
        write_wrapped(
            out,
            "",
            "",
            "GENERAL ROUTINE, NOT BASED ON THIS PHOTO: the photo could not be assessed, and this routine was asked for with --general-routine.",
        )?;
    }
    let count = routine.exercises.len();
    let mut findings: Vec<String> = Vec::new();
    for name in routine.exercises.iter().flat_map(finding_names) {
        if !findings.contains(&name) {
            findings.push(name);
        }
    }
    let answers = match findings.is_empty() {
        true => String::new(),
        false => format!(" for {}", findings.join(", ")),
    };
    write_wrapped(
        out,
        "",
        "  ",
        &format!(
            "Routine{answers}: {} of {}, {count} exercise{} (steps: --verbose)",
            minutes_mmss(routine.total_minutes),
            minutes_mmss(routine.budget_minutes),
            if count == 1 { "" } else { "s" }
        ),
    )?;
    if !routine.screening_questions.is_empty() {
        write_wrapped(
            out,
            "  ",
            "  ",
            &format!(
                "Warning signs not asked: ask the {} questions first (--ask; --verbose lists them).",
                routine.screening_questions.len()
            ),
        )?;
    }
    for (index, item) in routine.exercises.iter().enumerate() {
        let first = format!("{:>4}. {:>5}  ", index + 1, mmss(item.duration_s));
        let indent = " ".repeat(first.chars().count());
        write_wrapped(
            out,
            &first,
            &indent,
            &format!("{}, {}", item.name, dose_text(&item.amount, item.sides)),
        )?;
        write_wrapped(out, &indent, &indent, &plain_why(item, &findings))?;
    }
    if !routine.left_out.is_empty() {
        // An opening-and-closing pair is left out together: named once.
        let mut left: Vec<(&str, u32, bool)> = Vec::new();
        for item in &routine.left_out {
            match left.iter_mut().find(|(name, _, _)| *name == item.name) {
                Some((_, seconds, pair)) => {
                    *seconds += item.duration_s;
                    *pair = true;
                }
                None => left.push((&item.name, item.duration_s, false)),
            }
        }
        let names: Vec<String> = left
            .iter()
            .map(|(name, seconds, pair)| {
                let ends = if *pair { ", opening and closing" } else { "" };
                format!("{name} ({}{ends})", mmss(*seconds))
            })
            .collect();
        write_wrapped(out, "  Left out: ", "    ", &names.join("; "))?;
    }
    for progression in &routine.progressions {
        write_wrapped(
            out,
            "  Later: ",
            "    ",
            &format!(
                "{} instead of the {}, {}.",
                progression.name,
                progression.instead.to_lowercase(),
                progression.start
            ),
        )?;
    }
    if let Some(phase_two) = &routine.phase_two {
        let names: Vec<String> = phase_two
            .exercises
            .iter()
            .map(|e| e.name.to_lowercase())
            .collect();
        write_wrapped(
            out,
            "  ",
            "    ",
            &format!(
                "Phase two, after {} ({}): {}.",
                phase_two.start_after,
                minutes_mmss(phase_two.total_minutes),
                names.join(", ")
            ),
        )?;
    }
    for note in &routine.notes {
        write_wrapped(out, "  Note: ", "    ", note)?;
    }
    write_wrapped(out, "Safety: ", "  ", &routine.safety_note)
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
        // The id is the reference key: the full reference is in the JSON
        // outputs and the references file, not a file name here.
        writeln!(out, "  {}: {}", source.id, source.title)?;
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
