//! QR codes for consent payloads: rendering to SVG (`qrcode`, ECC M, alphanumeric mode chosen
//! by the encoder for Base45 text) and scanning camera frames or uploaded images (`rqrr`) —
//! BarcodeDetector does not exist in Chromium on Linux, so scanning runs here, in wasm.

use super::ConsentError;

/// Largest frame scanned: 16 megapixels (a 4K photo fits; anything larger is refused unread).
pub const MAX_SCAN_PIXELS: usize = 4096 * 4096;

/// The payload as an SVG QR code (error correction M, 4-module quiet zone).
pub fn render_svg(payload: &str) -> Result<String, ConsentError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| ConsentError::QrTooLong { len: payload.len() })?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

/// Finds and reads a QR code in a grayscale frame (`width × height` bytes, 0 black, 255 white).
pub fn scan_luma(luma: &[u8], width: usize, height: usize) -> Result<String, ConsentError> {
    let pixels = width.checked_mul(height).filter(|&n| n > 0 && n <= MAX_SCAN_PIXELS);
    if pixels != Some(luma.len()) {
        return Err(ConsentError::ScanImage { width, height, len: luma.len() });
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    let grids = image.detect_grids();
    if grids.is_empty() {
        return Err(ConsentError::ScanNotFound);
    }
    grids.iter().find_map(|grid| grid.decode().ok().map(|(_, text)| text)).ok_or(ConsentError::ScanUnreadable)
}

/// Like [`scan_luma`] for RGBA pixels (a canvas's `ImageData`), converted with Rec. 601 weights.
pub fn scan_rgba(rgba: &[u8], width: usize, height: usize) -> Result<String, ConsentError> {
    if width.checked_mul(height).and_then(|n| n.checked_mul(4)) != Some(rgba.len()) {
        return Err(ConsentError::ScanImage { width, height, len: rgba.len() });
    }
    let luma: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| ((299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000) as u8)
        .collect();
    scan_luma(&luma, width, height)
}
