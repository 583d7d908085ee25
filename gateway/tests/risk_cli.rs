//! `assent risk` as a person runs it: the hint for the sample patients, a CSV of feature rows
//! against onnxruntime's answers saved by the training script, and every refusal.

mod support;

use std::path::{Path, PathBuf};

use support::run_assent;

/// 2026-01-15, the date the samples' expected hints are for (public/samples/README.md).
const NOW: &str = "1768435200";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn risk(args: &[&str]) -> (support::Run, serde_json::Value) {
    let mut all = vec!["risk"];
    all.extend_from_slice(args);
    let run = run_assent(&all, Path::new("."), "");
    let json = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
    (run, json)
}

fn sample(name: &str) -> String {
    repo(&format!("public/samples/synthetic-patient-{name}.json")).display().to_string()
}

#[test]
fn the_samples_give_their_hints_and_a_missing_input_is_named() {
    let (run, json) = risk(&["--bundle", &sample("a"), "--now", NOW]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let probability = json["probability"].as_f64().expect("probability");
    assert!((probability - 0.42588).abs() < 1e-4, "{probability}");
    assert_eq!(json["model_sha256"], "3a1f72da885d1f0bf2ab56d726ff6c2067d2ab2f5b5a124ac146c6eb8376e062");
    assert_eq!(json["missing"], serde_json::json!([]));

    let (run, json) = risk(&["--bundle", &sample("b"), "--now", NOW]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!((json["probability"].as_f64().expect("probability") - 0.04914).abs() < 1e-4);

    let (run, json) = risk(&["--bundle", &sample("c"), "--now", NOW]);
    assert_eq!(run.code, 1);
    assert!(json["probability"].is_null());
    assert!(json["missing"].to_string().contains("1518-0"), "{json}");
    assert!(run.stderr.contains("lacks what the model needs"), "{}", run.stderr);
}

#[test]
fn csv_rows_match_onnxruntime_and_bad_input_is_refused() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("model/reference-predictions.json")).expect("reference file"),
    )
    .expect("json");
    let rows = reference["rows"].as_array().expect("rows");
    let dir = tempfile::tempdir().expect("temp dir");
    // The model's features among others, in another order than the model's.
    let mut csv = String::from("id,age,bmi,skin,bp,glu,npreg\n");
    for (n, row) in rows.iter().enumerate() {
        let f: Vec<f64> = row["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        csv.push_str(&format!("{n},{},{},0,{},{},{}\n", f[4], f[3], f[2], f[1], f[0]));
    }
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, &csv).expect("write");
    let run = run_assent(&["risk", "--features-csv", input.to_str().expect("utf-8")], Path::new("."), "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next(), Some("id,age,bmi,skin,bp,glu,npreg,probability"));
    let mut count = 0;
    for (line, row) in lines.zip(rows) {
        let probability: f64 = line.rsplit(',').next().and_then(|p| p.parse().ok()).expect("probability");
        let expected = row["p_diabetes"].as_f64().expect("reference");
        assert!((probability - expected).abs() <= 1e-5, "{line}: {probability} vs {expected}");
        count += 1;
    }
    assert_eq!(count, rows.len(), "one output row per input row, in order");

    let bad_csv = dir.path().join("bad.csv");
    for (content, reason) in [
        ("npreg,glu,bp,age\n1,2,3,4\n", "no bmi column"),
        ("npreg,glu,bp,bmi,age\n1,high,70,30,40\n", "row 1 has \"high\" for glu"),
        ("", "it is empty"),
    ] {
        std::fs::write(&bad_csv, content).expect("write");
        let run =
            run_assent(&["risk", "--features-csv", bad_csv.to_str().expect("utf-8")], Path::new("."), "");
        assert_eq!(run.code, 1, "{content}");
        assert!(run.stderr.contains(reason), "{reason}: {}", run.stderr);
    }
}

#[test]
fn a_tampered_model_bad_bundles_and_usage_errors_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut model = std::fs::read(repo("public/model/pima-logistic-v1.onnx")).expect("model");
    let last = model.len() - 1;
    model[last] ^= 1;
    let tampered = dir.path().join("tampered.onnx");
    std::fs::write(&tampered, model).expect("write");
    let (run, _) =
        risk(&["--bundle", &sample("a"), "--now", NOW, "--model", tampered.to_str().expect("utf-8")]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("3a1f72da"), "names the pinned hash: {}", run.stderr);

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","birthDate":"1990-13-01"}}]}"#).expect("write");
    let (run, _) = risk(&["--bundle", bad.to_str().expect("utf-8"), "--now", NOW]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("entry[0].resource.birthDate"), "{}", run.stderr);

    for args in [&[][..], &["--bundle", "x.json", "--features-csv", "y.csv"][..], &["--bundle"][..]] {
        let (run, _) = risk(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
}
