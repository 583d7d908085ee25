//! Command-line interface of `assent`.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use wasm_core::consent::revocation_check;
use wasm_core::tlog::merkle::{tree_head_of_lines, LineEncoding, MerkleError};

use crate::{
    audit, bench_append, grant_cli, keygen, model_cli, risk_cli, serve, trail_cli, tree_head, vault_cli,
    verify_cli, witness,
};

/// Assent: the ledger gateway, and the tools operators and providers use to verify it.
#[derive(Debug, Parser)]
#[command(name = "assent", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the wallet app and the ledger (a C2SP transparency log) from one origin.
    Serve(ServeArgs),
    /// Make a new log key and origin; print the verifier key (last line) for clients to pin.
    Keygen(KeygenArgs),
    /// Run a C2SP tlog-witness: cosign checkpoints of the given logs that are consistent with
    /// the last ones it cosigned.
    Witness(WitnessArgs),
    /// Replay a whole log from its tiles and entries and check it against its checkpoint (and the
    /// last audited one). Exit 0 if everything verifies, 1 if not, 2 on usage errors.
    Audit(AuditArgs),
    /// Submit N freshly signed entries to a gateway; print throughput and latency percentiles.
    BenchAppend(BenchAppendArgs),
    /// A patient's verified access trail and its hints, as JSON: every access event the log
    /// holds for each grant, checked complete against the checkpoint's access map. Exit 1 if a
    /// trail could not be verified (the JSON says why).
    Trail(TrailArgs),
    /// Print the RFC 6962 tree head of the entries read from standard input, one per line.
    TreeHead(TreeHeadArgs),
    /// Work with a wallet backup file on the desktop.
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Check or read a consent grant's QR payload.
    #[command(subcommand)]
    Grant(GrantCommand),
    /// Check a signed note or a Merkle proof. Exit 0 if it verifies, 1 if not, 2 on usage errors.
    #[command(subcommand)]
    Verify(VerifyCommand),
    /// The on-device risk hint (the pinned model, through tract) for a FHIR bundle or a CSV of
    /// feature rows. Exit 1 on a bad bundle, bad CSV, refused model or missing inputs.
    Risk(RiskArgs),
    /// Sign a risk model's release (the publisher, once), or publish it on a log and prove it.
    #[command(subcommand)]
    Model(ModelCommand),
}

/// `assent model` subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Sign the release of a model file with the publisher key; write the ledger entry to a file
    /// and print the publisher key (hex) as the last line.
    Release(ModelReleaseArgs),
    /// Submit a model release to a log (default: the release of the model shipped with Assent)
    /// and prove its inclusion. Exit 0 once proven, 1 if not.
    Publish(ModelPublishArgs),
}

