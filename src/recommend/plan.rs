//! Routine assembly: the rules that fire, their exercises merged, fitted into
//! the time budget by priority, and put in session order.

use std::cmp::Reverse;

use super::catalog::{Catalog, Exercise, Timing};
use super::rules::{Rule, RuleItem, Rules};
use super::screening::Screening;
use crate::schema::{
    Because, Finding, LeftOut, Level, PhaseTwo, Progression, Routine, RoutineExercise,
    ScreeningStatus, Severity,
};

/// The finding id in [`Because`] when no rule fired.
pub(super) const NO_FINDING: &str = "none";

/// Minutes for a number of seconds, rounded up to the hundredth so that a
/// total that fits the budget is never printed as more than it.
pub(super) fn minutes(seconds: u32) -> f64 {
    (u64::from(seconds) * 100).div_ceil(60) as f64 / 100.0
}

/// "2 min 20 s", "45 s".
pub(super) fn clock(seconds: u32) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// A rule that fires, with what made it fire.
struct Activation<'a> {
    rule: &'a Rule,
    because: Vec<Because>,
    /// The highest severity among its findings; none for maintenance.
    severity: Option<Severity>,
}

/// An exercise on its way into a routine, possibly asked for by several rules.
struct Candidate<'a> {
    exercise: &'a Exercise,
    /// Rank of first mention: the session order within a phase.
    mention: usize,
    closing: bool,
    priority: u8,
    severity: Option<Severity>,
    sets: u32,
    notes: Vec<String>,
    because: Vec<Because>,
    /// The findings whose cause this exercise acts on (rule items marked
    /// `addresses`); planned before every exercise that addresses none.
    addresses: Vec<String>,
}

impl Candidate<'_> {
    fn duration_s(&self, timing: &Timing) -> u32 {
        self.exercise.duration_s(timing, self.sets)
    }

    fn left_out(&self, timing: &Timing, reason: String) -> LeftOut {
        LeftOut {
            id: self.exercise.id.clone(),
            name: self.exercise.name.clone(),
            closing: self.closing,
            duration_s: self.duration_s(timing),
            reason,
        }
    }

    fn into_exercise(self, timing: &Timing) -> RoutineExercise {
        let duration_s = self.duration_s(timing);
        let exercise = self.exercise;
        RoutineExercise {
            id: exercise.id.clone(),
            name: exercise.name.clone(),
            phase: exercise.phase,
            level: exercise.level,
            position: exercise.position.clone(),
            targets: exercise.targets.clone(),
            sides: exercise.sides,
            amount: exercise.dose.amount(self.sets),
            duration_s,
            closing: self.closing,
            steps: exercise.steps.clone(),
            cautions: exercise.cautions.clone(),
            notes: self.notes,
            because: self.because,
        }
    }
}

fn push_new<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The candidates for these items, one per exercise and place: an exercise
/// asked for twice keeps the best priority, the most sets and every reason.
/// In order of first mention.
fn gather<'a>(
    catalog: &'a Catalog,
    items: impl IntoIterator<Item = (&'a RuleItem, &'a [Because], Option<Severity>)>,
) -> Vec<Candidate<'a>> {
    let mut candidates: Vec<Candidate<'a>> = Vec::new();
    for (item, because, severity) in items {
        // Validation guarantees the exercise exists.
        let Some(exercise) = catalog.exercise(&item.exercise) else {
            continue;
        };
        let sets = item.sets.as_ref().unwrap_or(&exercise.dose.sets).value;
        let slot = candidates
            .iter_mut()
            .find(|c| c.exercise.id == exercise.id && c.closing == item.closing);
        let candidate = match slot {
            Some(candidate) => {
                candidate.priority = candidate.priority.min(item.priority);
                candidate.severity = candidate.severity.max(severity);
                candidate.sets = candidate.sets.max(sets);
                candidate
            }
            None => {
                candidates.push(Candidate {
                    exercise,
                    mention: candidates.len(),
                    closing: item.closing,
                    priority: item.priority,
                    severity,
                    sets,
                    notes: Vec::new(),
                    because: Vec::new(),
                    addresses: Vec::new(),
                });
                let last = candidates.len() - 1;
                &mut candidates[last]
            }
        };
        if let Some(note) = &item.note {
            push_new(&mut candidate.notes, note.clone());
        }
        for reason in because {
            push_new(&mut candidate.because, reason.clone());
            if item.addresses && reason.finding != NO_FINDING {
                push_new(&mut candidate.addresses, reason.finding.clone());
            }
        }
    }
    candidates
}

