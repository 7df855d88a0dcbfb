import Foundation
/// What a document step decided.
public enum StepResult: Equatable, Sendable {
    case keep
    /// Drop the document; `reason` is a short code such as `min_chars` (the lineage `reason`).
    case drop(reason: String)
}

/// A pure function of one document: keeps it (maybe rewritten or annotated) or drops it with a reason.
/// It holds no global state, so any number of workers can call it at once.
public protocol DocumentStep: AnyObject, Sendable {
    /// The step's name in the spec (its `name`, or its `type`).
    var name: String { get }
    func apply(_ doc: inout Document) -> StepResult
}

/// A barrier's verdict on one document it drops.
public struct BarrierDecision: Sendable, Equatable {
    public let reason: String
    /// The id of the document this one duplicates, when there is one.
    public let dupOf: String?
    /// Values the reduce half computed for this document (cluster id, similarity), added to its annotations.
    public let annotations: Annotations
    /// When set, the document is not dropped: the barrier's `RewritingBarrier.rewrite` changes it with this
    /// payload (e.g. which lines to remove) and it goes on through the next steps.
    public let rewrite: [UInt8]?
    public init(reason: String, dupOf: String?, annotations: Annotations = Annotations(), rewrite: [UInt8]? = nil) {
        self.reason = reason; self.dupOf = dupOf; self.annotations = annotations; self.rewrite = rewrite
    }
}

/// A barrier whose reduce half can also run as separate stages over files (so each stage can become a job of
/// its own): `staged` says whether the spec asked for it.
protocol StagedBarrier: BarrierStep {
    var staged: Bool { get }
    /// How many independent tasks the first half of the reduce has (each writes its own file under `workDir`).
    var bucketTaskCount: Int { get }
    /// The first half's task `k`, over the map half's key files (in the global order of partitions).
    func bucketTask(_ k: Int, keyFiles: [(partition: Int, path: String)], workDir: String, index: CrossRunIndex?) throws
    /// The second half, once every bucket task is done: decisions, and how many documents the key files held.
    func mergeBuckets(keyFiles: [(partition: Int, path: String)], workDir: String, index: CrossRunIndex?) throws -> (decisions: [Int: BarrierDecision], documents: Int)
}

extension StagedBarrier {
    /// Both halves in one process: the bucket tasks in parallel, then the merge.
    func reduceStaged(keyFiles: [(partition: Int, path: String)], workDir: String, index: CrossRunIndex?) throws -> (decisions: [Int: BarrierDecision], documents: Int) {
        let failure = NSLock()
        nonisolated(unsafe) var firstError: Error? = nil
        DispatchQueue.concurrentPerform(iterations: bucketTaskCount) { k in
            do { try bucketTask(k, keyFiles: keyFiles, workDir: workDir, index: index) } catch {
                failure.lock(); if firstError == nil { firstError = error }; failure.unlock()
            }
        }
        if let firstError { throw firstError }
        return try mergeBuckets(keyFiles: keyFiles, workDir: workDir, index: index)
    }
}

/// An incremental run's link to the earlier versions for one dedup step: their index files (entries whose id is
/// in `excluding`, superseded documents, left out) and the file this version's survivors go to.
public struct CrossRunIndex: Sendable {
    public let earlier: [String]
    public let excluding: Set<String>
    public let output: String
}

/// A dedup barrier that remembers the documents it let through, so the later runs of an incremental pipeline
/// drop documents that duplicate an earlier version's (`exact_dedup`, `minhash_dedup`).
public protocol RememberingBarrier: BarrierStep {
    /// The index file's path inside a version folder.
    var indexName: String { get }
    /// A reducer that starts from the earlier versions' entries and writes this run's survivors to `index.output`.
    func makeReducer(index: CrossRunIndex) throws -> BarrierReducer
}

/// A barrier whose decisions can change documents instead of dropping them (`line_dedup`).
public protocol RewritingBarrier: BarrierStep {
    /// Applies a decision's payload to the document; `.drop` when nothing is left of it.
    func rewrite(_ doc: inout Document, payload: [UInt8]) -> StepResult
}

/// A step that must see every document before deciding (dedup, mixture, …). It has a map half
/// (`key`, per document, in any worker) and a reduce half (`reduce`, once, over all keys in order),
/// so the same code runs on one machine and as dependent job arrays.
public protocol BarrierStep: AnyObject, Sendable {
    var name: String { get }
    /// The map half: the bytes the reduce half needs about this document.
    func key(for doc: Document) -> [UInt8]
    /// The reduce half, fed every record in the global order.
    func makeReducer() -> BarrierReducer
}

/// The reduce half of a barrier: sees every participating document's key once, in the global
/// deterministic order (source order, then input, then line), then decides.
public protocol BarrierReducer: AnyObject {
    func consume(order: Int, docID: String, key: UnsafeRawBufferPointer)
    /// Decisions for the documents to drop, by their `order`.
    func finish() throws -> [Int: BarrierDecision]
}

/// A built step of either kind.
public enum PipelineStep: Sendable {
    case document(DocumentStep)
    case barrier(BarrierStep)

    public var name: String {
        switch self {
        case .document(let s): return s.name
        case .barrier(let s): return s.name
        }
    }
}
