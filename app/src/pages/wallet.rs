//! The patient's wallet: create, unlock and lock, change the passphrase, back up and restore.

use leptos::prelude::*;
use wasm_core::vault::MasterSeed;
use web_sys::HtmlInputElement;
use zeroize::Zeroizing;

use super::{run, save_minutes, ErrorNotice, SavedNotice};
use crate::browser;
use crate::vault_worker;
use crate::wallet::{check_new_passphrase, MinutesSetting, Wallet, WalletError, WalletStatus};

/// The wallet page: what it shows follows the wallet's status.
#[component]
pub fn Wallet() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    view! {
        <h1>"Wallet"</h1>
        <p>"Your wallet holds the keys that sign your consent grants. They are made in this browser and sealed with your passphrase; they never leave this device unencrypted."</p>
        <Progress />
        {move || match wallet.status.get() {
            WalletStatus::Loading => view! { <p role="status">"Opening your wallet…"</p> }.into_any(),
            WalletStatus::Unavailable(message) => {
                view! { <p class="error" role="alert" data-testid="storage-error">{message}</p> }.into_any()
            }
            WalletStatus::Empty => view! { <CreateWallet /> <Restore /> }.into_any(),
            WalletStatus::Locked => view! { <Unlock /> <Restore /> }.into_any(),
            WalletStatus::Unlocked => view! { <Unlocked /> }.into_any(),
            WalletStatus::Damaged(message) => view! { <Damaged message /> <Restore /> }.into_any(),
        }}
    }
}

/// The progress message of a long step.
#[component]
fn Progress() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    move || {
        wallet.busy.get().map(|message| {
            view! { <p class="notice" role="status" aria-live="polite" data-testid="progress">{message}</p> }
        })
    }
}

/// A passphrase field pair with live strength feedback (estimated in the vault worker).
#[component]
fn NewPassphrase(
    passphrase: RwSignal<String>,
    confirmation: RwSignal<String>,
    id_prefix: &'static str,
) -> impl IntoView {
    vault_worker::prepare();
    let estimate = LocalResource::new(move || {
        let text = passphrase.get();
        async move {
            if text.is_empty() {
                return String::new();
            }
            match vault_worker::strength(&text).await {
                Ok(strength) => {
                    let words = ["very weak", "weak", "fair", "strong", "very strong"];
                    let label = words[usize::from(strength.score.min(4))];
                    format!("Strength: {label}. {} {}", strength.warning, strength.suggestion)
                        .trim_end()
                        .to_string()
                }
                Err(error) => error.to_string(),
            }
        }
    });
    view! {
        <label for=format!("{id_prefix}-passphrase")>"New passphrase"</label>
        <input id=format!("{id_prefix}-passphrase") type="password" autocomplete="new-password" bind:value=passphrase />
        <p class="hint" aria-live="polite" data-testid="passphrase-strength">{move || estimate.get()}</p>
        <label for=format!("{id_prefix}-confirm")>"Type the new passphrase again"</label>
        <input id=format!("{id_prefix}-confirm") type="password" autocomplete="new-password" bind:value=confirmation />
    }
}