/// Removes the exercises that a rule which fired avoids, whichever rule
/// asked for them, and lists them as left out with that rule's rationale.
fn drop_avoided(
    candidates: &mut Vec<Candidate<'_>>,
    activations: &[Activation<'_>],
    timing: &Timing,
) -> Vec<LeftOut> {
    let mut left_out = Vec::new();
    for activation in activations {
        for avoided in &activation.rule.avoid {
            candidates.retain(|candidate| {
                let keep = candidate.exercise.id != *avoided;
                if !keep {
                    let reason = format!("avoided: {}", activation.rule.rationale);
                    left_out.push(candidate.left_out(timing, reason));
                }
                keep
            });
        }
    }
    left_out
}

/// A session fitted into the budget.
struct Fitted {
    exercises: Vec<RoutineExercise>,
    left_out: Vec<LeftOut>,
    total_s: u32,
    /// Set when even the most important exercise does not fit.
    shortfall: Option<String>,
    /// One note per finding for which no exercise that addresses it fits.
    unaddressed: Vec<String>,
    progressions: Vec<Progression>,
}

/// Takes candidates by priority (then severity, then first mention) while
/// they fit, the ones that address a finding before all others; one that
/// does not fit is left out and the next is tried, except that an exercise
/// addressing a finding is first shortened to fewer sets (down to one). An
/// exercise that both opens and closes the session (the decompression of the
/// 12-minute routine) is taken or left as a pair, so a short budget drops
/// exercises from the middle and the session still ends the way it began.
/// The pair is first fitted with one hold each; once the middle is filled,
/// it gets its full holds back if they still fit, and otherwise says that it
/// was shortened. The chosen ones come back in session order: phase, then
/// first mention, with closing positions last.
fn fit(mut candidates: Vec<Candidate<'_>>, timing: &Timing, budget: f64) -> Fitted {
    candidates.sort_by_key(|c| {
        (
            c.addresses.is_empty(),
            c.priority,
            Reverse(c.severity),
            c.mention,
        )
    });
    let twin = |index: usize, candidates: &[Candidate<'_>]| {
        let c = &candidates[index];
        candidates
            .iter()
            .position(|other| other.exercise.id == c.exercise.id && other.closing != c.closing)
    };
    // Opening-and-closing pairs start at one hold each.
    let pairs: Vec<(usize, usize)> = (0..candidates.len())
        .filter(|&i| !candidates[i].closing)
        .filter_map(|i| twin(i, &candidates).map(|j| (i, j)))
        .collect();
    let full_sets: Vec<u32> = candidates.iter().map(|c| c.sets).collect();
    for &(i, j) in &pairs {
        candidates[i].sets = 1;
        candidates[j].sets = 1;
    }
    let mut decided = vec![false; candidates.len()];
    let mut take = vec![false; candidates.len()];
    let mut left_reasons: Vec<Option<String>> = vec![None; candidates.len()];
    let mut total_s = 0;
    let mut shortfall = None;
    let budget_s = (budget * 60.0).floor() as u32;
    let mut first = true;
    for index in 0..candidates.len() {
        if decided[index] {
            continue;
        }
        let mut group = vec![index];
        group.extend(twin(index, &candidates).filter(|&t| !decided[t]));
        let mut needed: u32 = group
            .iter()
            .map(|&i| candidates[i].duration_s(timing))
            .sum();
        if group.len() == 1 && !candidates[index].addresses.is_empty() {
            let full = candidates[index].sets;
            let fitting = (1..full).rev().find(|&sets| {
                minutes(total_s + candidates[index].exercise.duration_s(timing, sets)) <= budget
            });
            if let (true, Some(sets)) = (minutes(total_s + needed) > budget, fitting) {
                candidates[index].sets = sets;
                needed = candidates[index].duration_s(timing);
                let note = format!(
                    "Shortened to {sets} of its {full} sets to fit the {budget}-minute budget: it is what the findings need, so it comes before the rest."
                );
                push_new(&mut candidates[index].notes, note);
            }
        }
        let fits = minutes(total_s + needed) <= budget;
        if fits {
            total_s += needed;
        } else {
            if first {
                shortfall = Some(format!(
                    "Even the most important exercise, {}, takes {}: more than the {budget}-minute budget; allow at least {} minutes.",
                    candidates[index].exercise.name,
                    clock(needed),
                    minutes(needed)
                ));
            }
            let pair = if group.len() > 1 {
                " (it opens and closes the session, so both are left out together)"
            } else {
                ""
            };
            for &i in &group {
                left_reasons[i] = Some(format!(
                    "takes {}{pair}, but only {} of the {budget}-minute budget was left",
                    clock(needed),
                    clock(budget_s.saturating_sub(total_s))
                ));
            }
        }
        for &i in &group {
            decided[i] = true;
            take[i] = fits;
        }
        first = false;
    }
    // Give the pairs their full holds back where the budget allows.
    for &(i, j) in &pairs {
        let shortened = candidates[i].duration_s(timing) + candidates[j].duration_s(timing);
        let (sets_i, sets_j) = (candidates[i].sets, candidates[j].sets);
        candidates[i].sets = full_sets[i];
        candidates[j].sets = full_sets[j];
        if !take[i] || full_sets[i] + full_sets[j] == sets_i + sets_j {
            continue;
        }
        let full = candidates[i].duration_s(timing) + candidates[j].duration_s(timing);
        if minutes(total_s - shortened + full) <= budget {
            total_s = total_s - shortened + full;
        } else {
            candidates[i].sets = sets_i;
            candidates[j].sets = sets_j;
            for &k in &[i, j] {
                let note = format!(
                    "Shortened to one hold to fit the {budget}-minute budget (the full routine holds it {} times); the session still opens and closes with it.",
                    full_sets[k]
                );
                push_new(&mut candidates[k].notes, note);
            }
        }
    }
    let unaddressed = unaddressed(&candidates, &take, timing, budget);
    let mut chosen = Vec::new();
    let mut left_out = Vec::new();
    for ((candidate, taken), reason) in candidates.into_iter().zip(take).zip(left_reasons) {
        if taken {
            chosen.push(candidate);
        } else {
            left_out.push(candidate.left_out(timing, reason.unwrap_or_default()));
        }
    }
    chosen.sort_by_key(|c| (c.closing, c.exercise.phase, c.mention));
    Fitted {
        exercises: chosen
            .into_iter()
            .map(|c| c.into_exercise(timing))
            .collect(),
        left_out,
        total_s,
        shortfall,
        unaddressed,
        progressions: Vec::new(),
    }
}

/// A note for each finding that none of the exercises addressing it made it
/// into the session, naming them and the time the shortest needs.
fn unaddressed(
    candidates: &[Candidate<'_>],
    taken: &[bool],
    timing: &Timing,
    budget: f64,
) -> Vec<String> {
    let mut findings: Vec<&str> = Vec::new();
    for finding in candidates.iter().flat_map(|c| &c.addresses) {
        push_new(&mut findings, finding.as_str());
    }
    findings
        .into_iter()
        .filter(|finding| {
            !candidates
                .iter()
                .zip(taken)
                .any(|(c, &taken)| taken && c.addresses.iter().any(|f| f == finding))
        })
        .map(|finding| {
            let wanted: Vec<&Candidate<'_>> = candidates
                .iter()
                .filter(|c| c.addresses.iter().any(|f| f == finding))
                .collect();
            let names: Vec<String> = wanted.iter().map(|c| c.exercise.name.to_lowercase()).collect();
            let shortest = wanted
                .iter()
                .map(|c| c.exercise.duration_s(timing, 1))
                .min()
                .unwrap_or(0);
            format!(
                "Left without its exercise: {} ({}) did not fit the {budget}-minute budget; the {} takes {} at one set, so allow at least {} minutes.",
                finding.replace('_', " "),
                names.join(" or "),
                names.first().map(String::as_str).unwrap_or("exercise"),
                clock(shortest),
                minutes(shortest)
            )
        })
        .collect()
}

/// Replaces each advanced exercise that names an easier form by that form
/// (merged into it when the easier form is asked for anyway), and returns
/// the advanced ones as progressions. An advanced exercise without an easier
/// form is left out: the texts advise learning it from a professional.
fn defer_advanced<'a>(
    catalog: &'a Catalog,
    candidates: &mut Vec<Candidate<'a>>,
) -> (Vec<Progression>, Vec<LeftOut>) {
    let mut progressions = Vec::new();
    let mut left_out = Vec::new();
    let mut index = 0;
    while index < candidates.len() {
        if candidates[index].exercise.level != Level::Advanced {
            index += 1;
            continue;
        }
        let advanced = candidates.remove(index);
        let easier = advanced
            .exercise
            .easier_form
            .as_deref()
            .and_then(|id| catalog.exercise(id));
        let Some(easier) = easier else {
            left_out.push(advanced.left_out(
                &catalog.timing,
                "advanced, with no easier form in the catalogue: learn it from a physiotherapist first".to_string(),
            ));
            continue;
        };
        progressions.push(Progression {
            id: advanced.exercise.id.clone(),
            name: advanced.exercise.name.clone(),
            instead: easier.name.clone(),
            start: format!(
                "not in the first week: start it in week two at the earliest, once the {} feels easy with the lower back kept neutral",
                easier.name.to_lowercase()
            ),
            because: advanced.because.clone(),
        });
        match candidates
            .iter_mut()
            .find(|c| c.exercise.id == easier.id && c.closing == advanced.closing)
        {
            Some(existing) => {
                existing.priority = existing.priority.min(advanced.priority);
                existing.severity = existing.severity.max(advanced.severity);
                for reason in advanced.because {
                    push_new(&mut existing.because, reason);
                }
                for finding in advanced.addresses {
                    push_new(&mut existing.addresses, finding);
                }
            }
            None => candidates.insert(
                index,
                Candidate {
                    exercise: easier,
                    mention: advanced.mention,
                    closing: advanced.closing,
                    priority: advanced.priority,
                    severity: advanced.severity,
                    sets: easier.dose.sets.value.max(advanced.sets),
                    notes: Vec::new(),
                    because: advanced.because,
                    addresses: advanced.addresses,
                },
            ),
        }
    }
    (progressions, left_out)
}

/// Gathers the items, drops what a rule that fired avoids, and fits the
/// rest into the budget; everything not taken is listed as left out.
fn assemble<'a>(
    catalog: &'a Catalog,
    items: impl IntoIterator<Item = (&'a RuleItem, &'a [Because], Option<Severity>)>,
    activations: &[Activation<'_>],
    cautions: &[(String, String)],
    budget: f64,
) -> Fitted {
    let mut candidates = gather(catalog, items);
    let mut avoided = drop_avoided(&mut candidates, activations, &catalog.timing);
    // What a rule avoids for a finding that is only borderline is avoided
    // too, until the value has been re-checked.
    for (exercise, finding) in cautions {
        candidates.retain(|candidate| {
            let keep = &candidate.exercise.id != exercise;
            if !keep {
                avoided.push(candidate.left_out(
                    &catalog.timing,
                    format!(
                        "avoided until the borderline {} has been re-checked by hand: the rule for it leaves this exercise out",
                        finding.replace('_', " ")
                    ),
                ));
            }
            keep
        });
    }
    let (progressions, advanced) = defer_advanced(catalog, &mut candidates);
    avoided.extend(advanced);
    let mut fitted = fit(candidates, &catalog.timing, budget);
    fitted.left_out.splice(0..0, avoided);
    fitted.progressions = progressions;
    fitted
}

pub(super) fn plan(
    catalog: &Catalog,
    rules: &Rules,
    findings: &[Finding],
    screening: &Screening,
    minutes_asked: f64,
    general: bool,
    borderline: &[String],
) -> Routine {
    let budget = if minutes_asked.is_finite() && minutes_asked > 0.0 {
        minutes_asked
    } else {
        0.0
    };
    if !screening.is_empty() {
        return withheld(rules, screening, budget);
    }
    // A general routine answers no finding, whatever was passed in.
    let findings = if general { &[][..] } else { findings };
    let mut notes = Vec::new();
    for finding in findings {
        if !rules
            .rules
            .iter()
            .any(|rule| rule.findings.contains(&finding.id))
        {
            notes.push(format!(
                "The finding `{}` has no rule in the rules data; it did not change the routine.",
                finding.id
            ));
        }
    }
    let activations = activations(rules, findings);

    let items = activations.iter().flat_map(|a| {
        a.rule
            .items
            .iter()
            .map(move |item| (item, a.because.as_slice(), a.severity))
    });
    // An exercise stays in when another finding or borderline value (for
    // instance a borderline anterior tilt beside a borderline flat back)
    // calls for it: the measurement cannot tell the direction, so neither
    // side's caution wins.
    let wanted = |exercise: &str| {
        rules.rules.iter().any(|rule| {
            let concerned = rule
                .findings
                .iter()
                .any(|id| borderline.contains(id) || findings.iter().any(|f| &f.id == id));
            concerned && rule.items.iter().any(|item| item.exercise == exercise)
        })
    };
    let cautions: Vec<(String, String)> = rules
        .rules
        .iter()
        .flat_map(|rule| {
            let near = borderline
                .iter()
                .find(|id| rule.findings.contains(id))
                .cloned();
            rule.avoid
                .iter()
                .filter(|exercise| !wanted(exercise))
                .filter_map(move |exercise| near.clone().map(|id| (exercise.clone(), id)))
        })
        .collect();
    let session = assemble(catalog, items, &activations, &cautions, budget);
    notes.extend(session.shortfall);
    notes.extend(session.unaddressed);

    let phase_two =
        phase_two(catalog, rules, &activations, budget).map(|(phase_two, shortfall)| {
            notes.extend(shortfall.map(|s| format!("Phase two: {s}")));
            phase_two
        });

    Routine {
        withheld: false,
        referral: None,
        red_flags: Vec::new(),
        budget_minutes: budget,
        total_minutes: minutes(session.total_s),
        exercises: session.exercises,
        left_out: session.left_out,
        phase_two,
        frequency: Some(rules.routine.frequency.clone()),
        notes,
        safety_note: rules.routine.safety_note.clone(),
        general,
        scope: rules.routine.scope.clone(),
        when: Some(rules.routine.when.clone()),
        daily_life: Some(rules.routine.daily_life.clone()),
        screening_questions: if screening.status() == ScreeningStatus::NotAsked {
            rules.red_flags.iter().map(|f| f.question.clone()).collect()
        } else {
            Vec::new()
        },
        progressions: session.progressions,
    }
}

/// The rules that fire on these findings, in the order of the rules file;
/// the maintenance rule when none does.
fn activations<'a>(rules: &'a Rules, findings: &[Finding]) -> Vec<Activation<'a>> {
    let fired: Vec<Activation<'a>> = rules
        .rules
        .iter()
        .filter_map(|rule| {
            let matched: Vec<&Finding> = findings
                .iter()
                .filter(|finding| rule.findings.contains(&finding.id))
                .collect();
            let severity = matched.iter().map(|finding| finding.severity).max()?;
            let because = matched
                .iter()
                .map(|finding| Because {
                    finding: finding.id.clone(),
                    measurement: finding.measurement.clone(),
                    evidence: finding.because.clone(),
                    rule: rule.id.clone(),
                    rationale: rule.rationale.clone(),
                })
                .collect();
            Some(Activation {
                rule,
                because,
                severity: Some(severity),
            })
        })
        .collect();
    if !fired.is_empty() {
        return fired;
    }
    let maintenance = &rules.maintenance;
    vec![Activation {
        rule: maintenance,
        because: vec![Because {
            finding: NO_FINDING.to_string(),
            measurement: None,
            evidence: "no finding that the rules act on".to_string(),
            rule: maintenance.id.clone(),
            rationale: maintenance.rationale.clone(),
        }],
        severity: None,
    }]
}

