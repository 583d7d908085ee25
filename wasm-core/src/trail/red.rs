//! Red rules: an access that broke the terms of the grant it names.

use super::{words, AccessRecord, Context, Hint, HintKind};

/// Checks one access event against its grant and adds a hint for each broken term.
pub(super) fn check(context: &Context<'_>, event: &AccessRecord, out: &mut Vec<Hint>) {
    let params = context.params;
    let at = params.local(event.accessed_at);
    let who = context.who(&event.provider, true);
    let mut add = |kind: HintKind, words: String| {
        out.push(Hint {
            severity: kind.severity(),
            kind,
            events: vec![event.index],
            at: event.accessed_at,
            provider: event.provider.to_ascii_lowercase(),
            words,
        })
    };

    let Some(grant) = context.grant(&event.grant) else {
        add(
            HintKind::UnknownGrant,
            format!(
                "{who} opened your records on {}, using a permission your wallet does not know about.",
                words::when(at)
            ),
        );
        return;
    };

    let revoked = grant
        .revoked_at
        .filter(|revoked_at| event.accessed_at >= revoked_at.saturating_add(params.revocation_grace_seconds));
    if let Some(revoked_at) = revoked {
        add(
            HintKind::AfterRevocation,
            format!(
                "{who} opened your records on {}, after you withdrew your permission on {}.",
                words::when(at),
                words::when(params.local(revoked_at))
            ),
        );
    } else if event.accessed_at < grant.not_before {
        add(
            HintKind::BeforeStart,
            format!(
                "{who} opened your records on {}, before your permission started on {}.",
                words::when(at),
                words::when(params.local(grant.not_before))
            ),
        );
    } else if event.accessed_at >= grant.expires_at {
        add(
            HintKind::AfterExpiry,
            format!(
                "{who} opened your records on {}, after your permission ended on {}.",
                words::when(at),
                words::when(params.local(grant.expires_at))
            ),
        );
    }

    let not_granted: Vec<&str> = event
        .scopes
        .iter()
        .map(|scope| scope.trim())
        .filter(|used| !grant.scopes.iter().any(|granted| granted.trim() == *used))
        .collect();
    if !not_granted.is_empty() {
        let (what, writes) = words::scopes(&not_granted);
        let verb = if writes { "changed" } else { "looked at" };
        add(
            HintKind::ScopeNotGranted,
            format!("{who} {verb} {what} on {}, which your permission does not include.", words::when(at)),
        );
    }

    if !event.provider.eq_ignore_ascii_case(&grant.provider) {
        add(
            HintKind::WrongProvider,
            format!(
                "{who} opened your records on {}, using the permission you gave only to {}.",
                words::when(at),
                context.who(&grant.provider, false)
            ),
        );
    }
}
