//! Streaming the article files of a `.tar.gz` (or `.tar`) archive. `tar` hands out entries that borrow the
//! archive, so a worker thread owns the archive and passes articles through a small bounded channel: the
//! archive is read only as fast as the articles are taken, and dropping the iterator stops the worker.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use flate2::read::GzDecoder;

use super::source::{MAX_ARTICLE_BYTES, SourceArticle, SourceError, form_of, is_article_path};

/// Articles waiting between the worker and the consumer.
const QUEUE: usize = 64;

type Item = Result<SourceArticle, SourceError>;

/// The article files of one archive, in archive order.
pub struct Entries {
    path: PathBuf,
    receiver: Receiver<Item>,
    worker: Option<JoinHandle<()>>,
}

/// Starts reading the archive at `path`.
pub fn open(path: PathBuf) -> Entries {
    let (sender, receiver) = sync_channel(QUEUE);
    let worker_path = path.clone();
    let worker = std::thread::Builder::new().name("kbx-archive".to_string()).spawn(move || {
        if let Err(error) = read(&worker_path, &sender) {
            // The consumer may have gone; then nobody wants the error either.
            let _ = sender.send(Err(error));
        }
    });
    match worker {
        Ok(worker) => Entries { path, receiver, worker: Some(worker) },
        Err(source) => {
            let (sender, receiver) = sync_channel(1);
            let _ = sender.send(Err(SourceError::Read { path: path.clone(), source }));
            Entries { path, receiver, worker: None }
        }
    }
}

impl Iterator for Entries {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        match self.receiver.recv() {
            Ok(item) => Some(item),
            Err(_) => {
                let panicked = self.worker.take().is_some_and(|worker| worker.join().is_err());
                panicked.then(|| {
                    let source = io::Error::other("the archive reader stopped unexpectedly");
                    Err(SourceError::Archive { path: self.path.clone(), source })
                })
            }
        }
    }
}

/// Sends every article file of the archive; stops quietly when the consumer is gone.
fn read(path: &PathBuf, sender: &SyncSender<Item>) -> Result<(), SourceError> {
    let archive_error = |source| SourceError::Archive { path: path.clone(), source };
    let file = File::open(path).map_err(|source| SourceError::Read { path: path.clone(), source })?;
    let name = path.to_string_lossy().to_ascii_lowercase();
    let reader: Box<dyn Read> = if name.ends_with(".tar") {
        Box::new(BufReader::new(file))
    } else {
        Box::new(GzDecoder::new(BufReader::new(file)))
    };
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(archive_error)? {
        let mut entry = entry.map_err(archive_error)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let inner = entry.path().map_err(archive_error)?.into_owned();
        if !is_article_path(&inner) {
            continue;
        }
        let name = format!("{}:{}", path.display(), inner.display());
        let size = entry.size();
        let item = if size > MAX_ARTICLE_BYTES {
            Err(SourceError::TooLarge { name, size })
        } else {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or_default());
            entry.read_to_end(&mut bytes).map_err(archive_error)?;
            Ok(SourceArticle { name, form: form_of(&inner, &bytes), bytes })
        };
        if sender.send(item).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(dir: &std::path::Path, entries: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("a.tar");
        let mut tar = tar::Builder::new(File::create(&path).unwrap());
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, *bytes).unwrap();
        }
        tar.finish().unwrap();
        path
    }

    #[test]
    fn only_articles_come_through_with_archive_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive(
            dir.path(),
            &[("kb/1/Q1/README.md", b"---\n"), ("x/notes.txt", b"no"), ("Q2.TXT", b"DOC")],
        );
        let items: Vec<SourceArticle> = open(path.clone()).map(Result::unwrap).collect();
        let names: Vec<String> = items.iter().map(|a| a.name.clone()).collect();
        let prefix = path.display();
        assert_eq!(names, [format!("{prefix}:kb/1/Q1/README.md"), format!("{prefix}:Q2.TXT")]);
        assert_eq!(items[1].bytes, b"DOC");
    }

    #[test]
    fn a_missing_archive_is_one_error() {
        let items: Vec<Item> = open(PathBuf::from("/no/such/archive.tar.gz")).collect();
        assert!(matches!(items.as_slice(), [Err(SourceError::Read { .. })]), "{items:?}");
    }
}
