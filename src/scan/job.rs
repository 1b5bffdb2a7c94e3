//! Inputs as jobs, and reading a job in blocks of whole lines with flat memory.
//!
//! A plain file larger than [`SEGMENT`] is cut into segments at line breaks so that several cores scan it;
//! each segment starts with the few lines before it as context. Anything that must be decoded as it is
//! read (gzip, UTF-16, standard input) is one job, read as a stream. A line longer than the
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
use crate::input::{Utf16, utf16_unmarked};

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
    /// Found in a folder rather than named: skipped when it looks binary (a NUL byte among its first
    /// [`HEAD`] bytes of text), as a folder of logs also holds dumps, archives and programs, whose
    /// strings are no one's log lines. A file named on the command line is scanned whatever it holds.
    pub skip_binary: bool,
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
    /// The input looked binary and was skipped ([`Input::skip_binary`]); nothing was scanned.
    pub binary: bool,
}

/// The first bytes of text that tell whether an input looks binary.
pub const HEAD: usize = 64 << 10;

/// What a file skipped by [`looks_binary`] is said to have done, in messages.
pub const LOOKS_BINARY: &str = "looked binary (a NUL byte near the start)";

/// Whether `head`, the first bytes of an input's text, look binary: a NUL byte among the first
/// [`HEAD`]. (Text in UTF-16 is decoded first, with a byte-order mark or without one
/// ([`utf16_unmarked`]), so its NUL bytes do not count.)
pub fn looks_binary(head: &[u8]) -> bool {
    memchr(0, &head[..head.len().min(HEAD)]).is_some()
}

/// How a file must be read, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Plain bytes (UTF-8, or anything not UTF-16): can be split into segments.
    Plain,
    /// Plain bytes that look binary ([`looks_binary`]): split only when named on the command line.
    Binary,
    /// Gzip, or UTF-16 (with a BOM, or without one by [`utf16_unmarked`]): read as a stream.
    Stream,
}

/// Reads the first bytes of a file to tell how it must be read.
pub fn layout(path: &std::path::Path) -> io::Result<Layout> {
    let mut head = Vec::with_capacity(HEAD);
    File::open(path)?.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(match head.get(..2) {
        Some([0x1f, 0x8b] | [0xff, 0xfe] | [0xfe, 0xff]) => Layout::Stream,
        _ if utf16_unmarked(&head).is_some() => Layout::Stream,
        _ if looks_binary(&head) => Layout::Binary,
        _ => Layout::Plain,
    })
}

/// `reader` decompressed (gzip, by its magic bytes) and decoded (UTF-16, by its BOM or its NUL bytes) to
/// UTF-8 bytes;
/// anything else passes through as it is.
fn decoded<'r>(reader: impl Read + 'r) -> io::Result<impl Read + 'r> {
    let mut reader = BufReader::with_capacity(READ, reader);
    let gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut inner: Box<dyn BufRead + 'r> = if gzip {
        Box::new(BufReader::with_capacity(READ, MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    };
    // A byte-order mark, when there is one, wins over what the NUL bytes suggest.
    let unmarked = utf16_unmarked(inner.fill_buf()?).map(|order| match order {
        Utf16::Le => encoding_rs::UTF_16LE,
        Utf16::Be => encoding_rs::UTF_16BE,
    });
    Ok(DecodeReaderBytesBuilder::new()
        .encoding(unmarked)
        .bom_sniffing(true)
        .strip_bom(true)
        .utf8_passthru(true)
        .build(inner))
}

/// Most bytes of text [`sample`] takes.
pub const SAMPLE: usize = 1 << 20;

