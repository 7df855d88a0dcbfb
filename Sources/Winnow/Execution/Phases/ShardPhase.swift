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
    private let run: RunContext
    private let lock = NSLock()
    private var shardCounts: [Int: Int] = [:]
    private var next = 0
    private var nextShard = 0

    init(run: RunContext) { self.run = run }

    /// Called when partition `p`'s last stage is done (or was done by an earlier process).
    func partitionFinished(_ p: Int, shards: Int) {
        lock.lock(); defer { lock.unlock() }
        shardCounts[p] = shards
        let parts = run.partitions
        while next < parts.count, let c = shardCounts[next] {
            if run.recordDocuments && !run.isDone(TaskName.kept(next)) { run.lineage.send(.keptRows(ShardPhase.keptRows(run, parts[next], firstShard: nextShard))) }
            nextShard += c
            next += 1
        }
    }
}

/// After the last stage: the global shard list and the `shards` table. Partitions write their shards in parallel
/// under partition-local names (`shard-<partition>-<k>`); once every partition is done each is renamed to its
/// global number (`shard-<n>`), so the number in a file's name is the `shard` lineage and the manifest give it.
struct ShardPhase {
    let run: RunContext

    /// The file name of global shard `n`.
    static func globalName(_ n: Int, like local: String) -> String {
        let suffix = local.range(of: ".jsonl").map { String(local[$0.lowerBound...]) } ?? ".jsonl"
        return String(format: "shard-%05d", n) + suffix
    }

    /// The job that records partition `p`'s kept documents, whose first shard is global shard `firstShard`.
    static func keptRows(_ run: RunContext, _ p: Partition, firstShard: Int) -> KeptRowsJob {
        KeptRowsJob(task: TaskName.kept(p.index), metaPath: run.workFiles.finalMeta(p.index), firstShard: firstShard,
                    source: run.sourceName(of: p), input: p.input, stage: run.shardStage, partition: p.index)
    }

    /// Every shard in manifest order (global names), with its partition-local name, from the partitions' shard lists.
    func planned() throws -> [(info: ShardInfo, local: String)] {
        var out: [(info: ShardInfo, local: String)] = []
        for part in run.partitions {
            var k = 0
            try WorkFile.ShardListEntry.forEach(run.workFiles.finalShards(part.index)) { e in
                var info = ShardInfo(shard: out.count, path: Self.globalName(out.count, like: e.name), input: part.input, format: "jsonl",
                                     documents: e.documents, bytes: e.bytes, uncompressedBytes: e.uncompressedBytes, sha256: e.sha256,
                                     sources: [run.sourceName(of: part): e.documents])
                info.partition = part.index
                info.localShard = k
                k += 1
                out.append((info, e.name))
            }
        }
        return out
    }

    /// The whole phase in one process: every shard renamed, the `shards` rows replaced.
    func execute() throws -> [ShardInfo] {
        let all = try planned()
        for s in all { try renameShard(s.local, to: s.info.path) }
        try unifyParquetSchemas(all, mine: nil)
        let infos = all.map(\.info)
        for e in ShardRecords.replace(run.runID, with: infos) { run.lineage.send(e) }
        try run.lineage.sync()
        return infos
    }

    /// A stage task's share: the shards of partitions `parts` renamed, their `shards` rows and their partitions'
    /// kept-document rows recorded.
    func execute(partitions parts: [Int]) throws {
        let all = try planned()
        let mine = Set(parts)
        for s in all where mine.contains(s.info.partition) { try renameShard(s.local, to: s.info.path) }
        try unifyParquetSchemas(all, mine: mine)
        for e in ShardRecords.insert(run.runID, all.map(\.info).filter { mine.contains($0.partition) }) { run.lineage.send(e) }
        if run.recordDocuments {
            // Shards are numbered in partition order: a partition's first is the count of all earlier partitions'.
            var counts: [Int: Int] = [:]
            for s in all { counts[s.info.partition, default: 0] += 1 }
            var next = 0
            for p in run.partitions {
                if mine.contains(p.index) { run.lineage.send(.keptRows(Self.keptRows(run, p, firstShard: next))) }
                next += counts[p.index] ?? 0
            }
        }
        try run.lineage.sync()
    }

    /// With `parquet` among the formats: gives every Parquet shard the run's one schema (`MetadataColumns.union` of
    /// theirs), so that the folder loads as one dataset — a shard whose metadata columns differ is rewritten. Only
    /// the shards of partitions `mine` (all when nil) are rewritten; the others' footers are read under whichever
    /// name they have (another task may be renaming them).
    private func unifyParquetSchemas(_ all: [(info: ShardInfo, local: String)], mine: Set<Int>?) throws {
        let output = run.pipeline.spec.output
        guard output.formats.contains(.parquet) else { return }
        let dir = run.datasetDir as NSString
        func footer(_ s: (info: ShardInfo, local: String)) throws -> ParquetFile {
            let global = dir.appendingPathComponent(ShardWriter.parquetName(of: s.info.path)), local = dir.appendingPathComponent(ShardWriter.parquetName(of: s.local))
            if let f = try? ParquetFile(path: global) { return f }
            if let f = try? ParquetFile(path: local) { return f }
            return try ParquetFile(path: global)
        }
        let schemas = try all.map { ParquetShardWriter.metadataColumns(of: try footer($0)) }
        let union = MetadataColumns.union(schemas)
        for (s, schema) in zip(all, schemas) where schema != union && (mine?.contains(s.info.partition) ?? true) {
            try ParquetShardWriter.rewrite(dir.appendingPathComponent(ShardWriter.parquetName(of: s.info.path)), to: union,
                                           compression: output.parquetCompression, level: output.compressionLevel)
        }
    }

    /// Renames a JSONL shard and, with `parquet` among the formats, its Parquet twin.
    private func renameShard(_ local: String, to name: String) throws {
        try rename(local, to: name)
        if run.pipeline.spec.output.formats.contains(.parquet) { try rename(ShardWriter.parquetName(of: local), to: ShardWriter.parquetName(of: name)) }
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
    static func shardCount(_ files: WorkFiles, _ p: Int) throws -> Int { try WorkFile.ShardListEntry.count(files.finalShards(p)) }
}

extension ShardInfo {
    static func sourcesJSON(_ s: [String: Int]) -> String {
        JSONWriter.canonical(.object(JSONObject(s.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })))
    }
}
