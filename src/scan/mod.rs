//! `kbx scan`: every known problem in logs of any size.
//!
//! The input is read in blocks of whole lines ([`job`]); a literal filter ([`filter`]: [`squeeze`], and
//! [`grams`] for literals with few word bytes; planned by [`plan`] and tuned to the start of the input)
//! finds the few lines that may hold a symptom, and the engine's exact tier confirms them on a window of
//! lines ([`block`]), so messages that span lines still match. Plain files are cut into segments that the
//! cores scan in parallel; matches come back in input order, each as soon as everything before it is
//! done. Pure: matches and problems go to a callback, nothing is printed.

pub mod block;
pub mod filter;
pub mod grams;
pub mod job;
pub mod plan;
pub mod squeeze;
pub mod summary;
mod table;

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::engine::Engine;
pub use block::LineMatch;
pub use job::{Input, Job, Source};
use plan::Plan;

/// A rule is found on a line when its evidence there scores at least this: any whole phrase of two
/// informative words, a named or specific code, a regex; not a generic code or one common word alone.
pub const MIN_SCORE: f64 = 0.4;

/// Lines a message may span, by default.
pub const DEFAULT_WINDOW: usize = 3;

/// The rules, compiled for scanning.
pub struct Scanner {
    engine: Engine,
    plan: Plan,
    window: usize,
}

/// What the scan reports, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A rule found on a line (1-based) of input `input`.
    Match { input: usize, line: u64, rule: usize, text: String },
    /// An input that could not be read (the rest are still scanned).
    Failed { input: usize, message: String },
    /// An input found in a folder that looked binary, and was not scanned ([`Input::skip_binary`]).
    Skipped { input: usize },
}

/// Shared with the caller while a scan runs.
#[derive(Debug, Default)]
pub struct Control {
    /// Bytes read from disk so far (for a progress bar).
    pub progress: AtomicU64,
    /// Set to stop early (the reader of the output went away): jobs end at their next block.
    pub cancel: std::sync::atomic::AtomicBool,
}

/// Totals of a scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    /// Inputs read to the end.
    pub files: u64,
    /// Bytes of text scanned (after decompression and decoding).
    pub bytes: u64,
    pub lines: u64,
    /// Lines on which some rule was found.
    pub matched_lines: u64,
    /// Inputs found in folders that looked binary, and were not scanned.
    pub skipped: u64,
}

impl Scanner {
    /// A scanner over `engine`'s rules, matching messages over up to `window` lines (at least 1), its
    /// literal filter tuned to `sample`, text like what it is about to scan ([`job::sample`]; may be
    /// empty), so that it looks for each literal by the part of it that text holds least often.
    pub fn new(engine: Engine, window: usize, sample: &[u8]) -> Scanner {
        let plan = Plan::new(engine.set(), sample);
        Scanner { engine, plan, window: window.max(1) }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Rules (indices) with no symptom that scanning can look for.
    pub fn unscannable(&self) -> &[usize] {
        &self.plan.unscannable
    }

    /// The jobs for `inputs`: plain files beyond one segment are split.
    pub fn jobs(inputs: &[Input]) -> Vec<Job> {
        let mut jobs = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let segments = match (&input.source, input.size) {
                // A file that cannot be opened here fails as one job, with its message, when it is run.
                (Source::File(path), Some(size)) if size > job::SEGMENT => match job::layout(path) {
                    Ok(job::Layout::Plain) => size.div_ceil(job::SEGMENT),
                    // Named, it is scanned as text whatever it holds; else its one job skips it.
                    Ok(job::Layout::Binary) if !input.skip_binary => size.div_ceil(job::SEGMENT),
                    _ => 0,
                },
                _ => 0,
            };
            if segments == 0 {
                jobs.push(Job { input: i, segment: None });
            } else {
                jobs.extend((0..segments).map(|k| Job { input: i, segment: Some(k) }));
            }
        }
        jobs
    }

