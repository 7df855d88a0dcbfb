import Foundation

/// Between stage `barrier` and the next: the barrier step's reduce over every partition's keys, its decisions
/// written per partition for the next stage, and its counts recorded. A staged barrier (`minhash_dedup` with
/// `mode: "staged"`) reduces in two halves — bucket tasks, then the merge — which stage tasks run separately.
struct ReducePhase {
    let run: RunContext
    let barrier: Int    // 1-based

    var entry: StagePlan.Entry { run.plan.barriers[barrier - 1] }
    var step: BarrierStep {
        guard case .barrier(let s) = entry.step else { preconditionFailure("barrier \(barrier) is not a barrier step") }
        return s
    }
    /// The step when it reduces in two halves.
    var staged: StagedBarrier? { (step as? StagedBarrier).flatMap { $0.staged ? $0 : nil } }
    private var keyFiles: [(partition: Int, path: String)] { run.partitions.map { ($0.index, run.workFiles.keys(barrier, $0.index)) } }

    /// The whole reduce in this process (what the single-machine run does).
    func execute() throws {
        let t0 = ContinuousClock.now
        let memory = crossRunIndex()
        let decisions: [Int: BarrierDecision]
        let consumed: Int
        if let staged {
            (decisions, consumed) = try staged.reduceStaged(keyFiles: keyFiles, workDir: run.workFiles.dir, index: memory)
        } else {
            let reducer = try memory.map { try (step as! RememberingBarrier).makeReducer(index: $0) } ?? step.makeReducer()
            var n = 0
            for (p, path) in keyFiles {
                try WorkFile.BarrierKey.forEach(path) { key in
                    reducer.consume(order: p << 32 | key.ordinal, docID: key.docID, key: key.key)
                    n += 1
                }
            }
            consumed = n
            decisions = try reducer.finish()
        }
        try record(decisions, consumed: consumed, seconds: (ContinuousClock.now - t0).seconds)
    }

    /// A staged barrier's bucket task `k` (of `staged.bucketTaskCount`).
    func bucketTask(_ k: Int) throws {
        guard let staged else { return }
        try staged.bucketTask(k, keyFiles: keyFiles, workDir: run.workFiles.dir, index: crossRunIndex())
    }

    /// A staged barrier's merge, once its bucket tasks are done.
    func merge() throws {
        guard let staged else { return try execute() }
        let t0 = ContinuousClock.now
        let (decisions, consumed) = try staged.mergeBuckets(keyFiles: keyFiles, workDir: run.workFiles.dir, index: crossRunIndex())
        try record(decisions, consumed: consumed, seconds: (ContinuousClock.now - t0).seconds)
    }

    /// Writes each partition's decisions (in ordinal order) and sends the step's counts with the task mark.
    private func record(_ decisions: [Int: BarrierDecision], consumed: Int, seconds: Double) throws {
        var byPartition: [Int: [(Int, BarrierDecision)]] = [:]
        for (order, d) in decisions { byPartition[order >> 32, default: []].append((order & 0xFFFF_FFFF, d)) }
        for p in run.partitions {
            let w = try WorkFile.Decision.writer(run.workFiles.decisions(barrier, p.index))
            for (ordinal, d) in (byPartition[p.index] ?? []).sorted(by: { $0.0 < $1.0 }) {
                try w.append(WorkFile.Decision(ordinal: ordinal, decision: d))
            }
            try w.commit()
        }
        var stat = StepStat(index: entry.index, name: entry.step.name, kind: .barrier)
        stat.docsIn = consumed
        let drops = decisions.values.filter { $0.rewrite == nil }.count
        stat.docsOut = consumed - drops
        stat.seconds = seconds
        run.lineage.send(.taskDone(task: TaskName.reduce(barrier), stats: [stat], sources: [:]))
        try run.lineage.sync()
        run.observer?.log("\(entry.step.name): \(drops) of \(consumed) documents dropped\(drops < decisions.count ? ", \(decisions.count - drops) changed or annotated" : "")")
    }

    /// For a dedup step of an incremental run: the earlier versions' index files (superseded documents left
    /// out) and where this version's goes.
    private func crossRunIndex() -> CrossRunIndex? {
        guard let dataset = run.dataset, let remembering = step as? RememberingBarrier else { return nil }
        let out = run.pipeline.outputDir
        let earlier = dataset.earlier.map { (out as NSString).appendingPathComponent("\($0.path)/\(remembering.indexName)") }
            .filter { FileManager.default.fileExists(atPath: $0) }
        return CrossRunIndex(earlier: earlier, excluding: Set(dataset.excludedIDs),
                             output: (run.datasetDir as NSString).appendingPathComponent(remembering.indexName))
    }
}
