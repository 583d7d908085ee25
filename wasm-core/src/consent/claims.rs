//! Strict reading and canonical writing of the small-integer-keyed CBOR maps that grants,
//! revocations and access events carry.

use coset::cbor::value::Value;

use super::ConsentError;

/// Why CBOR did not decode, in words: the decoder's own `Display` is its debug form
/// (`Io(EndOfFile(()))`), which must not reach a reader.
pub(crate) fn cbor_reason<T>(error: &coset::cbor::de::Error<T>) -> String {
    use coset::cbor::de::Error;
    match error {
        Error::Io(_) => "the data ends too early".into(),
        Error::Syntax(at) => format!("the data is not valid CBOR (at byte {at})"),
        Error::Semantic(_, reason) => reason.clone(),
        Error::RecursionLimitExceeded => "the data is nested too deeply".into(),
    }
}

/// Why a COSE structure did not decode, in words (see [`cbor_reason`]).
pub(crate) fn cose_reason(error: &coset::CoseError) -> String {
    match error {
        coset::CoseError::DecodeFailed(error) => cbor_reason(error),
        other => other.to_string(),
    }
}

/// Writes `entries` (keys in ascending order) as a canonical CBOR map.
pub(crate) fn encode(entries: Vec<(u64, Value)>) -> Result<Vec<u8>, ConsentError> {
    let map = Value::Map(entries.into_iter().map(|(k, v)| (uint(k), v)).collect());
    let mut out = Vec::with_capacity(256);
    coset::cbor::ser::into_writer(&map, &mut out).map_err(|e| ConsentError::Claims(e.to_string()))?;
    Ok(out)
}

/// A CBOR unsigned integer.
pub(crate) fn uint(value: u64) -> Value {
    Value::Integer(value.into())
}

/// A decoded map whose keys must be exactly `1..=count`.
pub(crate) struct ClaimMap(Vec<(Value, Value)>);

impl ClaimMap {
    /// Parses `payload` as a map of exactly `count` claims.
    pub(crate) fn parse(payload: &[u8], count: usize) -> Result<ClaimMap, ConsentError> {
        let value: Value =
            coset::cbor::de::from_reader(payload).map_err(|e| ConsentError::Claims(cbor_reason(&e)))?;
        let Value::Map(entries) = value else { return Err(ConsentError::Claims("not a map".into())) };
        if entries.len() != count {
            return Err(ConsentError::Claims(format!("not exactly {count} claims")));
        }
        Ok(ClaimMap(entries))
    }

    pub(crate) fn get(&self, key: u64) -> Result<&Value, ConsentError> {
        self.0
            .iter()
            .find(|(k, _)| k.as_integer().and_then(|i| u64::try_from(i).ok()) == Some(key))
            .map(|(_, v)| v)
            .ok_or_else(|| ConsentError::Claims(format!("claim {key} is missing")))
    }

    pub(crate) fn fixed<const N: usize>(&self, key: u64) -> Result<[u8; N], ConsentError> {
        self.get(key)?
            .as_bytes()
            .and_then(|b| <[u8; N]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| ConsentError::Claims(format!("claim {key} is not {N} bytes")))
    }

    pub(crate) fn text(&self, key: u64) -> Result<String, ConsentError> {
        self.get(key)?
            .as_text()
            .map(str::to_string)
            .ok_or_else(|| ConsentError::Claims(format!("claim {key} is not text")))
    }

    pub(crate) fn number(&self, key: u64) -> Result<u64, ConsentError> {
        self.get(key)?
            .as_integer()
            .and_then(|i| u64::try_from(i).ok())
            .ok_or_else(|| ConsentError::Claims(format!("claim {key} is not a non-negative integer")))
    }

    pub(crate) fn texts(&self, key: u64, max: usize) -> Result<Vec<String>, ConsentError> {
        let items = self
            .get(key)?
            .as_array()
            .ok_or_else(|| ConsentError::Claims(format!("claim {key} is not a list")))?;
        if items.is_empty() || items.len() > max {
            return Err(ConsentError::Claims(format!("claim {key} has 0 or more than {max} items")));
        }
        items
            .iter()
            .map(|v| {
                v.as_text()
                    .map(str::to_string)
                    .ok_or_else(|| ConsentError::Claims(format!("claim {key} holds non-text")))
            })
            .collect()
    }
}
