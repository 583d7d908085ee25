//! Native cost of the consent operations the browser runs in wasm (bench/consent-scan.mjs):
//! sign + encode + render, verify, and an rqrr scan of a 1280×720 frame. Prints medians.
//!
//! Run: `cargo bench -p wasm-core --bench consent`

use std::time::Instant;

use rand_chacha::rand_core::SeedableRng;
use wasm_core::consent::{payload, qr, GrantDraft};

const RUNS: usize = 15;

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let patient = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let provider = [7u8; 32];
    let now = 1_790_000_000;
    let draft = GrantDraft {
        audience: provider,
        scopes: vec![
            "patient/Observation.rs?category=laboratory".into(),
            "patient/Condition.rs".into(),
            "patient/MedicationStatement.rs".into(),
        ],
        purpose: "TREAT".into(),
        not_before: now,
        expires_at: now + 30 * 86_400,
        log_origin: "assent.example/log".into(),
    };
    let mut text = String::new();
    let sign = median_ms(|| {
        let signed = draft.clone().sign(&patient, now, &mut rng).expect("signs");
        text = payload::encode(signed.bytes());
        qr::render_svg(&text).expect("renders");
    });
    let verify = median_ms(|| assert!(payload::verify(&text, now, Some(&provider)).offline_checks_pass()));

    // The code, 400 px wide, in the middle of a white 1280×720 frame.
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).expect("fits");
    let (modules, colors) = (code.width(), code.to_colors());
    let scale = 400 / (modules + 8);
    let (width, height) = (1280, 720);
    let mut frame = vec![255u8; width * height];
    for (index, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (index % modules + 4, index / modules + 4);
            for dy in 0..scale {
                let row = (160 + my * scale + dy) * width + 440;
                frame[row + mx * scale..row + (mx + 1) * scale].fill(0);
            }
        }
    }
    let scan = median_ms(|| assert_eq!(qr::scan_luma(&frame, width, height).as_deref(), Ok(text.as_str())));
    println!("native, {RUNS} runs, median: sign+encode+render {sign:.2} ms; verify {verify:.3} ms; rqrr scan 1280x720 {scan:.2} ms");
}
