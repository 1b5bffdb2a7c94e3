//! `kbx scan`: find every known problem in logs, for people (a table) and pipelines (JSON, JSON Lines as
//! lines are read, SARIF), with an exit status to act on.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};

use super::{ExitStatus, KnowledgeArgs, stdout_style};
use crate::engine::Engine;
use crate::render;
use crate::rule::Severity;
use crate::scan::summary::{LineReport, Place, ScanError, ScanReport, Stats, Summary};
use crate::scan::{Control, DEFAULT_WINDOW, Event, Input, Scanner, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Jsonl,
    Sarif,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Log files or folders (searched recursively); `-` or nothing reads standard input. Gzip and
    /// UTF-16 (with a byte-order mark or without one) are read as they are.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format: jsonl writes each matching line the moment it is read.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Exit 1 when a rule of this severity or higher is found (without it, finding something exits 0).
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<Severity>,
    /// Keep up to N sample lines per rule.
    #[arg(long, value_name = "N", default_value_t = 3)]
    samples: usize,
    /// Match messages spread over up to N consecutive lines (1: each line alone).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_WINDOW as u16, value_parser = clap::value_parser!(u16).range(1..=50))]
    window: u16,
    /// Cores to scan on (default: all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[command(flatten)]
    knowledge: KnowledgeArgs,
}

pub(crate) fn run(args: ScanArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let loaded = args.knowledge.load_compiled()?;
    let (inputs, mut errors) = inputs(&args.paths);
    // Each input that cannot be read is named as soon as it is known, in input order.
    for e in &errors {
        eprintln!("kbx: {}", e.message);
    }
    let sample = crate::scan::job::sample(&inputs);
    let scanner = Scanner::new(Engine::new(loaded.set), usize::from(args.window), &sample);
    warn_unscannable(&scanner);
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let control = Arc::new(Control::default());
    let total: u64 = inputs.iter().filter_map(|i| i.size).sum();
    let bar = progress(total, &control);

    let set = scanner.engine().set();
    let mut summary = Summary::new(args.samples);
    let mut found = false;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut write_error: Option<io::Error> = None;
    let mut skipped = Vec::new();
    let totals = scanner.scan(&inputs, threads, &control, &mut |event| match event {
        Event::Match { input, line, rule, text } => {
            let r = &set.rules[rule];
            found |= args.fail_on.is_some_and(|level| r.severity >= level);
            let path = &inputs[input].name;
            if args.format == Format::Jsonl && write_error.is_none() {
                let row = LineReport {
                    rule: &r.id,
                    kb: &r.kb,
                    title: &r.title,
                    severity: r.severity,
                    path,
                    line,
                    text: &text,
                };
                if let Err(e) = render::json::write_line(&mut out, &row).and_then(|()| out.flush()) {
                    write_error = Some(e);
                    control.cancel.store(true, Ordering::Relaxed);
                }
            } else {
                summary.add(rule, Place { path: path.clone(), line, text });
            }
        }
        Event::Failed { input, message } => {
            say(bar.as_ref(), &format!("kbx: {message}"));
            errors.push(ScanError { path: inputs[input].name.clone(), message });
        }
        Event::Skipped { input } => skipped.push(inputs[input].name.clone()),
    });
    if let Some(bar) = bar {
        bar.finish();
    }
    if let Some(e) = write_error {
        return Err(e.into());
    }
    note_skipped(&skipped);
    let stats = Stats { totals, seconds: started.elapsed().as_secs_f64() };
    let groups = summary.into_groups(|rule| set.rules[rule].severity);
    let report = ScanReport::new(set, groups, stats, errors, skipped);
    match args.format {
        Format::Jsonl => {}
        Format::Table => render::table::scan(&mut out, &report, stdout_style())?,
        Format::Json => render::json::write(&mut out, &report)?,
        Format::Sarif => render::sarif::write(&mut out, &report)?,
    }
    out.flush()?;
    let status = if !report.errors.is_empty() {
        ExitStatus::Error
    } else if found {
        ExitStatus::FOUND
    } else {
        ExitStatus::Success
    };
    drop(report);
    // The compiled rules and their filter are many small allocations (a fifth of a second to free for
    // 10,000 rules), and the process ends now: they are left to the operating system.
    std::mem::forget(scanner);
    Ok(status)
}

