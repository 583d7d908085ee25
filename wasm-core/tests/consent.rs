//! Consent grants: signature edge cases, round trips, tampering, clock and audience.
//! These run natively and, through wasm-bindgen-test, in headless Chromium.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use wasm_core::consent::grant::verify;
use wasm_core::consent::{CheckName, CheckOutcome, ConsentError, GrantDraft, Scope, SignedGrant};
use wasm_core::vault::MasterSeed;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: u64 = 1_790_000_000;
const DAY: u64 = 86_400;

struct Parties {
    patient: ed25519_dalek::SigningKey,
    provider: [u8; 32],
}

fn parties() -> Parties {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let provider_seed = MasterSeed::generate(&mut rng).expect("seeded RNG");
    let provider = provider_seed.root_key().verifying_key().to_bytes();
    let patient = MasterSeed::generate(&mut rng).expect("seeded RNG").pairwise_key(&provider);
    Parties { patient, provider }
}

fn draft(audience: [u8; 32]) -> GrantDraft {
    GrantDraft {
        audience,
        scopes: vec![
            "patient/Observation.rs?category=laboratory".into(),
            "patient/Condition.rs".into(),
            "patient/MedicationStatement.rs".into(),
        ],
        purpose: "TREAT".into(),
        not_before: NOW,
        expires_at: NOW + 30 * DAY,
        log_origin: "assent.example/log".into(),
    }
}

fn signed() -> (Parties, SignedGrant) {
    let parties = parties();
    let grant = draft(parties.provider)
        .sign(&parties.patient, NOW, &mut ChaCha20Rng::seed_from_u64(12))
        .expect("signs");
    (parties, grant)
}

fn outcome(bytes: &[u8], now: u64, audience: &[u8; 32], name: CheckName) -> CheckOutcome {
    verify(bytes, now, Some(audience))
        .checks
        .into_iter()
        .find(|c| c.name == name)
        .map(|c| c.outcome)
        .expect("every verdict has every check")
}

#[test]
fn a_signed_grant_verifies_offline_and_leaves_ledger_and_revocation_unchecked() {
    let (parties, grant) = signed();
    let verdict = verify(grant.bytes(), NOW, Some(&parties.provider));
    assert!(verdict.offline_checks_pass(), "{:?}", verdict.failures());
    assert!(matches!(
        outcome(grant.bytes(), NOW, &parties.provider, CheckName::Ledger),
        CheckOutcome::NotChecked(_)
    ));
    assert!(matches!(
        outcome(grant.bytes(), NOW, &parties.provider, CheckName::Revocation),
        CheckOutcome::NotChecked(_)
    ));
    let decoded = SignedGrant::decode(grant.bytes()).expect("decodes");
    assert_eq!(decoded, grant);
    assert_eq!(decoded.claims().issuer, parties.patient.verifying_key().to_bytes());
    assert_eq!(decoded.commitment(), grant.commitment());
    // Size is a benchmark figure (BENCHMARKS.md), not a test; this only bounds it.
    assert!(grant.bytes().len() < wasm_core::consent::MAX_GRANT_BYTES / 4, "{} bytes", grant.bytes().len());
}

#[test]
fn every_single_bit_flip_invalidates_the_grant() {
    let (parties, grant) = signed();
    let bytes = grant.bytes();
    for index in 0..bytes.len() {
        for bit in 0..8 {
            let mut tampered = bytes.to_vec();
            tampered[index] ^= 1 << bit;
            let verdict = verify(&tampered, NOW, Some(&parties.provider));
            assert!(!verdict.offline_checks_pass(), "flip of bit {bit} of byte {index} still verifies");
        }
    }
}

#[test]
fn a_re_encoded_grant_is_refused_even_with_the_same_meaning() {
    let (_, grant) = signed();
    let bytes = grant.bytes();
    // COSE_Sign1 is a 4-element array (0x84); the same array written with indefinite length.
    assert_eq!(bytes[0], 0x84);
    let mut indefinite = vec![0x9f];
    indefinite.extend_from_slice(&bytes[1..]);
    indefinite.push(0xff);
    assert!(SignedGrant::decode(&indefinite).is_err());
    // Tagged (COSE_Sign1 tag 18) instead of the untagged form Assent writes.
    let mut tagged = vec![0xd2];
    tagged.extend_from_slice(bytes);
    assert!(SignedGrant::decode(&tagged).is_err());
}