/// Arguments of `assent model release`.
#[derive(Debug, clap::Args)]
pub struct ModelReleaseArgs {
    /// The model file (ONNX).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// The model's id.
    #[arg(long, value_name = "ID", default_value = wasm_core::risk::MODEL_ID)]
    pub id: String,
    /// The publisher's key directory (a key is made there if there is none; keep it offline).
    #[arg(long, value_name = "KEYDIR")]
    pub key: PathBuf,
    /// Where to write the release (a ledger entry).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// The log a command works with: its gateways, key and witness policy.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// A gateway of the log (repeat for failover).
    #[arg(long = "url", value_name = "URL", required = true)]
    pub urls: Vec<String>,
    /// The log's verifier key (`name+hash+base64`).
    #[arg(long, value_name = "VKEY")]
    pub vkey: String,
    /// A C2SP tlog-policy file of witnesses every checkpoint must meet.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// Arguments of `assent trail`.
#[derive(Debug, clap::Args)]
pub struct TrailArgs {
    /// The log the grants are on.
    #[command(flatten)]
    pub log: LogArgs,
    /// The wallet's grant list: a JSON array of its grants as the wallet keeps them (id,
    /// provider_key, scopes, commitment, payload, revocation…).
    #[arg(long, value_name = "FILE")]
    pub grants: PathBuf,
    /// A file holding the last verified checkpoint: read if present, written after the check.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The patient's offset from UTC in minutes, for the hints' hours and days (60: UTC+1).
    #[arg(long, value_name = "MINUTES", default_value_t = 0, allow_negative_numbers = true)]
    pub utc_offset_minutes: i32,
}

/// Arguments of `assent model publish`.
#[derive(Debug, clap::Args)]
pub struct ModelPublishArgs {
    /// The log to publish on.
    #[command(flatten)]
    pub log: LogArgs,
    /// The release to publish (default: the shipped model's release).
    #[arg(long, value_name = "FILE")]
    pub release: Option<PathBuf>,
}

/// `assent verify` subcommands.
#[derive(Debug, Subcommand)]
pub enum VerifyCommand {
    /// Verify a signed note (Go sumdb/note rules) and print its text.
    Note(VerifyNoteArgs),
    /// Verify an RFC 9162 inclusion proof.
    Inclusion(VerifyInclusionArgs),
    /// Verify an RFC 9162 consistency proof.
    Consistency(VerifyConsistencyArgs),
}

/// Arguments of `assent risk`.
#[derive(Debug, clap::Args)]
pub struct RiskArgs {
    /// A FHIR R4 bundle (JSON): prints the hint as JSON.
    #[arg(long, value_name = "FILE", required_unless_present = "features_csv")]
    pub bundle: Option<PathBuf>,
    /// A CSV whose header names the model's features (npreg,glu,bp,bmi,age; other columns are
    /// ignored): prints it with a probability column.
    #[arg(long, value_name = "FILE", conflicts_with = "bundle")]
    pub features_csv: Option<PathBuf>,
    /// The model file (default: the pinned model shipped with Assent); any other is refused.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// The time ages are computed at, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    pub now: Option<u64>,
}

/// Arguments of `assent verify note`.
#[derive(Debug, clap::Args)]
pub struct VerifyNoteArgs {
    /// A verifier key, `name+hash+base64` (repeatable; at least one must have signed).
    #[arg(long = "vkey", value_name = "VKEY", required = true, value_parser = verify_cli::parse_vkey)]
    pub vkeys: Vec<wasm_core::tlog::note::NoteVerifier>,
    /// The note, or - for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Arguments of `assent verify inclusion`.
#[derive(Debug, clap::Args)]
pub struct VerifyInclusionArgs {
    /// The leaf's index.
    #[arg(long, value_name = "N")]
    pub index: u64,
    /// The tree size.
    #[arg(long, value_name = "N")]
    pub size: u64,
    /// The leaf's RFC 6962 hash, standard base64.
    #[arg(long, value_name = "B64", value_parser = verify_cli::parse_base64)]
    pub leaf_hash: verify_cli::Base64Arg,
    /// The tree's root hash, standard base64.
    #[arg(long, value_name = "B64", value_parser = verify_cli::parse_base64)]
    pub root: verify_cli::Base64Arg,
    /// The proof's hashes in order, standard base64 (repeat for each).
    #[arg(long = "proof", value_name = "B64", value_parser = verify_cli::parse_base64)]
    pub proof: Vec<verify_cli::Base64Arg>,
}

/// Arguments of `assent verify consistency`.
#[derive(Debug, clap::Args)]
pub struct VerifyConsistencyArgs {
    /// The older tree's size.
    #[arg(long, value_name = "N")]
    pub size1: u64,
    /// The newer tree's size.
    #[arg(long, value_name = "N")]
    pub size2: u64,
    /// The older tree's root, standard base64.
    #[arg(long, value_name = "B64", value_parser = verify_cli::parse_base64)]
    pub root1: verify_cli::Base64Arg,
    /// The newer tree's root, standard base64.
    #[arg(long, value_name = "B64", value_parser = verify_cli::parse_base64)]
    pub root2: verify_cli::Base64Arg,
    /// The proof's hashes in order, standard base64 (repeat for each).
    #[arg(long = "proof", value_name = "B64", value_parser = verify_cli::parse_base64)]
    pub proof: Vec<verify_cli::Base64Arg>,
}

/// `assent grant` subcommands.
#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Verify a grant offline (and, with a gateway, its place on the ledger and its revocation
    /// status); print the verdict as JSON. Exit 0 valid, 1 invalid or bad input.
    Verify(GrantVerifyArgs),
    /// Verify a grant with its ledger: signature, dates, audience, place on the ledger, and
    /// whether it is revoked (a verified revocation map proof); print the whole verdict as JSON.
    Status(GrantStatusArgs),
    /// Print a grant's claims as JSON, without checking it.
    Decode(GrantDecodeArgs),
}

/// The grant to check and how: shared by `assent grant verify` and `assent grant status`.
#[derive(Debug, clap::Args)]
pub struct GrantCheckArgs {
    /// The QR payload (`AS1:…`).
    #[arg(long, value_name = "STR")]
    pub payload: String,
    /// The time to check against, in Unix seconds.
    #[arg(long, value_name = "UNIX")]
    pub now: u64,
    /// The provider's public key (64 hex digits); without it the audience is not checked.
    #[arg(long, value_name = "ID", value_parser = grant_cli::parse_provider_key)]
    pub audience: Option<[u8; 32]>,
    /// How old (minutes, 1 to 1440) a checkpoint may be for "not revoked" to pass.
    #[arg(long, value_name = "MINUTES", default_value_t = DEFAULT_FRESHNESS_MINUTES,
          value_parser = clap::value_parser!(u64).range(revocation_check::FRESHNESS_MINUTES_RANGE))]
    pub freshness_minutes: u64,
}

