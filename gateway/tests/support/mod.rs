//! Shared by the gateway's integration tests: run the real `assent` binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Path of the binary under test.
pub const ASSENT: &str = env!("CARGO_BIN_EXE_assent");

/// What one run of `assent` did.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `assent ARGS` in `cwd` with `stdin` and waits for it.
pub fn run_assent(args: &[&str], cwd: &Path, stdin: &str) -> Run {
    let mut child = Command::new(ASSENT)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn assent");
    // A run that fails early (bad usage) may exit before reading its input: not a test error.
    match child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {error}"),
        _ => {}
    }
    let output = child.wait_with_output().expect("wait for assent");
    Run {
        code: output.status.code().expect("assent exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