#[test]
fn the_validity_window_is_enforced_at_its_edges() {
    let (parties, grant) = signed();
    let exp = grant.claims().expires_at;
    let check_at = |now| outcome(grant.bytes(), now, &parties.provider, CheckName::Expiry);
    assert!(matches!(check_at(exp - 1), CheckOutcome::Passed(_)));
    assert!(matches!(check_at(exp), CheckOutcome::Failed(_)), "at exp the grant has expired");
    assert!(matches!(check_at(exp + 1), CheckOutcome::Failed(_)));

    let future = GrantDraft { not_before: NOW + DAY, expires_at: NOW + 2 * DAY, ..draft(parties.provider) }
        .sign(&parties.patient, NOW, &mut ChaCha20Rng::seed_from_u64(13))
        .expect("signs");
    let verdict = verify(future.bytes(), NOW, Some(&parties.provider));
    assert_eq!(verdict.failures().len(), 1);
    assert_eq!(verdict.failures()[0].0, CheckName::NotBefore);
    assert!(verify(future.bytes(), NOW + DAY, Some(&parties.provider)).offline_checks_pass());
}

#[test]
fn another_provider_is_not_the_audience() {
    let (parties, grant) = signed();
    let mut other = parties.provider;
    other[0] ^= 1;
    let verdict = verify(grant.bytes(), NOW, Some(&other));
    assert_eq!(verdict.failures().iter().map(|f| f.0).collect::<Vec<_>>(), vec![CheckName::Audience]);
    assert!(verdict.failures()[0].1.contains("another provider"));
}

#[test]
fn drafts_are_validated_before_signing() {
    let parties = parties();
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let sign = |d: GrantDraft, rng: &mut ChaCha20Rng| d.sign(&parties.patient, NOW, rng).map(|_| ());
    let base = draft(parties.provider);
    assert_eq!(sign(GrantDraft { scopes: vec![], ..base.clone() }, &mut rng), Err(ConsentError::NoScopes));
    assert_eq!(
        sign(GrantDraft { scopes: vec!["patient/observation.rs".into()], ..base.clone() }, &mut rng),
        Err(ConsentError::Scope("patient/observation.rs".into()))
    );
    assert_eq!(
        sign(GrantDraft { purpose: "MARKETING".into(), ..base.clone() }, &mut rng),
        Err(ConsentError::Purpose("MARKETING".into()))
    );
    assert_eq!(sign(GrantDraft { expires_at: NOW, ..base.clone() }, &mut rng), Err(ConsentError::Window));
}

#[test]
fn smart_v2_scope_syntax() {
    let check_scope = |text: &str, valid: bool| assert_eq!(Scope::parse(text).is_some(), valid, "{text}");
    for valid in [
        "patient/Observation.rs",
        "patient/Observation.rs?category=laboratory",
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs",
        "user/*.cruds",
        "system/Patient.r",
        "patient/Condition.rs?clinical-status=active&category=problem-list-item",
    ] {
        check_scope(valid, true);
    }
    for invalid in [
        "",
        "patient",
        "patient/Observation",
        "patient/Observation.",
        "patient/Observation.sr",
        "patient/Observation.rr",
        "patient/Observation.x",
        "admin/Observation.r",
        "patient/observation.r",
        "patient/Observation.r?",
        "patient/Observation.r?category",
        "patient/Observation.r?=x",
        "patient/Obs<script>.r",
        "patient/Observation.rs?category=a b",
    ] {
        check_scope(invalid, false);
    }
}

