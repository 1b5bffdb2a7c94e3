//! Inputs as jobs, and reading a job in blocks of whole lines with flat memory.
//!
//! A plain file larger than [`SEGMENT`] is cut into segments at line breaks so that several cores scan it;
//! each segment starts with the few lines before it as context. Anything that must be decoded as it is
//! read (gzip, UTF-16 with a BOM, standard input) is one job, read as a stream. A line longer than the
//! buffer is scanned in pieces that keep its line number.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use encoding_rs_io::DecodeReaderBytesBuilder;
use flate2::read::MultiGzDecoder;
use memchr::{memchr, memrchr};

use super::Scanner;
use super::block::{Block, CONTEXT_WINDOWS, LineMatch, State};

/// Plain files are split into segments of this size for the cores to share.
pub const SEGMENT: u64 = 16 << 20;
/// Buffer for one job: lines longer than this are scanned in pieces.
const BUFFER: usize = 256 << 10;
/// Most bytes read at once: a read that fits the core's cache beside the filter's bitmap.
const READ: usize = 128 << 10;
/// Most context carried between blocks (whole lines only).
const MAX_CONTEXT: usize = BUFFER / 4;

/// Where an input comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

/// One input, as named on the command line or found in a folder.
#[derive(Debug, Clone)]
pub struct Input {
    /// As reported: the path, or `-` for standard input.
    pub name: String,
    pub source: Source,
    /// Bytes on disk, when known.
    pub size: Option<u64>,
}

/// A unit of work: a whole input, or a segment of a plain file.
#[derive(Debug, Clone)]
pub struct Job {
    pub input: usize,
    /// `Some(k)`: the k-th segment of [`SEGMENT`] bytes.
    pub segment: Option<u64>,
}

/// What a finished job read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Done {
    /// Lines (line breaks, and a last line without one).
    pub lines: u64,
    /// Bytes of text scanned, after decompression and decoding.
    pub bytes: u64,
}

/// How a file must be read, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Plain bytes (UTF-8, or anything without a UTF-16 BOM): can be split into segments.
    Plain,
    /// Gzip, or UTF-16 with a BOM: read as a stream.
    Stream,
}

/// Reads the first bytes of a file to tell how it must be read.
pub fn layout(path: &std::path::Path) -> io::Result<Layout> {
    let mut head = [0u8; 2];
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < 2 {
        match f.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(match &head[..n] {
        [0x1f, 0x8b] | [0xff, 0xfe] | [0xfe, 0xff] => Layout::Stream,
        _ => Layout::Plain,
    })
}

/// `reader` decompressed (gzip, by its magic bytes) and decoded (UTF-16 with a BOM) to UTF-8 bytes;
/// anything else passes through as it is.
fn decoded<'r>(reader: impl Read + 'r) -> io::Result<impl Read + 'r> {
    let mut reader = BufReader::with_capacity(READ, reader);
    let gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + 'r> = if gzip {
        Box::new(BufReader::with_capacity(READ, MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    };
    Ok(DecodeReaderBytesBuilder::new().bom_sniffing(true).strip_bom(true).utf8_passthru(true).build(inner))
}

/// Most bytes of text [`sample`] takes.
pub const SAMPLE: usize = 1 << 20;

/// Up to [`SAMPLE`] bytes of text from the start of the files among `inputs` (shared by the first 16),
/// to tune the filter to what it will read. Files that cannot be read add nothing (their jobs report
/// them); standard input and anything but regular files (a named pipe) are never read ahead.
pub fn sample(inputs: &[Input]) -> Vec<u8> {
    let files: Vec<&PathBuf> = inputs
        .iter()
        .filter_map(|i| match &i.source {
            Source::File(path) => Some(path),
            Source::Stdin => None,
        })
        .take(16)
        .collect();
    let share = (SAMPLE / files.len().max(1)) as u64;
    let mut out = Vec::new();
    for path in &files {
        let Ok(file) = File::open(path) else { continue };
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            continue;
        }
        if let Ok(reader) = decoded(file) {
            // A read error only ends this file's share early.
            let _ = reader.take(share).read_to_end(&mut out);
        }
    }
    out
}

