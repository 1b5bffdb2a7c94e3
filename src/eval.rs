//! Measuring ranking quality on a labelled query set (the format of `../shared/eval/dev-queries.jsonl`:
//! one `{"id", "kind", "text", "accept": [KB ids]}` per line): hit@1, hit@3 and mean reciprocal rank, per
//! kind of paste and overall, and the misses with what ranked first instead.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::{Engine, Query};

/// Ranks considered for MRR.
pub const DEPTH: usize = 10;

/// One labelled query.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledQuery {
    pub id: String,
    #[serde(default = "unknown_kind")]
    pub kind: String,
    pub text: String,
    /// KB article ids any of which ranked first counts as right.
    pub accept: Vec<String>,
}

fn unknown_kind() -> String {
    "unlabelled".to_string()
}

/// Metrics for a group of queries.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Metrics {
    pub queries: usize,
    pub hit_at_1: f64,
    pub hit_at_3: f64,
    pub mrr: f64,
}

/// A query whose first answer was not accepted.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub id: String,
    pub kind: String,
    pub accept: Vec<String>,
    /// What ranked first: KB id, rule id, score and basis; `None` when nothing matched.
    pub first: Option<(String, String, f64, String)>,
    /// Rank of the first accepted article (1-based) within the top [`DEPTH`], if there.
    pub rank: Option<usize>,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub overall: Metrics,
    pub by_kind: BTreeMap<String, Metrics>,
    pub misses: Vec<Miss>,
}

#[derive(Default)]
struct Sums {
    n: usize,
    hit1: usize,
    hit3: usize,
    rr: f64,
}

impl Sums {
    fn add(&mut self, rank: Option<usize>) {
        self.n += 1;
        if let Some(r) = rank {
            self.hit1 += usize::from(r == 1);
            self.hit3 += usize::from(r <= 3);
            self.rr += 1.0 / r as f64;
        }
    }

    fn metrics(&self) -> Metrics {
        let n = self.n.max(1) as f64;
        Metrics {
            queries: self.n,
            hit_at_1: self.hit1 as f64 / n,
            hit_at_3: self.hit3 as f64 / n,
            mrr: self.rr / n,
        }
    }
}

/// Runs every query through `engine` and measures.
pub fn evaluate(engine: &Engine, queries: &[LabelledQuery]) -> Report {
    let query = Query { top: DEPTH, min_score: 0.0 };
    let mut overall = Sums::default();
    let mut by_kind: BTreeMap<String, Sums> = BTreeMap::new();
    let mut misses = Vec::new();
    for q in queries {
        let found = engine.diagnose(&q.text, &query);
        let kbs: Vec<&str> = found.iter().map(|f| engine.set().rules[f.rule].kb.as_str()).collect();
        let rank = kbs.iter().position(|kb| q.accept.iter().any(|a| a == kb)).map(|p| p + 1);
        overall.add(rank);
        by_kind.entry(q.kind.clone()).or_default().add(rank);
        if rank != Some(1) {
            misses.push(Miss {
                id: q.id.clone(),
                kind: q.kind.clone(),
                accept: q.accept.clone(),
                first: found.first().map(|f| {
                    let r = &engine.set().rules[f.rule];
                    (
                        r.kb.clone(),
                        r.id.clone(),
                        (f.score * 1000.0).round() / 1000.0,
                        f.basis.as_str().to_string(),
                    )
                }),
                rank,
            });
        }
    }
    Report {
        schema_version: 1,
        overall: overall.metrics(),
        by_kind: by_kind.into_iter().map(|(k, s)| (k, s.metrics())).collect(),
        misses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::compile::test_rule;

    #[test]
    fn hits_and_reciprocal_ranks() {
        let rules = vec![
            test_rule(
                "id: a\ntitle: t\nkb: Q1\nseverity: low\nstatus: stable\nsymptoms:\n  - text: 'disk is full'\n",
            ),
            test_rule(
                "id: b\ntitle: t\nkb: Q2\nseverity: low\nstatus: stable\nsymptoms:\n  - text: 'printer jammed'\n",
            ),
        ];
        let engine = Engine::from_rules(&rules);
        let q = |id: &str, kind: &str, text: &str, accept: &str| LabelledQuery {
            id: id.into(),
            kind: kind.into(),
            text: text.into(),
            accept: vec![accept.into()],
        };
        let report = evaluate(
            &engine,
            &[
                q("1", "exact", "disk is full", "Q1"),
                q("2", "exact", "printer jammed", "Q1"),
                q("3", "other", "nothing here", "Q2"),
            ],
        );
        assert_eq!(report.overall.queries, 3);
        assert!((report.overall.hit_at_1 - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(report.by_kind["exact"].hit_at_1, 0.5);
        assert_eq!(report.misses.len(), 2);
        assert_eq!(report.misses[0].first.as_ref().map(|f| f.0.as_str()), Some("Q2"));
        assert_eq!(report.misses[1].first, None);
    }
}