/// Up to [`SAMPLE`] bytes of text from the start of the files among `inputs` (shared by the first 16),
/// to tune the filter to what it will read. Files that cannot be read add nothing (their jobs report
/// them); standard input and anything but regular files (a named pipe) are never read ahead.
pub fn sample(inputs: &[Input]) -> Vec<u8> {
    let files: Vec<(&PathBuf, bool)> = inputs
        .iter()
        .filter_map(|i| match &i.source {
            Source::File(path) => Some((path, i.skip_binary)),
            Source::Stdin => None,
        })
        .take(16)
        .collect();
    let share = (SAMPLE / files.len().max(1)) as u64;
    let mut out = Vec::new();
    for (path, skip_binary) in files {
        let Ok(file) = File::open(path) else { continue };
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            continue;
        }
        if let Ok(reader) = decoded(file) {
            let start = out.len();
            // A read error only ends this file's share early.
            let _ = reader.take(share).read_to_end(&mut out);
            // A file the scan will skip is not what it will read.
            if skip_binary && looks_binary(&out[start..]) {
                out.truncate(start);
            }
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
                self.read_blocks(reader, context, false, cancel, emit)
            }
            (Source::File(path), None) => {
                let file = File::open(path)?;
                self.read_stream(Counted { inner: file, progress }, input.skip_binary, cancel, emit)
            }
            (Source::Stdin, _) => {
                let stdin = io::stdin().lock();
                self.read_stream(Counted { inner: stdin, progress }, false, cancel, emit)
            }
        }
    }

    /// A whole input, decompressed and decoded as it is read; skipped when `skip_binary` and it looks
    /// binary.
    fn read_stream(
        &self,
        reader: impl Read,
        skip_binary: bool,
        cancel: &AtomicBool,
        emit: &mut dyn FnMut(Vec<LineMatch>),
    ) -> io::Result<Done> {
        self.read_blocks(decoded(reader)?, (Vec::new(), 0), skip_binary, cancel, emit)
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

    /// Reads `reader` in blocks of whole lines after `context` (lines, count) and scans each; or, when
    /// `skip_binary` and its first [`HEAD`] bytes look binary, reads only those.
    fn read_blocks(
        &self,
        mut reader: impl Read,
        context: (Vec<u8>, usize),
        mut skip_binary: bool,
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
            if skip_binary {
                if filled < HEAD && !eof {
                    continue;
                }
                if looks_binary(&buf[..filled]) {
                    return Ok(Done { binary: true, ..Done::default() });
                }
                skip_binary = false;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: PathBuf, skip_binary: bool) -> Input {
        Input { name: path.display().to_string(), source: Source::File(path), size: None, skip_binary }
    }

    #[test]
    fn the_sample_leaves_out_files_the_scan_skips_as_binary() {
        let dir = tempfile::tempdir().unwrap();
        let (text, binary) = (dir.path().join("app.log"), dir.path().join("core.dmp"));
        std::fs::write(&text, "service started\n").unwrap();
        std::fs::write(&binary, b"MDMP\0\0 strings of a dump\n").unwrap();
        let found = sample(&[input(text.clone(), true), input(binary.clone(), true)]);
        assert_eq!(found, b"service started\n");
        let named = sample(&[input(text, false), input(binary, false)]);
        assert_eq!(named, b"service started\nMDMP\0\0 strings of a dump\n");
    }

    #[test]
    fn a_file_looks_binary_by_a_nul_byte_in_its_head_unless_it_starts_as_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let layout_of = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            layout(&path).unwrap()
        };
        assert_eq!(layout_of("a.log", b"plain text\n"), Layout::Plain);
        assert_eq!(layout_of("b.dmp", b"MDMP\0\0"), Layout::Binary);
        assert_eq!(layout_of("c.log", &[b"x".repeat(HEAD), b"\0".to_vec()].concat()), Layout::Plain);
        assert_eq!(layout_of("d.log", &[0xff, 0xfe, b'a', 0]), Layout::Stream);
        assert_eq!(layout_of("e.gz", &[0x1f, 0x8b, 8, 0]), Layout::Stream);
        assert_eq!(layout_of("f.log", b""), Layout::Plain);
        // UTF-16 without a BOM: a stream to decode, not binary, and never cut at a raw 0x0A byte.
        let unmarked: Vec<u8> =
            "ok\nfailed to create MAPI.Session\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(layout_of("g.log", &unmarked), Layout::Stream);
    }

    #[test]
    fn the_sample_is_decoded_text_even_from_utf16_without_a_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let text = "Ошибка 1053: service did not start\r\n";
        std::fs::write(&path, text.encode_utf16().flat_map(u16::to_be_bytes).collect::<Vec<u8>>()).unwrap();
        assert_eq!(sample(&[input(path, true)]), text.as_bytes());
    }
}
