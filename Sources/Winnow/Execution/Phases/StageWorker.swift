import Foundation

/// A bad input line with `on_error: "stop"`: the run ends with this message.
public struct BadInputError: Error, CustomStringConvertible {
    public let input: String
    public let line: Int
    public let reason: String
    public let message: String
    public var description: String { "\(input):\(line): \(reason.replacingOccurrences(of: "_", with: " ")) (\(message))" }
}

/// The run was asked to stop (SIGINT/SIGTERM); finished tasks are kept for the next start.
public struct RunCancelled: Error, CustomStringConvertible {
    public var description: String { "run interrupted; start it again to resume" }
}

/// Runs one stage of the step list over one partition: reads its input (the raw file in stage 1,
/// the previous stage's survivors after), applies the previous barrier's decisions and this stage's
/// document steps, and writes survivors for the next barrier or for the shard writer.
final class StageWorker {
    let run: RunContext
    let stage: Int          // 1-based
    let partition: Partition
    /// Called with the partition and its shard count when a last-stage task is done.
    let onFinished: ((Int, Int) -> Void)?

    private let source: SourceSpec
    private let active: [StagePlan.Entry]
    private let isFinal: Bool
    private let barrier: StagePlan.Entry?
    private let barrierStep: BarrierStep?
    private let previousBarrier: StagePlan.Entry?
    private let record: Bool

    // Counters of this task.
    private var stats: [StepStat]
    private var statIndex: [Int: Int] = [:]
    private var barrierStat: StepStat?
    private var prevBarrierStat: StepStat?
    private var sourceStat = SourceStat()

    // Lineage rows not yet sent.
    private var rows: [DocumentRow] = []
    private var errors: [ErrorRow] = []

    // Outputs: survivors and barrier keys (earlier stages), or shards and kept-document records (the last).
    private var staged: WorkFileWriter<WorkFile.StagedDoc>?
    private var keys: WorkFileWriter<WorkFile.BarrierKey>?
    private var shards: ShardWriter?
    private var keptMeta: WorkFileWriter<WorkFile.KeptMeta>?

    /// The previous barrier's decisions for this partition, by ordinal.
    private var decisions: [Int: BarrierDecision] = [:]

    private var outLine: [UInt8] = []
    private var annotationBytes: [UInt8] = []
    private let clock = ContinuousClock()

    init(run: RunContext, stage: Int, partition: Partition, onFinished: ((Int, Int) -> Void)? = nil) {
        self.run = run
        self.stage = stage
        self.partition = partition
        self.onFinished = onFinished
        let plan = run.plan
        source = run.pipeline.sources[partition.sourceIndex].spec
        let segment = plan.segments[stage - 1]
        let skip = Set(source.skipSteps)
        active = segment.filter { !skip.contains($0.step.name) }
        isFinal = stage == plan.stageCount
        barrier = isFinal ? nil : plan.barriers[stage - 1]
        if let b = barrier, !skip.contains(b.step.name), case .barrier(let s) = b.step { barrierStep = s } else { barrierStep = nil }
        previousBarrier = stage > 1 ? plan.barriers[stage - 2] : nil
        record = run.recordDocuments
        stats = segment.map { StepStat(index: $0.index, name: $0.step.name, kind: .document) }
        for (i, e) in segment.enumerated() { statIndex[e.index] = i }
        barrierStat = barrier.map { StepStat(index: $0.index, name: $0.step.name, kind: .barrier) }
        prevBarrierStat = previousBarrier.map { StepStat(index: $0.index, name: $0.step.name, kind: .barrier) }
        rows.reserveCapacity(4096)
        outLine.reserveCapacity(1 << 16)
    }

    /// Opens the outputs, reads the input through the steps, publishes the outputs and reports the task done.
    func execute() throws {
        try openOutputs()
        do {
            try loadDecisions()
            if stage == 1 { try readInput() } else { try readStaged() }
            try closeOutputs()
        } catch {
            shards?.abandon(); keptMeta?.abandon(); staged?.abandon(); keys?.abandon()
            throw error
        }
        report()
    }