/// The inputs named: files, every file under a folder (in name order), standard input for `-` or none;
/// and the paths that could not be listed.
fn inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<ScanError>) {
    let stdin = || Input { name: "-".to_string(), source: Source::Stdin, size: None, skip_binary: false };
    if paths.is_empty() {
        return (vec![stdin()], Vec::new());
    }
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let file = |path: PathBuf, size: Option<u64>, skip_binary: bool| Input {
        name: path.display().to_string(),
        source: Source::File(path),
        size,
        skip_binary,
    };
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(stdin());
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                for entry in walkdir::WalkDir::new(path).follow_links(true).sort_by_file_name() {
                    match entry {
                        Ok(e) if e.file_type().is_file() => {
                            let size = e.metadata().ok().map(|m| m.len());
                            inputs.push(file(e.into_path(), size, true));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let at = e
                                .path()
                                .map_or_else(|| path.display().to_string(), |p| p.display().to_string());
                            let message = match e.io_error() {
                                Some(io) => crate::scan::describe(std::path::Path::new(&at), io),
                                None => format!("{at}: {e}"),
                            };
                            errors.push(ScanError { path: at, message });
                        }
                    }
                }
            }
            Ok(meta) => inputs.push(file(path.clone(), Some(meta.len()), false)),
            // Scanned anyway, so that the failure is reported in order with the reason.
            Err(_) => inputs.push(file(path.clone(), None, false)),
        }
    }
    (inputs, errors)
}

/// Tells the user about files found in folders that were skipped as binary.
fn note_skipped(skipped: &[String]) {
    if skipped.is_empty() {
        return;
    }
    eprintln!(
        "kbx: note: {} file{} found in folders {} and {} not scanned: {}; name a file on the command line \
         to scan it anyway",
        skipped.len(),
        render::plural(skipped.len() as u64),
        crate::scan::job::LOOKS_BINARY,
        if skipped.len() == 1 { "was" } else { "were" },
        first_few(skipped.iter().map(String::as_str), 3),
    );
}

/// Tells the user about rules scanning cannot look for.
fn warn_unscannable(scanner: &Scanner) {
    let skipped = scanner.unscannable();
    if skipped.is_empty() {
        return;
    }
    let set = scanner.engine().set();
    eprintln!(
        "kbx: warning: {} rule{} cannot be scanned for and {} skipped: {} (a symptom needs a word of 5+ \
         letters, a regex with a literal, or a specific code)",
        skipped.len(),
        render::plural(skipped.len() as u64),
        if skipped.len() == 1 { "is" } else { "are" },
        first_few(skipped.iter().map(|&r| set.rules[r].id.as_str()), 5),
    );
}

/// The first `most` of `names`, joined by commas, and `, …` when there are more.
fn first_few<'a>(names: impl ExactSizeIterator<Item = &'a str>, most: usize) -> String {
    let more = names.len() > most;
    let shown: Vec<&str> = names.take(most).collect();
    format!("{}{}", shown.join(", "), if more { ", …" } else { "" })
}

/// A progress bar on standard error when it is a terminal (never in a pipe or under CI).
fn progress(total: u64, control: &Arc<Control>) -> Option<Ticker> {
    if !io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let done = Arc::new(AtomicBool::new(false));
    let (b, c, d) = (bar.clone(), Arc::clone(control), Arc::clone(&done));
    std::thread::spawn(move || {
        while !d.load(Ordering::Relaxed) {
            b.set_position(c.progress.load(Ordering::Relaxed));
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    Some(Ticker { bar, done })
}

/// Writes a line on standard error, above the progress bar when there is one.
fn say(bar: Option<&Ticker>, line: &str) {
    match bar {
        Some(ticker) => ticker.bar.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// Moves the bar from the scan's byte count until finished.
struct Ticker {
    bar: indicatif::ProgressBar,
    done: Arc<AtomicBool>,
}

impl Ticker {
    fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }
}
