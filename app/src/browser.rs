//! Small browser helpers: the clock, downloads and file reads.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The browser's time zone now, as minutes east of UTC (60 for UTC+1).
pub fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// A Unix time (seconds) as a date in the reader's locale.
pub fn local_date(unix_seconds: u64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(unix_seconds as f64 * 1_000.0));
    String::from(date.to_locale_date_string("default", &JsValue::UNDEFINED))
}

/// Asks the user to confirm, with the browser's own dialog.
pub fn confirm(question: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window()
            .map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).is_ok())
            .unwrap_or(false);
        if !scheduled {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Starts the camera (the rear one where there is a choice) and shows it in `video`.
pub async fn start_camera(video: &web_sys::HtmlVideoElement) -> Result<web_sys::MediaStream, String> {
    let devices = web_sys::window().ok_or("no window")?.navigator().media_devices().map_err(|_| {
        "this browser gives no access to a camera; upload an image or paste the text instead".to_string()
    })?;
    let constraints = web_sys::MediaStreamConstraints::new();
    let video_constraints = js_sys::Object::new();
    js_sys::Reflect::set(&video_constraints, &"facingMode".into(), &"environment".into())
        .map_err(describe)?;
    constraints.set_video(&video_constraints);
    let promise = devices.get_user_media_with_constraints(&constraints).map_err(describe)?;
    let stream: web_sys::MediaStream = JsFuture::from(promise)
        .await
        .map_err(|_| "the camera could not be started (permission refused or no camera); upload an image or paste the text instead".to_string())?
        .dyn_into()
        .map_err(|_| "no camera stream")?;
    video.set_src_object(Some(&stream));
    let _ = video.play().map(JsFuture::from);
    Ok(stream)
}

/// Stops every track of a camera stream.
pub fn stop_camera(stream: &web_sys::MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// The current frame of a playing video as RGBA pixels; `None` before the first frame.
pub fn video_frame(video: &web_sys::HtmlVideoElement) -> Option<(Vec<u8>, usize, usize)> {
    let (width, height) = (video.video_width(), video.video_height());
    if width == 0 || height == 0 || video.ready_state() < 2 {
        return None;
    }
    let rgba =
        draw_pixels(width, height, |context| context.draw_image_with_html_video_element(video, 0.0, 0.0))
            .ok()?;
    Some((rgba, width as usize, height as usize))
}

/// Offers `bytes` to the user as a file download named `file_name`.
pub fn download(bytes: &[u8], file_name: &str) -> Result<(), String> {
    let parts = Array::of1(&Uint8Array::from(bytes).into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(describe)?.dyn_into().map_err(|_| "not an anchor")?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url).map_err(describe)
}

/// Reads a file the user picked.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(describe)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Why an image file could not be scanned: the browser cannot decode it.
const NOT_AN_IMAGE: &str =
    "this file is not an image the browser can read; choose a photo or screenshot of the code (PNG or JPEG)";

/// Decodes an image file (PNG, JPEG, …) into RGBA pixels with the browser's decoder. Refuses
/// images over `max_pixels` before reading their pixels.
pub async fn image_rgba(file: &web_sys::File, max_pixels: usize) -> Result<(Vec<u8>, usize, usize), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.create_image_bitmap_with_blob(file).map_err(describe)?;
    let not_an_image = || NOT_AN_IMAGE.to_string();
    let bitmap: web_sys::ImageBitmap =
        JsFuture::from(promise).await.map_err(|_| not_an_image())?.dyn_into().map_err(|_| not_an_image())?;
    let (width, height) = (bitmap.width(), bitmap.height());
    if (width as usize).saturating_mul(height as usize) > max_pixels {
        return Err(format!(
            "the image is {width}×{height}, larger than this page scans; use a smaller photo or screenshot of the code"
        ));
    }
    let rgba = draw_pixels(width, height, |context| context.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0))
        .map_err(|reason| format!("the browser could not read the image's pixels ({reason}); try again, or paste the code's text"))?;
    Ok((rgba, width as usize, height as usize))
}

/// Draws an image of `width × height` with `draw` on an offscreen canvas and reads its RGBA pixels.
fn draw_pixels(
    width: u32,
    height: u32,
    draw: impl FnOnce(&web_sys::OffscreenCanvasRenderingContext2d) -> Result<(), JsValue>,
) -> Result<Vec<u8>, String> {
    let canvas = web_sys::OffscreenCanvas::new(width, height).map_err(describe)?;
    let context: web_sys::OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(describe)?
        .ok_or("no 2d canvas")?
        .dyn_into()
        .map_err(|_| "no 2d canvas")?;
    draw(&context).map_err(describe)?;
    let pixels = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height)).map_err(describe)?;
    Ok(pixels.data().0)
}

fn describe(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown browser error".to_string())
}

/// The page's path (`location.pathname`).
pub fn path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".into())
}

/// Records `path` as the page's new location in the history, and scrolls to the top as a new
/// page load would.
pub fn push_path(path: &str) {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(path));
    }
    window.scroll_to_with_x_and_y(0.0, 0.0);
}

/// The path a plain click on a same-origin link goes to, for the app to show in place; `None`
/// for any other click (another origin, a new tab or window, a download, modifier keys).
pub fn in_app_link(event: &web_sys::MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.ctrl_key()
        || event.meta_key()
        || event.shift_key()
        || event.alt_key()
    {
        return None;
    }
    let target: web_sys::Element = event.target()?.dyn_into().ok()?;
    let link: web_sys::HtmlAnchorElement = target.closest("a[href]").ok()??.dyn_into().ok()?;
    let own_origin = web_sys::window()?.location().origin().ok()?;
    if !link.target().is_empty() || link.has_attribute("download") || link.origin() != own_origin {
        return None;
    }
    Some(link.pathname())
}

/// The build's version, from `<meta name="assent-build">` (stamped by the build).
pub fn build_version() -> String {
    let meta = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|document| document.query_selector("meta[name=assent-build]").ok().flatten());
    meta.and_then(|meta| meta.get_attribute("content")).unwrap_or_else(|| "unknown".into())
}

/// Whether a new version of the app is installed and waiting (`boot.js` marks the page and
/// sends `assent-update-ready`).
pub fn update_ready() -> bool {
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    root.is_some_and(|root| root.get_attribute("data-update").as_deref() == Some("ready"))
}

/// Asks `boot.js` to switch to the waiting version; the page then reloads.
pub fn apply_update() {
    if let (Some(window), Ok(event)) = (web_sys::window(), web_sys::Event::new("assent-update-apply")) {
        let _ = window.dispatch_event(&event);
    }
}
