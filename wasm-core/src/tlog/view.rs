//! A client's view of one log: the latest checkpoint it verified, and the only ways to move on.
//!
//! - A checkpoint must be signed by the log's key and meet the witness policy ([`LogTrust`]).
//! - A smaller tree than the one verified is a rollback (a stale or lying gateway): refused.
//! - The same size with another root is a fork: refused, with [`ForkEvidence`] to export.
//! - A larger tree is accepted only with a consistency proof, computed here from the tiles the
//!   gateway serves. Tiles that do not lead to the new checkpoint's root are the gateway's fault
//!   ([`ViewError::BadTiles`]); tiles that lead to it but not to the old root prove a fork.
//!
//! Every gateway serving one log feeds the same view, so two gateways showing different trees of
//! the same size are caught as a fork too. Sans-IO: callers fetch notes and tiles and pass the
//! bytes in; [`LogView::tiles_to_extend`] and [`LogView::tiles_for_inclusion`] say what to fetch.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use serde::{Deserialize, Serialize};

use crate::hash::Digest256;
use crate::tlog::checkpoint::{open_checkpoint, Checkpoint, CheckpointError};
use crate::tlog::merkle::leaf_hash;
use crate::tlog::note::{KeyType, NoteError, NoteVerifier, SignatureKind};
use crate::tlog::policy::{Policy, PolicyError};
use crate::tlog::proof::{consistency_roots, verify_inclusion, HashSource, ProofError};
use crate::tlog::tiles::{
    tiles_for_extension, tiles_for_inclusion, TileError, TileId, TileReader, TiledTree,
};

/// The `kind` of exported fork evidence.
pub const FORK_EVIDENCE_KIND: &str = "assent/fork-evidence/v1";

/// Why a checkpoint, proof or tile was refused. Messages say what happened and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// The log's verifier key does not parse.
    #[error("the log's verifier key is not valid: {0}")]
    LogKey(NoteError),
    /// The log's key is not a plain Ed25519 note key.
    #[error("the log's verifier key must be an Ed25519 note key (type 0x01), not a witness key")]
    LogKeyType,
    /// The witness policy does not parse.
    #[error("the witness policy is not valid: {0}")]
    PolicyText(PolicyError),
    /// The witness policy lists logs, and not this one.
    #[error("the witness policy does not list this log's key: add a `log` line for it or remove the others")]
    PolicyWithoutLog,
    /// The checkpoint did not verify: bad or missing log signature, wrong origin, bad syntax.
    #[error("the gateway's checkpoint is not valid: {0}")]
    Checkpoint(CheckpointError),
    /// The checkpoint's cosignatures do not meet the witness policy.
    #[error("the gateway's checkpoint is not witnessed as the policy requires: {0}")]
    Witnesses(PolicyError),
    /// An older tree than the one already verified.
    #[error(
        "the gateway served a checkpoint for {offered} entries, older than the {verified} already verified: it is stale or rolling the log back; try another gateway"
    )]
    Rollback {
        /// The size already verified.
        verified: u64,
        /// The size offered.
        offered: u64,
    },
    /// Two signed checkpoints of this log that cannot both be true.
    #[error("the log has forked: two checkpoints it signed show different histories; keep the evidence and report it to the log's operator and witnesses")]
    Fork(Box<ForkEvidence>),
    /// The gateway's tiles do not match its own signed checkpoint.
    #[error("the gateway's tiles do not match its signed checkpoint ({0}): it is faulty or lying; try another gateway")]
    BadTiles(TileError),
    /// An inclusion proof does not lead to the verified root.
    #[error("the entry is not proven to be in the log: {0}; try another gateway")]
    NotIncluded(ProofError),
    /// No checkpoint has been verified yet.
    #[error("no checkpoint of this log is verified yet: fetch one first")]
    NoCheckpoint,
    /// The inclusion proof is for another checkpoint than the one verified.
    #[error("the proof is for a tree of {proof_size} entries, not the verified {verified}: fetch tiles for the verified checkpoint")]
    OtherTree {
        /// The size the proof is for.
        proof_size: u64,
        /// The verified size.
        verified: u64,
    },
    /// A gateway's answer to a submission is malformed.
    #[error("the gateway's answer to the submission is not usable: {0}; try another gateway")]
    BadAnswer(String),
    /// Fork evidence could not be read.
    #[error("the fork evidence is malformed: {0}")]
    Evidence(String),
    /// Fork evidence that does not show a fork.
    #[error("the fork evidence does not show a fork: {0}")]
    NotAFork(&'static str),
}