/// Arguments of `assent grant verify`.
#[derive(Debug, clap::Args)]
pub struct GrantVerifyArgs {
    /// The grant and the time to check it at.
    #[command(flatten)]
    pub grant: GrantCheckArgs,
    /// A gateway of the grant's log (repeat for failover); with `--vkey`, the grant's place on the
    /// ledger (from an `AS1/<index>:` code) is checked too.
    #[arg(long = "url", value_name = "URL", requires = "vkey")]
    pub urls: Vec<String>,
    /// The log's verifier key (`name+hash+base64`).
    #[arg(long, value_name = "VKEY", requires = "urls")]
    pub vkey: Option<String>,
    /// A C2SP tlog-policy file of witnesses every checkpoint must meet.
    #[arg(long, value_name = "FILE", requires = "vkey")]
    pub policy: Option<PathBuf>,
    /// A file holding the last verified checkpoint: read if present, written after the check.
    #[arg(long, value_name = "FILE", requires = "vkey")]
    pub state: Option<PathBuf>,
}

/// The default freshness window of the revocation check, in minutes.
const DEFAULT_FRESHNESS_MINUTES: u64 = revocation_check::DEFAULT_FRESHNESS_SECS / 60;

/// Arguments of `assent grant status`: `grant verify` with the ledger required.
#[derive(Debug, clap::Args)]
pub struct GrantStatusArgs {
    /// The grant and the time to check it at.
    #[command(flatten)]
    pub grant: GrantCheckArgs,
    /// The grant's log.
    #[command(flatten)]
    pub log: LogArgs,
    /// A file holding the last verified checkpoint: read if present, written after the check.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

impl From<GrantStatusArgs> for GrantVerifyArgs {
    fn from(args: GrantStatusArgs) -> GrantVerifyArgs {
        GrantVerifyArgs {
            grant: args.grant,
            urls: args.log.urls,
            vkey: Some(args.log.vkey),
            policy: args.log.policy,
            state: args.state,
        }
    }
}

/// Arguments of `assent grant decode`.
#[derive(Debug, clap::Args)]
pub struct GrantDecodeArgs {
    /// The QR payload (`AS1:…`).
    #[arg(long, value_name = "STR")]
    pub payload: String,
}

/// `assent vault` subcommands.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Open a backup with the passphrase from standard input; print its public keys as JSON.
    Open(VaultOpenArgs),
}

/// Arguments of `assent vault open`.
#[derive(Debug, clap::Args)]
pub struct VaultOpenArgs {
    /// The backup file exported by the wallet.
    #[arg(long, value_name = "BACKUP")]
    pub file: PathBuf,
    /// Also print the pairwise public key used with this provider id (repeatable).
    #[arg(long = "provider", value_name = "ID")]
    pub providers: Vec<String>,
}

