//! Witness policies in the C2SP tlog-policy format (<https://c2sp.org/tlog-policy>): which logs
//! may sign a checkpoint, which witnesses are known, and the quorum of cosignatures required.
//!
//! ```text
//! log example.com/log+2c2c7d1e+AQ...
//! witness w1 example.com/w1+d7b3b2a8+BA...
//! witness w2 example.org/w2+6e1b0a44+BA...
//! witness w3 example.net/w3+0b9d8c21+BA...
//! group two-of-three 2 w1 w2 w3
//! quorum two-of-three
//! ```
//!
//! Parse a policy with [`Policy::parse`], open the checkpoint note with [`Policy::verifiers`],
//! then ask [`Policy::check`] whether the verified signatures satisfy it. The file is read as
//! UTF-8 text; names are compared byte for byte.

use crate::tlog::note::{KeyType, NoteError, NoteVerifier, OpenedNote, SignatureKind};

/// The largest policy file [`Policy::parse`] reads, in bytes.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// The most logs, witnesses or groups one policy may define (the spec asks for at least 32).
pub const MAX_POLICY_ENTRIES: usize = 256;

/// The predefined name for a quorum that needs no cosignature.
const NO_QUORUM: &str = "none";

/// Why a policy could not be parsed, or why a note does not satisfy it. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The policy file is larger than [`MAX_POLICY_BYTES`].
    #[error("policy is {size} bytes, over the limit of {MAX_POLICY_BYTES}: shorten it")]
    TooLarge {
        /// The policy's size in bytes.
        size: usize,
    },
    /// The policy defines more than [`MAX_POLICY_ENTRIES`] logs, witnesses or groups.
    #[error("policy line {line} defines more than {MAX_POLICY_ENTRIES} of its kind: shorten the policy")]
    TooManyEntries {
        /// The line, from 1.
        line: usize,
    },
    /// A line holds a control character other than tab.
    #[error(
        "policy line {line} contains a control character: only tab, space and newline may separate items"
    )]
    ControlCharacter {
        /// The line, from 1.
        line: usize,
    },
    /// A line starts with an unknown keyword.
    #[error("policy line {line} starts with an unknown keyword: use log, witness, group or quorum")]
    UnknownKeyword {
        /// The line, from 1.
        line: usize,
    },
    /// A line has too few or too many items for its keyword.
    #[error("policy line {line} has the wrong number of items for its keyword: fix it as c2sp.org/tlog-policy describes")]
    WrongItemCount {
        /// The line, from 1.
        line: usize,
    },
    /// A verifier key does not parse.
    #[error("policy line {line} has a bad verifier key: {source}")]
    Key {
        /// The line, from 1.
        line: usize,
        /// Why the key did not parse.
        source: NoteError,
    },
    /// A log key is not an Ed25519 note key, or a witness key not a cosignature/v1 key.
    #[error("policy line {line} has a key of the wrong type: use a type 0x01 key for a log and a type 0x04 key for a witness")]
    WrongKeyType {
        /// The line, from 1.
        line: usize,
    },
    /// Two logs, or two witnesses, share a public key.
    #[error("policy line {line} repeats the public key of an earlier line: list each key once")]
    DuplicateKey {
        /// The line, from 1.
        line: usize,
    },
    /// A witness or group name is already defined, or is the reserved name `none`.
    #[error("policy line {line} defines a name that is already taken (or is 'none'): pick another name")]
    DuplicateName {
        /// The line, from 1.
        line: usize,
    },
    /// A name is used before it is defined.
    #[error("policy line {line} refers to a name not defined on an earlier line: define it first")]
    UndefinedName {
        /// The line, from 1.
        line: usize,
    },
    /// A group lists a name that is already a member of this or another group.
    #[error(
        "policy line {line} lists a name that is already a group member: each name may be a member once"
    )]
    DuplicateMember {
        /// The line, from 1.
        line: usize,
    },
    /// A group threshold is not `all`, `any` or a decimal k with 1 <= k <= members.
    #[error("policy line {line} has a bad threshold: use all, any, or a number from 1 to the member count")]
    InvalidThreshold {
        /// The line, from 1.
        line: usize,
    },
    /// There is no quorum line.
    #[error("policy has no quorum line: add one, 'quorum none' if no cosignature is needed")]
    MissingQuorum,
    /// There is more than one quorum line.
    #[error("policy line {line} is a second quorum line: keep exactly one")]
    DuplicateQuorum {
        /// The line, from 1.
        line: usize,
    },
    /// The note is not signed by any of the policy's logs.
    #[error("checkpoint is not signed by any log in the policy: fetch it from a listed log")]
    NotSignedByLog,
    /// The note's verified cosignatures do not satisfy the quorum.
    #[error(
        "checkpoint cosignatures do not meet the policy's quorum: fetch a checkpoint with more cosignatures"
    )]
    QuorumNotMet,
}

