//! One file per page.

pub mod activity;
pub mod ledger;
pub mod not_found;
pub mod provider;
pub mod records;
pub mod share;
pub mod wallet;

use leptos::prelude::*;

use leptos::task::spawn_local;

use crate::wallet::{MinutesSetting, Wallet, WalletError};

/// Runs a wallet operation in the background and records its outcome. The outcome may land
/// after the form that started it is gone (a successful unlock replaces the page), so it is
/// written with `try_set`.
pub(crate) fn run(
    outcome: RwSignal<Result<(), WalletError>>,
    operation: impl std::future::Future<Output = Result<(), WalletError>> + 'static,
) {
    outcome.set(Ok(()));
    spawn_local(async move {
        let _ = outcome.try_set(operation.await);
    });
}

/// Saves a setting in the background: `saved` turns true once it is stored (not merely shown),
/// and false while a new value is being stored.
pub(crate) fn save_minutes(
    wallet: Wallet,
    outcome: RwSignal<Result<(), WalletError>>,
    saved: RwSignal<bool>,
    setting: MinutesSetting,
    minutes: u64,
) {
    saved.set(false);
    run(outcome, async move {
        wallet.set_minutes(setting, minutes).await?;
        let _ = saved.try_set(true);
        Ok(())
    });
}

/// Says that a setting is stored in this browser, once it is.
#[component]
pub(crate) fn SavedNotice(saved: RwSignal<bool>, test_id: &'static str) -> impl IntoView {
    move || {
        saved.try_get().unwrap_or(false).then(|| {
            view! { <p class="notice" role="status" data-testid=test_id>"Saved in this browser."</p> }
        })
    }
}

/// Shows a failed operation's error, in words, through an `ErrorBoundary`; shows nothing on
/// success. It clears when the next attempt starts.
#[component]
pub(crate) fn ErrorNotice(
    outcome: RwSignal<Result<(), WalletError>>,
    test_id: &'static str,
) -> impl IntoView {
    view! {
        <ErrorBoundary fallback=move |errors| {
            view! {
                <p class="error" role="alert" data-testid=test_id>
                    {move || errors.get().into_iter().map(|(_, error)| error.to_string()).collect::<Vec<_>>().join("; ")}
                </p>
            }
        }>
            // `try_get`: a queued re-render may run just after the form that owns `outcome`
            // was removed (a successful unlock replaces it).
            {move || outcome.try_get().unwrap_or(Ok(()))}
        </ErrorBoundary>
    }
}
