//! Batch runs through the real binary: a folder with good and bad files,
//! JSON Lines and CSV records, the output folder, resume after a kill, shards.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{sagitta, sample};
use serde_json::Value;

/// A folder a clinic might point sagitta at: good photos (one in a nested
/// folder), a corrupt JPEG, a text file named `.jpg`, an empty file, a photo
/// without a person and a file that is not an image by name.
fn clinic_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("nested")).unwrap();
    for (from, to) in [
        ("walker_01.jpg", "a.jpg"),
        ("walker_03.jpg", "b.jpg"),
        ("walker_04.jpg", "nested/c.jpg"),
    ] {
        std::fs::copy(sample(from), root.join(to)).unwrap();
    }
    let jpeg = std::fs::read(sample("walker_02.jpg")).unwrap();
    std::fs::write(root.join("corrupt.jpg"), &jpeg[..jpeg.len() / 3]).unwrap();
    std::fs::write(root.join("notes.jpg"), "session notes, not a photo").unwrap();
    std::fs::write(root.join("empty.png"), "").unwrap();
    std::fs::write(root.join("readme.txt"), "not an image name").unwrap();
    image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, 90])
    })
    .save(root.join("wall.png"))
    .unwrap();
    dir
}

/// The records of a JSON Lines run, each checked against the published schema.
fn jsonl(stdout: &[u8]) -> Vec<Value> {
    common::assert_schema_valid("jsonl", None, stdout);
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn by_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

#[test]
fn a_folder_with_bad_files_gives_every_record_and_exit_1() {
    let dir = clinic_folder();
    let out = tempfile::tempdir().unwrap();
    let output = sagitta()
        .args([
            "analyze",
            "--format",
            "jsonl",
            "--recursive",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(out.path())
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = jsonl(&output.stdout);
    let analyses = by_type(&records, "analysis");
    let errors = by_type(&records, "error");
    let summaries = by_type(&records, "summary");
    assert_eq!(analyses.len(), 3);
    assert_eq!(summaries.len(), 1);
    assert_eq!(
        records.last().unwrap()["type"],
        "summary",
        "the summary comes last"
    );
    let kinds: BTreeSet<(String, String)> = errors
        .iter()
        .map(|e| {
            let path = PathBuf::from(e["image"]["path"].as_str().unwrap());
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                e["error"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("corrupt.jpg", "decode"),
        ("empty.png", "not_an_image"),
        ("notes.jpg", "not_an_image"),
        ("wall.png", "no_person"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(kinds, expected);
    let summary = summaries[0];
    assert_eq!(summary["analysed"], 3);
    assert_eq!(summary["failed"], 4);
    assert_eq!(summary["skipped_not_image"], 1);
    assert_eq!(summary["files"], 7);

    // Every good photo's result is in the output folder, and nothing half-written.
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "a.annotated.jpg",
            "a.json",
            "b.annotated.jpg",
            "b.json",
            "nested__c.annotated.jpg",
            "nested__c.json"
        ]
    );
    let saved = out.path().join("nested__c.json");
    common::assert_schema_valid("analysis", None, &std::fs::read(&saved).unwrap());
    let doc = common::read_json(&saved);
    assert!(
        doc["image"]["path"]
            .as_str()
            .unwrap()
            .ends_with("nested/c.jpg")
    );
}

#[test]
fn csv_parses_back_with_one_row_per_photo() {
    let dir = clinic_folder();
    let output = sagitta()
        .args(["analyze", "--format", "csv", "-r"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    for column in [
        "path",
        "status",
        "error_kind",
        "protocol",
        "standing_pelvic_tilt_deg",
        "standing_knee_flexion_deg",
        "thomas_knee_flexion_deg",
        "findings",
    ] {
        assert!(
            headers.iter().any(|h| h == column),
            "{column} missing from {headers:?}"
        );
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 7);
    let status = headers.iter().position(|h| h == "status").unwrap();
    assert_eq!(rows.iter().filter(|r| &r[status] == "analysed").count(), 3);
    assert!(rows.iter().all(|r| r.len() == headers.len()));
}

#[test]
fn shards_cover_every_photo_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..9 {
        let from = sample(["walker_01.jpg", "walker_03.jpg", "walker_04.jpg"][i % 3]);
        std::fs::copy(from, dir.path().join(format!("p{i}.jpg"))).unwrap();
    }
    let mut seen = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let output = sagitta()
            .args([
                "analyze", "--format", "jsonl", "--model", "lite", "--shard", shard,
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        let records = jsonl(&output.stdout);
        let summary = by_type(&records, "summary")[0];
        assert_eq!(summary["shard"], shard);
        for analysis in by_type(&records, "analysis") {
            seen.push(analysis["image"]["path"].as_str().unwrap().to_string());
        }
    }
    seen.sort();
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 9, "{seen:?}");
    assert_eq!(unique.len(), 9);
}

fn result_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_killed_run_resumes_to_the_full_set_without_duplicates_or_half_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..12 {
        std::fs::copy(
            sample("walker_03.jpg"),
            dir.path().join(format!("photo{i:02}.jpg")),
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("sagitta");
    let mut child = std::process::Command::new(&binary)
        .args([
            "analyze", "--format", "jsonl", "--jobs", "1", "--quiet", "--out",
        ])
        .arg(out.path())
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a few results are written, mid-way through the batch.
    let started = Instant::now();
    while result_files(out.path())
        .iter()
        .filter(|n| n.ends_with(".json"))
        .count()
        < 3
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no results appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = result_files(out.path())
        .iter()
        .filter(|n| n.ends_with(".json"))
        .count();
    assert!(partial < 12, "the run finished before it was killed");

    let output = sagitta()
        .args(["analyze", "--format", "jsonl", "--resume", "--out"])
        .arg(out.path())
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let records = jsonl(&output.stdout);
    let summary = by_type(&records, "summary")[0];
    assert_eq!(
        summary["skipped_existing"].as_u64().unwrap() as usize,
        partial
    );
    assert_eq!(by_type(&records, "analysis").len(), 12 - partial);

    let names = result_files(out.path());
    // Temporary files of the killed run are hidden dot files; the result set is whole.
    let visible: Vec<&String> = names.iter().filter(|n| !n.starts_with('.')).collect();
    assert_eq!(visible.len(), 24, "{names:?}");
    // (Named `.<result>.tmp-<random>`: unpredictable, so no link can be planted there.)
    assert!(
        names
            .iter()
            .filter(|n| n.starts_with('.'))
            .all(|n| n.contains(".tmp-")),
        "{names:?}"
    );
    for i in 0..12 {
        let json = out.path().join(format!("photo{i:02}.json"));
        common::assert_schema_valid("analysis", None, &std::fs::read(&json).unwrap());
        let doc = common::read_json(&json);
        assert_eq!(doc["schema_version"], sagitta::schema::SCHEMA_VERSION);
        let annotated = out.path().join(format!("photo{i:02}.annotated.jpg"));
        sagitta::image_io::load(&annotated, &Default::default()).expect("a whole annotated image");
    }
}

#[test]
fn same_named_photos_in_different_folders_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["x", "y"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::copy(
            sample("walker_03.jpg"),
            dir.path().join(sub).join("same.jpg"),
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    sagitta()
        .args(["analyze", "--format", "jsonl", "--model", "lite", "--out"])
        .arg(out.path())
        .arg(dir.path().join("x/same.jpg"))
        .arg(dir.path().join("y/same.jpg"))
        .assert()
        .success();
    let jsons: Vec<String> = result_files(out.path())
        .into_iter()
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(jsons.len(), 2, "{jsons:?}");
    assert!(jsons.iter().all(|n| n.starts_with("same-")));
}

/// The CSV a spreadsheet user reads: each protocol's angles in their own
/// columns with the uncertainty beside each, the test leg and the
/// assessment, all as the JSON Lines of the same photos say.
#[test]
fn csv_columns_are_per_protocol_with_uncertainty_test_leg_and_assessment() {
    let photos = [
        sample("thomas_short_left.jpg"),
        sample("thomas_short_right.jpg"),
        sample("standing_neutral.jpg"),
        sample("walker_03.jpg"),
    ];
    let run = |format: &str| {
        sagitta()
            .args(["analyze", "--quiet", "--jobs", "2", "--format", format])
            .args(&photos)
            .output()
            .unwrap()
    };
    let json = run("jsonl");
    let csv_output = run("csv");
    assert!(csv_output.status.success());
    let records = jsonl(&json.stdout);
    let mut reader = csv::Reader::from_reader(csv_output.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), photos.len());
    let cell = |row: &csv::StringRecord, name: &str| {
        let i = headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {headers:?}"));
        row[i].to_string()
    };
    let number = |value: &Value| value.as_f64().map(|v| v.to_string()).unwrap_or_default();
    let columns = [
        ("thomas_test", "hip_extension", "thomas_hip_extension"),
        ("thomas_test", "knee_flexion", "thomas_knee_flexion"),
        ("thomas_test", "trunk_tilt", "thomas_trunk_tilt"),
        ("standing", "knee_flexion", "standing_knee_flexion"),
        (
            "standing",
            "trunk_inclination",
            "standing_trunk_inclination",
        ),
        ("standing", "pelvic_tilt", "standing_pelvic_tilt"),
    ];
    for row in &rows {
        let doc = by_type(&records, "analysis")
            .into_iter()
            .find(|d| d["image"]["path"] == cell(row, "path"))
            .expect("the same photo in the JSON Lines");
        let kind = doc["protocol"]["kind"].as_str().unwrap();
        assert_eq!(cell(row, "protocol"), kind);
        assert_eq!(
            cell(row, "assessment"),
            doc["assessment"]["status"].as_str().unwrap()
        );
        assert_eq!(
            cell(row, "test_leg"),
            doc["protocol"]["test_leg"].as_str().unwrap_or_default()
        );
        for (protocol, measurement, column) in columns {
            let m = &doc["measurements"][measurement];
            let (value, uncertainty) = (
                cell(row, &format!("{column}_deg")),
                cell(row, &format!("{column}_uncertainty_deg")),
            );
            if kind == protocol {
                assert_eq!(value, number(&m["value_deg"]), "{column}");
                assert_eq!(uncertainty, number(&m["uncertainty_deg"]), "{column}");
            } else {
                // The knee of a Thomas test is never in the standing column.
                assert_eq!((value.as_str(), uncertainty.as_str()), ("", ""), "{column}");
            }
        }
    }
    let leg = |name: &str| {
        let row = rows
            .iter()
            .find(|r| cell(r, "path").ends_with(name))
            .unwrap();
        cell(row, "test_leg")
    };
    assert_eq!(leg("thomas_short_left.jpg"), "left");
    assert_eq!(leg("thomas_short_right.jpg"), "right");
    assert_eq!(leg("standing_neutral.jpg"), "");
    let walker = rows
        .iter()
        .find(|r| cell(r, "path").ends_with("walker_03.jpg"))
        .unwrap();
    assert_eq!(cell(walker, "assessment"), "not_assessed");
    assert!(cell(walker, "assessment_reasons").contains("mid-stride"));
}

/// A folder with three photos and a manifest that gives two of them their
/// records and names a third photo that is not there.
fn manifest_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("walker_01.jpg", "a.jpg"),
        ("thomas_short_left.jpg", "b.jpg"),
        ("walker_04.jpg", "c.jpg"),
    ] {
        std::fs::copy(sample(from), dir.path().join(to)).unwrap();
    }
    std::fs::write(
        dir.path().join("visits.csv"),
        "photo,client,date,side,note\n\
         a.jpg,CL-1,2026-10-01,,first visit\n\
         b.jpg,=1+2,2026-10-01,left,\"thomas, left leg\"\n\
         gone.jpg,CL-3,2026-10-02,,\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_manifest_gives_each_photo_its_record_and_reports_what_is_missing() {
    let dir = manifest_folder();
    let output = sagitta()
        .current_dir(dir.path())
        .args([
            "analyze",
            "--format",
            "jsonl",
            "--quiet",
            "--manifest",
            "visits.csv",
        ])
        .args(["a.jpg", "b.jpg", "c.jpg"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let records = jsonl(&output.stdout);
    let analyses = by_type(&records, "analysis");
    assert_eq!(analyses.len(), 2, "{records:?}");
    assert_eq!(analyses[0]["session"]["client"], "CL-1");
    assert_eq!(analyses[0]["session"]["date"], "2026-10-01");
    assert_eq!(analyses[0]["session"]["date_source"], "manifest");
    assert_eq!(analyses[0]["session"]["note"], "first visit");
    assert_eq!(analyses[1]["session"]["side"], "left");
    assert_eq!(analyses[1]["session"]["note"], "thomas, left leg");
    let errors = by_type(&records, "error");
    assert_eq!(errors.len(), 2, "{errors:?}");
    // c.jpg exists but has no row: reported, not analysed, not guessed.
    assert_eq!(errors[0]["image"]["path"], "c.jpg");
    assert_eq!(errors[0]["error"]["kind"], "manifest");
    assert!(
        errors[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has no row in the manifest visits.csv")
    );
    // The manifest's row 4 names a photo that is not there.
    assert_eq!(errors[1]["error"]["kind"], "io");
    let message = errors[1]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("gone.jpg")
            || errors[1]["image"]["path"]
                .as_str()
                .unwrap()
                .ends_with("gone.jpg")
    );
    assert!(message.contains("(line 4)"), "{message}");

    // Without photos on the command line the manifest's photos are analysed.
    let output = sagitta()
        .current_dir(dir.path())
        .args([
            "analyze",
            "--format",
            "csv",
            "--quiet",
            "--manifest",
            "visits.csv",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let mut reader = csv::Reader::from_reader(&output.stdout[..]);
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][column("client")], "CL-1");
    // A client cell that looks like a formula is quoted.
    assert_eq!(&rows[1][column("client")], "'=1+2");
    assert_eq!(&rows[2][column("status")], "failed");

    // --out --report: the record is in the report header; the row without
    // its photo is still reported (exit code 1).
    let out = tempfile::tempdir().unwrap();
    sagitta()
        .current_dir(dir.path())
        .args([
            "analyze",
            "--quiet",
            "--manifest",
            "visits.csv",
            "--report",
            "--out",
        ])
        .arg(out.path())
        .arg("a.jpg")
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "gone.jpg: listed in the manifest visits.csv (line 4)",
        ));
    let page = std::fs::read_to_string(out.path().join("a.report.html")).unwrap();
    assert!(page.contains("<b>client</b> CL-1"), "{}", &page[..3000]);
    assert!(page.contains("<b>note</b> first visit"));
}

#[test]
fn a_bad_manifest_is_refused_with_the_file_and_the_line() {
    let dir = manifest_folder();
    for (text, needle) in [
        (
            "photo,client,room\na.jpg,CL-1,3\n",
            "unknown column \"room\"",
        ),
        ("client,date\nCL-1,2026-10-01\n", "no `photo` column"),
        (
            "photo,date\na.jpg,2026-13-01\n",
            "line 2: 2026-13-01: there is no month 13",
        ),
        (
            "photo,client\na.jpg,CL-1\n./a.jpg,CL-2\n",
            "line 3: the photo ./a.jpg is listed again (first on line 2)",
        ),
        ("photo,note\na.jpg,\"two\nlines\"\n", "control character"),
        ("photo,client\na.jpg,CL-1,extra\n", "visits.csv"),
        ("photo,Photo\na.jpg,a.jpg\n", "appears twice"),
    ] {
        std::fs::write(dir.path().join("visits.csv"), text).unwrap();
        let output = sagitta()
            .current_dir(dir.path())
            .args(["analyze", "--manifest", "visits.csv", "a.jpg"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("manifest visits.csv"), "{stderr}");
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    }
    // A folder, and options that the manifest replaces.
    sagitta()
        .args(["analyze", "--manifest"])
        .arg(dir.path())
        .arg(dir.path().join("a.jpg"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a regular file"));
    sagitta()
        .args([
            "analyze",
            "--client",
            "CL-1",
            "--manifest",
            "m.csv",
            "a.jpg",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot be used with"));
}

/// Before: `--out wk wk` and `-r --out . .` left the output folder out of
/// the walk, so nothing was analysed, silently, and CSV printed not even its
/// header. The photos there are analysed; the results sagitta wrote there
/// are not taken for photos on the next run.
#[test]
fn an_output_folder_equal_to_the_input_analyses_its_photos_not_its_results() {
    let dir = tempfile::tempdir().unwrap();
    let wk = dir.path().join("wk");
    std::fs::create_dir_all(wk.join("sub")).unwrap();
    std::fs::copy(sample("walker_03.jpg"), wk.join("a.jpg")).unwrap();
    let run = |cwd: &Path, format: &str, args: &[&str]| {
        let output = sagitta()
            .current_dir(cwd)
            .args(["analyze", "--quiet", "--model", "lite", "--format", format])
            .args(args)
            .assert()
            .code(0)
            .get_output()
            .clone();
        String::from_utf8(output.stdout).unwrap()
    };
    for round in 1..=2 {
        let stdout = run(dir.path(), "jsonl", &["--report", "--out", "wk", "wk"]);
        let records = jsonl(stdout.as_bytes());
        // One analysis and the summary: no record for a result file.
        assert_eq!(records.len(), 2, "round {round}: {records:?}");
        assert_eq!(records[0]["image"]["path"], "wk/a.jpg", "round {round}");
        // Its own results are neither analysed nor counted as skipped files.
        let summary = by_type(&records, "summary")[0];
        assert_eq!(summary["skipped_not_image"], 0, "round {round}: {summary}");
    }
    assert_eq!(
        result_files(&wk),
        ["a.annotated.jpg", "a.jpg", "a.json", "a.report.html", "sub"]
    );

    // From inside, with -r: the photo in the subfolder is new. CSV prints
    // its header and one row per photo.
    std::fs::copy(sample("walker_01.jpg"), wk.join("sub/b.jpg")).unwrap();
    let text = run(&wk, "csv", &["-r", "--out", ".", "."]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("path,"), "{text}");
    assert!(lines[1].starts_with("./a.jpg,"), "{text}");
    assert!(lines[2].starts_with("./sub/b.jpg,"), "{text}");
    assert!(wk.join("sub__b.json").is_file());

    // Nothing left to do: CSV still prints its header.
    let text = run(&wk, "csv", &["-r", "--resume", "--out", ".", "."]);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("path,"), "{text}");
}

/// A manifest from another system may name photos outside its folder
/// (`../elsewhere/o.jpg`) or by absolute path: they are read (only read,
/// as any photo is) and given their rows; every result stays inside `--out`.
#[test]
fn manifest_rows_may_name_photos_outside_its_folder_and_results_stay_in_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for folder in ["visits", "elsewhere", "archive", "out"] {
        std::fs::create_dir(root.join(folder)).unwrap();
    }
    std::fs::copy(sample("walker_03.jpg"), root.join("elsewhere/o.jpg")).unwrap();
    let absolute = root.join("archive/p.jpg");
    std::fs::copy(sample("walker_01.jpg"), &absolute).unwrap();
    std::fs::write(
        root.join("visits/list.csv"),
        format!(
            "photo,client\n../elsewhere/o.jpg,CL-1\n{},CL-2\n/dev/zero,CL-3\n",
            absolute.display()
        ),
    )
    .unwrap();
    let output = sagitta()
        .current_dir(root)
        .args(["analyze", "--format", "jsonl", "--quiet", "--model", "lite"])
        .args(["--manifest", "visits/list.csv", "--out", "out"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let records = jsonl(&output.stdout);
    let analyses = by_type(&records, "analysis");
    assert_eq!(analyses.len(), 2, "{records:?}");
    assert_eq!(analyses[0]["image"]["path"], "visits/../elsewhere/o.jpg");
    assert_eq!(analyses[0]["session"]["client"], "CL-1");
    assert_eq!(analyses[1]["image"]["path"], absolute.display().to_string());
    assert_eq!(analyses[1]["session"]["client"], "CL-2");
    // A device is never read, wherever a row points.
    let errors = by_type(&records, "error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{errors:?}"
    );
    assert_eq!(
        result_files(&root.join("out")),
        ["o.annotated.jpg", "o.json", "p.annotated.jpg", "p.json"]
    );
    assert_eq!(result_files(&root.join("elsewhere")), ["o.jpg"]);
    assert_eq!(result_files(&root.join("archive")), ["p.jpg"]);
}

/// A batch with --out groups the photos by their record: those of one
/// client on one date make one visit, written beside their analyses.
#[test]
fn a_batch_with_out_writes_one_visit_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let output = sagitta()
        .args([
            "analyze",
            "--client",
            "CL-0042",
            "--date",
            "2026-11-25",
            "--report",
            "--out",
        ])
        .arg(dir.path())
        .arg(sample("standing_anterior_tilt.jpg"))
        .arg(sample("thomas_short_left.jpg"))
        .arg(sample("thomas_short_right.jpg"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
    let visit = std::fs::read(dir.path().join("CL-0042_2026-11-25.visit.json")).unwrap();
    common::assert_schema_valid("visit", None, &visit);
    let visit: serde_json::Value = serde_json::from_slice(&visit).unwrap();
    assert_eq!(visit["photos"].as_array().unwrap().len(), 3);
    assert_eq!(visit["date"], "2026-11-25");
    assert!(
        visit["routine"]["exercises"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    let page = std::fs::read_to_string(dir.path().join("CL-0042_2026-11-25.visit.html")).unwrap();
    assert_eq!(page.matches("src=\"data:image/jpeg;base64,").count(), 3);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("visit of CL-0042 on 2026-11-25, 3 photos"),
        "{stderr}"
    );
}