/// What a client trusts for one log: the log's key (whose name is the origin) and, optionally, a
/// C2SP tlog-policy of witnesses whose quorum must cosign every checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogTrust {
    log: NoteVerifier,
    policy: Option<Policy>,
}

impl LogTrust {
    /// Trusts the log with verifier key `log_vkey` (`name+hash+base64`), under `policy` if given.
    pub fn new(log_vkey: &str, policy: Option<&str>) -> Result<LogTrust, ViewError> {
        let log = NoteVerifier::parse(log_vkey.trim()).map_err(ViewError::LogKey)?;
        if log.key_type() != KeyType::Ed25519 {
            return Err(ViewError::LogKeyType);
        }
        let policy = policy.map(Policy::parse).transpose().map_err(ViewError::PolicyText)?;
        if let Some(policy) = &policy {
            if !policy.logs().is_empty() && !policy.logs().iter().any(|listed| listed.verifier == log) {
                return Err(ViewError::PolicyWithoutLog);
            }
        }
        Ok(LogTrust { log, policy })
    }

    /// The log's origin: its key's name.
    pub fn origin(&self) -> &str {
        self.log.name()
    }

    /// The log's verifier key.
    pub fn log_key(&self) -> &NoteVerifier {
        &self.log
    }

    /// The witness policy, if any.
    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }

    /// Verifies a checkpoint note: the log's signature, the origin, and the witness quorum.
    pub fn open(&self, note: &[u8]) -> Result<VerifiedCheckpoint, ViewError> {
        let mut verifiers = vec![self.log.clone()];
        if let Some(policy) = &self.policy {
            verifiers.extend(policy.witnesses().iter().map(|witness| witness.verifier.clone()));
        }
        let (checkpoint, opened) =
            open_checkpoint(note, self.origin(), &verifiers).map_err(ViewError::Checkpoint)?;
        if let Some(policy) = &self.policy {
            policy.check(&opened).map_err(ViewError::Witnesses)?;
        }
        let witnesses = opened
            .signatures()
            .iter()
            .filter_map(|signature| match signature.kind {
                SignatureKind::Cosignature { timestamp } => {
                    Some(Cosigner { name: signature.name.clone(), timestamp })
                }
                SignatureKind::Ed25519 => None,
            })
            .collect();
        // open_note accepted the bytes as UTF-8 text.
        let note = String::from_utf8_lossy(note).into_owned();
        Ok(VerifiedCheckpoint { checkpoint, note, witnesses })
    }
}

/// A witness that cosigned a checkpoint, and when it says it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cosigner {
    /// The witness's key name.
    pub name: String,
    /// Seconds since the Unix epoch, as the witness claims.
    pub timestamp: u64,
}

/// A checkpoint whose signatures and witness quorum verified. Only [`LogTrust::open`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    note: String,
    witnesses: Vec<Cosigner>,
}

impl VerifiedCheckpoint {
    /// The tree size.
    pub fn size(&self) -> u64 {
        self.checkpoint.size
    }

    /// The root hash.
    pub fn root(&self) -> &Digest256 {
        &self.checkpoint.root
    }

    /// The parsed checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The signed note, as received.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// The witnesses whose cosignatures verified.
    pub fn witnesses(&self) -> &[Cosigner] {
        &self.witnesses
    }

    /// The newest witness timestamp, if any witness cosigned: a lower bound on the checkpoint's
    /// freshness that does not depend on the gateway.
    pub fn newest_cosignature(&self) -> Option<u64> {
        self.witnesses.iter().map(|cosigner| cosigner.timestamp).max()
    }
}

/// What [`LogView::advance`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advance {
    /// The first checkpoint of this log the view has seen: trusted on its signatures.
    First,
    /// The same tree as before.
    Unchanged,
    /// A larger tree, proven consistent with the one before.
    Extended {
        /// The size verified before.
        from: u64,
    },
}

/// An entry proven to be in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Included {
    /// The entry's index.
    pub index: u64,
    /// The size of the verified checkpoint the proof is for.
    pub checkpoint_size: u64,
}

/// The last verified checkpoint of one log, and the rules for replacing it.
#[derive(Clone, Debug)]
pub struct LogView {
    trust: LogTrust,
    latest: Option<VerifiedCheckpoint>,
}