    // MARK: - Steps of a task

    private func openOutputs() throws {
        let files = run.workFiles, p = partition.index
        if isFinal {
            shards = ShardWriter(dir: run.datasetDir, partition: p, output: run.pipeline.spec.output)
            keptMeta = try WorkFile.KeptMeta.writer(files.finalMeta(p))
        } else {
            staged = try WorkFile.StagedDoc.writer(files.staged(stage, p))
            keys = try WorkFile.BarrierKey.writer(files.keys(stage, p))
        }
    }

    private func loadDecisions() throws {
        guard stage > 1 else { return }
        try WorkFile.Decision.forEach(run.workFiles.decisions(stage - 1, partition.index)) { decisions[$0.ordinal] = $0.decision }
    }

    /// Stage 1: the partition's bytes of its input file, through the source's reader.
    private func readInput() throws {
        let counters = run.counters, cancelled = run.cancelFlag
        let reader = InputReader(partition: partition, source: source, displayPath: partition.input,
                                 maxLineBytes: run.pipeline.spec.maxLineBytes, onBytes: { counters.addBytes($0) })
        var lastLine = partition.firstLine - 1
        var ordinal = 0, sinceCheck = 0
        do {
            // A file truncated or rewritten since the run listed it is damage, as a corrupt one is: changed before
            // it was read, nothing of it; while it was read, the documents before are kept. Either way it is counted.
            // A stage task reads a whole file as it is when the task starts (a fixed input, its task run again).
            let wholeInTask = run.isStageTask && partition.isWholeFile
            let atStart = Planner.identity(partition.path)
            if !wholeInTask, let why = partition.changedSinceListed(goneIsChange: false) { throw FileError(partition.path, why) }
            try reader.read { item in
                defer { ordinal += 1; sinceCheck += 1 }
                if sinceCheck >= 1024 {
                    sinceCheck = 0
                    counters.addDocs(1024)
                    if cancelled.isSet { throw RunCancelled() }
                }
                switch item {
                case .document(let doc, let line):
                    lastLine = line
                    try handle(doc, ordinal: ordinal, line: line)
                case .bad(let line, let reason, let message):
                    lastLine = line
                    try recordBad(line: line, reason: reason, message: message)
                case .skipped(let line, let id, let reason, let url):
                    lastLine = line
                    sourceStat.docsIn += 1
                    if record {
                        var ann: [UInt8]? = nil
                        if let url { var o = JSONObject(); o["url"] = .string(url); ann = Array(JSONWriter.compact(.object(o)).utf8) }
                        addRow(DocumentRow(source: source.name, docID: id, input: partition.input, line: line, status: .dropped,
                                           step: "reader", reason: reason, annotations: ann, shard: nil, position: nil, dupOf: nil,
                                           stage: stage, partition: partition.index))
                    }
                }
            }
            if wholeInTask, let size = atStart.size, let mtime = atStart.mtime {
                if let why = Planner.change(of: partition.path, from: (size, mtime), when: "when the task began reading it") { throw FileError(partition.path, why) }
            } else if let why = partition.changedSinceListed() {
                throw FileError(partition.path, why)
            }
        } catch let e as FileError {
            // A truncated or corrupt compressed file: the documents before the damage are kept; the
            // damage is one bad "line" after the last one read (or the run stops, as the spec says).
            sourceStat.unreadable += 1
            try recordBad(line: lastLine + 1, reason: "unreadable_input", message: e.message)
        }
    }

    /// Later stages: the previous stage's survivors of this partition.
    private func readStaged() throws {
        let counters = run.counters, cancelled = run.cancelFlag
        var sinceCheck = 0
        try WorkFile.StagedDoc.forEach(run.workFiles.staged(stage - 1, partition.index)) { r in
            sinceCheck += 1
            if sinceCheck >= 1024 {
                sinceCheck = 0
                counters.addDocs(1024)
                if cancelled.isSet { throw RunCancelled() }
            }
            try handle(Document(id: r.id, text: r.text, source: source.name, metadata: r.metadata, annotations: r.annotations),
                       ordinal: r.ordinal, line: r.line)
        }
    }

