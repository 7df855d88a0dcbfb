import Foundation

/// Paths of a run's intermediate files under `<output.dir>/.winnow/<run_id>/`, removed when the run finishes.
struct WorkFiles {
    let dir: String

    private func name(_ s: String) -> String { (dir as NSString).appendingPathComponent(s) }
    private func p5(_ p: Int) -> String { String(format: "%05d", p) }

    var plan: String { name("plan.json") }
    /// An incremental run's `DatasetPlan`.
    var datasetPlan: String { name("dataset.json") }
    func staged(_ stage: Int, _ p: Int) -> String { name("stage\(stage)-p\(p5(p)).docs") }
    func keys(_ stage: Int, _ p: Int) -> String { name("stage\(stage)-p\(p5(p)).keys") }
    func decisions(_ barrier: Int, _ p: Int) -> String { name("reduce\(barrier)-p\(p5(p)).decisions") }
    /// Kept documents of a partition: local shard, position, line, id, annotations (for lineage rows).
    func finalMeta(_ p: Int) -> String { name("final-p\(p5(p)).meta") }
    /// A run that keeps an earlier run's cleaned shards: that run's id.
    var reusedCleaning: String { name("cleaning-run") }
    /// Such a run's annotations of text shard `s`'s documents, in shard order (read back from lineage).
    func reusedAnnotations(_ s: Int) -> String { name("annotations-s\(p5(s)).meta") }
    /// Shards a partition wrote: name, documents, bytes, uncompressed bytes, SHA-256.
    func finalShards(_ p: Int) -> String { name("final-p\(p5(p)).shards") }
}