impl LogView {
    /// A view that has verified nothing yet.
    pub fn new(trust: LogTrust) -> LogView {
        LogView { trust, latest: None }
    }

    /// A view restored from the note [`LogView::saved_note`] gave, verified again (so a damaged
    /// or altered store is refused rather than trusted).
    pub fn restore(trust: LogTrust, saved_note: &str) -> Result<LogView, ViewError> {
        let latest = trust.open(saved_note.as_bytes())?;
        Ok(LogView { trust, latest: Some(latest) })
    }

    /// What the view trusts.
    pub fn trust(&self) -> &LogTrust {
        &self.trust
    }

    /// The latest verified checkpoint.
    pub fn latest(&self) -> Option<&VerifiedCheckpoint> {
        self.latest.as_ref()
    }

    /// The note to persist, if any checkpoint is verified.
    pub fn saved_note(&self) -> Option<&str> {
        self.latest.as_ref().map(VerifiedCheckpoint::note)
    }

    /// Checks `offered` against the latest checkpoint without tiles: the tiles to fetch before
    /// [`LogView::advance`] (empty when none are needed), or why it is refused.
    pub fn tiles_to_extend(&self, offered: &VerifiedCheckpoint) -> Result<Vec<TileId>, ViewError> {
        let Some(latest) = &self.latest else { return Ok(Vec::new()) };
        match self.compare(latest, offered)? {
            None => Ok(Vec::new()),
            Some(old_size) => tiles_for_extension(old_size, offered.size()).map_err(ViewError::BadTiles),
        }
    }

    /// Moves the view to `offered` if it may: see the module docs. `tiles` must hold the tiles
    /// [`LogView::tiles_to_extend`] listed, fetched from any gateway of this log.
    pub fn advance<R: TileReader + ?Sized>(
        &mut self,
        offered: VerifiedCheckpoint,
        tiles: &R,
    ) -> Result<Advance, ViewError> {
        let Some(latest) = &self.latest else {
            self.latest = Some(offered);
            return Ok(Advance::First);
        };
        let Some(old_size) = self.compare(latest, &offered)? else { return Ok(Advance::Unchanged) };
        let (proof, old_root, new_root) =
            consistency_from_tiles(old_size, offered.size(), tiles).map_err(ViewError::BadTiles)?;
        if new_root != *offered.root() {
            return Err(ViewError::BadTiles(TileError::Proof(ProofError::RootMismatch)));
        }
        if old_root != *latest.root() {
            // The tiles are authentic (they lead to the signed new root), and they show another
            // older tree than the signed old root: the log signed two histories.
            return Err(ViewError::Fork(Box::new(ForkEvidence::new(latest, &offered, proof, old_root))));
        }
        self.latest = Some(offered);
        Ok(Advance::Extended { from: old_size })
    }

    /// `None` when `offered` is the latest tree; the latest size when `offered` is larger.
    fn compare(
        &self,
        latest: &VerifiedCheckpoint,
        offered: &VerifiedCheckpoint,
    ) -> Result<Option<u64>, ViewError> {
        match offered.size().cmp(&latest.size()) {
            std::cmp::Ordering::Less => {
                Err(ViewError::Rollback { verified: latest.size(), offered: offered.size() })
            }
            std::cmp::Ordering::Equal if offered.root() == latest.root() => Ok(None),
            std::cmp::Ordering::Equal => Err(ViewError::Fork(Box::new(ForkEvidence::new(
                latest,
                offered,
                Vec::new(),
                *offered.root(),
            )))),
            std::cmp::Ordering::Greater => Ok(Some(latest.size())),
        }
    }

    /// The tiles to fetch to prove the entry at `index` is in the latest verified tree.
    pub fn tiles_for_inclusion(&self, index: u64) -> Result<Vec<TileId>, ViewError> {
        let latest = self.latest.as_ref().ok_or(ViewError::NoCheckpoint)?;
        if index >= latest.size() {
            return Err(ViewError::NotIncluded(ProofError::IndexOutOfRange { index, size: latest.size() }));
        }
        tiles_for_inclusion(index, latest.size()).map_err(ViewError::BadTiles)
    }