    private func closeOutputs() throws {
        if isFinal {
            try shards!.finish()
            try keptMeta!.commit()
            // The partition's shard list, for the shard phase (global numbering, manifest, lineage).
            let list = try WorkFile.ShardListEntry.writer(run.workFiles.finalShards(partition.index))
            for w in shards!.written {
                try list.append(WorkFile.ShardListEntry(name: w.name, documents: w.documents, bytes: Int64(w.bytes),
                                                         uncompressedBytes: Int64(w.uncompressedBytes), sha256: w.sha256))
            }
            try list.commit()
        } else {
            try staged!.commit(); try keys!.commit()
        }
    }

    /// The task's last rows, its counts and its mark (one transaction in the lineage writer).
    private func report() {
        flushRows(force: true)
        var allStats = stats
        if let b = barrierStat { allStats.append(b) }
        if let b = prevBarrierStat { allStats.append(b) }
        run.lineage.send(.taskDone(task: TaskName.stage(stage, partition.index), stats: allStats, sources: [source.name: sourceStat]))
        if isFinal { onFinished?(partition.index, shards!.written.count) }
        run.counters.taskDone()
    }

    // MARK: - One document

    private func handle(_ docIn: Document, ordinal: Int, line: Int) throws {
        var doc = docIn
        if stage == 1 { sourceStat.docsIn += 1; sourceStat.bytesIn += doc.text.utf8.count }
        if let d = decisions[ordinal], !applyDecision(d, to: &doc, line: line) { return }
        if prevBarrierStat != nil { prevBarrierStat!.bytesOut += doc.text.utf8.count }
        guard applySteps(to: &doc, line: line) else { return }
        if isFinal { try writeKept(doc, line: line) } else { try writeSurvivor(doc, ordinal: ordinal, line: line) }
    }

    /// The previous barrier's decision: a rewriting barrier changes the document and lets it go on; any other
    /// decision drops it. False when the document is dropped.
    private func applyDecision(_ d: BarrierDecision, to doc: inout Document, line: Int) -> Bool {
        for (k, v) in d.annotations.items { doc.annotations[k] = v }
        let step = previousBarrier!.step
        var dropReason: String? = d.reason
        if let payload = d.rewrite, case .barrier(let b) = step, let rewriting = b as? RewritingBarrier {
            if case .drop(let r) = rewriting.rewrite(&doc, payload: payload) { dropReason = r } else { dropReason = nil }
        }
        guard let dropReason else { return true }
        prevBarrierStat!.dropped += 1
        recordDropped(doc, line: line, step: step.name, reason: dropReason, dupOf: d.dupOf)
        return false
    }

    /// This stage's document steps in order; false when one drops the document.
    private func applySteps(to doc: inout Document, line: Int) -> Bool {
        for entry in active {
            guard case .document(let step) = entry.step else { continue }
            let si = statIndex[entry.index]!
            stats[si].docsIn += 1
            stats[si].bytesIn += doc.text.utf8.count
            let t0 = clock.now
            let result = step.apply(&doc)
            stats[si].seconds += (clock.now - t0).seconds
            if case .drop(let reason) = result {
                stats[si].dropped += 1
                recordDropped(doc, line: line, step: step.name, reason: reason, dupOf: nil)
                return false
            }
            stats[si].docsOut += 1
            stats[si].bytesOut += doc.text.utf8.count
        }
        return true
    }

