//! Entry point of the browser app: mounts the shell, nothing else.
#![forbid(unsafe_code)]

// No panic hook: it would cost 1.3 KB of the first load; a panic still aborts with a
// `RuntimeError: unreachable` in the console, which the end-to-end tests fail on.
fn main() {
    leptos::mount::mount_to_body(assent_app::App);
}