    /// Proves that `entry` is at `index` in the latest verified tree, from fetched tiles.
    pub fn verify_inclusion<R: TileReader + ?Sized>(
        &self,
        entry: &[u8],
        index: u64,
        tiles: &R,
    ) -> Result<Included, ViewError> {
        let latest = self.latest.as_ref().ok_or(ViewError::NoCheckpoint)?;
        if index >= latest.size() {
            return Err(ViewError::NotIncluded(ProofError::IndexOutOfRange { index, size: latest.size() }));
        }
        let proof =
            TiledTree::new(latest.size(), tiles).inclusion_proof(index).map_err(ViewError::BadTiles)?;
        self.verify_inclusion_proof(entry, index, latest.size(), &proof)
    }

    /// Checks an inclusion proof for `entry` at `index` in the tree of `proof_size`, which must be
    /// the latest verified one (advance to the checkpoint that came with the proof first).
    pub fn verify_inclusion_proof(
        &self,
        entry: &[u8],
        index: u64,
        proof_size: u64,
        proof: &[Digest256],
    ) -> Result<Included, ViewError> {
        let latest = self.latest.as_ref().ok_or(ViewError::NoCheckpoint)?;
        if proof_size != latest.size() {
            return Err(ViewError::OtherTree { proof_size, verified: latest.size() });
        }
        verify_inclusion(&leaf_hash(entry), index, latest.size(), proof, latest.root())
            .map_err(ViewError::NotIncluded)?;
        Ok(Included { index, checkpoint_size: latest.size() })
    }
}

/// The consistency proof from `old_size` to `new_size` read from `tiles`, with the two roots it
/// leads to. The older tree's hash, which a proof leaves out when `old_size` is a power of two,
/// is read from the tiles too, so a fork shows in either case.
fn consistency_from_tiles<R: TileReader + ?Sized>(
    old_size: u64,
    new_size: u64,
    tiles: &R,
) -> Result<(Vec<Digest256>, Digest256, Digest256), TileError> {
    let tree = TiledTree::new(new_size, tiles);
    let proof = tree.consistency_proof(old_size)?;
    let seed = if old_size.is_power_of_two() {
        tree.subtree_hash(old_size.trailing_zeros() as u8, 0)?
    } else {
        Digest256::default()
    };
    let (old_root, new_root) = consistency_roots(old_size, new_size, &proof, &seed)?;
    Ok((proof, old_root, new_root))
}

/// Two checkpoints the log signed that cannot both be true, with the proof that shows it.
///
/// Either both trees have the same size and different roots, or the newer tree's own hashes
/// (the consistency proof, which leads to its signed root) give the older size another root
/// than the older checkpoint signed. Anyone with the log's key can check it with
/// [`ForkEvidence::verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkEvidence {
    /// Always [`FORK_EVIDENCE_KIND`].
    pub kind: String,
    /// The log.
    pub origin: String,
    /// The checkpoint verified first.
    pub first_note: String,
    /// The checkpoint that contradicts it.
    pub second_note: String,
    /// The consistency proof from the first tree to the second, read from the second tree's
    /// tiles (base64 hashes; empty for two trees of the same size).
    pub consistency_proof: Vec<String>,
    /// The root the second tree gives the first tree's size (base64).
    pub first_size_root_in_second: String,
}

impl ForkEvidence {
    fn new(
        first: &VerifiedCheckpoint,
        second: &VerifiedCheckpoint,
        proof: Vec<Digest256>,
        first_size_root_in_second: Digest256,
    ) -> ForkEvidence {
        ForkEvidence {
            kind: FORK_EVIDENCE_KIND.to_owned(),
            origin: first.checkpoint.origin.clone(),
            first_note: first.note.clone(),
            second_note: second.note.clone(),
            consistency_proof: proof.iter().map(|hash| BASE64.encode(hash)).collect(),
            first_size_root_in_second: BASE64.encode(first_size_root_in_second),
        }
    }

