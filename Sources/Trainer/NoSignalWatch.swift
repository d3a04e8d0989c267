/// Watches for batches with nothing to learn from: every group that arrived was flat (all
/// its completions scored the same, so every group-relative advantage is zero) and dynamic
/// sampling dropped them all. It says so each time, with what it means and what to try, and
/// gives up after `maxFlatBatches` such batches in a row, so a run never spins in silence.
struct NoSignalWatch {
    private(set) var flatInARow = 0
    private(set) var givenUp = false
    private(set) var groupsSeen = 0
    private(set) var flatSeen = 0
    /// The advice is given once; later batches get one short line each.
    private var advised = false

    /// One batch's outcome: groups `trained`, `arrived` fresh, `flat` of those.
    mutating func saw(batchOf trained: Int, arrived: Int, flat: Int, config: RLConfig, log: (String) -> Void) {
        groupsSeen += arrived
        flatSeen += flat
        // Nothing arrived (a stop request, a source still warming up): no verdict.
        guard arrived > 0 else { return }
        guard trained == 0 && flat == arrived else {
            flatInARow = 0
            return
        }
        flatInARow += 1
        let share = Int((100 * Double(flatSeen) / Double(max(groupsSeen, 1))).rounded())
        let counts = "\(share) % of the \(groupsSeen) groups so far"
        if flatInARow == 1 && !advised {
            advised = true
            log("no signal: all \(arrived) groups of this batch were flat, every completion of a prompt scored the same "
                + "(\(counts)): a group-relative advantage is then zero, nothing to learn. "
                + "Try problems the policy solves sometimes (an easier task, the curriculum), a larger group_size, a reward with "
                + "partial credit (reward.format_weight, a verifier's own scores), a prompt that asks for the answer in the "
                + "verifier's format, or dynamic_sampling: false to train on flat groups anyway")
        } else {
            log("no signal: all \(arrived) groups of this batch were flat again (\(counts); \(flatInARow) batches in a row)")
        }
        if config.maxFlatBatches > 0 && flatInARow >= config.maxFlatBatches {
            givenUp = true
            log("stopping: \(flatInARow) batches in a row without signal (algorithm.max_flat_batches: \(config.maxFlatBatches); 0 keeps sampling)")
        }
    }
}