/// A log the policy trusts to sign checkpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLog {
    /// The log's key; its name is the log's origin.
    pub verifier: NoteVerifier,
    /// Where to reach the log, if the policy says.
    pub url: Option<String>,
}

/// A witness the policy knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWitness {
    /// The witness's name inside the policy file.
    pub name: String,
    /// The witness's cosignature/v1 key.
    pub verifier: NoteVerifier,
    /// Where to reach the witness, if the policy says.
    pub url: Option<String>,
}

/// A witness or group, by its position in the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Group {
    name: String,
    threshold: usize,
    members: Vec<Member>,
}

/// A parsed tlog-policy: the logs, the witnesses and the quorum rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    logs: Vec<PolicyLog>,
    witnesses: Vec<PolicyWitness>,
    groups: Vec<Group>,
    /// `None` for `quorum none`.
    quorum: Option<Member>,
}

impl Policy {
    /// Parses a policy file. Every rule of the spec is enforced: names are defined before use
    /// and only once, keys are not repeated, thresholds are in range, and there is exactly one
    /// quorum line.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge { size: text.len() });
        }
        let mut builder = Builder::default();
        // Split on '\n' only: a '\r' is a control character the spec forbids, not a line end.
        for (index, raw_line) in text.split('\n').enumerate() {
            builder.line(index + 1, raw_line)?;
        }
        let quorum = builder.quorum.ok_or(PolicyError::MissingQuorum)?;
        Ok(Policy { logs: builder.logs, witnesses: builder.witnesses, groups: builder.groups, quorum })
    }

    /// The logs the policy trusts.
    pub fn logs(&self) -> &[PolicyLog] {
        &self.logs
    }

    /// The witnesses the policy knows.
    pub fn witnesses(&self) -> &[PolicyWitness] {
        &self.witnesses
    }

    /// The keys to open a checkpoint note with: every log's and every witness's.
    pub fn verifiers(&self) -> Vec<NoteVerifier> {
        let logs = self.logs.iter().map(|log| log.verifier.clone());
        logs.chain(self.witnesses.iter().map(|witness| witness.verifier.clone())).collect()
    }

    /// Checks an opened note against the policy: it must be signed by one of the policy's logs
    /// (when the policy lists any) and cosigned by witnesses meeting the quorum.
    pub fn check(&self, opened: &OpenedNote) -> Result<(), PolicyError> {
        let signed_by_log = self.logs.iter().any(|log| {
            opened
                .signature_by(&log.verifier)
                .is_some_and(|signature| signature.kind == SignatureKind::Ed25519)
        });
        if !self.logs.is_empty() && !signed_by_log {
            return Err(PolicyError::NotSignedByLog);
        }
        let cosigned: Vec<bool> = self
            .witnesses
            .iter()
            .map(|witness| {
                opened
                    .signature_by(&witness.verifier)
                    .is_some_and(|signature| matches!(signature.kind, SignatureKind::Cosignature { .. }))
            })
            .collect();
        // Groups only name earlier groups, so one pass in order settles each of them.
        let mut satisfied: Vec<bool> = Vec::with_capacity(self.groups.len());
        for group in &self.groups {
            let count = group.members.iter().filter(|member| is_met(**member, &cosigned, &satisfied)).count();
            satisfied.push(count >= group.threshold);
        }
        match self.quorum {
            None => Ok(()),
            Some(member) if is_met(member, &cosigned, &satisfied) => Ok(()),
            Some(_) => Err(PolicyError::QuorumNotMet),
        }
    }
}

fn is_met(member: Member, cosigned: &[bool], satisfied: &[bool]) -> bool {
    match member {
        Member::Witness(index) => cosigned.get(index).copied().unwrap_or(false),
        Member::Group(index) => satisfied.get(index).copied().unwrap_or(false),
    }
}

/// The policy so far, while lines are read in order.
#[derive(Default)]
struct Builder {
    logs: Vec<PolicyLog>,
    witnesses: Vec<PolicyWitness>,
    groups: Vec<Group>,
    /// Every name listed in a group so far: each counts towards the quorum in one way only.
    members_used: Vec<Member>,
    /// `Some(None)` once `quorum none` is read.
    quorum: Option<Option<Member>>,
}