/// Onboarding: passphrase, then the recovery phrase once, then a check of three of its words.
#[component]
fn CreateWallet() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let passphrase = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let outcome = RwSignal::new(Ok(()));
    // The seed being created, and the positions (0-based) the patient must confirm.
    let pending = StoredValue::new(None::<MasterSeed>);
    // The recovery words of the pending seed, from the worker; zeroized when replaced or dropped.
    let words = StoredValue::new(Zeroizing::new(Vec::<String>::new()));
    let step = RwSignal::new(0u8);
    let positions = RwSignal::new(Vec::<usize>::new());
    let answers = RwSignal::new(vec![String::new(); 3]);

    let start = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (typed, again) = (passphrase.get_untracked(), confirmation.get_untracked());
        run(outcome, async move {
            check_new_passphrase(&typed, &again).await?;
            let seed = MasterSeed::generate(&mut getrandom::SysRng)?;
            let phrase = vault_worker::recovery_words(&seed).await?;
            words.set_value(phrase);
            positions.set(confirmation_positions()?);
            pending.set_value(Some(seed));
            step.set(1);
            Ok(())
        });
    };
    let confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(seed) = pending.get_value() else { return };
        // From here the seed lives in `create`; the form may be gone when it returns.
        let words = words.get_value();
        let typed = answers.get_untracked();
        let wrong = positions
            .get_untracked()
            .into_iter()
            .zip(typed.iter())
            .find(|(position, answer)| answer.trim().to_lowercase() != words[*position]);
        if let Some((position, _)) = wrong {
            outcome.set(Err(WalletError::ConfirmationMismatch { position: position + 1 }));
            return;
        }
        let passphrase = passphrase.get_untracked();
        pending.set_value(None);
        run(outcome, async move { wallet.create(seed, &passphrase).await });
    };

    view! {
        <section aria-labelledby="create-title">
            <h2 id="create-title">"Create a wallet"</h2>
            {move || match step.get() {
                0 => view! {
                    <form on:submit=start>
                        <p>"Choose a passphrase. It unlocks your wallet on this device; nobody can reset it for you."</p>
                        <NewPassphrase passphrase confirmation id_prefix="create" />
                        <button type="submit">"Continue"</button>
                    </form>
                }.into_any(),
                1 => view! {
                    <div>
                        <p><strong>"Write down these 24 words, in order, and keep them somewhere safe."</strong>
                        " They are the only way to recover your wallet if you forget your passphrase or lose this device. They are shown only now."</p>
                        <ol class="phrase" data-testid="recovery-phrase">
                            {words.get_value().iter().map(|word| view! { <li>{word.clone()}</li> }).collect_view()}
                        </ol>
                        <button type="button" on:click=move |_| step.set(2)>"I have written them down"</button>
                    </div>
                }.into_any(),
                _ => view! {
                    <form on:submit=confirm>
                        <p>"Check your copy: type these words from your recovery phrase."</p>
                        {positions.get().into_iter().enumerate().map(|(slot, position)| {
                            let id = format!("confirm-word-{}", position + 1);
                            view! {
                                <label for=id.clone()>{format!("Word {}", position + 1)}</label>
                                <input id=id type="text" autocomplete="off" spellcheck="false"
                                    on:input=move |event| answers.update(|a| a[slot] = event_target_value(&event)) />
                            }
                        }).collect_view()}
                        <button type="submit">"Create my wallet"</button>
                        <button type="button" class="secondary" on:click=move |_| step.set(1)>"Show the words again"</button>
                    </form>
                }.into_any(),
            }}
            <ErrorNotice outcome test_id="create-error" />
        </section>
    }
}

/// Three distinct word positions out of 24, chosen at random.
fn confirmation_positions() -> Result<Vec<usize>, WalletError> {
    let mut chosen = Vec::with_capacity(3);
    let mut byte = [0u8; 1];
    while chosen.len() < 3 {
        getrandom::fill(&mut byte).map_err(|_| WalletError::Vault(wasm_core::vault::VaultError::Random))?;
        // 240 = 10 × 24: reject the rest so every position is equally likely.
        if byte[0] < 240 {
            let position = usize::from(byte[0]) % 24;
            if !chosen.contains(&position) {
                chosen.push(position);
            }
        }
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// Unlock with the passphrase.
#[component]
fn Unlock() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    vault_worker::prepare();
    let passphrase = RwSignal::new(String::new());
    let outcome = RwSignal::new(Ok(()));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let typed = passphrase.get_untracked();
        passphrase.set(String::new());
        run(outcome, async move { wallet.unlock(&typed).await });
    };
    view! {
        <section aria-labelledby="unlock-title">
            <h2 id="unlock-title">"Unlock your wallet"</h2>
            <form on:submit=submit>
                <label for="unlock-passphrase">"Passphrase"</label>
                <input id="unlock-passphrase" type="password" autocomplete="current-password" bind:value=passphrase />
                <button type="submit" disabled=move || wallet.busy.get().is_some()>"Unlock"</button>
            </form>
            <ErrorNotice outcome test_id="unlock-error" />
        </section>
    }
}