/// A bounded property test: random valid drafts always round-trip through sign, decode and
/// verify, and hostile byte strings never panic the decoder.
#[test]
fn random_drafts_round_trip_and_random_bytes_are_refused() {
    let parties = parties();
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let scopes = [
        "patient/Observation.rs",
        "patient/Condition.rs",
        "patient/*.r",
        "user/Immunization.rs?status=completed",
    ];
    let purposes = ["TREAT", "HRESCH", "PATRQT", "ETREAT"];
    for _ in 0..64 {
        let count = 1 + (rng.next_u32() as usize % scopes.len());
        let start = NOW + u64::from(rng.next_u32() % 1_000_000);
        let length = 1 + u64::from(rng.next_u32());
        let d = GrantDraft {
            scopes: scopes[..count].iter().map(|s| s.to_string()).collect(),
            purpose: purposes[rng.next_u32() as usize % purposes.len()].into(),
            not_before: start,
            expires_at: start + length,
            ..draft(parties.provider)
        };
        let grant = d.sign(&parties.patient, NOW, &mut rng).expect("valid drafts sign");
        assert_eq!(SignedGrant::decode(grant.bytes()).as_ref(), Ok(&grant));
        assert!(verify(grant.bytes(), start, Some(&parties.provider)).offline_checks_pass());
    }
    for len in [0usize, 1, 4, 64, 300, 2048, 2049, 5000] {
        let mut junk = vec![0u8; len];
        rng.fill_bytes(&mut junk);
        assert!(!verify(&junk, NOW, Some(&parties.provider)).offline_checks_pass());
    }
}

#[test]
fn qr_payload_round_trips_and_fits_a_version_13_m_code() {
    use wasm_core::consent::payload;
    let (parties, grant) = signed();
    let text = payload::encode(grant.bytes());
    assert!(text.starts_with("AS1:"));
    assert!(text.chars().all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c)), "{text}");
    assert_eq!(payload::decode(&text).as_deref(), Ok(grant.bytes()));
    assert_eq!(payload::decode(&format!("  {text}\n")).as_deref(), Ok(grant.bytes()));
    assert!(payload::verify(&text, NOW, Some(&parties.provider)).offline_checks_pass());

    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .expect("fits a QR code");
    let qrcode::Version::Normal(version) = code.version() else { panic!("a micro QR version") };
    assert!(version <= 13, "QR version {version} for {} payload characters", text.len());
}

#[test]
fn hostile_payloads_are_refused_with_their_reason() {
    use wasm_core::consent::payload::{self, MAX_PAYLOAD_LEN};
    let (parties, grant) = signed();
    let long = format!("AS1:{}", "0".repeat(MAX_PAYLOAD_LEN));
    assert_eq!(
        payload::decode(&long),
        Err(ConsentError::PayloadTooLarge { len: long.len(), max: MAX_PAYLOAD_LEN })
    );
    assert_eq!(payload::decode("HC1:NCFOXN%TS3DH"), Err(ConsentError::PayloadPrefix));
    assert_eq!(payload::decode(""), Err(ConsentError::PayloadPrefix));
    let text = payload::encode(grant.bytes());
    assert_eq!(
        payload::decode(&text.to_lowercase().replace("as1:", "AS1:")),
        Err(ConsentError::PayloadEncoding)
    );
    assert_eq!(payload::decode("AS1:"), Err(ConsentError::PayloadEncoding));
    // A zlib bomb: 100 kB of zeros compress to a few hundred bytes but exceed the inflate cap.
    let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0x84; 100_000], 10);
    assert_eq!(
        payload::decode(&format!("AS1:{}", base45::encode(&bomb))),
        Err(ConsentError::PayloadCompression)
    );
    let verdict = payload::verify("not a code", NOW, Some(&parties.provider));
    assert!(!verdict.offline_checks_pass());
    assert!(verdict.failures()[0].1.contains("not an Assent consent code"));
}