    /// Scans `inputs` on `threads` cores, calling `sink` with every match and failure in input order.
    pub fn scan(
        &self,
        inputs: &[Input],
        threads: usize,
        control: &Control,
        sink: &mut dyn FnMut(Event),
    ) -> Totals {
        let jobs = Scanner::jobs(inputs);
        let mut order = Order::new(&jobs);
        if threads <= 1 || jobs.len() == 1 {
            for (j, job) in jobs.iter().enumerate() {
                let input = &inputs[job.input];
                let result =
                    self.run_job(input, job, control, &mut |m| order.take(j, Message::Block(m), sink));
                order.take(j, finished(input, result), sink);
            }
            return order.totals;
        }
        let next = AtomicUsize::new(0);
        let (tx, rx) = mpsc::sync_channel::<(usize, Message)>(threads * 8);
        std::thread::scope(|s| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (next, jobs) = (&next, &jobs);
                s.spawn(move || {
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(j) else { break };
                        let input = &inputs[job.input];
                        let result = self.run_job(input, job, control, &mut |m| {
                            let _ = tx.send((j, Message::Block(m)));
                        });
                        if tx.send((j, finished(input, result))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            for (j, message) in rx {
                order.take(j, message, sink);
            }
        });
        order.totals
    }
}

/// The message for a path that cannot be read.
pub fn describe(path: &Path, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder; check the path".to_string(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied; run as a user who may read it".to_string()
        }
        std::io::ErrorKind::InvalidData => format!("{e}; the file is damaged or not what its name says"),
        _ => e.to_string(),
    };
    format!("{}: {what}", path.display())
}

fn finished(input: &Input, result: std::io::Result<job::Done>) -> Message {
    match result {
        Ok(done) => Message::Done(done),
        Err(e) => Message::Failed(match &input.source {
            Source::File(path) => describe(path, &e),
            Source::Stdin => format!("standard input: {e}"),
        }),
    }
}

enum Message {
    Block(Vec<LineMatch>),
    Done(job::Done),
    Failed(String),
}

/// Puts the jobs' messages back in input order and numbers their lines.
struct Order {
    /// Per job: its input, and messages held until the jobs before it are done.
    input_of: Vec<usize>,
    held: Vec<Vec<Message>>,
    next: usize,
    /// Lines of the current input before the current job.
    base: u64,
    /// Whether the current input failed (its later segments are then not counted as read).
    failed: bool,
    /// Whether the current input was skipped as binary.
    skipped: bool,
    last_matched: Option<(usize, u64)>,
    totals: Totals,
}

impl Order {
    fn new(jobs: &[Job]) -> Order {
        Order {
            input_of: jobs.iter().map(|job| job.input).collect(),
            held: jobs.iter().map(|_| Vec::new()).collect(),
            next: 0,
            base: 0,
            failed: false,
            skipped: false,
            last_matched: None,
            totals: Totals::default(),
        }
    }

    fn take(&mut self, job: usize, message: Message, sink: &mut dyn FnMut(Event)) {
        self.held[job].push(message);
        while self.next < self.held.len() {
            let j = self.next;
            let mut finished = false;
            for message in std::mem::take(&mut self.held[j]) {
                match message {
                    Message::Block(matches) => self.emit(j, matches, sink),
                    Message::Done(done) if done.binary => {
                        sink(Event::Skipped { input: self.input_of[j] });
                        self.skipped = true;
                        finished = true;
                    }
                    Message::Done(done) => {
                        self.base += done.lines;
                        self.totals.lines += done.lines;
                        self.totals.bytes += done.bytes;
                        finished = true;
                    }
                    Message::Failed(text) => {
                        if !self.failed {
                            sink(Event::Failed { input: self.input_of[j], message: text });
                        }
                        self.failed = true;
                        finished = true;
                    }
                }
            }
            if !finished {
                return;
            }
            self.next += 1;
            let same_input = self.input_of.get(self.next) == Some(&self.input_of[j]);
            if !same_input {
                if self.skipped {
                    self.totals.skipped += 1;
                } else if !self.failed {
                    self.totals.files += 1;
                }
                self.base = 0;
                self.failed = false;
                self.skipped = false;
            }
        }
    }

    fn emit(&mut self, job: usize, matches: Vec<LineMatch>, sink: &mut dyn FnMut(Event)) {
        let input = self.input_of[job];
        for m in matches {
            let line = (self.base as i64 + m.line + 1).max(1) as u64;
            if self.last_matched != Some((input, line)) {
                self.totals.matched_lines += 1;
                self.last_matched = Some((input, line));
            }
            sink(Event::Match { input, line, rule: m.rule as usize, text: m.text });
        }
    }
}
