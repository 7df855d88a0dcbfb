import Foundation

/// `decontaminate`: finds benchmark test items in training documents by long n-grams of normalised words, as GPT-3,
/// Llama, OLMo, datatrove (`NGramsDecontFilter`), dolma and NeMo Curator do, and drops the document, cuts the
/// matching text out, or only annotates it. The benchmarks' n-grams are indexed once, when the step is built, and
/// shared read-only by every worker; a hash match is checked against the item's words before it counts.
///
/// ```json
/// { "type": "decontaminate", "against": [{"name": "arc", "path": "evals/arc.jsonl", "fields": ["question", "choices", "answer"], "id_field": "id"}],
///   "ngram": 13, "mode": "remove" }
/// ```
///
/// Annotations (on every document with a match): `contamination`, a JSON array with per benchmark its `benchmark`,
/// `items` (item id → matched n-grams), `ngrams` and `spans` (character offsets, `[start, end)` in Unicode scalars
/// of the text the step saw), and `contamination_removed_tokens` (words removed: all of them when the document is
/// dropped, those cut out in `remove` mode, 0 in `annotate` mode). Lineage's `contamination` and
/// `contamination_summary` views and `winnow contamination` read them.
public final class Decontaminate: DocumentStep {
    struct Benchmark: Codable, Sendable {
        var name: String
        var path: String
        var fields: [String]?
        var idField: String?
        var format: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case name, path, fields, idField = "id_field", format }
    }
    struct SkipCommon: Codable, Sendable {
        var maxItems: Int?
        var phrases: [String]?
        var path: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case maxItems = "max_items", phrases, path }
    }

    struct Parameters: StepParameters {
        @Param("against", Schema.array("The benchmarks to look for.", items: Schema.object("One benchmark's test items.", properties: [
            ("name", Schema.string("The benchmark's name, as lineage reports it.", minLength: 1)),
            ("path", Schema.string("Its items, relative to the spec: JSONL (.gz/.zst too), Parquet, or plain text.", minLength: 1)),
            ("fields", Schema.array("JSONL and Parquet: the fields whose values (strings, numbers, or lists of them) make an item, joined in this order as the benchmark presents them.", items: Schema.string("A field name.", minLength: 1), minItems: 1)),
            ("id_field", Schema.string("The field holding each item's id; absent: the item's line (JSONL, text) or row (Parquet) number, from 1.", minLength: 1)),
            ("format", Schema.string("jsonl, parquet or text (one item per non-empty line); absent: from the file name (.parquet; .txt; else jsonl).", enumeration: ["jsonl", "parquet", "text"])),
        ], required: ["name", "path"]), minItems: 1), required: true)
        var against: [Benchmark] = []
        @Param("ngram", Schema.integer("Words per n-gram (GPT-3: 13; datatrove: 12).", minimum: 1, maximum: 64))
        var ngram = 13
        @Param("min_item_tokens", Schema.integer("Items with fewer words are not looked for; items with fewer than ngram words are matched whole.", minimum: 1))
        var minItemTokens = 8
        @Param("skip_common", Schema.object("N-grams not looked for, so boilerplate does not contaminate half the web; absent: {\"max_items\": 10}.", properties: [
            ("max_items", Schema.integer("Skip an n-gram found in more than this many items.", minimum: 1)),
            ("phrases", Schema.array("Boilerplate texts: their n-grams (and whole short items equal to them) are skipped.", items: Schema.string("A phrase.", minLength: 1))),
            ("path", Schema.string("A file of more such phrases, one per line, relative to the spec.", minLength: 1)),
        ]))
        var skipCommon: SkipCommon? = nil
        @Param("mode", Schema.string("drop: the document goes (reason contaminated); remove: the matching text and window characters around it are cut out (the document goes when more than max_removed_fraction would, or it would be cut into more than max_splits pieces); annotate: only annotate.",
                                     enumeration: ["drop", "remove", "annotate"]))
        var mode = "drop"
        @Param("window", Schema.integer("remove: characters cut on each side of a match (GPT-3: 200).", minimum: 0))
        var window = 200
        @Param("max_removed_fraction", Schema.number("remove: drop the document instead when more than this share of its characters would go.", minimum: 0, maximum: 1))
        var maxRemovedFraction = 0.8
        @Param("max_splits", Schema.integer("remove: drop the document instead when it would be cut into more than this many pieces (GPT-3: 10).", minimum: 1))
        var maxSplits = 10
        init() {}
    }

    enum Mode: String { case drop, remove, annotate }

    public let name: String
    let index: EvalIndex
    let mode: Mode
    let window: Int
    let maxRemovedFraction: Double
    let maxSplits: Int

    static let descriptor = StepDescriptor(
        type: "decontaminate", kind: .document,
        summary: "Finds benchmark test items in documents by n-grams of normalised words; drops the document, cuts the matches out, or annotates (reason: contaminated).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            var names = Set<String>()
            var lists: [[(id: String, text: String)]] = []
            for (i, b) in p.against.enumerated() where !names.insert(b.name).inserted {
                throw StepBuildError("/against/\(i)/name", "benchmark \"\(b.name)\" is named twice")
            }
            for (i, b) in p.against.enumerated() {
                let path = context.resolve(b.path)
                context.filesRead.note(path)
                do { lists.append(try EvalItems.read(path: path, benchmark: b)) } catch let e as StepBuildError {
                    throw StepBuildError("/against/\(i)\(e.pointer)", e.message)
                }
            }
            let skip = p.skipCommon ?? SkipCommon(maxItems: 10, phrases: nil, path: nil)
            var stop = skip.phrases ?? []
            if let path = skip.path {
                stop += try context.listEntries(path, pointer: "/skip_common/path", comments: true).map(String.init)
                context.filesRead.note(context.resolve(path))
            }
            let index = EvalIndex(benchmarks: p.against.map(\.name), itemsByBenchmark: lists, n: p.ngram, minTokens: p.minItemTokens,
                                  maxItems: skip.maxItems, stopTexts: stop)
            return .document(Decontaminate(name: spec.effectiveName, index: index, mode: Mode(rawValue: p.mode) ?? .drop, window: p.window,
                                           maxRemovedFraction: p.maxRemovedFraction, maxSplits: p.maxSplits))
        })

    init(name: String, index: EvalIndex, mode: Mode, window: Int, maxRemovedFraction: Double, maxSplits: Int) {
        self.name = name; self.index = index; self.mode = mode; self.window = window
        self.maxRemovedFraction = maxRemovedFraction; self.maxSplits = maxSplits
    }

    /// One confirmed match: `length` words from word `start` of the document are in `item`.
    struct Match { let item: Int; let start: Int; let length: Int }

    /// The confirmed matches in a document's words (`text` its scalars, `tokens` its words).
    func matches(_ scalars: [Unicode.Scalar], _ tokens: EvalText.Tokens) -> [Match] {
        var out: [Match] = []
        var itemWords: [Int: [Substring]] = [:]
        var docWords: [Int: String] = [:]
        func docWord(_ k: Int) -> String {
            if let w = docWords[k] { return w }
            let w = EvalText.normalize(scalars[tokens.starts[k]..<tokens.ends[k]]); docWords[k] = w; return w
        }
        for length in [index.n] + index.shortLengths {
            let grams = EvalText.grams(tokens.hashes, length: length)
            for (start, g) in grams.enumerated() {
                let owners = index.owners(of: g)
                if owners.isEmpty { continue }
                let run = (start..<(start + length)).map(docWord)
                for owner in owners {
                    let item = Int(owner)
                    let words: [Substring]
                    if let w = itemWords[item] { words = w } else { words = index.words(of: item); itemWords[item] = words }
                    // The real words, not only the hash: the run of the document's words must occur in the item.
                    var found = false
                    if words.count >= length {
                        for a in 0...(words.count - length) where words[a] == run[0] {
                            if (1..<length).allSatisfy({ words[a + $0] == run[$0] }) { found = true; break }
                        }
                    }
                    if found { out.append(Match(item: item, start: start, length: length)) }
                }
            }
        }
        return out
    }

    public func apply(_ doc: inout Document) -> StepResult {
        let scalars = Array(doc.text.unicodeScalars)
        let tokens = EvalText.tokens(scalars)
        let found = matches(scalars, tokens)
        guard !found.isEmpty else { return .keep }
        // Per benchmark: items with their n-gram counts, and the matched spans (merged) in characters.
        var byBenchmark: [Int: (items: [String: Int], ngrams: Int, ranges: [(Int, Int)])] = [:]
        var covered: [(Int, Int)] = []
        for m in found {
            let item = index.items[m.item]
            var e = byBenchmark[item.benchmark] ?? ([:], 0, [])
            e.items[item.id, default: 0] += 1
            e.ngrams += 1
            let span = (tokens.starts[m.start], tokens.ends[m.start + m.length - 1])
            e.ranges.append(span)
            byBenchmark[item.benchmark] = e
            covered.append(span)
        }
        var json = [UInt8]("[".utf8)
        for (n, b) in byBenchmark.keys.sorted().enumerated() {
            let e = byBenchmark[b]!
            if n > 0 { json.append(UInt8(ascii: ",")) }
            json += Array(#"{"benchmark":"#.utf8); JSONEscape.appendQuoted(index.benchmarks[b], to: &json)
            json += Array(#","items":{"#.utf8)
            for (k, id) in e.items.keys.sorted(by: Self.itemOrder).enumerated() {
                if k > 0 { json.append(UInt8(ascii: ",")) }
                JSONEscape.appendQuoted(id, to: &json); json += Array(":\(e.items[id]!)".utf8)
            }
            json += Array(#"},"ngrams":\#(e.ngrams),"spans":["#.utf8)
            json += Array(Self.merge(e.ranges, gap: 0).map { "[\($0.0),\($0.1)]" }.joined(separator: ",").utf8)
            json += Array("]}".utf8)
        }
        json.append(UInt8(ascii: "]"))
        doc.annotations["contamination"] = .json(String(decoding: json, as: UTF8.self))
        switch mode {
        case .annotate:
            doc.annotations["contamination_removed_tokens"] = .int(0)
            return .keep
        case .drop:
            doc.annotations["contamination_removed_tokens"] = .int(tokens.count)
            return .drop(reason: "contaminated")
        case .remove:
            // Each match and `window` characters on both sides, merged; the rest kept byte for byte, pieces joined
            // by a newline.
            let cuts = Self.merge(covered.map { (max(0, $0.0 - window), min(scalars.count, $0.1 + window)) }, gap: 0)
            let removed = cuts.reduce(0) { $0 + $1.1 - $1.0 }
            var pieces: [ArraySlice<Unicode.Scalar>] = []
            var at = 0
            for (a, b) in cuts { if a > at { pieces.append(scalars[at..<a]) }; at = b }
            if at < scalars.count { pieces.append(scalars[at...]) }
            pieces = pieces.filter { !$0.allSatisfy { Chars.isSpace($0.value) } }
            let removedTokens = (0..<tokens.count).filter { k in cuts.contains { $0.0 <= tokens.starts[k] && tokens.ends[k] <= $0.1 } }.count
            if Double(removed) > maxRemovedFraction * Double(scalars.count) || pieces.count > maxSplits || pieces.isEmpty {
                doc.annotations["contamination_removed_tokens"] = .int(tokens.count)
                return .drop(reason: "contaminated")
            }
            doc.annotations["contamination_removed_tokens"] = .int(removedTokens)
            var v = String.UnicodeScalarView()
            for (k, piece) in pieces.enumerated() {
                if k > 0 { v.append("\n") }
                v.append(contentsOf: piece)
            }
            doc.text = String(v)
            return .keep
        }
    }

    /// Numeric ids in numeric order, then the rest in code-point order.
    static func itemOrder(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case let (x?, y?): return x < y
        case (_?, nil): return true
        case (nil, _?): return false
        default: return a < b
        }
    }

    /// Sorted, overlapping (or touching, within `gap`) ranges joined.
    static func merge(_ ranges: [(Int, Int)], gap: Int) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        for r in ranges.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }) {
            if let last = out.last, r.0 <= last.1 + gap { out[out.count - 1].1 = max(last.1, r.1) } else { out.append(r) }
        }
        return out
    }
}