#[test]
fn revocations_are_signed_by_the_grants_key_and_name_only_its_commitment() {
    use wasm_core::consent::Revocation;
    let (parties, grant) = signed();
    let revocation = Revocation::sign(&grant, &parties.patient, NOW + 60).expect("the issuer revokes");
    let read = Revocation::verify(revocation.bytes()).expect("verifies");
    assert!(read.revokes(&grant));
    assert_eq!((read.commitment, read.revoked_at), (grant.commitment(), NOW + 60));

    let other_grant = draft(parties.provider)
        .sign(&parties.patient, NOW, &mut ChaCha20Rng::seed_from_u64(21))
        .expect("signs");
    assert!(!read.revokes(&other_grant));
    let stranger = MasterSeed::generate(&mut ChaCha20Rng::seed_from_u64(22)).expect("seeded").root_key();
    assert_eq!(Revocation::sign(&grant, &stranger, NOW), Err(ConsentError::WrongSigner));

    for index in 0..revocation.bytes().len() {
        let mut tampered = revocation.bytes().to_vec();
        tampered[index] ^= 0x01;
        assert!(Revocation::verify(&tampered).is_err(), "flip at byte {index}");
    }
    // A revocation is not a grant, and a grant is not a revocation.
    assert!(SignedGrant::decode(revocation.bytes()).is_err());
    assert!(Revocation::verify(grant.bytes()).is_err());
}

#[test]
fn access_events_are_signed_by_the_grants_provider() {
    use wasm_core::consent::AccessEvent;
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let provider_key = MasterSeed::generate(&mut rng).expect("seeded").root_key();
    let patient = MasterSeed::generate(&mut rng)
        .expect("seeded")
        .pairwise_key(&provider_key.verifying_key().to_bytes());
    let grant = draft(provider_key.verifying_key().to_bytes()).sign(&patient, NOW, &mut rng).expect("signs");
    let used = vec![Scope::parse("patient/Observation.rs?category=laboratory").expect("valid scope")];

    let event =
        AccessEvent::sign(&grant, &used, &provider_key, NOW + 120, &mut rng).expect("the audience signs");
    let read = AccessEvent::verify(event.bytes()).expect("verifies");
    assert!(read.belongs_to(&grant));
    assert_eq!((read.accessed_at, read.scopes_used.clone()), (NOW + 120, used.clone()));
    assert_eq!(AccessEvent::sign(&grant, &used, &patient, NOW, &mut rng), Err(ConsentError::WrongSigner));
    assert_eq!(AccessEvent::sign(&grant, &[], &provider_key, NOW, &mut rng), Err(ConsentError::NoScopes));
    for index in 0..event.bytes().len() {
        let mut tampered = event.bytes().to_vec();
        tampered[index] ^= 0x80;
        assert!(AccessEvent::verify(&tampered).is_err(), "flip at byte {index}");
    }
    assert!(AccessEvent::verify(grant.bytes()).is_err());
}

#[test]
fn a_grant_exports_as_a_fhir_r4_consent() {
    use wasm_core::consent::fhir::{consent_resource, rfc3339};
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_790_000_000), "2026-09-21T14:13:20Z");
    assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");

    let (_, grant) = signed();
    let consent = consent_resource(&grant);
    assert_eq!(consent["resourceType"], "Consent");
    assert_eq!(consent["status"], "active");
    let provision = &consent["provision"];
    assert_eq!(provision["type"], "permit");
    assert_eq!(provision["actor"][0]["role"]["coding"][0]["code"], "IRCP");
    assert_eq!(
        provision["actor"][0]["reference"]["identifier"]["value"],
        hex::encode(grant.claims().audience)
    );
    assert_eq!(provision["action"][0]["coding"][0]["code"], "access");
    assert_eq!(provision["purpose"][0]["code"], "TREAT");
    assert_eq!(provision["period"]["start"], "2026-09-21T14:13:20Z");
    assert_eq!(provision["period"]["end"], rfc3339(NOW + 30 * DAY));
    let classes: Vec<&str> = provision["class"]
        .as_array()
        .expect("class list")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(classes, ["Observation", "Condition", "MedicationStatement"]);
    assert_eq!(provision["code"][0]["text"], "patient/Observation.rs?category=laboratory");
    assert_eq!(consent["identifier"][0]["value"], hex::encode(grant.commitment()));
}

