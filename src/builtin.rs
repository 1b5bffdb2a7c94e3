//! The curated rules and kb records of `rules/` and `kb/`, compiled into the binary by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
