//! Reading a QR code, for any page that takes one: from the camera (frames decoded in the
//! worker with rqrr every 250 ms, since BarcodeDetector is missing in Chromium on Linux) or
//! from an image file (a photo or screenshot).

use leptos::prelude::*;
use wasm_core::consent::qr;
use web_sys::HtmlInputElement;

use crate::browser;
use crate::pages::{run, ErrorNotice};
use crate::vault_worker;
use crate::wallet::WalletError;

/// Camera and image inputs; `on_found` gets the text of the first code read. Scanning errors
/// (no camera, no code in the image) show here; what the caller does with the text reports its
/// own.
#[component]
pub fn QrScanner(
    /// Called with the code's text.
    on_found: Callback<String>,
    /// Label of the image input, e.g. "Image of the code (photo or screenshot)".
    image_label: &'static str,
    /// Prefix of element ids and test ids, unique on the page.
    id: &'static str,
) -> impl IntoView {
    let outcome = RwSignal::new(Ok(()));
    let video = NodeRef::<leptos::html::Video>::new();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let camera = StoredValue::new_local(None::<web_sys::MediaStream>);
    let scanning = RwSignal::new(false);
    let stop = move || {
        if let Some(stream) = camera.try_update_value(Option::take).flatten() {
            browser::stop_camera(&stream);
        }
        let _ = scanning.try_set(false);
    };
    on_cleanup(stop);
    let start_camera = move |_| {
        let Some(element) = video.get_untracked() else { return };
        scanning.set(true);
        run(outcome, async move {
            let stream = browser::start_camera(&element).await.map_err(|reason| {
                let _ = scanning.try_set(false);
                WalletError::Reason(reason)
            })?;
            camera.set_value(Some(stream));
            while scanning.try_get_untracked() == Some(true) {
                if let Some((rgba, width, height)) = browser::video_frame(&element) {
                    if let Ok(found) = vault_worker::scan_qr(&rgba, width, height).await {
                        stop();
                        on_found.run(found);
                        return Ok(());
                    }
                }
                browser::sleep_ms(250).await;
            }
            Ok(())
        });
    };
    let scan_image = move |_| {
        let file = file_input
            .get_untracked()
            .and_then(|input: HtmlInputElement| input.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else { return };
        run(outcome, async move {
            let (rgba, width, height) =
                browser::image_rgba(&file, qr::MAX_SCAN_PIXELS).await.map_err(WalletError::Reason)?;
            on_found.run(vault_worker::scan_qr(&rgba, width, height).await?);
            Ok(())
        });
    };
    let image_id = format!("{id}-image");
    view! {
        <div class="camera">
            <button type="button" on:click=start_camera disabled=move || scanning.get()>"Scan with the camera"</button>
            <button type="button" class="secondary" on:click=move |_| stop() disabled=move || !scanning.get()>"Stop the camera"</button>
            <video node_ref=video muted=true playsinline=true aria-label="Camera view for scanning the code" data-testid=format!("{id}-camera") class:active=move || scanning.get()></video>
        </div>
        <label for=image_id.clone()>{image_label}</label>
        <input id=image_id type="file" accept="image/*" node_ref=file_input on:change=scan_image />
        <ErrorNotice outcome test_id=id />
    }
}