/// Rasterizes a QR code independently of `render_svg`: `scale` pixels per module, 4-module
/// quiet zone, white background; returns (luma, width).
fn raster(payload: &str, scale: usize) -> (Vec<u8>, usize) {
    let code =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).expect("fits");
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 8) * scale;
    let mut luma = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (index % modules + 4, index / modules + 4);
            for dy in 0..scale {
                let row = (my * scale + dy) * side;
                luma[row + mx * scale..row + (mx + 1) * scale].fill(0);
            }
        }
    }
    (luma, side)
}

#[test]
fn a_rendered_grant_code_scans_back_to_its_payload() {
    use wasm_core::consent::{payload, qr};
    let (parties, grant) = signed();
    let text = payload::encode(grant.bytes());
    let svg = qr::render_svg(&text).expect("renders");
    assert!(svg.contains("<svg") && !svg.contains("<script"), "{}", &svg[..100]);

    let (luma, side) = raster(&text, 4);
    let scanned = qr::scan_luma(&luma, side, side).expect("scans");
    assert_eq!(scanned, text);
    assert!(payload::verify(&scanned, NOW, Some(&parties.provider)).offline_checks_pass());

    // The same frame as RGBA, as a canvas hands it over.
    let rgba: Vec<u8> = luma.iter().flat_map(|&l| [l, l, l, 255]).collect();
    assert_eq!(qr::scan_rgba(&rgba, side, side).as_deref(), Ok(text.as_str()));
}

#[test]
fn scanning_bad_frames_gives_reasons_not_panics() {
    use wasm_core::consent::qr;
    assert_eq!(qr::scan_luma(&vec![255; 640 * 480], 640, 480), Err(ConsentError::ScanNotFound));
    assert!(matches!(qr::scan_luma(&[0; 10], 640, 480), Err(ConsentError::ScanImage { .. })));
    assert!(matches!(qr::scan_luma(&[], 0, 0), Err(ConsentError::ScanImage { .. })));
    assert!(matches!(qr::scan_luma(&[0; 4], usize::MAX, 2), Err(ConsentError::ScanImage { .. })));
    assert!(matches!(qr::scan_rgba(&[0; 7], 1, 2), Err(ConsentError::ScanImage { .. })));
    let mut noise = vec![0u8; 320 * 240];
    ChaCha20Rng::seed_from_u64(31).fill_bytes(&mut noise);
    assert!(qr::scan_luma(&noise, 320, 240).is_err());
    assert!(matches!(qr::render_svg(&"A".repeat(5000)), Err(ConsentError::QrTooLong { .. })));
}

#[test]
fn provider_keys_are_read_from_64_hex_digits() {
    use wasm_core::consent::parse_provider_key;
    let key = [0xabu8; 32];
    assert_eq!(parse_provider_key(&hex::encode(key)), Ok(key));
    assert_eq!(parse_provider_key(&format!("  {}\n", hex::encode(key).to_uppercase())), Ok(key));
    for bad in ["", "abcd", &"g".repeat(64), &"ab".repeat(33)] {
        assert_eq!(parse_provider_key(bad), Err(wasm_core::consent::ProviderKeyError), "{bad}");
        assert_eq!(ConsentError::from(wasm_core::consent::ProviderKeyError), ConsentError::ProviderKey);
    }
}

