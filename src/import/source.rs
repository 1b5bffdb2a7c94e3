//! Where articles come from: files, folders (walked recursively) and `.tar.gz` archives, read one article
//! at a time so that a whole archive never sits in memory. In folders and archives only article files are
//! taken: `README.md` in a `Q<digits>` folder, `Q<digits>.md`, `Q<digits>.txt` (any case); a file named
//! directly is taken whatever its name. Archives inside folders are not opened.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::tarball;

/// The largest file read as an article; KB articles are a few kilobytes.
pub const MAX_ARTICLE_BYTES: u64 = 16 * 1024 * 1024;

/// The two archive forms of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `kb/NNN/Q<id>/README.md`: Jekyll front matter, tab-indented body, byte markers like `<A0>`.
    Markdown,
    /// `Q<id>.TXT`: `DOCUMENT:`/`TITLE   :` header, raw bytes.
    Text,
}

/// One article file as read, not yet parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceArticle {
    /// The file's path, or the archive's path, `:` and the entry's path inside it.
    pub name: String,
    pub form: Form,
    pub bytes: Vec<u8>,
}

/// A source that could not be read. Each names the path and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{}: no such file or folder; check the path", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot read archive {}: {source}; is it a complete .tar.gz file?", path.display())]
    Archive { path: PathBuf, source: io::Error },
    #[error(
        "{name}: {size} bytes is too large for a KB article (the limit is {MAX_ARTICLE_BYTES}); is it one?"
    )]
    TooLarge { name: String, size: u64 },
}

/// Reads the articles under `paths`, in order: each file, each folder walked in name order, each archive
/// in its own order. Items stream: an archive's entries are read as the iterator is advanced.
pub fn read_sources(paths: &[PathBuf]) -> impl Iterator<Item = Result<SourceArticle, SourceError>> + use<> {
    Sources { pending: paths.iter().cloned().collect(), current: None }
}

/// Whether a path inside a folder or archive names an article file.
pub fn is_article_path(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    if name.eq_ignore_ascii_case("README.md") {
        return path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).is_some_and(is_q_number);
    }
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        is_q_number(stem) && (ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("txt"))
    })
}

/// `Q293218` (any case).
fn is_q_number(name: &str) -> bool {
    name.strip_prefix(['Q', 'q']).is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The form, by the file name's extension, else by the content's first line.
pub fn form_of(path: &Path, bytes: &[u8]) -> Form {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("md") => Form::Markdown,
        Some("txt") => Form::Text,
        _ => {
            let start = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
            let start = &start[start.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(start.len())..];
            if start.starts_with(b"---") { Form::Markdown } else { Form::Text }
        }
    }
}

/// Whether a file is read as an archive: `.tar.gz`, `.tgz` or `.tar`.
fn is_archive(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
    name.ends_with(".tar.gz") || name.ends_with(".tgz") || name.ends_with(".tar")
}

struct Sources {
    pending: VecDeque<PathBuf>,
    current: Option<Current>,
}

enum Current {
    Folder(walkdir::IntoIter),
    Archive(tarball::Entries),
}

impl Iterator for Sources {
    type Item = Result<SourceArticle, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let item = match self.current.as_mut() {
                Some(Current::Folder(walk)) => next_in_folder(walk),
                Some(Current::Archive(entries)) => entries.next(),
                None => {
                    let path = self.pending.pop_front()?;
                    match std::fs::metadata(&path) {
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {
                            return Some(Err(SourceError::Missing { path }));
                        }
                        Err(source) => return Some(Err(SourceError::Read { path, source })),
                        Ok(meta) if meta.is_dir() => {
                            let walk = walkdir::WalkDir::new(&path).follow_links(true).sort_by_file_name();
                            self.current = Some(Current::Folder(walk.into_iter()));
                        }
                        Ok(_) if is_archive(&path) => {
                            self.current = Some(Current::Archive(tarball::open(path)))
                        }
                        Ok(_) => return Some(read_file(&path)),
                    }
                    continue;
                }
            };
            match item {
                Some(item) => return Some(item),
                None => self.current = None,
            }
        }
    }
}

/// The next article file of a folder walk; broken symbolic links are passed over.
fn next_in_folder(walk: &mut walkdir::IntoIter) -> Option<Result<SourceArticle, SourceError>> {
    for entry in walk {
        match entry {
            Ok(entry) if entry.file_type().is_file() && is_article_path(entry.path()) => {
                return Some(read_file(entry.path()));
            }
            Ok(_) => {}
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                let broken_link = e.io_error().is_some_and(|io| io.kind() == io::ErrorKind::NotFound)
                    && path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink());
                if !broken_link {
                    let source = e.into_io_error().unwrap_or_else(|| io::Error::other("file system loop"));
                    return Some(Err(SourceError::Read { path, source }));
                }
            }
        }
    }
    None
}

fn read_file(path: &Path) -> Result<SourceArticle, SourceError> {
    let read_error = |source| SourceError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    if size > MAX_ARTICLE_BYTES {
        return Err(SourceError::TooLarge { name: path.display().to_string(), size });
    }
    let mut bytes = Vec::new();
    file.take(MAX_ARTICLE_BYTES + 1).read_to_end(&mut bytes).map_err(read_error)?;
    Ok(SourceArticle { name: path.display().to_string(), form: form_of(path, &bytes), bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_names() {
        for yes in ["kb/121/Q121131/README.md", "Q293218.TXT", "x/q1.txt", "a/Q7.md", "Q9/readme.MD"] {
            assert!(is_article_path(Path::new(yes)), "{yes}");
        }
        for no in ["kb/121/README.md", "Q12a.txt", "notes.txt", "Q.md", "Q1.TXT.bak", "Q1"] {
            assert!(!is_article_path(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn forms() {
        assert_eq!(form_of(Path::new("a.MD"), b"DOCUMENT:"), Form::Markdown, "the name wins");
        assert_eq!(form_of(Path::new("a.txt"), b"---"), Form::Text);
        assert_eq!(form_of(Path::new("a"), b"\xef\xbb\xbf\n---\ntitle:"), Form::Markdown);
        assert_eq!(form_of(Path::new("a"), b"DOCUMENT:Q1"), Form::Text);
        assert_eq!(form_of(Path::new("a"), b""), Form::Text);
    }

    #[test]
    fn missing_paths_are_named() {
        let errors: Vec<String> =
            read_sources(&[PathBuf::from("/no/such/kbx-path")]).map(|r| r.unwrap_err().to_string()).collect();
        assert_eq!(errors, ["/no/such/kbx-path: no such file or folder; check the path"]);
    }
}
