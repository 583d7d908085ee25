//! SMART App Launch v2 scopes: `context/Resource.permissions[?param=value&…]`, e.g.
//! `patient/Observation.rs?category=laboratory`.

use core::fmt;

/// Longest scope accepted, to bound hostile input.
const MAX_SCOPE_LEN: usize = 200;

/// A syntactically valid SMART v2 scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope(String);

impl Scope {
    /// Parses and validates a scope: context `patient`, `user` or `system`; a FHIR resource type
    /// (capitalized letters) or `*`; permissions a non-empty subsequence of `cruds` in that order;
    /// an optional query of `name=value` pairs joined by `&`.
    pub fn parse(text: &str) -> Option<Scope> {
        if text.is_empty() || text.len() > MAX_SCOPE_LEN || !text.is_ascii() {
            return None;
        }
        let (context, rest) = text.split_once('/')?;
        if !matches!(context, "patient" | "user" | "system") {
            return None;
        }
        let (resource_and_permissions, query) = match rest.split_once('?') {
            Some((head, query)) => (head, Some(query)),
            None => (rest, None),
        };
        let (resource, permissions) = resource_and_permissions.rsplit_once('.')?;
        let resource_ok = resource == "*"
            || (resource.starts_with(|c: char| c.is_ascii_uppercase())
                && resource.chars().all(|c| c.is_ascii_alphanumeric()));
        if !resource_ok || !is_ordered_subsequence(permissions, "cruds") {
            return None;
        }
        if let Some(query) = query {
            let pairs_ok = query.split('&').all(|pair| {
                pair.split_once('=').is_some_and(|(name, value)| {
                    !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                        && !value.is_empty()
                        && value.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '&' | '?' | '='))
                })
            });
            if !pairs_ok {
                return None;
            }
        }
        Some(Scope(text.to_string()))
    }

    /// The FHIR resource type the scope is about (`Observation`, or `*` for all).
    pub fn resource_type(&self) -> Option<&str> {
        let (_, rest) = self.0.split_once('/')?;
        let head = rest.split_once('?').map_or(rest, |(head, _)| head);
        head.rsplit_once('.').map(|(resource, _)| resource)
    }

    /// The scope's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` is a non-empty, duplicate-free subsequence of `order`, in that order.
fn is_ordered_subsequence(text: &str, order: &str) -> bool {
    let mut remaining = order.chars();
    !text.is_empty() && text.chars().all(|c| remaining.by_ref().any(|o| o == c))
}
