import Foundation

/// The training arguments stored at the head of a model file (those inference needs).
struct FastTextArgs: Sendable {
    enum Loss: Int32 { case hierarchicalSoftmax = 1, negativeSampling, softmax, oneVsAll }
    var dim = 0, ws = 0, epoch = 0, minCount = 0, neg = 0, wordNgrams = 0
    var loss = Loss.softmax
    var model: Int32 = 0
    var bucket = 0, minn = 0, maxn = 0, lrUpdateRate = 0
    var t = 0.0

    init(_ r: inout FastTextReader, version: Int32) throws {
        dim = Int(try r.int32("args dim")); ws = Int(try r.int32("args ws")); epoch = Int(try r.int32("args epoch"))
        minCount = Int(try r.int32("args minCount")); neg = Int(try r.int32("args neg"))
        wordNgrams = Int(try r.int32("args wordNgrams"))
        let l = try r.int32("args loss")
        guard let loss = Loss(rawValue: l) else { throw r.fail("unknown loss \(l) in the model's arguments") }
        self.loss = loss
        model = try r.int32("args model")
        bucket = Int(try r.int32("args bucket")); minn = Int(try r.int32("args minn")); maxn = Int(try r.int32("args maxn"))
        lrUpdateRate = Int(try r.int32("args lrUpdateRate")); t = try r.double("args t")
        guard model == 3 else {
            throw r.fail("not a supervised classifier (model \(model == 1 ? "cbow" : model == 2 ? "skipgram" : String(model))): word-vector models cannot predict labels")
        }
        // fastText: supervised models saved before version 12 did not use character n-grams.
        if version == 11 { maxn = 0 }
        guard dim > 0, dim < 1 << 16, bucket >= 0, minn >= 0, maxn >= 0, wordNgrams >= 0 else {
            throw r.fail("implausible arguments (dim \(dim), bucket \(bucket), minn \(minn), maxn \(maxn))")
        }
    }
}

/// A fastText supervised classifier (`.bin`, or quantized `.ftz`), loaded natively: the same dictionary,
/// hashing, hidden layer, softmax / hierarchical softmax / one-vs-all output and top-k as fastText 0.9, so
/// predictions equal the `fasttext` Python package's.
public final class FastTextModel: Sendable {
    static let magic: Int32 = 793712314
    static let newestVersion: Int32 = 12

    public let path: String
    let args: FastTextArgs
    let dictionary: FastTextDictionary
    let input: FastTextMatrix
    let output: FastTextMatrix
    let version: Int32
    /// Hierarchical softmax tree (children of the internal nodes), when the loss is `hs`.
    private let treeLeft: [Int32], treeRight: [Int32]
    /// fastText's sigmoid lookup table (one-vs-all and negative-sampling outputs use it).
    private let sigmoidTable: [Float]

    public var labels: [String] { (0..<dictionary.nlabels).map(dictionary.label) }
    public var dimension: Int { args.dim }
    public var isQuantized: Bool { input.isQuantized }
    /// Bytes the matrices hold in memory.
    public var matrixBytes: Int { input.memoryBytes + output.memoryBytes }

