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
struct StageWorker {
    let run: Executor
    let stage: Int          // 1-based
    let partition: Partition

    private var source: SourceSpec { run.pipeline.sources[partition.sourceIndex].spec }

    func execute() throws {
        let plan = run.plan
        let segment = plan.segments[stage - 1]
        let skip = Set(source.skipSteps)
        let active = segment.filter { !skip.contains($0.step.name) }
        let isFinal = stage == plan.stageCount
        let barrier: StagePlan.Entry? = isFinal ? nil : plan.barriers[stage - 1]
        let barrierActive = barrier.map { !skip.contains($0.step.name) } ?? false
        let record = run.options.recordDocuments
        let files = run.workFiles!
        let p = partition.index

        var stats = segment.map { StepStat(index: $0.index, name: $0.step.name, kind: .document) }
        var statIndex: [Int: Int] = [:]
        for (i, e) in segment.enumerated() { statIndex[e.index] = i }
        var barrierStat = barrier.map { StepStat(index: $0.index, name: $0.step.name, kind: .barrier) }
        var prevBarrierStat: StepStat? = nil
        var sourceStat = SourceStat()

        var rows: [DocumentRow] = []
        var errors: [ErrorRow] = []
        rows.reserveCapacity(4096)
        func flushRows(force: Bool) {
            if (rows.count + errors.count >= 4096 || force) && !(rows.isEmpty && errors.isEmpty) {
                run.lineage.send(.rows(rows, errors))
                rows.removeAll(keepingCapacity: true)
                errors.removeAll(keepingCapacity: true)
            }
        }

        // Outputs of this stage.
        var staged: RecordWriter? = nil
        var keys: RecordWriter? = nil
        var shards: ShardWriter? = nil
        var finalMeta: RecordWriter? = nil
        if isFinal {
            shards = ShardWriter(dir: run.datasetDir, partition: p, output: run.pipeline.spec.output)
            finalMeta = try RecordWriter(path: files.finalMeta(p))
        } else {
            staged = try RecordWriter(path: files.staged(stage, p))
            keys = try RecordWriter(path: files.keys(stage, p))
        }

        // Decisions of the previous barrier for this partition, by ordinal.
        var decisions: [Int: BarrierDecision] = [:]
        if stage > 1 {
            try RecordReader(path: files.decisions(stage - 1, p)).forEach { d in
                let ordinal = d.u32()
                let reason = d.string(), dupOf = d.optionalString(), annotations = d.annotations()
                decisions[ordinal] = BarrierDecision(reason: reason, dupOf: dupOf, annotations: annotations, rewrite: d.byte() == 1 ? d.blob() : nil)
            }
            let b = plan.barriers[stage - 2]
            prevBarrierStat = StepStat(index: b.index, name: b.step.name, kind: .barrier)
        }

        var outLine: [UInt8] = []
        outLine.reserveCapacity(1 << 16)
        var annotationBytes: [UInt8] = []
        let clock = ContinuousClock()
        let cancelled = run.cancelFlag

        func handle(_ docIn: Document, ordinal: Int, line: Int) throws {
            var doc = docIn
            if stage == 1 { sourceStat.docsIn += 1 }
            if let d = decisions[ordinal] {
                for (k, v) in d.annotations.items { doc.annotations[k] = v }
                // A rewriting barrier changes the document and lets it go on; any other decision drops it.
                var dropReason: String? = d.reason
                if let payload = d.rewrite, case .barrier(let step) = plan.barriers[stage - 2].step, let rewriting = step as? RewritingBarrier {
                    if case .drop(let r) = rewriting.rewrite(&doc, payload: payload) { dropReason = r } else { dropReason = nil }
                }
                if let dropReason {
                    prevBarrierStat!.dropped += 1
                    if record {
                        annotationBytes.removeAll(keepingCapacity: true)
                        doc.annotations.appendJSON(to: &annotationBytes)
                        rows.append(DocumentRow(source: source.name, docID: doc.id, input: partition.input, line: line, status: .dropped,
                                                step: plan.barriers[stage - 2].step.name, reason: dropReason, annotations: annotationBytes,
                                                shard: nil, position: nil, dupOf: d.dupOf, stage: stage, partition: p))
                        flushRows(force: false)
                    }
                    return
                }
            }
            for entry in active {
                guard case .document(let step) = entry.step else { continue }
                let si = statIndex[entry.index]!
                stats[si].docsIn += 1
                let t0 = clock.now
                let result = step.apply(&doc)
                stats[si].seconds += (clock.now - t0).seconds
                if case .drop(let reason) = result {
                    stats[si].dropped += 1
                    if record {
                        annotationBytes.removeAll(keepingCapacity: true)
                        doc.annotations.appendJSON(to: &annotationBytes)
                        rows.append(DocumentRow(source: source.name, docID: doc.id, input: partition.input, line: line, status: .dropped,
                                                step: step.name, reason: reason, annotations: annotationBytes,
                                                shard: nil, position: nil, dupOf: nil, stage: stage, partition: p))
                        flushRows(force: false)
                    }
                    return
                }
                stats[si].docsOut += 1
            }
            if isFinal {
                sourceStat.docsOut += 1
                outLine.removeAll(keepingCapacity: true)
                OutputLine.append(doc, to: &outLine)
                let (shard, position) = try shards!.place(bytes: outLine.count)
                try outLine.withUnsafeBytes { try shards!.write($0) }
                if record {
                    var meta = RecordEncoder()
                    meta.u32(shard); meta.u32(position); meta.u64(line); meta.string(doc.id)
                    annotationBytes.removeAll(keepingCapacity: true)
                    doc.annotations.appendJSON(to: &annotationBytes)
                    meta.blob(annotationBytes)
                    try finalMeta!.append(meta)
                }
            } else {
                var e = RecordEncoder()
                e.u32(ordinal); e.u64(line); e.string(doc.id); e.string(doc.text); e.blob(doc.metadata); e.annotations(doc.annotations)
                try staged!.append(e)
                if barrierActive, case .barrier(let b)? = barrier?.step {
                    let t0 = clock.now
                    var k = RecordEncoder()
                    k.u32(ordinal); k.string(doc.id); k.blob(b.key(for: doc))
                    try keys!.append(k)
                    barrierStat!.seconds += (clock.now - t0).seconds
                }
            }
        }

        do {
            var ordinal = 0
            var sinceCheck = 0
            if stage == 1 {
                let counters = run.counters
                let reader = InputReader(partition: partition, source: source, displayPath: partition.input,
                                         maxLineBytes: run.pipeline.spec.maxLineBytes, onBytes: { counters.addBytes($0) })
                var lastLine = partition.firstLine - 1
                func recordBad(line: Int, reason: String, message: String) throws {
                    sourceStat.errors += 1
                    if run.pipeline.spec.onError == .stop {
                        throw BadInputError(input: partition.input, line: line, reason: reason, message: message)
                    }
                    if record {
                        errors.append(ErrorRow(source: source.name, input: partition.input, line: line, reason: reason, message: message, stage: stage, partition: p))
                        rows.append(DocumentRow(source: source.name, docID: nil, input: partition.input, line: line, status: .error,
                                                step: "reader", reason: reason, annotations: nil, shard: nil, position: nil, dupOf: nil,
                                                stage: stage, partition: p))
                        flushRows(force: false)
                    }
                }
                do {
                    try reader.read { item in
                        defer { ordinal += 1; sinceCheck += 1 }
                        if sinceCheck >= 1024 {
                            sinceCheck = 0
                            run.counters.addDocs(1024)
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
                                rows.append(DocumentRow(source: source.name, docID: id, input: partition.input, line: line, status: .dropped,
                                                        step: "reader", reason: reason, annotations: ann, shard: nil, position: nil, dupOf: nil,
                                                        stage: stage, partition: p))
                                flushRows(force: false)
                            }
                        }
                    }
                } catch let e as FileError {
                    // A truncated or corrupt compressed file: the documents before the damage are kept; the
                    // damage is one bad "line" after the last one read (or the run stops, as the spec says).
                    sourceStat.unreadable += 1
                    try recordBad(line: lastLine + 1, reason: "unreadable_input", message: e.message)
                }
            } else {
                try RecordReader(path: files.staged(stage - 1, p)).forEach { d in
                    sinceCheck += 1
                    if sinceCheck >= 1024 {
                        sinceCheck = 0
                        run.counters.addDocs(1024)
                        if cancelled.isSet { throw RunCancelled() }
                    }
                    let ord = d.u32()
                    let line = d.u64()
                    let id = d.string()
                    let text = d.string()
                    let metadata = d.blob()
                    let ann = d.annotations()
                    try handle(Document(id: id, text: text, source: source.name, metadata: metadata, annotations: ann), ordinal: ord, line: line)
                }
            }
            if isFinal {
                try shards!.finish()
                try finalMeta!.commit()
                // The partition's shard list, for the finish phase (global numbering, manifest, lineage).
                let list = try RecordWriter(path: files.finalShards(p))
                for w in shards!.written {
                    var e = RecordEncoder()
                    e.string(w.name); e.u64(w.documents); e.u64(Int(w.bytes)); e.u64(Int(w.uncompressedBytes)); e.string(w.sha256)
                    try list.append(e)
                }
                try list.commit()
            } else {
                try staged!.commit(); try keys!.commit()
            }
        } catch {
            shards?.abandon(); finalMeta?.abandon(); staged?.abandon(); keys?.abandon()
            throw error
        }
        flushRows(force: true)
        var allStats = stats
        if let b = barrierStat { allStats.append(b) }
        if let b = prevBarrierStat { allStats.append(b) }
        run.lineage.send(.taskDone(task: Executor.stageTask(stage, p), stats: allStats, sources: [source.name: sourceStat]))
        if isFinal { run.keptFeeder.partitionFinished(p, shards: shards!.written.count) }
        run.counters.taskDone()
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
