import Foundation

/// The unit of parallelism, resume and (later) incremental runs: one input file, or a byte range of
/// a large uncompressed JSONL file, or of a WARC file cut at record (gzip member) boundaries.
public struct Partition: Sendable, Codable, Equatable {
    public let index: Int
    public let sourceIndex: Int
    public let path: String
    public let input: String
    /// Byte range: lines whose first byte lies in `offset ..< offset + length` belong here.
    public let offset: Int64
    public let length: Int64?
    /// 1-based number of the first line that starts in the range.
    public let firstLine: Int
    /// Bytes on disk this partition accounts for (for progress).
    public let diskBytes: Int64
    /// The input file's size and modification time when the run listed it: a file that differs when the partition is
    /// read (truncated, rewritten) is an unreadable part, not a silent short read. Nil for plans written before.
    public var fileSize: Int64? = nil
    public var fileMTime: Double? = nil

    /// Whether the file at `path` is no longer the one listed: nil when it is (or nothing was listed, or it is gone
    /// and `goneIsChange` is false, so that opening it reports the operating system's reason), else why.
    func changedSinceListed(goneIsChange: Bool = true) -> String? {
        guard let fileSize, let fileMTime else { return nil }
        return Planner.change(of: path, from: (fileSize, fileMTime), when: "when the run listed it", goneIsChange: goneIsChange)
    }

    /// The whole of one file (not a byte range or row groups cut on the listed file).
    var isWholeFile: Bool { offset == 0 && length == nil }
}

private func isoSeconds(_ t: Double?) -> String {
    guard let t else { return "?" }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date(timeIntervalSince1970: t))
}

/// The step list cut at barriers: stage j runs `segments[j]` on every partition; after stage j
/// (except the last) barrier `barriers[j]` reduces over all partitions.
public struct StagePlan: Sendable {
    public struct Entry: Sendable {
        public let index: Int       // position in the spec's steps
        public let step: PipelineStep
    }
    public let segments: [[Entry]]
    public let barriers: [Entry]

    public init(steps: [PipelineStep]) {
        var segs: [[Entry]] = [[]]
        var bars: [Entry] = []
        for (i, s) in steps.enumerated() {
            if case .barrier = s { bars.append(Entry(index: i, step: s)); segs.append([]) }
            else { segs[segs.count - 1].append(Entry(index: i, step: s)) }
        }
        segments = segs
        barriers = bars
    }

    /// Number of per-partition stages (one more than the barriers).
    public var stageCount: Int { segments.count }
}

/// Input files of a source, with their identity, as recorded in `inputs`.
struct InputFile: Codable, Equatable {
    let sourceIndex: Int
    let path: String
    let input: String
    let size: Int64
    let mtime: Double
    /// Incremental runs: the bytes' SHA-256, and new | changed | touched.
    var sha256: String? = nil
    var change: String? = nil
}

enum Planner {
    /// The sources' files with their size and modification time, in the deterministic order dedup relies on.
    static func inputFiles(for pipeline: Pipeline) throws -> [InputFile] {
        var inputs: [InputFile] = []
        for (si, src) in pipeline.sources.enumerated() {
            for path in src.files {
                // stat, not FileManager's attributes: those describe a symbolic link itself, not the file it names.
                var st = stat()
                guard stat(path, &st) == 0 else { throw FileError(path, "cannot read (\(String(cString: strerror(errno))))") }
                // Checked again at run time: a spec validated earlier may now name a FIFO, which would block the read forever.
                guard (st.st_mode & S_IFMT) == S_IFREG else {
                    throw FileError(path, "is not a regular file (a FIFO, socket, device or folder); only regular files and symbolic links to them are inputs")
                }
                let mtime = mtimeSeconds(st)
                inputs.append(InputFile(sourceIndex: si, path: path, input: pipeline.displayPath(path), size: Int64(st.st_size), mtime: mtime))
            }
        }
        return inputs
    }

    static func mtimeSeconds(_ st: stat) -> Double { Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9 }

    /// Why the file at `path` is not the one of `identity` any more (nil when it is, or when it is gone and
    /// `goneIsChange` is false); `when` says when the identity was taken.
    static func change(of path: String, from identity: (size: Int64, mtime: Double), when: String, goneIsChange: Bool = true) -> String? {
        let (size, mtime) = Planner.identity(path)
        if size == identity.size && mtime == identity.mtime || (size == nil && !goneIsChange) { return nil }
        let now = size.map { "\($0) bytes, modified \(isoSeconds(mtime))" } ?? "gone"
        return "changed while the run read it (\(identity.size) bytes, modified \(isoSeconds(identity.mtime)) \(when); now \(now)); run again to read it as it is now"
    }

