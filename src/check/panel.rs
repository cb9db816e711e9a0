//! A failed check's calls, for the picture of the run: the clients' calls
//! of the failing part as bars over virtual time, the call that cannot be
//! placed marked (pub(crate)).

use super::history::History;
use super::model::Model;
use super::verdict::Explanation;
use crate::time::to_nanos;
use crate::trace::sidecar::{CallBar, Panel};

/// At most this many calls go in a panel: those nearest the blocked call.
const MAX_CALLS: usize = 2_000;

/// Adds the panel of a failed check to the running simulation's picture,
/// when there is one and its trace is recorded.
pub(crate) fn add<M: Model>(history: &History<M::Input, M::Output>, model: &M, why: &Explanation) {
    crate::runtime::with_core(|core| {
        let Some(core) = core else { return };
        if !core.rec.borrow().records() {
            return;
        }
        let panel = build(history, model, why);
        core.rec.borrow_mut().panel(panel);
    });
}

fn build<M: Model>(history: &History<M::Input, M::Output>, model: &M, why: &Explanation) -> Panel {
    history.with_ops(|ops| {
        let mut in_prefix = vec![false; ops.len()];
        for &i in &why.linearized {
            in_prefix[i] = true;
        }
        let mut bad = vec![false; ops.len()];
        for i in why.unplaced.iter().map(|u| u.index).chain([why.blocked]) {
            bad[i] = true;
        }
        let part: Vec<usize> = (0..ops.len())
            .filter(|&i| model.partition(&ops[i].input) == why.partition)
            .collect();
        // The calls nearest the blocked one, when the part is long.
        let at = part.iter().position(|&i| i == why.blocked).unwrap_or(0);
        let lo = at.saturating_sub(MAX_CALLS / 2);
        let hi = (lo + MAX_CALLS).min(part.len());
        let lo = hi.saturating_sub(MAX_CALLS);
        let calls = part[lo..hi]
            .iter()
            .map(|&i| {
                let op = &ops[i];
                let output = match &op.output {
                    Some(o) => format!("{o:?}"),
                    None => "?".to_string(),
                };
                CallBar {
                    client: op.client,
                    label: format!("#{i} {:?} -> {output}", op.input),
                    start: op.invoked_at.map_or(0, to_nanos),
                    end: op.returned_at.map(to_nanos),
                    bad: bad[i],
                    prefix: in_prefix[i],
                }
            })
            .collect();
        let mut title = "linearizability: not linearizable".to_string();
        if let Some(p) = why.partition {
            title.push_str(&format!(" (part {p:#018x})"));
        }
        if hi - lo < part.len() {
            title.push_str(&format!(
                "; {} of the part's {} calls shown",
                hi - lo,
                part.len()
            ));
        }
        Panel { title, calls }
    })
}