/// Reading benchmark files into items (id, text).
enum EvalItems {
    static func read(path: String, benchmark b: Decontaminate.Benchmark) throws -> [(id: String, text: String)] {
        let format = b.format ?? (path.hasSuffix(".parquet") ? "parquet" : path.hasSuffix(".txt") ? "text" : "jsonl")
        guard FileManager.default.fileExists(atPath: path) else { throw StepBuildError("/path", "\(path): no such file") }
        switch format {
        case "text":
            var out: [(String, String)] = []
            var line = 0
            let reader = LineReader(source: try openByteSource(path: path), maxLineBytes: 1 << 26, bufferBytes: 1 << 20)
            try reader.forEachLine { l in
                line += 1
                if case .text(let bytes) = l {
                    let t = String(decoding: bytes, as: UTF8.self)
                    if !t.allSatisfy(\.isWhitespace) { out.append((String(line), t)) }
                }
                return true
            }
            return out
        case "parquet":
            return try parquet(path: path, benchmark: b)
        default:
            guard let fields = b.fields, !fields.isEmpty else { throw StepBuildError("/fields", "\(path): JSONL items need \"fields\": the fields that make an item") }
            var out: [(String, String)] = []
            var line = 0
            let reader = LineReader(source: try openByteSource(path: path), maxLineBytes: 1 << 26, bufferBytes: 1 << 20)
            try reader.forEachLine { l in
                line += 1
                guard case .text(let bytes) = l else { throw StepBuildError("/path", "\(path):\(line): line too long") }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return true }
                let value: JSONValue
                do { value = try JSONParser.parse(Array(bytes)) } catch { throw StepBuildError("/path", "\(path):\(line): not JSON (\(error))") }
                guard case .object(let o) = value else { throw StepBuildError("/path", "\(path):\(line): not a JSON object") }
                var parts: [String] = []
                for f in fields {
                    guard let v = o[f] else { throw StepBuildError("/fields", "\(path):\(line): no field \"\(f)\"") }
                    guard let t = text(v) else { throw StepBuildError("/fields", "\(path):\(line): field \"\(f)\" is \(v.typeName), not a string, number or list of them") }
                    parts.append(t)
                }
                var id = String(line)
                if let idField = b.idField {
                    guard let v = o[idField], let t = v.stringValue ?? v.intValue.map(String.init) else {
                        throw StepBuildError("/id_field", "\(path):\(line): no string or integer field \"\(idField)\"")
                    }
                    id = t
                }
                out.append((id, parts.joined(separator: "\n")))
                return true
            }
            return out
        }
    }

    /// A field's text: a string, a number, or a list of them joined by newlines (choices); nil for anything else.
    static func text(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .array(let a):
            let parts = a.map(text)
            return parts.contains(where: { $0 == nil }) ? nil : parts.compactMap { $0 }.joined(separator: "\n")
        default:
            if let i = v.intValue { return String(i) }
            if let d = v.doubleValue { return String(d) }
            return nil
        }
    }

    static func parquet(path: String, benchmark b: Decontaminate.Benchmark) throws -> [(id: String, text: String)] {
        guard let fields = b.fields, !fields.isEmpty else { throw StepBuildError("/fields", "\(path): Parquet items need \"fields\"") }
        let file = try ParquetFile(path: path)
        // Each field a flat column or a list of scalars (`choices` as a list of strings), whose elements join in order.
        var columns: [(index: Int, isList: Bool)] = []
        for f in fields {
            if let c = file.column(f) { columns.append((c, false)) }
            else if let c = file.listColumn(f) { columns.append((c, true)) }
            else { throw StepBuildError("/fields", "\(path): no column \"\(f)\" of strings, numbers or a list of them (nested columns are not read)") }
        }
        let idColumn: Int? = try b.idField.map { f in
            guard let c = file.column(f) else { throw StepBuildError("/id_field", "\(path): no flat column \"\(f)\"") }
            return c
        }
        guard let h = FileHandle(forReadingAtPath: path) else { throw StepBuildError("/path", "\(path): cannot open") }
        defer { try? h.close() }
        var out: [(String, String)] = []
        var row = 0
        func string(_ v: ParquetValue?) -> String? {
            switch v {
            case .bytes(let s)?: return String(decoding: s, as: UTF8.self)
            case .int(let i)?: return String(i)
            case .double(let d)?: return String(d)
            case .bool(let x)?: return String(x)
            case nil: return nil
            }
        }
        for g in 0..<file.metadata.rowGroups.count {
            let values: [[[ParquetValue?]]] = try columns.map { c in
                c.isList ? try file.readLists(rowGroup: g, column: c.index, from: h).map { $0.map { Optional($0) } }
                         : try file.read(rowGroup: g, column: c.index, from: h).map { [$0] }
            }
            let ids = try idColumn.map { try file.read(rowGroup: g, column: $0, from: h) }
            for r in 0..<Int(file.metadata.rowGroups[g].numRows) {
                row += 1
                let parts = values.flatMap { $0[r].compactMap(string) }
                let id = ids.flatMap { string($0[r]) } ?? String(row)
                out.append((id, parts.joined(separator: "\n")))
            }
        }
        return out
    }
}