    /// A file's size and modification time now (nils when it cannot be stat'ed).
    static func identity(_ path: String) -> (size: Int64?, mtime: Double?) {
        var st = stat()
        guard stat(path, &st) == 0 else { return (nil, nil) }
        return (Int64(st.st_size), mtimeSeconds(st))
    }

    /// Lists inputs and cuts them into partitions.
    static func partitions(for pipeline: Pipeline, log: ((String) -> Void)? = nil) throws -> (inputs: [InputFile], partitions: [Partition]) {
        let inputs = try inputFiles(for: pipeline)
        return (inputs, try partitions(for: pipeline, inputs: inputs, log: log))
    }

    /// Cuts `inputs` (in their order) into partitions: a file, or byte ranges of a large uncompressed JSONL file, or
    /// of a large WARC/WET file at record boundaries (gzip member boundaries for per-record `.warc.gz`).
    /// Parquet files: runs of row groups (`offset` the first, `length` how many; a file whose footer cannot be read is
    /// one partition, and its reader reports why). `log` hears which Parquet columns are not kept as metadata.
    static func partitions(for pipeline: Pipeline, inputs: [InputFile], log: ((String) -> Void)? = nil) throws -> [Partition] {
        var parts: [Partition] = []
        let failing = ProcessInfo.processInfo.environment["WINNOW_TEST_UNPLANNABLE"]
        for f in inputs {
            let first = parts.count
            defer { for k in first..<parts.count { parts[k].fileSize = f.size; parts[k].fileMTime = f.mtime } }
            let si = f.sourceIndex, path = f.path, size = f.size
            // Test hook (fault injection, as SQLite's tests do): planning this input fails as an unreadable file would.
            if let failing, !failing.isEmpty, (path as NSString).lastPathComponent == failing {
                throw FileError(path, "cannot be planned (WINNOW_TEST_UNPLANNABLE)")
            }
            let format = pipeline.sources[si].spec.format
            let chunk = Int64(pipeline.spec.partitionBytes)
            if format == .parquet {
                guard let file = try? ParquetFile(path: path) else {
                    parts.append(Partition(index: parts.count, sourceIndex: si, path: path, input: f.input, offset: 0, length: nil, firstLine: 1, diskBytes: size))
                    continue
                }
                let src = pipeline.sources[si].spec
                let skipped = file.skippedColumns(except: [src.textField, src.idField])
                if !skipped.isEmpty {
                    log?("\(f.input): column(s) not kept as metadata: " + skipped.map { "\($0.name) (\($0.why))" }.joined(separator: ", "))
                }
                for r in ParquetSource.ranges(file, chunk: chunk) {
                    parts.append(Partition(index: parts.count, sourceIndex: si, path: path, input: f.input, offset: Int64(r.first),
                                           length: Int64(r.count), firstLine: r.firstRow, diskBytes: r.bytes))
                }
                continue
            }
            if format == .warc || format == .wet {
                // Record (or gzip member) boundaries; a record's `line` is its byte offset.
                let cuts = try WARCSplit.cuts(path: path, size: size, chunk: chunk, compression: Compression(path: path))
                for (k, start) in cuts.enumerated() {
                    let end = k + 1 < cuts.count ? cuts[k + 1] : size
                    parts.append(Partition(index: parts.count, sourceIndex: si, path: path, input: f.input, offset: start,
                                           length: cuts.count == 1 ? nil : end - start, firstLine: Int(start), diskBytes: end - start))
                }
                continue
            }
            let splittable = format == .jsonl && Compression(path: path) == .none
            guard splittable && size > chunk else {
                parts.append(Partition(index: parts.count, sourceIndex: si, path: path, input: f.input, offset: 0, length: nil, firstLine: 1, diskBytes: size))
                continue
            }
            var offset: Int64 = 0
            var line = 1
            while offset < size {
                let len = min(chunk, size - offset)
                parts.append(Partition(index: parts.count, sourceIndex: si, path: path, input: f.input,
                                       offset: offset, length: len, firstLine: line, diskBytes: len))
                // Lines starting in the next range are numbered after every line that started in this one.
                // Positions q in the range with q == 0 or byte q-1 == "\n" start a line.
                line += offset == 0 ? 1 + (try countNewlines(path: path, offset: 0, length: len - 1))
                                    : try countNewlines(path: path, offset: offset - 1, length: len)
                offset += len
            }
        }
        return parts
    }
}