#[test]
fn the_wallet_remembers_issued_grants_with_their_status_and_revocation() {
    use wasm_core::consent::issued::{GrantStatus, IssuedGrant};
    use wasm_core::consent::{payload, Revocation};
    use wasm_core::vault::{VaultError, WalletState};

    let (parties, grant) = signed();
    let mut entry = IssuedGrant::new(&grant, &parties.provider, payload::encode(grant.bytes()));
    assert_eq!(entry.commitment, hex::encode(grant.commitment()));
    for (now, expected) in [
        (NOW - 1, GrantStatus::NotYetValid),
        (NOW, GrantStatus::Active),
        (NOW + 30 * DAY - 1, GrantStatus::Active),
        (NOW + 30 * DAY, GrantStatus::Expired),
    ] {
        assert_eq!(entry.status(now), expected, "at {now}");
    }

    // Only the grant's own pairwise key revokes it; the revocation verifies and names it.
    let stranger = MasterSeed::generate(&mut ChaCha20Rng::seed_from_u64(23)).expect("seeded").root_key();
    assert_eq!(entry.revoke(&stranger, NOW + 5), Err(ConsentError::WrongSigner));
    let revocation = entry.revoke(&parties.patient, NOW + 5).expect("the issuer revokes");
    let read = Revocation::verify(&hex::decode(&revocation.signed).expect("hex")).expect("verifies");
    assert!(read.revokes(&grant));
    assert!(entry.awaits_ledger(), "its commitment is not on the ledger yet");
    entry.ledger = Some(wasm_core::consent::issued::OnLedger { index: 0, checkpoint_size: 1 });
    assert!(!entry.awaits_ledger());
    entry.revocation = Some(revocation);
    assert_eq!(entry.status(NOW + 10), GrantStatus::Revoking, "revoked here, not yet on the ledger");
    assert!(entry.awaits_ledger(), "its revocation is not on the ledger yet");
    if let Some(revocation) = entry.revocation.as_mut() {
        revocation.ledger = Some(wasm_core::consent::issued::OnLedger { index: 1, checkpoint_size: 2 });
    }
    assert_eq!(entry.status(NOW + 10), GrantStatus::Revoked, "its inclusion verified");
    assert!(!entry.awaits_ledger());

    // Their ledger entries: the grant's commitment is the same each time (deterministic
    // signature, so a retry finds the same index), and both verify as log entries.
    use wasm_core::consent::LogEntry;
    let commitment_entry = entry.log_entry(&parties.patient).expect("entry");
    assert_eq!(entry.log_entry(&parties.patient).expect("entry"), commitment_entry);
    assert!(
        matches!(LogEntry::verify(&commitment_entry), Ok(LogEntry::Grant(statement)) if statement.matches(&grant))
    );
    let revocation_entry = entry.revocation.as_ref().expect("revoked").log_entry().expect("entry");
    assert!(
        matches!(LogEntry::verify(&revocation_entry), Ok(LogEntry::Revocation(read)) if read.revokes(&grant))
    );
    // A list stored before ledger places existed still reads, with none.
    let mut old_json = serde_json::to_value(&entry).expect("json");
    old_json.as_object_mut().expect("object").remove("ledger");
    let read_back: IssuedGrant = serde_json::from_value(old_json).expect("old entries read");
    assert_eq!(read_back.ledger, None);
    assert_eq!(entry.status(NOW + 31 * DAY), GrantStatus::Revoked, "revoked outranks expired");

    // The state round-trips; a newer version and damaged contents are distinct errors.
    let state = WalletState { grants: vec![entry], ..WalletState::default() };
    assert_eq!(WalletState::from_bytes(&state.to_bytes()), Ok(state.clone()));
    let newer = String::from_utf8(state.to_bytes()).expect("json").replace("\"version\":1", "\"version\":2");
    assert!(matches!(
        WalletState::from_bytes(newer.as_bytes()),
        Err(VaultError::UnsupportedVersion { found: 2, .. })
    ));
    for damaged in [&b"{\"version\":1}"[..], b"[]", b"\xff", &state.to_bytes()[..40]] {
        assert!(matches!(WalletState::from_bytes(damaged), Err(VaultError::Damaged { .. })));
    }
}

