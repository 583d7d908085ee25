//! Entry point of the browser app: mounts the shell, nothing else.
#![forbid(unsafe_code)]

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(assent_app::App);
}