/// Phase two, when a rule that fired asks for it, with its shortfall note.
fn phase_two(
    catalog: &Catalog,
    rules: &Rules,
    activations: &[Activation<'_>],
    budget: f64,
) -> Option<(PhaseTwo, Option<String>)> {
    let rule = &rules.phase_two;
    let triggers: Vec<&Activation<'_>> = activations.iter().filter(|a| a.rule.phase_two).collect();
    let severity = triggers.iter().map(|a| a.severity).max()?;
    let mut because = Vec::new();
    for reason in triggers.iter().flat_map(|a| &a.because) {
        push_new(
            &mut because,
            Because {
                rule: rule.id.clone(),
                rationale: rule.rationale.clone(),
                ..reason.clone()
            },
        );
    }
    let items = rule
        .items
        .iter()
        .map(|item| (item, because.as_slice(), severity));
    let fitted = assemble(catalog, items, activations, &[], budget);
    let phase_two = PhaseTwo {
        start_after: rule.start_after.clone(),
        rationale: rule.rationale.clone(),
        total_minutes: minutes(fitted.total_s),
        exercises: fitted.exercises,
        left_out: fitted.left_out,
    };
    Some((phase_two, fitted.shortfall))
}

/// The referral that replaces the routine: urgent flags first.
fn withheld(rules: &Rules, screening: &Screening, budget: f64) -> Routine {
    let mut entries: Vec<_> = rules
        .red_flags
        .iter()
        .filter(|entry| screening.contains(entry.id))
        .collect();
    entries.sort_by_key(|entry| (!entry.urgent, entry.id));
    let referral: Vec<&str> = entries
        .iter()
        .map(|entry| entry.referral.as_str())
        .collect();
    let referral = referral.join(" ");
    Routine {
        withheld: true,
        referral: Some(referral.clone()),
        red_flags: screening.flags().collect(),
        budget_minutes: budget,
        total_minutes: 0.0,
        exercises: Vec::new(),
        left_out: Vec::new(),
        phase_two: None,
        frequency: None,
        notes: Vec::new(),
        safety_note: referral,
        general: false,
        scope: rules.routine.scope.clone(),
        when: None,
        daily_life: None,
        screening_questions: Vec::new(),
        progressions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_round_up_to_the_hundredth() {
        assert_eq!(minutes(720), 12.0);
        assert_eq!(minutes(719), 11.99);
        assert_eq!(minutes(1), 0.02);
        assert_eq!(minutes(0), 0.0);
    }

    #[test]
    fn clock_reads_naturally() {
        assert_eq!(clock(45), "45 s");
        assert_eq!(clock(120), "2 min");
        assert_eq!(clock(140), "2 min 20 s");
    }
}
