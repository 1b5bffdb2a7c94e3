//! Compiled rule sets on disk, so a pack of tens of thousands of rules loads in milliseconds. The YAML
//! stays the source of truth: the cache is keyed by kbx's version, the `--rules` folders (resolved, so
//! that `pack`, `./pack/` and `/abs/pack` are one key), the path within them, size and modification time
//! of every rule file, and the modification time of the record folders, so adding, removing or changing a
//! rule file, or adding or removing a record, makes kbx recompile (and report any problem in the files) on
//! its next run. (A record's content does not change a diagnosis; `kbx show` reads records afresh.) The
//! cache lives in `.kbx-cache/` inside the first `--rules` folder; when that is not writable kbx simply
//! compiles every time.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::engine::compiled::CompiledSet;
use crate::rule::load::{Sources, load};
use crate::rule::{Knowledge, LoadError};

/// Version of the compiled layout and of the scoring it stores; raise it on any change to either, so
/// that older caches are not read.
const FORMAT: u32 = 12;

/// Folder, inside the first `--rules` folder, that holds the cache.
pub const CACHE_DIR: &str = ".kbx-cache";

/// What a cache file holds: the set, and the `--rules` folders as they were spelt when it was compiled,
/// which its rule files' paths start with.
#[derive(Serialize, Deserialize)]
struct Cached {
    dirs: Vec<PathBuf>,
    set: CompiledSet,
}

/// A compiled set, and the rules themselves when they had to be loaded to compile it.
pub struct Loaded {
    pub set: CompiledSet,
    /// `None` when the set came from the cache: rules are then read one by one from their files.
    pub knowledge: Option<Knowledge>,
    /// Whether the cache was used.
    pub from_cache: bool,
}

/// Loads the rules `sources` name, from the cache when it is current.
pub fn load_compiled(sources: &Sources) -> Result<Loaded, LoadError> {
    let Some(first) = sources.dirs.first() else {
        let knowledge = load(sources)?;
        return Ok(Loaded {
            set: CompiledSet::build(&knowledge.rules),
            knowledge: Some(knowledge),
            from_cache: false,
        });
    };
    let dir = first.join(CACHE_DIR);
    // Decode the cache that is there while the key of the files as they are now is computed: both take
    // a while on a large pack, and the key says afterwards whether the decoded set may be used.
    let (key, cached) = std::thread::scope(|scope| {
        let decoding = scope.spawn(|| read_cache(&dir));
        let key = signature(sources);
        (key, decoding.join().ok().flatten())
    });
    if let Some((found, cached)) = cached
        && found == key
    {
        let set = reroot(cached.set, &cached.dirs, &sources.dirs);
        return Ok(Loaded { set, knowledge: None, from_cache: true });
    }
    let knowledge = load(sources)?;
    let cached = Cached { dirs: sources.dirs.clone(), set: CompiledSet::build(&knowledge.rules) };
    store(&dir.join(format!("compiled-{key:016x}.bin")), &cached);
    Ok(Loaded { set: cached.set, knowledge: Some(knowledge), from_cache: false })
}

/// `set` with the path of each rule file under one of the folders `was` moved under the same folder as
/// spelt now (`now`, in the same order: the key has checked that they are the same folders), so that
/// rules are read back from where they are seen from here.
fn reroot(mut set: CompiledSet, was: &[PathBuf], now: &[PathBuf]) -> CompiledSet {
    if was == now {
        return set;
    }
    for entry in set.rules.iter_mut().filter(|e| !e.builtin) {
        let path = Path::new(&entry.path);
        let moved = was.iter().zip(now).find_map(|(was, now)| Some(now.join(path.strip_prefix(was).ok()?)));
        if let Some(moved) = moved {
            entry.path = moved.to_string_lossy().into_owned();
        }
    }
    set
}

/// The cache in `dir`, with the key in its name.
fn read_cache(dir: &Path) -> Option<(u64, Cached)> {
    let entry = std::fs::read_dir(dir).ok()?.flatten().find(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("compiled-") && name.ends_with(".bin")
    })?;
    let name = entry.file_name().to_string_lossy().into_owned();
    let key = u64::from_str_radix(name.strip_prefix("compiled-")?.strip_suffix(".bin")?, 16).ok()?;
    let bytes = std::fs::read(entry.path()).ok()?;
    Some((key, postcard::from_bytes(&bytes).ok()?))
}

/// Writes the cache, replacing older ones; failures only cost speed, so they are ignored.
fn store(path: &Path, cached: &Cached) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("compiled-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    if let Ok(bytes) = postcard::to_allocvec(cached) {
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
}

/// A key that changes whenever kbx, a rule file, or a record folder changes. Rule files are checked by
/// size and modification time; record folders by their own modification time, which moves when a record
/// is added, removed or renamed (diagnosis only needs a record to exist). Stamps are combined in an
/// order-free way, so nothing needs sorting.
fn signature(sources: &Sources) -> u64 {
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    FORMAT.hash(&mut h);
    sources.builtin.hash(&mut h);
    if sources.builtin {
        crate::builtin::FILES.hash(&mut h);
    }
    for dir in &sources.dirs {
        std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()).hash(&mut h);
        let (rules_root, kb_dir) = crate::rule::load::layout(dir);
        let mut files = 0u64;
        let mut combined = 0u64;
        for entry in walkdir::WalkDir::new(&rules_root)
            .into_iter()
            .filter_entry(|e| e.file_name() != CACHE_DIR && Some(e.path()) != kb_dir.as_deref())
            .flatten()
        {
            let path = entry.path();
            let is_rule = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
            if entry.file_type().is_dir() || is_rule {
                let mut one = DefaultHasher::new();
                // Within the folder, so that how the folder is spelt does not change the key.
                path.strip_prefix(dir).unwrap_or(path).as_os_str().as_encoded_bytes().hash(&mut one);
                stamp(path).hash(&mut one);
                combined = combined.wrapping_add(one.finish());
                files += 1;
            }
        }
        (files, combined).hash(&mut h);
        if let Some(kb) = kb_dir {
            let mut combined = 0u64;
            for entry in
                walkdir::WalkDir::new(&kb).into_iter().filter_entry(|e| e.file_type().is_dir()).flatten()
            {
                let mut one = DefaultHasher::new();
                let path = entry.path();
                path.strip_prefix(dir).unwrap_or(path).as_os_str().as_encoded_bytes().hash(&mut one);
                stamp(path).hash(&mut one);
                combined = combined.wrapping_add(one.finish());
            }
            combined.hash(&mut h);
        }
    }
    h.finish()
}

/// Size and modification time of a file or folder.
fn stamp(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    Some((meta.len(), mtime))
}