/// Arguments of `assent serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Directory for the ledger's data (SQLite); created if missing.
    #[arg(long, value_name = "DIR", required_unless_present = "storage")]
    pub data: Option<PathBuf>,
    /// Keep the log in an S3-compatible bucket instead (s3://BUCKET[/PREFIX]), laid out as the
    /// log's HTTP paths, so a CDN can serve it; the
    /// endpoint and credentials come from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION (and AWS_ALLOW_HTTP=true for http://).
    #[arg(long, value_name = "s3://BUCKET", value_parser = crate::ledger::s3::parse_storage_url)]
    pub storage: Option<String>,
    /// Directory holding the log's signing key and origin (see `assent keygen`); both are
    /// created there on first start.
    #[arg(long, value_name = "KEYDIR")]
    pub key: PathBuf,
    /// The log's origin, used when KEYDIR has none yet [default: assent.local/log]; must match
    /// the one stored in KEYDIR otherwise.
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,
    /// Entries each client IP may add per second (bursts of twice that); 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub rate_limit: u32,
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The built app (Trunk's output).
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub app: PathBuf,
    /// A witness to submit each new checkpoint to: its http:// URL prefix and its verifier key
    /// (repeatable). `GET /checkpoint` then serves the latest cosigned checkpoint.
    #[arg(long = "witness", value_name = "URL=VKEY", value_parser = witness::WitnessTarget::parse)]
    pub witnesses: Vec<witness::WitnessTarget>,
}

/// Arguments of `assent audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The log's http:// URL prefix, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL", value_parser = parse_http_url)]
    pub url: String,
    /// The log's verifier key, as `assent serve` prints it (repeatable); without it the
    /// checkpoint signature is not checked.
    #[arg(long = "vkey", value_name = "VKEY", value_parser = witness::parse_log_key)]
    pub vkeys: Vec<wasm_core::tlog::note::NoteVerifier>,
    /// Keep the last audited checkpoint here, and check that the log is consistent with it.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

fn parse_http_url(url: &str) -> Result<String, String> {
    if url.starts_with("http://") {
        Ok(url.to_owned())
    } else {
        Err("expected an http:// URL (audit https logs through a local TLS proxy)".to_owned())
    }
}

/// Arguments of `assent witness`.
#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    /// Directory of the witness's state (the latest cosigned checkpoint of each log); created if
    /// missing. Never delete it: the witness would forget what it cosigned.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Directory holding the witness's cosigning key (mode 0600, created on first start, never
    /// overwritten).
    #[arg(long, value_name = "KEYDIR")]
    pub key: PathBuf,
    /// The witness's name, which its cosignatures are made as.
    #[arg(long, value_name = "NAME", default_value = "assent.local/witness")]
    pub name: String,
    /// A log to witness: its verifier key, as `assent serve` prints it (repeatable, at least one).
    #[arg(long = "log", value_name = "VKEY", required = true, value_parser = witness::parse_log_key)]
    pub logs: Vec<wasm_core::tlog::note::NoteVerifier>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
}

/// Arguments of `assent keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The log's origin, the name its checkpoints are signed as, e.g. example.com/log.
    #[arg(long, value_name = "ORIGIN")]
    pub name: String,
    /// Directory to write the secret key (mode 0600) and origin to; an existing key is never
    /// overwritten.
    #[arg(long, value_name = "KEYDIR")]
    pub out: PathBuf,
}

/// Arguments of `assent bench-append`.
#[derive(Debug, clap::Args)]
pub struct BenchAppendArgs {
    /// The gateway, e.g. http://127.0.0.1:8080 (start it with --rate-limit 0 for a benchmark).
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// How many entries to submit.
    #[arg(long, value_name = "N")]
    pub count: usize,
    /// Requests in flight at once.
    #[arg(long, value_name = "C", default_value_t = 64)]
    pub concurrency: usize,
    /// The log's origin, which every entry names.
    #[arg(long, value_name = "NAME", default_value = "assent.local/log")]
    pub origin: String,
}