impl Builder {
    fn line(&mut self, line: usize, raw_line: &str) -> Result<(), PolicyError> {
        if raw_line.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(PolicyError::ControlCharacter { line });
        }
        let items: Vec<&str> = raw_line.split([' ', '\t']).filter(|item| !item.is_empty()).collect();
        match items.as_slice() {
            [] => Ok(()),
            [first, ..] if first.starts_with('#') => Ok(()),
            ["log", vkey] => self.log(line, vkey, None),
            ["log", vkey, url] => self.log(line, vkey, Some(url)),
            ["witness", name, vkey] => self.witness(line, name, vkey, None),
            ["witness", name, vkey, url] => self.witness(line, name, vkey, Some(url)),
            ["group", name, threshold, members @ ..] if !members.is_empty() => {
                self.group(line, name, threshold, members)
            }
            ["quorum", name] => self.quorum(line, name),
            ["log" | "witness" | "group" | "quorum", ..] => Err(PolicyError::WrongItemCount { line }),
            _ => Err(PolicyError::UnknownKeyword { line }),
        }
    }

    fn log(&mut self, line: usize, vkey: &str, url: Option<&str>) -> Result<(), PolicyError> {
        let verifier = parse_key(line, vkey, KeyType::Ed25519)?;
        if self.logs.iter().any(|log| log.verifier.public_key() == verifier.public_key()) {
            return Err(PolicyError::DuplicateKey { line });
        }
        if self.logs.len() >= MAX_POLICY_ENTRIES {
            return Err(PolicyError::TooManyEntries { line });
        }
        self.logs.push(PolicyLog { verifier, url: url.map(str::to_owned) });
        Ok(())
    }

    fn witness(&mut self, line: usize, name: &str, vkey: &str, url: Option<&str>) -> Result<(), PolicyError> {
        self.check_new_name(line, name)?;
        let verifier = parse_key(line, vkey, KeyType::CosignatureV1)?;
        if self.witnesses.iter().any(|witness| witness.verifier.public_key() == verifier.public_key()) {
            return Err(PolicyError::DuplicateKey { line });
        }
        if self.witnesses.len() >= MAX_POLICY_ENTRIES {
            return Err(PolicyError::TooManyEntries { line });
        }
        self.witnesses.push(PolicyWitness { name: name.to_owned(), verifier, url: url.map(str::to_owned) });
        Ok(())
    }

    fn group(&mut self, line: usize, name: &str, threshold: &str, names: &[&str]) -> Result<(), PolicyError> {
        self.check_new_name(line, name)?;
        let mut members = Vec::with_capacity(names.len());
        for member_name in names {
            let member = self.lookup(member_name).ok_or(PolicyError::UndefinedName { line })?;
            if members.contains(&member) || self.members_used.contains(&member) {
                return Err(PolicyError::DuplicateMember { line });
            }
            members.push(member);
        }
        let threshold = match threshold {
            "all" => members.len(),
            "any" => 1,
            digits => parse_threshold(digits)
                .filter(|k| (1..=members.len()).contains(k))
                .ok_or(PolicyError::InvalidThreshold { line })?,
        };
        if self.groups.len() >= MAX_POLICY_ENTRIES {
            return Err(PolicyError::TooManyEntries { line });
        }
        self.members_used.extend_from_slice(&members);
        self.groups.push(Group { name: name.to_owned(), threshold, members });
        Ok(())
    }

    fn quorum(&mut self, line: usize, name: &str) -> Result<(), PolicyError> {
        if self.quorum.is_some() {
            return Err(PolicyError::DuplicateQuorum { line });
        }
        let member = if name == NO_QUORUM {
            None
        } else {
            Some(self.lookup(name).ok_or(PolicyError::UndefinedName { line })?)
        };
        self.quorum = Some(member);
        Ok(())
    }

    fn check_new_name(&self, line: usize, name: &str) -> Result<(), PolicyError> {
        if name == NO_QUORUM || self.lookup(name).is_some() {
            return Err(PolicyError::DuplicateName { line });
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Option<Member> {
        let witness = self.witnesses.iter().position(|witness| witness.name == name).map(Member::Witness);
        witness.or_else(|| self.groups.iter().position(|group| group.name == name).map(Member::Group))
    }
}

fn parse_key(line: usize, vkey: &str, wanted: KeyType) -> Result<NoteVerifier, PolicyError> {
    let verifier = NoteVerifier::parse(vkey).map_err(|source| PolicyError::Key { line, source })?;
    if verifier.key_type() != wanted {
        return Err(PolicyError::WrongKeyType { line });
    }
    Ok(verifier)
}

/// Parses a decimal threshold without sign or leading zeros.
fn parse_threshold(digits: &str) -> Option<usize> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'));
    if !canonical {
        return None;
    }
    digits.parse().ok()
}