/// Counts bytes read from disk, for the progress bar.
struct Counted<'p, R> {
    inner: R,
    progress: &'p AtomicU64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Scanner {
    /// Runs one job, handing each block's matches (job-local line numbers) to `emit`.
    pub fn run_job(
        &self,
        input: &Input,
        job: &Job,
        control: &super::Control,
        emit: &mut dyn FnMut(Vec<LineMatch>),
    ) -> io::Result<Done> {
        let progress = &control.progress;
        let cancel = &control.cancel;
        match (&input.source, job.segment) {
            (Source::File(path), Some(k)) => {
                let mut file = File::open(path)?;
                let size = file.metadata()?.len();
                let start = boundary(&mut file, k * SEGMENT, size)?;
                let end = boundary(&mut file, (k + 1) * SEGMENT, size)?.max(start);
                let context = self.context_before(&mut file, start)?;
                file.seek(SeekFrom::Start(start))?;
                let reader = Counted { inner: file.take(end - start), progress };
                self.read_blocks(reader, context, cancel, emit)
            }
            (Source::File(path), None) => {
                let file = File::open(path)?;
                self.read_stream(Counted { inner: file, progress }, cancel, emit)
            }
            (Source::Stdin, _) => {
                let stdin = io::stdin().lock();
                self.read_stream(Counted { inner: stdin, progress }, cancel, emit)
            }
        }
    }

    /// A whole input, decompressed and decoded as it is read.
    fn read_stream(
        &self,
        reader: impl Read,
        cancel: &AtomicBool,
        emit: &mut dyn FnMut(Vec<LineMatch>),
    ) -> io::Result<Done> {
        self.read_blocks(decoded(reader)?, (Vec::new(), 0), cancel, emit)
    }

    /// The last lines before byte `start` of `file` (which is at a line start), with their count.
    fn context_before(&self, file: &mut File, start: u64) -> io::Result<(Vec<u8>, usize)> {
        let want = CONTEXT_WINDOWS * self.window.saturating_sub(1);
        if start == 0 || want == 0 {
            return Ok((Vec::new(), 0));
        }
        let from = start.saturating_sub(MAX_CONTEXT as u64);
        let mut bytes = vec![0u8; (start - from) as usize];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut bytes)?;
        // `bytes` ends with the line break before `start`; keep the `want` lines before it.
        let mut cut = bytes.len() - 1;
        let mut lines = 0;
        while lines < want {
            match memrchr(b'\n', &bytes[..cut]) {
                Some(i) => {
                    cut = i;
                    lines += 1;
                }
                None => break,
            }
        }
        if lines == want || from > 0 {
            // What follows the line break at `cut`: whole lines (a line cut off at `from` is left out).
            bytes.drain(..=cut);
        } else {
            // The file's first lines, all of them.
            lines += 1;
        }
        Ok((bytes, lines))
    }

    /// Reads `reader` in blocks of whole lines after `context` (lines, count) and scans each.
    fn read_blocks(
        &self,
        mut reader: impl Read,
        context: (Vec<u8>, usize),
        cancel: &AtomicBool,
        emit: &mut dyn FnMut(Vec<LineMatch>),
    ) -> io::Result<Done> {
        let (context, context_lines) = context;
        let mut buf = vec![0u8; BUFFER.max(context.len() + READ)];
        buf[..context.len()].copy_from_slice(&context);
        let (mut filled, mut ctx, mut ctx_lines) = (context.len(), context.len(), context_lines as i64);
        // The number of the line at buf[0]; the job's own lines start at 0.
        let mut first_line = -ctx_lines;
        let mut done = Done::default();
        let mut st = State::default();
        let mut eof = false;
        while !eof && !cancel.load(Ordering::Relaxed) {
            let room = (buf.len() - filled).min(READ);
            let n = if room == 0 { 0 } else { read_some(&mut reader, &mut buf[filled..filled + room])? };
            eof = n == 0 && room > 0;
            done.bytes += n as u64;
            filled += n;
            let end = match memrchr(b'\n', &buf[ctx..filled]) {
                _ if eof => filled,
                Some(i) => ctx + i + 1,
                None if filled == buf.len() => cut_point(&buf[..filled], ctx),
                None => continue,
            };
            if end == ctx {
                continue;
            }
            let mut out = Vec::new();
            let block = Block { bytes: &buf[..end], own: ctx, first_line };
            let breaks = self.scan_block(&mut st, &block, &mut out);
            done.lines += breaks;
            if !out.is_empty() {
                emit(out);
            }
            let complete = buf[end - 1] == b'\n';
            if eof {
                done.lines += u64::from(!complete);
                break;
            }
            // Carry the last lines as context for the next block, and the unfinished line after them.
            let (keep, keep_lines) = if complete { self.carry(&buf[..end]) } else { (end, 0) };
            first_line += ctx_lines + breaks as i64 - keep_lines as i64;
            buf.copy_within(keep..filled, 0);
            filled -= keep;
            ctx = end - keep;
            ctx_lines = keep_lines as i64;
        }
        Ok(done)
    }

    /// Where the context to carry starts in a block that ends with a line break: the last lines, at most
    /// [`MAX_CONTEXT`] bytes of them; and how many lines that is.
    fn carry(&self, block: &[u8]) -> (usize, usize) {
        let want = CONTEXT_WINDOWS * self.window.saturating_sub(1);
        let mut start = block.len();
        let mut lines = 0;
        while lines < want {
            let Some(i) = start.checked_sub(1).and_then(|e| memrchr(b'\n', &block[..e])) else { break };
            if block.len() - (i + 1) > MAX_CONTEXT {
                break;
            }
            start = i + 1;
            lines += 1;
        }
        (start, lines)
    }
}

/// Reads at least one byte unless at the end, retrying interruptions.
fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Where to cut a full buffer that holds no line break after `from`: after the last space or tab in its
/// second half, else at the end, but not inside a UTF-8 character.
fn cut_point(buf: &[u8], from: usize) -> usize {
    let half = from + (buf.len() - from) / 2;
    if let Some(i) = buf[half..].iter().rposition(|&b| b == b' ' || b == b'\t') {
        return half + i + 1;
    }
    let mut lead = buf.len() - 1;
    while lead > from && buf[lead] & 0xc0 == 0x80 {
        lead -= 1;
    }
    let width = match buf[lead] {
        b if b >= 0xf0 => 4,
        b if b >= 0xe0 => 3,
        b if b >= 0xc0 => 2,
        _ => 1,
    };
    if lead + width <= buf.len() || lead == from { buf.len() } else { lead }
}

/// The first line start at or after `at` in a file of `size` bytes (a UTF-8 BOM is skipped at 0).
fn boundary(file: &mut File, at: u64, size: u64) -> io::Result<u64> {
    if at == 0 {
        let mut head = [0u8; 3];
        file.seek(SeekFrom::Start(0))?;
        let n = file.read(&mut head)?;
        return Ok(if n == 3 && head == [0xef, 0xbb, 0xbf] { 3 } else { 0 });
    }
    if at >= size {
        return Ok(size);
    }
    file.seek(SeekFrom::Start(at - 1))?;
    let mut pos = at - 1;
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = read_some(file, &mut chunk)?;
        if n == 0 {
            return Ok(size);
        }
        if let Some(i) = memchr(b'\n', &chunk[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}