/// Arguments of `assent tree-head`.
#[derive(Debug, clap::Args)]
pub struct TreeHeadArgs {
    /// Read each line as hexadecimal bytes instead of UTF-8 text.
    #[arg(long)]
    pub hex: bool,
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The server failed.
    #[error(transparent)]
    Serve(#[from] serve::ServeError),
    /// The log key could not be loaded or made.
    #[error(transparent)]
    LogKey(#[from] keygen::KeygenError),
    /// The entries could not be read.
    #[error(transparent)]
    Entries(#[from] MerkleError),
    /// A backup could not be opened.
    #[error(transparent)]
    Vault(#[from] vault_cli::VaultCliError),
    /// A grant could not be read.
    #[error(transparent)]
    Grant(#[from] wasm_core::consent::ConsentError),
    /// The ledger to check a grant against could not be set up.
    #[error(transparent)]
    GrantLedger(#[from] grant_cli::GrantCliError),
    /// The risk hint failed.
    #[error(transparent)]
    Risk(#[from] risk_cli::RiskCliError),
    /// A model release could not be made or published.
    #[error(transparent)]
    Model(#[from] model_cli::ModelCliError),
    /// The trail could not be checked at all.
    #[error(transparent)]
    Trail(#[from] trail_cli::TrailCliError),
    /// Standard output was closed by its reader: nothing more to say, and nothing is wrong.
    #[error("standard output was closed")]
    OutputClosed,
    /// Standard output could not be written.
    #[error("cannot write to standard output: {0}")]
    Output(std::io::Error),
    /// A grant's trail could not be verified; the report was printed.
    #[error("a trail could not be verified; the report above says why")]
    TrailNotVerified,
    /// The risk hint could not be computed from the bundle; the report was printed.
    #[error("no hint: the bundle lacks what the model needs; the report above lists what is missing")]
    NoHint,
    /// A grant was read and is not valid; the verdict was printed.
    #[error("the grant is not valid; the verdict above lists the failed checks")]
    InvalidGrant,
    /// The append benchmark failed.
    #[error(transparent)]
    Bench(#[from] bench_append::BenchError),
    /// The witness failed.
    #[error(transparent)]
    Witness(#[from] witness::WitnessError),
    /// The audit failed or found the log wrong.
    #[error("audit failed: {0}")]
    Audit(#[from] audit::AuditError),
    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    Stdin(std::io::Error),
    /// A note or proof did not verify (or its file could not be read).
    #[error(transparent)]
    Verify(#[from] verify_cli::VerifyError),
}

impl CliError {
    /// The process exit code: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Verify(verify_cli::VerifyError::Read { .. }) => 2,
            _ => 1,
        }
    }
}

/// Writes `text` and a newline to standard output. A reader that went away (`assent … | head -1`)
/// ends the command with [`CliError::OutputClosed`] instead of the panic `println!` gives.
fn out(text: impl std::fmt::Display) -> Result<(), CliError> {
    out_raw(format_args!("{text}\n"))
}

/// [`out`] without the newline.
fn out_raw(text: impl std::fmt::Display) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_fmt(format_args!("{text}")).and_then(|()| stdout.flush()).map_err(|error| {
        match error.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::OutputClosed,
            _ => CliError::Output(error),
        }
    })
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => {
            let signer = keygen::load_or_create(&args.key, args.origin.as_deref())?;
            let public_key = signer.verifier();
            out(format_args!("log public key (ed25519, hex): {}", hex::encode(public_key.public_key())))?;
            out(format_args!("log verifier key: {}", signer.verifier_key()))?;
            serve::run(serve::ServeConfig {
                data: args.data.unwrap_or_default(),
                s3_url: args.storage,
                app: args.app,
                listen: args.listen,
                signer,
                rate_limit: args.rate_limit,
                witnesses: args.witnesses,
            })?;
            Ok(())
        }
        Command::Audit(args) => {
            let config =
                audit::AuditConfig { url: args.url, vkeys: args.vkeys, state: args.state, progress: true };
            out(audit::audit(&config)?)?;
            Ok(())
        }
        Command::Witness(args) => {
            let key = witness::load_or_create_key(&args.key)?;
            let signer = wasm_core::tlog::note::CosignatureSigner::new(&args.name, key)
                .map_err(witness::WitnessError::Key)?;
            out(format_args!("witness verifier key: {}", signer.verifier_key()))?;
            witness::run(witness::WitnessConfig {
                listen: args.listen,
                data: args.data,
                signer,
                logs: args.logs,
            })?;
            Ok(())
        }
        Command::Keygen(args) => {
            let signer = keygen::keygen(&args.out, &args.name)?;
            out(format_args!("log key written to {}", args.out.display()))?;
            out(signer.verifier_key())?;
            Ok(())
        }
        Command::Vault(VaultCommand::Open(args)) => {
            let json = vault_cli::open_backup(&args.file, &args.providers, std::io::stdin().lock())?;
            out(&json)?;
            Ok(())
        }
        Command::Grant(GrantCommand::Status(args)) => {
            run(Cli { command: Command::Grant(GrantCommand::Verify(GrantVerifyArgs::from(args))) })
        }
        Command::Grant(GrantCommand::Verify(args)) => {
            let ledger = grant_cli::ledger_to_check(&args)?;
            let (verdict, valid, view) =
                grant_cli::verify(&args.grant.payload, args.grant.now, args.grant.audience.as_ref(), ledger);
            if let (Some(view), Some(state)) = (view, &args.state) {
                grant_cli::keep_state(state, &view)?;
            }
            out(&verdict)?;
            if valid {
                Ok(())
            } else {
                Err(CliError::InvalidGrant)
            }
        }
        Command::Risk(args) => {
            if let Some(csv) = &args.features_csv {
                out_raw(risk_cli::csv(csv, args.model.as_deref())?)?;
                return Ok(());
            }
            let now = args.now.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |elapsed| elapsed.as_secs())
            });
            let bundle = args.bundle.as_deref().unwrap_or(std::path::Path::new("-"));
            let (report, computed) = risk_cli::bundle(bundle, args.model.as_deref(), now)?;
            out(&report)?;
            if computed {
                Ok(())
            } else {
                Err(CliError::NoHint)
            }
        }
        Command::Model(ModelCommand::Release(args)) => {
            let release = model_cli::release(&args.model, &args.id, &args.key, &args.out)?;
            out(format_args!(
                "release of {} (SHA-256 {}) written to {}",
                release.model_id,
                hex::encode(release.model_sha256),
                args.out.display()
            ))?;
            out(hex::encode(release.publisher))?;
            Ok(())
        }
        Command::Model(ModelCommand::Publish(args)) => {
            let published = model_cli::publish(
                &args.log.urls,
                &args.log.vkey,
                args.log.policy.as_deref(),
                args.release.as_deref(),
            )?;
            out(format_args!(
                "model {} (SHA-256 {}) is on the ledger at index {}, verified against checkpoint size {}",
                published.release.model_id,
                hex::encode(published.release.model_sha256),
                published.index,
                published.checkpoint_size
            ))?;
            Ok(())
        }
        Command::Grant(GrantCommand::Decode(args)) => {
            out(grant_cli::decode(&args.payload)?)?;
            Ok(())
        }
        Command::Trail(args) => {
            let report = trail_cli::run(&args)?;
            out(serde_json::to_string_pretty(&report.to_json()).unwrap_or_default())?;
            if report.grants.iter().all(|grant| grant.verified) {
                Ok(())
            } else {
                Err(CliError::TrailNotVerified)
            }
        }
        Command::BenchAppend(args) => {
            let entries = bench_append::signed_entries(args.count, &args.origin)?;
            out(bench_append::run(&args.url, entries, args.concurrency)?)?;
            Ok(())
        }
        Command::Verify(VerifyCommand::Note(args)) => {
            out_raw(verify_cli::note(&args.file, &args.vkeys)?)?;
            Ok(())
        }
        Command::Verify(VerifyCommand::Inclusion(args)) => {
            verify_cli::inclusion(args.index, args.size, &args.leaf_hash.0, &args.root.0, &args.proof)?;
            out(format_args!(
                "inclusion proof verified: leaf {} is in the tree of size {}",
                args.index, args.size
            ))?;
            Ok(())
        }
        Command::Verify(VerifyCommand::Consistency(args)) => {
            verify_cli::consistency(args.size1, args.size2, &args.root1.0, &args.root2.0, &args.proof)?;
            out(format_args!(
                "consistency proof verified: the tree of size {} extends the tree of size {}",
                args.size2, args.size1
            ))?;
            Ok(())
        }
        Command::TreeHead(args) => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).map_err(CliError::Stdin)?;
            let encoding = if args.hex { LineEncoding::Hex } else { LineEncoding::Text };
            out(tree_head::to_json(&tree_head_of_lines(&input, encoding)?))?;
            Ok(())
        }
    }
}
