//! Where a document cites: each part of an analysis names the texts it
//! writes citations into (a rule's reference, a retake advice that names
//! its source, ...), and the works the document cites are the keys found in
//! those (`references::cited_by`). Numbers, keypoints, the mask and the
//! clinician's own record (client, note) cite nothing.

use std::borrow::Cow;

use super::{
    Analysis, Assessment, Because, Borderline, Finding, LeftOut, Measurement, PhaseTwo,
    Progression, Protocol, Routine, RoutineExercise,
};

/// A part of the document that may cite works in its texts.
pub trait Cites {
    /// The texts that may name a work's key.
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>);
}

fn push<'a>(out: &mut Vec<Cow<'a, str>>, texts: impl IntoIterator<Item = &'a String>) {
    out.extend(texts.into_iter().map(|t| Cow::Borrowed(t.as_str())));
}

impl<T: Cites> Cites for [T] {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        for item in self {
            item.citing_texts(out);
        }
    }
}

impl<T: Cites> Cites for Option<T> {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        if let Some(item) = self {
            item.citing_texts(out);
        }
    }
}

impl Cites for Analysis {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        self.protocol.citing_texts(out);
        self.assessment.citing_texts(out);
        for measurement in self.measurements.values() {
            measurement.citing_texts(out);
        }
        self.findings.citing_texts(out);
        self.borderline.citing_texts(out);
        self.routine.citing_texts(out);
        out.extend(self.warnings.iter().map(|w| Cow::Owned(w.to_string())));
    }
}

impl Cites for Protocol {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.reason]);
        push(out, &self.retake);
        push(out, &self.assumptions);
        push(out, &self.unconfirmed);
    }
}

impl Cites for Assessment {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, &self.reasons);
        push(out, &self.retake);
    }
}

impl Cites for Measurement {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        match self {
            Measurement::Made(reading) => {
                push(out, &reading.reference);
                push(out, &reading.to_settle);
                push(out, &reading.unreliable);
            }
            Measurement::Declined(decline) => push(out, [&decline.reason]),
        }
    }
}

impl Cites for Finding {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.because]);
        push(out, &self.reference);
    }
}

impl Cites for Borderline {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.because, &self.recheck]);
        push(out, &self.reference);
    }
}

impl Cites for Routine {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, &self.referral);
        push(out, &self.frequency);
        push(out, &self.notes);
        push(out, [&self.safety_note, &self.scope]);
        push(out, &self.when);
        push(out, &self.daily_life);
        push(out, &self.screening_questions);
        self.exercises.citing_texts(out);
        self.left_out.citing_texts(out);
        self.phase_two.citing_texts(out);
        self.progressions.citing_texts(out);
    }
}

impl Cites for RoutineExercise {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.name, &self.position]);
        push(out, &self.steps);
        push(out, &self.cautions);
        push(out, &self.notes);
        self.because.citing_texts(out);
    }
}

impl Cites for Because {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.evidence, &self.rationale]);
    }
}

impl Cites for LeftOut {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.reason]);
    }
}

impl Cites for PhaseTwo {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.start_after, &self.rationale]);
        self.exercises.citing_texts(out);
        self.left_out.citing_texts(out);
    }
}

impl Cites for Progression {
    fn citing_texts<'a>(&'a self, out: &mut Vec<Cow<'a, str>>) {
        push(out, [&self.name, &self.instead, &self.start]);
        self.because.citing_texts(out);
    }
}