    /// The last stage: the document's line in its partition's shard, and its place for the lineage row.
    private func writeKept(_ doc: Document, line: Int) throws {
        sourceStat.docsOut += 1
        sourceStat.bytesOut += doc.text.utf8.count
        outLine.removeAll(keepingCapacity: true)
        OutputLine.append(doc, to: &outLine)
        let (shard, position) = try shards!.place(bytes: outLine.count)
        try outLine.withUnsafeBytes { try shards!.write($0, doc) }
        if record {
            annotationBytes.removeAll(keepingCapacity: true)
            doc.annotations.appendJSON(to: &annotationBytes)
            try keptMeta!.append(WorkFile.KeptMeta(localShard: shard, position: position, line: line, id: doc.id, annotations: annotationBytes))
        }
    }

    /// Earlier stages: the survivor for the next stage, and its key for the barrier.
    private func writeSurvivor(_ doc: Document, ordinal: Int, line: Int) throws {
        try staged!.append(WorkFile.StagedDoc(ordinal: ordinal, line: line, id: doc.id, text: doc.text, metadata: doc.metadata, annotations: doc.annotations))
        if let b = barrierStep {
            barrierStat!.bytesIn += doc.text.utf8.count
            let t0 = clock.now
            try b.key(for: doc).withUnsafeBytes { try keys!.append(WorkFile.BarrierKey(ordinal: ordinal, docID: doc.id, key: $0)) }
            barrierStat!.seconds += (clock.now - t0).seconds
        }
    }

    // MARK: - Lineage rows

    private func recordDropped(_ doc: Document, line: Int, step: String, reason: String, dupOf: String?) {
        guard record else { return }
        annotationBytes.removeAll(keepingCapacity: true)
        doc.annotations.appendJSON(to: &annotationBytes)
        addRow(DocumentRow(source: source.name, docID: doc.id, input: partition.input, line: line, status: .dropped,
                           step: step, reason: reason, annotations: annotationBytes, shard: nil, position: nil, dupOf: dupOf,
                           stage: stage, partition: partition.index))
    }

    private func recordBad(line: Int, reason: String, message: String) throws {
        sourceStat.errors += 1
        if run.pipeline.spec.onError == .stop {
            throw BadInputError(input: partition.input, line: line, reason: reason, message: message)
        }
        guard record else { return }
        errors.append(ErrorRow(source: source.name, input: partition.input, line: line, reason: reason, message: message, stage: stage, partition: partition.index))
        addRow(DocumentRow(source: source.name, docID: nil, input: partition.input, line: line, status: .error,
                           step: "reader", reason: reason, annotations: nil, shard: nil, position: nil, dupOf: nil,
                           stage: stage, partition: partition.index))
    }

    private func addRow(_ r: DocumentRow) {
        rows.append(r)
        flushRows(force: false)
    }

    private func flushRows(force: Bool) {
        if (rows.count + errors.count >= 4096 || force) && !(rows.isEmpty && errors.isEmpty) {
            run.lineage.send(.rows(rows, errors))
            // Fresh arrays, not removeAll(keepingCapacity:): once the writer thread lets go of the batch, the old buffer
            // looks unique again and would be reused in place, with nothing ordering that after the writer's reads
            // (ThreadSanitizer found it).
            rows = []
            errors = []
            rows.reserveCapacity(4096)
        }
    }
}

/// The JSONL line a kept document becomes: `{"id", "text", "source", "metadata"?}`.
enum OutputLine {
    static func append(_ doc: Document, to out: inout [UInt8]) {
        out += Array(#"{"id":"#.utf8)
        JSONEscape.appendQuoted(doc.id, to: &out)
        out += Array(#","text":"#.utf8)
        if let raw = doc.escapedText {
            out.append(0x22); out += raw; out.append(0x22)
        } else {
            JSONEscape.appendQuoted(doc.text, to: &out)
        }
        out += Array(#","source":"#.utf8)
        JSONEscape.appendQuoted(doc.source, to: &out)
        if !doc.metadata.isEmpty {
            out += Array(#","metadata":"#.utf8)
            out += doc.metadata
        }
        out += [UInt8(ascii: "}"), 0x0A]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// A flag set from a signal handler or another thread.
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
