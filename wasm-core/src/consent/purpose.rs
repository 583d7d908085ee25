//! HL7 v3 PurposeOfUse codes (value set `v3-PurposeOfUse`) that a patient can choose.

use core::fmt;

/// A purpose of use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Treatment.
    Treat,
    /// Emergency treatment.
    EmergencyTreat,
    /// Care management.
    CareManagement,
    /// Payment.
    Payment,
    /// Healthcare research.
    Research,
    /// Public health.
    PublicHealth,
    /// Requested by the patient.
    PatientRequest,
    /// Requested by the family.
    FamilyRequest,
}

impl Purpose {
    /// Every purpose, in the order a form lists them.
    pub const ALL: [Purpose; 8] = [
        Purpose::Treat,
        Purpose::EmergencyTreat,
        Purpose::CareManagement,
        Purpose::Payment,
        Purpose::Research,
        Purpose::PublicHealth,
        Purpose::PatientRequest,
        Purpose::FamilyRequest,
    ];

    /// The HL7 code.
    pub const fn code(self) -> &'static str {
        match self {
            Purpose::Treat => "TREAT",
            Purpose::EmergencyTreat => "ETREAT",
            Purpose::CareManagement => "CAREMGT",
            Purpose::Payment => "HPAYMT",
            Purpose::Research => "HRESCH",
            Purpose::PublicHealth => "PUBHLTH",
            Purpose::PatientRequest => "PATRQT",
            Purpose::FamilyRequest => "FAMRQT",
        }
    }

    /// Plain words for patients.
    pub const fn plain_words(self) -> &'static str {
        match self {
            Purpose::Treat => "treating me",
            Purpose::EmergencyTreat => "treating me in an emergency",
            Purpose::CareManagement => "coordinating my care",
            Purpose::Payment => "billing and payment",
            Purpose::Research => "health research",
            Purpose::PublicHealth => "public health",
            Purpose::PatientRequest => "a request I made",
            Purpose::FamilyRequest => "a request by my family",
        }
    }

    /// The purpose's number in a grant's claims (compact; fixed forever for each purpose).
    pub const fn wire_number(self) -> u8 {
        match self {
            Purpose::Treat => 1,
            Purpose::EmergencyTreat => 2,
            Purpose::CareManagement => 3,
            Purpose::Payment => 4,
            Purpose::Research => 5,
            Purpose::PublicHealth => 6,
            Purpose::PatientRequest => 7,
            Purpose::FamilyRequest => 8,
        }
    }

    /// The purpose with wire number `number`.
    pub fn from_wire_number(number: u64) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| u64::from(p.wire_number()) == number)
    }

    /// The purpose with HL7 code `code`.
    pub fn from_code(code: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.code() == code)
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