#[test]
fn log_entries_carry_only_commitments_and_verify_by_their_signers() {
    use wasm_core::consent::{AccessEvent, GrantCommitment, LogEntry, Revocation};
    let mut rng = ChaCha20Rng::seed_from_u64(31);
    let provider_key = MasterSeed::generate(&mut rng).expect("seeded").root_key();
    let patient = MasterSeed::generate(&mut rng)
        .expect("seeded")
        .pairwise_key(&provider_key.verifying_key().to_bytes());
    let grant = draft(provider_key.verifying_key().to_bytes()).sign(&patient, NOW, &mut rng).expect("signs");
    let used = vec![Scope::parse("patient/Condition.rs").expect("valid scope")];

    let statement = GrantCommitment::sign(&grant, &patient).expect("the issuer states its grant");
    assert!(statement.matches(&grant));
    assert_eq!(GrantCommitment::sign(&grant, &provider_key), Err(ConsentError::WrongSigner));
    let entries = [
        LogEntry::Grant(statement),
        LogEntry::Revocation(Revocation::sign(&grant, &patient, NOW + 5).expect("revokes")),
        LogEntry::Access(AccessEvent::sign(&grant, &used, &provider_key, NOW + 9, &mut rng).expect("signs")),
    ];
    for entry in &entries {
        let bytes = entry.to_bytes();
        assert_eq!(LogEntry::verify(&bytes).as_ref(), Ok(entry), "round trip");
        assert_eq!(entry.commitment(), Some(&grant.commitment()));
        // The grant itself is never in an entry: neither its bytes nor its scopes.
        assert!(!bytes.windows(grant.bytes().len()).any(|w| w == grant.bytes()));
        assert!(
            !bytes.windows(b"Condition".len()).any(|w| w == b"Condition")
                || matches!(entry, LogEntry::Access(_))
        );
        // Every single-bit flip is refused, the kind byte included.
        for index in 0..bytes.len() {
            let mut tampered = bytes.clone();
            tampered[index] ^= 0x01;
            assert!(LogEntry::verify(&tampered).is_err(), "flip at byte {index}");
        }
    }
    // Unknown or missing kinds, and oversized input, are refused with their reason.
    assert_eq!(LogEntry::verify(&[]), Err(ConsentError::EntryKind(None)));
    let mut unknown = entries[0].to_bytes();
    unknown[0] = 9;
    assert_eq!(LogEntry::verify(&unknown), Err(ConsentError::EntryKind(Some(9))));
    assert!(matches!(LogEntry::verify(&vec![1u8; 5000]), Err(ConsentError::TooLarge { .. })));
    // A grant is not a log entry, under any kind byte.
    for kind in 1..=4u8 {
        assert!(LogEntry::verify(&[&[kind][..], grant.bytes()].concat()).is_err());
    }
}

#[test]
fn model_releases_verify_by_their_publisher_and_only_the_pinned_one_passes_the_pin() {
    use wasm_core::consent::{LogEntry, ModelRelease};
    use wasm_core::risk::{self, RiskError, MODEL_ID, MODEL_PUBLISHER, MODEL_SHA256};
    let mut rng = ChaCha20Rng::seed_from_u64(41);
    let publisher = MasterSeed::generate(&mut rng).expect("seeded").root_key();
    let digest = [7u8; 32];
    let release = ModelRelease::sign(&digest, "some-model-v2", &publisher).expect("signs");
    assert!(release.releases(&digest, "some-model-v2", &publisher.verifying_key().to_bytes()));
    let entry = LogEntry::Model(release.clone());
    let bytes = entry.to_bytes();
    assert_eq!(bytes[0], 4, "kind byte of a model release");
    assert_eq!(LogEntry::verify(&bytes), Ok(entry.clone()));
    assert_eq!((entry.log_origin(), entry.commitment()), (None, None), "a release names no log or grant");
    for index in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[index] ^= 0x01;
        assert!(LogEntry::verify(&tampered).is_err(), "flip at byte {index}");
    }
    // A release signed by anyone verifies as a release, but only the publisher's release of the
    // pinned model passes the wallet's pin.
    assert!(matches!(risk::pinned_release(&bytes), Err(RiskError::Release(_))));
    let impostor = ModelRelease::sign(&MODEL_SHA256, MODEL_ID, &publisher).expect("signs");
    assert!(matches!(
        risk::pinned_release(&LogEntry::Model(impostor).to_bytes()),
        Err(RiskError::Release(_))
    ));
    assert!(matches!(ModelRelease::sign(&digest, "", &publisher), Err(ConsentError::Claims(_))));

    // The release shipped with the app is the pinned model's, by the pinned publisher.
    let shipped = include_bytes!("../../public/model/pima-logistic-v1.release");
    let pinned = risk::pinned_release(shipped).expect("the shipped release passes the pin");
    assert_eq!((pinned.model_sha256, pinned.publisher), (MODEL_SHA256, MODEL_PUBLISHER));
    assert_eq!(pinned.model_id, MODEL_ID);
}
