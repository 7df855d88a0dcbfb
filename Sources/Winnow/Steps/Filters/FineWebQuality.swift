/// `fineweb_quality`: FineWeb's own heuristics (Penedo et al. 2024, as datatrove's `FineWebQualityFilter`):
/// the share of lines ending in terminal punctuation, the share of short lines, the share of characters in
/// duplicated lines, and newlines per word (list-like pages). Reasons and order as datatrove's; each
/// computed ratio is an annotation (`fineweb_*`).
public final class FineWebQuality: DocumentStep {
    public struct Parameters: Codable, Sendable {
        // datatrove FineWebQualityFilter defaults (the FineWeb recipe).
        public var linePunctThreshold = 0.12
        public var linePunctExcludeZero = false
        public var shortLineThreshold = 0.67
        public var shortLineLength = 30
        public var charDuplicatesRatio = 0.01
        public var newLineRatio = 0.3

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case linePunctThreshold = "line_punct_thr", linePunctExcludeZero = "line_punct_exclude_zero"
            case shortLineThreshold = "short_line_thr", shortLineLength = "short_line_length"
            case charDuplicatesRatio = "char_duplicates_ratio", newLineRatio = "new_line_ratio"
        }

        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Parameters()
            linePunctThreshold = try c.decodeIfPresent(Double.self, forKey: .linePunctThreshold) ?? d.linePunctThreshold
            linePunctExcludeZero = try c.decodeIfPresent(Bool.self, forKey: .linePunctExcludeZero) ?? d.linePunctExcludeZero
            shortLineThreshold = try c.decodeIfPresent(Double.self, forKey: .shortLineThreshold) ?? d.shortLineThreshold
            shortLineLength = try c.decodeIfPresent(Int.self, forKey: .shortLineLength) ?? d.shortLineLength
            charDuplicatesRatio = try c.decodeIfPresent(Double.self, forKey: .charDuplicatesRatio) ?? d.charDuplicatesRatio
            newLineRatio = try c.decodeIfPresent(Double.self, forKey: .newLineRatio) ?? d.newLineRatio
        }
    }

    public let name: String
    public let parameters: Parameters

    public init(name: String = "fineweb_quality", parameters: Parameters = Parameters()) {
        self.name = name
        self.parameters = parameters
    }

    static let descriptor = StepDescriptor(
        type: "fineweb_quality", kind: .document,
        summary: "FineWeb's line-punctuation, short-line, duplicated-character and list-ratio rules (reasons: empty, line_punct_ratio, short_line_ratio, char_dup_ratio, list_ratio).",
        parameters: [
            ("line_punct_thr", Schema.number("Drop when fewer lines than this share end in terminal punctuation.", default: 0.12, minimum: 0, maximum: 1)),
            ("line_punct_exclude_zero", Schema.boolean("Do not drop documents where no line ends in terminal punctuation.", default: false)),
            ("short_line_thr", Schema.number("Drop when more lines than this share are short.", default: 0.67, minimum: 0, maximum: 1)),
            ("short_line_length", Schema.integer("A line of at most this many characters is short.", default: 30, minimum: 0)),
            ("char_duplicates_ratio", Schema.number("Drop when more characters than this share are in duplicated lines.", default: 0.01, minimum: 0, maximum: 1)),
            ("new_line_ratio", Schema.number("Drop when there are more newlines per word than this.", default: 0.3, minimum: 0)),
        ],
        required: [], codingKeys: Parameters.CodingKeys.allCases.map(\.stringValue),
        build: { spec, _ in .document(FineWebQuality(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    public func apply(_ doc: inout Document) -> StepResult {
        let p = parameters
        let text = doc.text
        // Split on "\n" scalars (a Swift Character would keep "\r\n" together), as Python's str.split("\n").
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { Substring($0) }.filter { !$0.pythonStripped().isEmpty }
        guard !lines.isEmpty else { return .drop(reason: "empty") }
        let n = Double(lines.count)
        let punct = Double(lines.filter { Punctuation.endsWithTerminal($0) }.count) / n
        doc.annotations["fineweb_line_punct_ratio"] = .number(punct)
        if punct < p.linePunctThreshold && !(punct == 0 && p.linePunctExcludeZero) { return .drop(reason: "line_punct_ratio") }
        let short = Double(lines.filter { $0.scalarCount <= p.shortLineLength }.count) / n
        doc.annotations["fineweb_short_line_ratio"] = .number(short)
        if short > p.shortLineThreshold { return .drop(reason: "short_line_ratio") }
        let nonNewline = text.unicodeScalars.count - newlines(text)
        let dup = Double(Repetition.duplicates(lines).chars) / Double(nonNewline)
        doc.annotations["fineweb_char_dup_ratio"] = .number(dup)
        if dup > p.charDuplicatesRatio { return .drop(reason: "char_dup_ratio") }
        let words = WordTokenizer.english.words(text).count
        let list = words == 0 ? Double.infinity : Double(newlines(text)) / Double(words)
        doc.annotations["fineweb_list_ratio"] = .number(list.isFinite ? list : -1)
        if list > p.newLineRatio { return .drop(reason: "list_ratio") }
        return .keep
    }

    private func newlines(_ text: String) -> Int {
        var t = text
        return t.withUTF8 { $0.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
    }
}

/// Repetition measures shared by the Gopher and FineWeb filters (datatrove's helpers).
enum Repetition {
    /// Elements seen before, and their total length in characters.
    static func duplicates<S: StringProtocol>(_ items: [S]) -> (elements: Int, chars: Int) where S: Hashable {
        var seen = Set<S>()
        var elements = 0, chars = 0
        for x in items {
            if seen.contains(x) { elements += 1; chars += x.scalarCount } else { seen.insert(x) }
        }
        return (elements, chars)
    }

    /// The most frequent n-gram (words joined by a space; ties go to the one seen first) times its count,
    /// in characters; nil when there are fewer than `n` words.
    static func topNGramChars(_ words: [String], _ n: Int) -> Int? {
        guard words.count >= n else { return nil }
        var counts: [String: (count: Int, first: Int)] = [:]
        for i in 0...(words.count - n) {
            let g = words[i..<(i + n)].joined(separator: " ")
            if let c = counts[g] { counts[g] = (c.count + 1, c.first) } else { counts[g] = (1, i) }
        }
        let top = counts.max { a, b in a.value.count != b.value.count ? a.value.count < b.value.count : a.value.first > b.value.first }!
        return top.key.scalarCount * top.value.count
    }

    /// Characters in n-grams (words joined without spaces) that repeat an earlier n-gram, skipping past
    /// each repeat (datatrove's `find_all_duplicate`).
    static func duplicatedNGramChars(_ words: [String], _ n: Int) -> Int {
        var seen = Set<String>()
        var repeated = 0, i = 0
        while i < words.count - n + 1 {
            let g = words[i..<(i + n)].joined()
            if seen.contains(g) { repeated += g.scalarCount; i += n } else { seen.insert(g); i += 1 }
        }
        return repeated
    }
}