    /// The evidence as pretty JSON, to download or send to the log's witnesses.
    pub fn to_json(&self) -> String {
        // Serializing a struct of strings into a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads evidence from JSON.
    pub fn from_json(text: &str) -> Result<ForkEvidence, ViewError> {
        let evidence: ForkEvidence =
            serde_json::from_str(text).map_err(|error| ViewError::Evidence(error.to_string()))?;
        if evidence.kind != FORK_EVIDENCE_KIND {
            return Err(ViewError::Evidence(format!(
                "kind is {:?}, not {FORK_EVIDENCE_KIND:?}",
                evidence.kind
            )));
        }
        Ok(evidence)
    }

    /// Checks the evidence independently: both notes are signed by the log in `trust`, and
    /// their trees cannot both be true.
    pub fn verify(&self, trust: &LogTrust) -> Result<(), ViewError> {
        let first = trust.open(self.first_note.as_bytes())?;
        let second = trust.open(self.second_note.as_bytes())?;
        if first.size() == second.size() {
            return if first.root() == second.root() {
                Err(ViewError::NotAFork("the two checkpoints are the same tree"))
            } else {
                Ok(())
            };
        }
        let (older, newer) = if first.size() < second.size() { (&first, &second) } else { (&second, &first) };
        let decode = |text: &str| -> Result<Digest256, ViewError> {
            let bytes = BASE64.decode(text).map_err(|error| ViewError::Evidence(error.to_string()))?;
            bytes.try_into().map_err(|_| ViewError::Evidence("a hash is not 32 bytes".to_owned()))
        };
        let proof = self.consistency_proof.iter().map(|hash| decode(hash)).collect::<Result<Vec<_>, _>>()?;
        let claimed = decode(&self.first_size_root_in_second)?;
        let (old_root, new_root) = consistency_roots(older.size(), newer.size(), &proof, &claimed)
            .map_err(|error| ViewError::Evidence(error.to_string()))?;
        if new_root != *newer.root() {
            return Err(ViewError::NotAFork("the proof does not lead to the newer checkpoint's root"));
        }
        if old_root == *older.root() {
            return Err(ViewError::NotAFork("the newer tree is consistent with the older one"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::note::CosignatureSigner;
    use crate::tlog::tiles::TileSet;
    use ed25519_dalek::SigningKey;

    use crate::tlog::test_log::TestLog as Log;

    fn offer(view: &mut LogView, log: &Log) -> Result<Advance, ViewError> {
        let offered = view.trust().open(log.note().as_bytes())?;
        let wanted = view.tiles_to_extend(&offered)?;
        let mut fetched = TileSet::new();
        for tile in &wanted {
            fetched.insert(*tile, log.tiles.get(*tile).expect("log has the tile").to_vec()).expect("insert");
        }
        view.advance(offered, &fetched)
    }

    #[test]
    fn a_growing_log_is_followed_and_a_rollback_refused() {
        let mut log = Log::new(1);
        log.append(3, "a");
        let mut view = LogView::new(log.trust());
        let stale = log.note();
        assert_eq!(offer(&mut view, &log), Ok(Advance::First));
        assert_eq!(offer(&mut view, &log), Ok(Advance::Unchanged));
        for (count, from) in [(1, 3), (300, 4), (70_000, 304)] {
            log.append(count, "a");
            assert_eq!(offer(&mut view, &log), Ok(Advance::Extended { from }));
        }
        let stale = view.trust().open(stale.as_bytes()).expect("signed");
        assert_eq!(
            view.advance(stale, &TileSet::new()),
            Err(ViewError::Rollback { verified: 70_304, offered: 3 })
        );
        assert_eq!(view.latest().map(VerifiedCheckpoint::size), Some(70_304));
    }

    #[test]
    fn forks_are_caught_at_the_same_size_and_when_extending_with_verifiable_evidence() {
        // Old sizes both powers of two and not, so the proof's left-out seed is covered.
        for old_size in [4usize, 5, 256, 300] {
            let mut honest = Log::new(1);
            honest.append(old_size, "a");
            let mut forked = Log::new(1);
            forked.append(old_size - 1, "a");
            forked.append(1, "b");
            let mut view = LogView::new(honest.trust());
            offer(&mut view, &honest).expect("first");

            let same_size = offer(&mut view.clone(), &forked);
            let Err(ViewError::Fork(evidence)) = same_size else { panic!("{same_size:?}") };
            evidence.verify(&honest.trust()).expect("same-size evidence verifies");

            forked.append(10, "b");
            let extended = offer(&mut view, &forked);
            let Err(ViewError::Fork(evidence)) = extended else { panic!("{old_size}: {extended:?}") };
            let exported = ForkEvidence::from_json(&evidence.to_json()).expect("round trip");
            exported.verify(&honest.trust()).expect("extension evidence verifies");
            // The evidence holds only with both notes as signed.
            let mut altered = exported.clone();
            altered.second_note = honest.note();
            assert!(altered.verify(&honest.trust()).is_err());
        }
    }

    #[test]
    fn tiles_that_do_not_match_the_checkpoint_blame_the_gateway_not_the_log() {
        let mut log = Log::new(1);
        log.append(5, "a");
        let mut view = LogView::new(log.trust());
        offer(&mut view, &log).expect("first");
        log.append(600, "a");
        let offered = view.trust().open(log.note().as_bytes()).expect("signed");
        let wanted = view.tiles_to_extend(&offered).expect("extends");
        assert!(!wanted.is_empty() && wanted.len() <= 5, "{wanted:?}");
        for (position, tile) in wanted.iter().enumerate() {
            let mut fetched = TileSet::new();
            for other in &wanted {
                let mut bytes = log.tiles.get(*other).expect("tile").to_vec();
                if other == tile {
                    // Flip a bit in every hash: which of them a proof uses depends on the sizes.
                    bytes.iter_mut().step_by(32).for_each(|byte| *byte ^= 1);
                }
                fetched.insert(*other, bytes).expect("insert");
            }
            let result = view.clone().advance(offered.clone(), &fetched);
            assert!(matches!(result, Err(ViewError::BadTiles(_))), "tile {position}: {result:?}");
        }
        let missing = view.clone().advance(offered, &TileSet::new());
        assert!(matches!(missing, Err(ViewError::BadTiles(TileError::MissingTile { .. }))), "{missing:?}");
    }

    #[test]
    fn inclusion_is_proven_from_at_most_five_tiles_and_a_wrong_entry_or_tile_fails() {
        let mut log = Log::new(1);
        log.append(70_000, "a");
        let mut view = LogView::new(log.trust());
        offer(&mut view, &log).expect("first");
        for index in [0u64, 255, 256, 65_535, 69_999] {
            let wanted = view.tiles_for_inclusion(index).expect("in tree");
            assert!(wanted.len() <= 5, "{index}: {wanted:?}");
            let mut fetched = TileSet::new();
            for tile in &wanted {
                fetched.insert(*tile, log.tiles.get(*tile).expect("tile").to_vec()).expect("insert");
            }
            let entry = &log.entries[index as usize];
            assert_eq!(
                view.verify_inclusion(entry, index, &fetched),
                Ok(Included { index, checkpoint_size: 70_000 })
            );
            assert!(matches!(
                view.verify_inclusion(b"other", index, &fetched),
                Err(ViewError::NotIncluded(_))
            ));
        }
        assert!(matches!(view.tiles_for_inclusion(70_000), Err(ViewError::NotIncluded(_))));
        assert!(matches!(LogView::new(log.trust()).tiles_for_inclusion(0), Err(ViewError::NoCheckpoint)));
    }

    #[test]
    fn witness_policy_and_signatures_are_enforced() {
        let mut log = Log::new(1);
        log.append(3, "a");
        let witness = CosignatureSigner::new("w.example/1", SigningKey::from_bytes(&[9; 32])).expect("name");
        let policy =
            format!("log {}\nwitness w1 {}\nquorum w1\n", log.signer.verifier_key(), witness.verifier_key());
        let trust = LogTrust::new(&log.signer.verifier_key(), Some(&policy)).expect("trust");
        let note = log.note();
        assert!(matches!(trust.open(note.as_bytes()), Err(ViewError::Witnesses(PolicyError::QuorumNotMet))));
        let cosigned = witness.cosign(&note, 1_700_000_000).expect("cosign");
        let verified = trust.open(cosigned.as_bytes()).expect("witnessed");
        assert_eq!(verified.newest_cosignature(), Some(1_700_000_000));

        let other_log = Log::new(2);
        assert!(matches!(
            other_log.trust().open(note.as_bytes()),
            Err(ViewError::Checkpoint(CheckpointError::Note(_)))
        ));
        assert_eq!(
            LogTrust::new(&other_log.signer.verifier_key(), Some(&policy)),
            Err(ViewError::PolicyWithoutLog)
        );
        assert_eq!(LogTrust::new(&witness.verifier_key(), None), Err(ViewError::LogKeyType));
        let restored = LogView::restore(log.trust(), &note).expect("restores");
        assert_eq!(restored.saved_note(), Some(note.as_str()));
        assert!(LogView::restore(log.trust(), &note.replace('3', "4")).is_err());
    }
}