/// The unlocked wallet: its key, lock, backup, passphrase change and idle setting.
#[component]
fn Unlocked() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let current = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let change_outcome = RwSignal::new(Ok(()));
    let changed = RwSignal::new(false);
    let backup_outcome = RwSignal::new(Ok(()));
    let idle_outcome = RwSignal::new(Ok(()));

    let export = move |_| {
        backup_outcome.set(wallet.download_stored("assent-wallet-backup.assent"));
    };
    let change = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (old, new, again) =
            (current.get_untracked(), passphrase.get_untracked(), confirmation.get_untracked());
        changed.set(false);
        run(change_outcome, async move {
            wallet.change_passphrase(&old, &new, &again).await?;
            for field in [current, passphrase, confirmation] {
                let _ = field.try_set(String::new());
            }
            let _ = changed.try_set(true);
            Ok(())
        });
    };
    let idle_saved = RwSignal::new(false);
    let set_idle = move |event: leptos::ev::Event| {
        let minutes = event_target_value(&event).parse::<u64>().unwrap_or(5);
        save_minutes(wallet, idle_outcome, idle_saved, MinutesSetting::IdleLock, minutes);
    };

    view! {
        <section aria-labelledby="unlocked-title">
            <h2 id="unlocked-title">"Your wallet is unlocked"</h2>
            <p>"Wallet key (public): " <code class="hash" data-testid="root-public-key">{move || wallet.public_key.get()}</code></p>
            <button type="button" on:click=move |_| wallet.lock()>"Lock now"</button>
            <label for="idle-minutes">"Lock after this many idle minutes"</label>
            <input id="idle-minutes" type="number" min="1" max="60" prop:value=move || wallet.idle_minutes.get().to_string() on:change=set_idle />
            <SavedNotice saved=idle_saved test_id="idle-saved" />
            <ErrorNotice outcome=idle_outcome test_id="idle-error" />
        </section>
        <section aria-labelledby="backup-title">
            <h2 id="backup-title">"Back up"</h2>
            <p>"The backup file is your wallet key sealed with your passphrase. Keep it somewhere other than this device; you need the passphrase to restore it."</p>
            <button type="button" on:click=export>"Download backup file"</button>
            <ErrorNotice outcome=backup_outcome test_id="backup-error" />
        </section>
        <section aria-labelledby="change-title">
            <h2 id="change-title">"Change passphrase"</h2>
            <form on:submit=change>
                <label for="current-passphrase">"Current passphrase"</label>
                <input id="current-passphrase" type="password" autocomplete="current-password" bind:value=current />
                <NewPassphrase passphrase confirmation id_prefix="change" />
                <button type="submit">"Change passphrase"</button>
            </form>
            <Show when=move || changed.get()>
                <p role="status" data-testid="passphrase-changed">"Passphrase changed. Backups you made before still open with the old passphrase."</p>
            </Show>
            <ErrorNotice outcome=change_outcome test_id="change-error" />
        </section>
    }
}

/// A damaged stored wallet: say so, keep the bytes, offer their export.
#[component]
fn Damaged(message: String) -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let outcome = RwSignal::new(Ok(()));
    let export = move |_| {
        outcome.set(wallet.download_stored("assent-damaged-wallet.bin"));
    };
    view! {
        <section aria-labelledby="damaged-title">
            <h2 id="damaged-title">"Your stored wallet is damaged"</h2>
            <p class="error" role="alert" data-testid="damaged-message">{message}</p>
            <p>"Nothing has been changed or deleted. You can download the damaged data, and restore your wallet below; the damaged data is kept in this browser either way."</p>
            <button type="button" on:click=export>"Download the damaged data"</button>
            <ErrorNotice outcome test_id="damaged-error" />
        </section>
    }
}

/// Restore from the recovery phrase or from a backup file.
#[component]
fn Restore() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let phrase = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let phrase_outcome = RwSignal::new(Ok(()));
    let backup_passphrase = RwSignal::new(String::new());
    let backup_outcome = RwSignal::new(Ok(()));
    let file_input = NodeRef::<leptos::html::Input>::new();

    let from_phrase = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (words, new, again) =
            (phrase.get_untracked(), passphrase.get_untracked(), confirmation.get_untracked());
        run(phrase_outcome, async move { wallet.restore_from_phrase(&words, &new, &again).await });
    };
    let from_backup = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let file = file_input
            .get_untracked()
            .and_then(|input: HtmlInputElement| input.files())
            .and_then(|files| files.get(0));
        let typed = backup_passphrase.get_untracked();
        run(backup_outcome, async move {
            let file = file.ok_or(WalletError::NoFile)?;
            let bytes = browser::read_file(&file).await.map_err(WalletError::FileRead)?;
            wallet.restore_from_backup(bytes, &typed).await
        });
    };
    view! {
        <section aria-labelledby="restore-title">
            <h2 id="restore-title">"Restore a wallet"</h2>
            <details>
                <summary>"From your recovery phrase"</summary>
                <form on:submit=from_phrase>
                    <label for="restore-phrase">"Your 24 recovery words, in order"</label>
                    <textarea id="restore-phrase" rows="4" autocomplete="off" spellcheck="false" bind:value=phrase></textarea>
                    <NewPassphrase passphrase confirmation id_prefix="restore" />
                    <button type="submit">"Restore from phrase"</button>
                </form>
                <ErrorNotice outcome=phrase_outcome test_id="restore-phrase-error" />
            </details>
            <details>
                <summary>"From a backup file"</summary>
                <form on:submit=from_backup>
                    <label for="backup-file">"Backup file"</label>
                    <input id="backup-file" type="file" node_ref=file_input />
                    <label for="backup-passphrase">"The passphrase of that backup"</label>
                    <input id="backup-passphrase" type="password" autocomplete="current-password" bind:value=backup_passphrase />
                    <button type="submit">"Restore from backup"</button>
                </form>
                <ErrorNotice outcome=backup_outcome test_id="restore-backup-error" />
            </details>
        </section>
    }
}
