//! Arbitrary text through what `sagitta routine --from FILE` does (read an
//! analysis document, derive findings and plan the routine again, print it)
//! and through the `--screening FILE` parser.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sagitta::recommend::{Recommender, Screening, write_routine_text};
use sagitta::schema::Analysis;
use sagitta::{PlanOptions, plan_routine};

static RECOMMENDER: LazyLock<Recommender> =
    LazyLock::new(|| Recommender::embedded().expect("the embedded catalogue and rules are valid"));

fuzz_target!(|text: &str| {
    let recommender = &*RECOMMENDER;
    let mut options = PlanOptions::default();
    if let Ok(screening) = Screening::from_json(text, "screening.json") {
        options.screening = screening;
    }
    if let Ok(mut analysis) = serde_json::from_str::<Analysis>(text) {
        plan_routine(recommender, &options, &mut analysis);
        let routine = analysis
            .routine
            .as_ref()
            .expect("plan_routine sets the routine");
        write_routine_text(routine, &mut Vec::new()).expect("the routine prints");
        serde_json::to_vec(&analysis).expect("the analysis serialises");
    }
});
