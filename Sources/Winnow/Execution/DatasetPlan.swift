import Foundation

/// What an incremental run adds to its pipeline's dataset: the version it writes, the earlier versions of its
/// series, and the inputs it processes.
///
/// A pipeline with `incremental` keeps one folder per version (`versions/v000003`) in `output.dir`. A run
/// processes only inputs that no finished run of the series processed, judged by path, size and modification
/// time, and — when size or time differ — by the SHA-256 of the bytes: same bytes is a *touched* file (not
/// processed again), other bytes a *changed* one: processed again, and its documents from earlier versions are
/// superseded (left out of the dataset and of the dedup indexes). A series is the run of versions written with one
/// spec SHA-256; a new SHA-256 starts a new series (every input is new to it) unless the run is `--continue`d.
/// A file that disappears keeps its documents: the dataset only grows, or changes by superseding.
struct DatasetPlan: Codable {
    struct EarlierVersion: Codable, Equatable {
        let version: Int
        let runID: String
        /// Its folder, relative to output.dir.
        let path: String
    }

    struct Supersession: Codable, Equatable {
        let input: String
        let earlierRunID: String
        let documents: Int
    }

    let version: Int
    let series: Int
    let earlier: [EarlierVersion]
    /// The inputs this run processes (new and changed), with their SHA-256, in the planner's order.
    let inputs: [InputFile]
    /// Inputs whose time changed but whose bytes did not.
    let touched: [InputFile]
    let supersessions: [Supersession]
    /// Document ids no later run may match as duplicates: every superseded document of the series.
    let excludedIDs: [String]

    static func directoryName(_ version: Int) -> String { String(format: "versions/v%06d", version) }
    var relativeDir: String { Self.directoryName(version) }
    var newInputs: Int { inputs.filter { $0.change == "new" }.count }
    var changedInputs: Int { inputs.filter { $0.change == "changed" }.count }

    /// Plans the next version for `pipeline` from the lineage of its finished versions and the files on disk.
    static func next(db: SQLiteDatabase, pipeline: Pipeline, files: [InputFile], continueSeries: Bool) throws -> DatasetPlan {
        let name = pipeline.spec.name
        let rows = try DatasetRecords.versions(db, pipeline: name)
        let last = rows.last
        let sameSeries = last.map { $0.specSHA256 == pipeline.sha256 || continueSeries } ?? false
        let series = sameSeries ? last!.series : 0
        let earlier = sameSeries ? rows.filter { $0.series == series }.map { EarlierVersion(version: $0.version, runID: $0.runID, path: $0.path) } : []
        let version = max(last?.version ?? 0, try DatasetRecords.highestRunVersion(db, pipeline: name)) + 1

        // The latest identity of each input in the series — from its versions' runs, and from the touched files that
        // runs with nothing new recorded since it began — and which runs processed it.
        var known: [String: (size: Int64, mtime: Double, sha256: String?)] = [:]
        var processedBy: [String: [String]] = [:]
        if let first = earlier.first {
            for r in try DatasetRecords.seriesInputs(db, pipeline: name, series: series, firstRunID: first.runID) {
                known[r.input] = (r.size, r.mtime, r.sha256)
                if r.change != "touched" { processedBy[r.input, default: []].append(r.runID) }
            }
        }
        var alreadySuperseded = Set<String>()   // "run\tinput"
        for v in earlier {
            for x in try DatasetRecords.supersededInputs(db, of: v.runID) { alreadySuperseded.insert("\(x.earlierRunID)\t\(x.input)") }
        }

        var process: [InputFile] = [], touched: [InputFile] = [], supersessions: [Supersession] = []
        for f in files {
            guard let k = known[f.input] else { process.append(f.with(sha256: try fileSHA256(f.path), change: "new")); continue }
            if k.size == f.size && k.mtime == f.mtime { continue }
            let sha = try fileSHA256(f.path)
            if sha == k.sha256 { touched.append(f.with(sha256: sha, change: "touched")); continue }
            process.append(f.with(sha256: sha, change: "changed"))
            for run in processedBy[f.input] ?? [] where !alreadySuperseded.contains("\(run)\t\(f.input)") {
                supersessions.append(Supersession(input: f.input, earlierRunID: run, documents: try DatasetRecords.keptCount(db, runID: run, input: f.input)))
            }
        }

        // Every superseded document of the series (earlier supersessions and this run's) stays out of dedup.
        var pairs = alreadySuperseded.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        pairs += supersessions.map { [$0.earlierRunID, $0.input] }
        var excluded: [String] = []
        for p in pairs where p.count == 2 {
            excluded += try DatasetRecords.keptIDs(db, runID: p[0], input: p[1])
        }
        return DatasetPlan(version: version, series: sameSeries ? series : version, earlier: earlier, inputs: process, touched: touched,
                           supersessions: supersessions, excludedIDs: excluded.sorted())
    }

    /// SHA-256 of a file's bytes, read in 1 MiB blocks.
    static func fileSHA256(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(path, "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var h = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 { throw FileError(path, "read failed (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            h.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return h.finalize().hex
    }
}

extension InputFile {
    func with(sha256: String, change: String) -> InputFile {
        InputFile(sourceIndex: sourceIndex, path: path, input: input, size: size, mtime: mtime, sha256: sha256, change: change)
    }
}
