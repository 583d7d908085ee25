//! The ledger page. For now it holds a Merkle tree calculator: it hashes entries with the same
//! RFC 6962 code the gateway and the verifier use, so anyone can check a log's tree head by hand.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use leptos::prelude::*;
use wasm_core::tlog::merkle::{tree_head_of_lines, LineEncoding};

/// The ledger page.
#[component]
pub fn Ledger() -> impl IntoView {
    let (entries, set_entries) = signal(String::new());
    let (encoding, set_encoding) = signal(LineEncoding::Text);
    let head = move || {
        tree_head_of_lines(&entries.get(), encoding.get()).map(|head| {
            view! {
                <dl class="tree-head">
                    <dt>"Tree size"</dt>
                    <dd data-testid="tree-size">{head.size}</dd>
                    <dt>"Root hash (hex)"</dt>
                    <dd data-testid="tree-root-hex" class="hash">{hex::encode(head.root)}</dd>
                    <dt>"Root hash (base64, as in a checkpoint)"</dt>
                    <dd data-testid="tree-root-base64" class="hash">{BASE64.encode(head.root)}</dd>
                </dl>
            }
        })
    };
    view! {
        <h1>"Ledger"</h1>
        <section aria-labelledby="calculator-title">
            <h2 id="calculator-title">"Merkle tree calculator"</h2>
            <p>
                "Type log entries, one per line, to see the tree head a transparency log would sign for them (RFC 6962 hashing, computed in this browser)."
            </p>
            <label for="entries">"Entries, one per line"</label>
            <textarea
                id="entries"
                rows="6"
                spellcheck="false"
                prop:value=entries
                on:input=move |event| set_entries.set(event_target_value(&event))
            ></textarea>
            <fieldset>
                <legend>"Read each line as"</legend>
                <label>
                    <input
                        type="radio"
                        name="encoding"
                        value="text"
                        prop:checked=move || encoding.get() == LineEncoding::Text
                        on:change=move |_| set_encoding.set(LineEncoding::Text)
                    />
                    " text (UTF-8)"
                </label>
                <label>
                    <input
                        type="radio"
                        name="encoding"
                        value="hex"
                        prop:checked=move || encoding.get() == LineEncoding::Hex
                        on:change=move |_| set_encoding.set(LineEncoding::Hex)
                    />
                    " hexadecimal bytes"
                </label>
            </fieldset>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <p class="error" role="alert" data-testid="calculator-error">
                        {move || {
                            errors.get().into_iter().map(|(_, error)| error.to_string()).collect::<Vec<_>>().join("; ")
                        }}
                    </p>
                }
            }>{head}</ErrorBoundary>
        </section>
    }
}
