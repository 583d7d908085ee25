//! The checkpoint extension line `<keyword> <base64 root>` that binds a map root to a signed tree
//! head. Each map names its keyword and says what the root is the map of.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};

use super::SmtError;
use crate::hash::Digest256;
use crate::tlog::checkpoint::Checkpoint;

/// The extension line for a map root, without its newline: `<keyword> <base64 root>`.
pub fn extension_line(keyword: &str, root: &Digest256) -> String {
    format!("{keyword} {}", BASE64.encode(root))
}

/// The root a checkpoint binds under `keyword`: `None` if it has no such line. A line whose
/// first word is `keyword` must be exactly the keyword, one space and a 32-byte root in
/// canonical standard base64, and may appear once; other extension lines are ignored.
pub fn root_from_extension(
    checkpoint: &Checkpoint,
    keyword: &'static str,
) -> Result<Option<Digest256>, SmtError> {
    let mut found = None;
    for line in &checkpoint.extensions {
        let (word, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        if word != keyword {
            continue;
        }
        if found.is_some() {
            return Err(SmtError::ExtensionRepeated { keyword });
        }
        // The STANDARD engine refuses missing padding and non-zero trailing bits, and a space
        // is not base64: one text per root.
        let malformed = || SmtError::ExtensionMalformed { keyword };
        let bytes = BASE64.decode(rest).map_err(|_| malformed())?;
        found = Some(Digest256::try_from(bytes).map_err(|_| malformed())?);
    }
    Ok(found)
}
