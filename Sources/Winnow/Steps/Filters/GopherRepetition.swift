/// `gopher_repetition`: Gopher's repetition rules (Rae et al. 2021, table A1) as datatrove's
/// `GopherRepetitionFilter`: duplicated paragraphs and lines (by count and by characters), the most
/// frequent 2–4-gram's share of characters, and the share of characters in repeated 5–10-grams.
/// Reasons as datatrove's; a fraction of 0 switches its rule off.
public final class GopherRepetition: DocumentStep {
    public struct Parameters: Codable, Sendable {
        // Gopher table A1 / datatrove defaults.
        public var dupLineFrac = 0.3
        public var dupParaFrac = 0.3
        public var dupLineCharFrac = 0.2
        public var dupParaCharFrac = 0.2
        public var topNGrams: [[Double]] = [[2, 0.2], [3, 0.18], [4, 0.16]]
        public var dupNGrams: [[Double]] = [[5, 0.15], [6, 0.14], [7, 0.13], [8, 0.12], [9, 0.11], [10, 0.10]]

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case dupLineFrac = "dup_line_frac", dupParaFrac = "dup_para_frac", dupLineCharFrac = "dup_line_char_frac"
            case dupParaCharFrac = "dup_para_char_frac", topNGrams = "top_n_grams", dupNGrams = "dup_n_grams"
        }

        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Parameters()
            dupLineFrac = try c.decodeIfPresent(Double.self, forKey: .dupLineFrac) ?? d.dupLineFrac
            dupParaFrac = try c.decodeIfPresent(Double.self, forKey: .dupParaFrac) ?? d.dupParaFrac
            dupLineCharFrac = try c.decodeIfPresent(Double.self, forKey: .dupLineCharFrac) ?? d.dupLineCharFrac
            dupParaCharFrac = try c.decodeIfPresent(Double.self, forKey: .dupParaCharFrac) ?? d.dupParaCharFrac
            topNGrams = try c.decodeIfPresent([[Double]].self, forKey: .topNGrams) ?? d.topNGrams
            dupNGrams = try c.decodeIfPresent([[Double]].self, forKey: .dupNGrams) ?? d.dupNGrams
        }
    }

    public let name: String
    public let parameters: Parameters

    public init(name: String = "gopher_repetition", parameters: Parameters = Parameters()) {
        self.name = name
        self.parameters = parameters
    }

    static func pairs(_ description: String, _ d: [[Double]]) -> JSONValue {
        Schema.array(description, items: Schema.array("[n, max fraction]", items: Schema.number("n, then the fraction.", minimum: 0), minItems: 2),
                     default: .array(d.map { .array($0.map { .number($0) }) }))
    }

    static let descriptor = StepDescriptor(
        type: "gopher_repetition", kind: .document,
        summary: "Gopher's repetition rules (reasons as datatrove: empty, dup_para_frac, dup_para_char_frac, dup_line_frac, dup_line_char_frac, top_<n>_gram, duplicated_<n>_n_grams).",
        parameters: [
            ("dup_line_frac", Schema.number("Most share of lines that repeat an earlier line.", default: 0.3, minimum: 0, maximum: 1)),
            ("dup_para_frac", Schema.number("Most share of paragraphs that repeat an earlier paragraph.", default: 0.3, minimum: 0, maximum: 1)),
            ("dup_line_char_frac", Schema.number("Most share of characters in repeated lines.", default: 0.2, minimum: 0, maximum: 1)),
            ("dup_para_char_frac", Schema.number("Most share of characters in repeated paragraphs.", default: 0.2, minimum: 0, maximum: 1)),
            ("top_n_grams", pairs("For each [n, fraction]: most share of characters in the most frequent n-gram.", Parameters().topNGrams)),
            ("dup_n_grams", pairs("For each [n, fraction]: most share of characters in repeated n-grams.", Parameters().dupNGrams)),
        ],
        required: [], codingKeys: Parameters.CodingKeys.allCases.map(\.stringValue),
        build: { spec, _ in .document(GopherRepetition(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    public func apply(_ doc: inout Document) -> StepResult {
        let p = parameters
        let text = doc.text
        guard !text.isEmpty else { return .drop(reason: "empty") }
        let length = Double(text.scalarCount)
        let paragraphs = Self.split(String(text.pythonStripped()), minNewlines: 2)
        let (paraDup, paraChars) = Repetition.duplicates(paragraphs)
        let paraFrac = Double(paraDup) / Double(paragraphs.count)
        doc.annotations["gopher_dup_para_frac"] = .number(paraFrac)
        if p.dupParaFrac > 0 && paraFrac > p.dupParaFrac { return .drop(reason: "dup_para_frac") }
        doc.annotations["gopher_dup_para_char_frac"] = .number(Double(paraChars) / length)
        if p.dupParaCharFrac > 0 && Double(paraChars) / length > p.dupParaCharFrac { return .drop(reason: "dup_para_char_frac") }
        let lines = Self.split(text, minNewlines: 1)
        let (lineDup, lineChars) = Repetition.duplicates(lines)
        let lineFrac = Double(lineDup) / Double(lines.count)
        doc.annotations["gopher_dup_line_frac"] = .number(lineFrac)
        if p.dupLineFrac > 0 && lineFrac > p.dupLineFrac { return .drop(reason: "dup_line_frac") }
        doc.annotations["gopher_dup_line_char_frac"] = .number(Double(lineChars) / length)
        if p.dupLineCharFrac > 0 && Double(lineChars) / length > p.dupLineCharFrac { return .drop(reason: "dup_line_char_frac") }
        let words = Repetition.Words(doc.words())
        for pair in p.topNGrams where pair.count >= 2 {
            let n = Int(pair[0])
            guard n > 0, let top = Repetition.topNGramChars(words, n) else { continue }
            doc.annotations["gopher_top_\(n)_gram_frac"] = .number(Double(top) / length)
            if Double(top) / length > pair[1] { return .drop(reason: "top_\(n)_gram") }
        }
        for pair in p.dupNGrams where pair.count >= 2 {
            let n = Int(pair[0])
            guard n > 0 else { continue }
            let dup = Double(Repetition.duplicatedNGramChars(words, n)) / length
            doc.annotations["gopher_dup_\(n)_gram_frac"] = .number(dup)
            if dup > pair[1] { return .drop(reason: "duplicated_\(n)_n_grams") }
        }
        return .keep
    }

    /// Python `re.split("\n{k,}", text)`: pieces between runs of at least `minNewlines` newlines.
    static func split(_ text: String, minNewlines: Int) -> [Substring] {
        var out: [Substring] = []
        let u = text.unicodeScalars
        var start = u.startIndex
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == "\n" {
                var j = i
                var run = 0
                while j < u.endIndex && u[j] == "\n" { run += 1; j = u.index(after: j) }
                if run >= minNewlines {
                    out.append(Substring(u[start..<i]))
                    start = j
                }
                i = j
            } else {
                i = u.index(after: i)
            }
        }
        out.append(Substring(u[start...]))
        return out
    }
}
