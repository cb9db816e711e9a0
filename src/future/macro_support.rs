//! What `select!`'s expansion calls (hidden: not part of the API).

use crate::strategy::ChoiceKind;

/// The branch `select!` polls first: the first enabled one when `biased`
/// or outside a simulation, else the enabled branch a choice on the tape
/// names (0 = the first enabled one, in written order).
#[doc(hidden)]
pub fn first_branch(biased: bool, disabled: &[bool]) -> usize {
    let enabled = disabled.iter().filter(|d| !**d).count();
    let k = if biased || enabled < 2 {
        0
    } else {
        crate::runtime::with_core(|core| {
            core.map_or(0, |c| c.choose(ChoiceKind::Select, enabled as u64) as usize)
        })
    };
    disabled
        .iter()
        .enumerate()
        .filter(|(_, d)| !**d)
        .nth(k)
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_branch_is_an_enabled_one_and_biased_is_in_order() {
        assert_eq!(first_branch(true, &[true, false, false]), 1);
        assert_eq!(
            first_branch(false, &[true, true, false]),
            2,
            "one enabled: no choice"
        );
        assert_eq!(first_branch(false, &[true, true]), 0, "none enabled");
        let mut sim = crate::Sim::builder()
            .strategy(crate::Strategy::Replay("1".parse().unwrap()))
            .build();
        let picked = sim.block_on(async { first_branch(false, &[false, true, false]) });
        assert_eq!(picked, 2, "the tape's 1 names the second enabled branch");
    }
}