    public convenience init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FastTextError(path: path, message: "model file not found")
        }
        var r = try FastTextReader(path: path)
        try self.init(reader: &r)
    }

    public convenience init(bytes: [UInt8], path: String) throws {
        var r = FastTextReader(bytes: bytes, path: path)
        try self.init(reader: &r)
    }

    init(reader r: inout FastTextReader) throws {
        let path = r.path
        guard r.size >= 8 else { throw r.fail("not a fastText model (\(r.size) bytes)") }
        let m = try r.int32("magic")
        guard m == Self.magic else { throw r.fail("not a fastText model (wrong magic number \(m), expected \(Self.magic))") }
        version = try r.int32("version")
        guard version <= Self.newestVersion, version >= 11 else {
            throw r.fail("unsupported fastText model version \(version) (supported: 11, 12)")
        }
        args = try FastTextArgs(&r, version: version)
        dictionary = try FastTextDictionary(&r, args: args)
        let quantInput = try r.bool("quantized-input flag")
        input = quantInput ? try FastTextMatrix.quantized(&r, "input matrix") : try FastTextMatrix.dense(&r, "input matrix")
        if !quantInput && dictionary.pruneSize >= 0 {
            throw r.fail("pruned dictionary with an unquantized input matrix (an outdated model file)")
        }
        let quantOutput = try r.bool("quantized-output flag")
        output = quantInput && quantOutput ? try FastTextMatrix.quantized(&r, "output matrix") : try FastTextMatrix.dense(&r, "output matrix")
        guard input.cols == args.dim, output.cols == args.dim else {
            throw r.fail("matrix width \(input.cols)/\(output.cols) differs from the model dimension \(args.dim)")
        }
        guard input.rows >= dictionary.nwords else {
            throw r.fail("input matrix has \(input.rows) rows for \(dictionary.nwords) words")
        }
        // Every row a subword or word n-gram can reach must exist: nwords + bucket rows, or, pruned, nwords + each
        // kept bucket's row (a model that promised more rows than it has was read past its matrix: found by fuzzing).
        if dictionary.pruneSize < 0, (dictionary.maxn > 0 || dictionary.wordNgrams > 1), input.rows < dictionary.nwords + dictionary.bucket {
            throw r.fail("input matrix has \(input.rows) rows for \(dictionary.nwords) words and \(dictionary.bucket) buckets")
        }
        let ngramRows = input.rows - dictionary.nwords
        if dictionary.pruneSize > 0, let bad = dictionary.prune.values.first(where: { $0 < 0 || Int($0) >= ngramRows }) {
            throw r.fail("dictionary prune map sends a bucket to row \(bad) beyond the input matrix's \(ngramRows) n-gram rows")
        }
        let outRows = args.loss == .hierarchicalSoftmax ? dictionary.nlabels - 1 : dictionary.nlabels
        guard dictionary.nlabels > 0, output.rows >= outRows else {
            throw r.fail("output matrix has \(output.rows) rows for \(dictionary.nlabels) labels")
        }
        if r.offset != r.size { throw r.fail("\(r.size - r.offset) unexpected bytes after the output matrix") }
        if args.loss == .hierarchicalSoftmax {
            // The Huffman tree marks unbuilt nodes with a count of 1e15: a label count at or above it sent the build
            // past its arrays, and counts summing past Int64 overflowed (found by fuzzing).
            var total: Int64 = 0
            for c in dictionary.labelCounts {
                guard c >= 0 && c < 1_000_000_000_000_000 else { throw r.fail("label count \(c) is outside 0 ..< 10^15") }
                let (sum, overflow) = total.addingReportingOverflow(c)
                guard !overflow else { throw r.fail("the label counts sum past 2^63") }
                total = sum
            }
        }
        sigmoidTable = (0...512).map { i in
            let x = Float(i * 2 * 8) / 512 - 8
            return Float(1.0 / (1.0 + Double(Foundation.exp(-x))))
        }
        (treeLeft, treeRight) = args.loss == .hierarchicalSoftmax ? Self.buildTree(dictionary.labelCounts) : ([], [])
        self.path = path
    }

    /// fastText's Huffman tree over the label counts (labels are sorted by count, most frequent first).
    static func buildTree(_ counts: [Int64]) -> ([Int32], [Int32]) {
        let osz = counts.count
        guard osz > 1 else { return ([-1], [-1]) }
        var count = [Int64](repeating: Int64(1e15), count: 2 * osz - 1)
        var left = [Int32](repeating: -1, count: 2 * osz - 1), right = left
        for i in 0..<osz { count[i] = counts[i] }
        var leaf = osz - 1, node = osz
        for i in osz..<(2 * osz - 1) {
            var mini = [0, 0]
            for j in 0..<2 {
                if leaf >= 0 && count[leaf] < count[node] { mini[j] = leaf; leaf -= 1 } else { mini[j] = node; node += 1 }
            }
            left[i] = Int32(mini[0]); right[i] = Int32(mini[1])
            count[i] = count[mini[0]] + count[mini[1]]
        }
        return (left, right)
    }

    /// fastText's `std_log`: log(x + 1e-5), in double, stored as a float.
    @inline(__always) static func stdLog(_ x: Float) -> Float { Float(Foundation.log(Double(x) + 1e-5)) }

    @inline(__always) func sigmoid(_ x: Float) -> Float {
        // A model with non-finite weights (a corrupt file) gives NaN scores: probability 0, not a trap
        // (found by fuzzing; fastText's C++ indexes its table with an undefined value there).
        if x.isNaN || x < -8 { return 0 }
        if x > 8 { return 1 }
        return sigmoidTable[Int((x + 8) * 512 / 8 / 2)]
    }

    /// A label and its probability as fastText reports it (exp of its log score, so +1e-5 included).
    public struct Prediction: Equatable, Sendable {
        public let label: String
        public let probability: Float
    }

    /// Predictions for one line of text, as the `fasttext` Python package's `predict(text, k, threshold)`
    /// gives them (it appends a newline, so the end-of-sentence token is part of the input). Text after a
    /// newline is not read: replace newlines first. `k` < 0: every label.
    public func predict(_ text: String, k: Int = 1, threshold: Float = 0) -> [Prediction] {
        var line = Array(text.utf8)
        line.append(0x0A)
        return line.withUnsafeBufferPointer { predict(line: $0, k: k, threshold: threshold) }
    }

    /// Predictions for the first line of `line` (bytes; a final newline adds `</s>` as fastText reads it).
    public func predict(line: UnsafeBufferPointer<UInt8>, k: Int, threshold: Float) -> [Prediction] {
        let rows = dictionary.inputRows(line)
        if rows.isEmpty { return [] }
        let dim = args.dim
        var hidden = [Float](repeating: 0, count: dim)
        hidden.withUnsafeMutableBufferPointer { h in
            for r in rows { input.addRow(Int(r), to: h.baseAddress!) }
            let scale = Float(1.0 / Double(rows.count))
            for j in 0..<dim { h[j] *= scale }
        }
        let nl = dictionary.nlabels
        let k = k < 0 ? nl : k
        guard k > 0 else { return [] }
        var best: [(score: Float, index: Int)] = []
        hidden.withUnsafeBufferPointer { h in
            let hp = h.baseAddress!
            switch args.loss {
            case .hierarchicalSoftmax:
                if nl == 1 { best = [(0, 0)]; return }
                dfs(node: 2 * nl - 2, score: 0, k: k, threshold: threshold, hidden: hp, best: &best)
            case .softmax, .negativeSampling, .oneVsAll:
                var out = [Float](repeating: 0, count: nl)
                for i in 0..<nl { out[i] = output.dotRow(i, hp) }
                if args.loss == .softmax {
                    var mx = out[0]
                    for v in out { mx = max(mx, v) }
                    var z: Float = 0
                    for i in 0..<nl { out[i] = Foundation.exp(out[i] - mx); z += out[i] }
                    for i in 0..<nl { out[i] /= z }
                } else {
                    for i in 0..<nl { out[i] = sigmoid(out[i]) }
                }
                for i in 0..<nl where out[i] >= threshold {
                    let s = Self.stdLog(out[i])
                    if best.count == k, let worst = best.last, s < worst.score { continue }
                    insert((s, i), into: &best, k: k)
                }
            }
        }
        return best.map { Prediction(label: dictionary.label($0.index), probability: Foundation.exp($0.score)) }
    }

    /// Keeps `best` sorted by score (highest first; equal scores in index order) and at most k long.
    @inline(__always) private func insert(_ e: (score: Float, index: Int), into best: inout [(score: Float, index: Int)], k: Int) {
        var at = best.count
        while at > 0 && (best[at - 1].score < e.score || (best[at - 1].score == e.score && best[at - 1].index > e.index)) { at -= 1 }
        best.insert(e, at: at)
        if best.count > k { best.removeLast() }
    }

    private func dfs(node: Int, score: Float, k: Int, threshold: Float, hidden: UnsafePointer<Float>, best: inout [(score: Float, index: Int)]) {
        if score < Self.stdLog(threshold) { return }
        if best.count == k, let worst = best.last, score < worst.score { return }
        let l = treeLeft[node], r = treeRight[node]
        if l == -1 && r == -1 {
            insert((score, node), into: &best, k: k)
            return
        }
        let f = output.dotRow(node - dictionary.nlabels, hidden)
        let d: Float = 1 + Foundation.exp(-f)
        let p = Float(1.0 / Double(d))
        dfs(node: Int(l), score: score + Self.stdLog(1 - p), k: k, threshold: threshold, hidden: hidden, best: &best)
        dfs(node: Int(r), score: score + Self.stdLog(p), k: k, threshold: threshold, hidden: hidden, best: &best)
    }
}
