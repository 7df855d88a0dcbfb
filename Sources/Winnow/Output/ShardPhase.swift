import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A shard as written and recorded.
public struct ShardInfo: Sendable, Equatable {
    /// Position in the manifest (partition order, then the partition's own shards).
    public let shard: Int
    public let path: String
    /// The input file its documents came from (a shard never spans partitions, so never inputs).
    public let input: String
    public let format: String
    public let documents: Int
    public let bytes: Int64
    public let uncompressedBytes: Int64
    public let sha256: String
    /// Documents per source, by source name.
    public let sources: [String: Int]
    /// The partition that wrote it and its number within that partition (its work files are keyed by these).
    public var partition: Int = 0
    public var localShard: Int = 0
}

/// Numbers shards globally in partition order and has the lineage writer record kept documents with
/// their global shard and position. A partition's rows can be recorded as soon as every earlier
/// partition's shard count is known, so most of this overlaps the last stage.
final class KeptRowFeeder: @unchecked Sendable {
    private let run: Executor
    private let lock = NSLock()
    private var shardCounts: [Int: Int] = [:]
    private var next = 0
    private var nextShard = 0

    init(run: Executor) { self.run = run }

    /// Called when partition `p`'s last stage is done (or was done by an earlier process).
    func partitionFinished(_ p: Int, shards: Int) {
        lock.lock(); defer { lock.unlock() }
        shardCounts[p] = shards
        let parts = run.partitionList
        while next < parts.count, let c = shardCounts[next] {
            let part = parts[next]
            if run.options.recordDocuments && !run.isDone(Executor.keptTask(next)) {
                run.lineage.send(.keptRows(KeptRowsJob(task: Executor.keptTask(next), metaPath: run.workFiles.finalMeta(next), firstShard: nextShard,
                                                       source: run.pipeline.sources[part.sourceIndex].spec.name, input: part.input,
                                                       stage: run.shardStage, partition: next)))
            }
            nextShard += c
            next += 1
        }
    }
}

/// After the last stage: the global shard list and the `shards` table. Partitions write their shards in parallel
/// under partition-local names (`shard-<partition>-<k>`); once every partition is done each is renamed to its
/// global number (`shard-<n>`), so the number in a file's name is the `shard` lineage and the manifest give it.
struct ShardPhase {
    let run: Executor

    /// The file name of global shard `n`.
    static func globalName(_ n: Int, like local: String) -> String {
        let suffix = local.range(of: ".jsonl").map { String(local[$0.lowerBound...]) } ?? ".jsonl"
        return String(format: "shard-%05d", n) + suffix
    }

    func execute() throws -> [ShardInfo] {
        var infos: [ShardInfo] = []
        for part in run.partitionList {
            let source = run.pipeline.sources[part.sourceIndex].spec.name
            var k = 0
            try RecordReader(path: run.workFiles.finalShards(part.index)).forEach { d in
                let local = d.string()
                let docs = d.u64()
                let name = Self.globalName(infos.count, like: local)
                try rename(local, to: name)
                var info = ShardInfo(shard: infos.count, path: name, input: part.input, format: "jsonl", documents: docs, bytes: Int64(d.u64()),
                                     uncompressedBytes: Int64(d.u64()), sha256: d.string(), sources: [source: docs])
                info.partition = part.index
                info.localShard = k
                k += 1
                infos.append(info)
            }
        }
        for e in ShardRecords.replace(run.runID, with: infos) { run.lineage.send(e) }
        try run.lineage.sync()
        return infos
    }

    /// Renames a shard in the dataset folder (recorded in the ledger first). A run resumed after a kill finds some
    /// already renamed: the new name is there and the old one is not.
    private func rename(_ local: String, to name: String) throws {
        let dir = run.datasetDir
        let from = (dir as NSString).appendingPathComponent(local), to = (dir as NSString).appendingPathComponent(name)
        let fm = FileManager.default
        guard fm.fileExists(atPath: from) else {
            guard fm.fileExists(atPath: to) else { throw FileError(from, "shard missing (neither it nor \(name) exists)") }
            return
        }
        try OutputLedger.noteWriting(to)
        guard Glibc.rename(from, to) == 0 else { throw FileError(from, "cannot rename to \(name) (\(String(cString: strerror(errno))))") }
    }

    /// Number of shards partition `p` wrote (from its shard list).
    static func shardCount(_ files: WorkFiles, _ p: Int) throws -> Int {
        var n = 0
        try RecordReader(path: files.finalShards(p)).forEach { _ in n += 1 }
        return n
    }
}

extension ShardInfo {
    static func sourcesJSON(_ s: [String: Int]) -> String {
        JSONWriter.canonical(.object(JSONObject(s.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })))
    }
}
