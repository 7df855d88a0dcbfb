import Foundation

/// `gopher_repetition`: Gopher's repetition rules (Rae et al. 2021, table A1) as datatrove's
/// `GopherRepetitionFilter`: duplicated paragraphs and lines (by count and by characters), the most
/// frequent 2–4-gram's share of characters, and the share of characters in repeated 5–10-grams.
/// Reasons as datatrove's; a fraction of 0 switches its rule off.
public final class GopherRepetition: DocumentStep {
    public struct Parameters: StepParameters {
        // Gopher table A1 / datatrove defaults.
        @Param("dup_line_frac", Schema.number("Most share of lines that repeat an earlier line.", minimum: 0, maximum: 1))
        public var dupLineFrac = 0.3
        @Param("dup_para_frac", Schema.number("Most share of paragraphs that repeat an earlier paragraph.", minimum: 0, maximum: 1))
        public var dupParaFrac = 0.3
        @Param("dup_line_char_frac", Schema.number("Most share of characters in repeated lines.", minimum: 0, maximum: 1))
        public var dupLineCharFrac = 0.2
        @Param("dup_para_char_frac", Schema.number("Most share of characters in repeated paragraphs.", minimum: 0, maximum: 1))
        public var dupParaCharFrac = 0.2
        @Param("top_n_grams", pairs("For each [n, fraction]: most share of characters in the most frequent n-gram."))
        public var topNGrams: [[Double]] = [[2, 0.2], [3, 0.18], [4, 0.16]]
        @Param("dup_n_grams", pairs("For each [n, fraction]: most share of characters in repeated n-grams."))
        public var dupNGrams: [[Double]] = [[5, 0.15], [6, 0.14], [7, 0.13], [8, 0.12], [9, 0.11], [10, 0.10]]
        @Param("language", Schema.string("Whose rules split the text into words: en (datatrove's English tokenizer, spaCy's English rules) or a code with spaCy rules of its own (pt, es, fr, de, it, nl, pl, ru, cs, sv, tr, id, ar, fa, uk), or zh (jieba's words, as datatrove's zh tokenizer; needs models/jieba from `make setup`), or ja (Sudachi's words, as datatrove's ja tokenizer; needs models/sudachi from `make setup`), or vi (pyvi's words, as datatrove's vi tokenizer; needs models/pyvi from `make setup`); others split as en. thresholds: fineweb2 sets it to each document's language, as FineWeb-2's pipeline passes its filters the language.", minLength: 1))
        public var language = "en"
        @Param("segment_unspaced", Schema.boolean("Split Chinese, Japanese, Thai, Lao, Khmer and Myanmar runs into characters or syllables instead of one enormous word (false: exactly datatrove's English words)."))
        public var segmentUnspaced = true
        public init() {}
    }

    public let name: String
    public let parameters: Parameters

    public init(name: String = "gopher_repetition", parameters: Parameters = Parameters()) {
        self.name = name
        self.parameters = parameters
    }

    static func pairs(_ description: String) -> JSONValue {
        Schema.array(description, items: Schema.array("[n, max fraction]", items: Schema.number("n, then the fraction.", minimum: 0), minItems: 2))
    }

    static let descriptor = StepDescriptor(
        type: "gopher_repetition", kind: .document,
        summary: "Gopher's repetition rules (reasons as datatrove: empty, dup_para_frac, dup_para_char_frac, dup_line_frac, dup_line_char_frac, top_<n>_gram, duplicated_<n>_n_grams).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            try WordModels.prepare(language: p.language, context: context, pointer: "/language")
            return .document(GopherRepetition(name: spec.effectiveName, parameters: p))
        })

    public func apply(_ doc: inout Document) -> StepResult {
        let p = parameters
        let text = doc.text
        guard !text.isEmpty else { return .drop(reason: "empty") }
        let length = Double(text.scalarCount)
        // Paragraphs (of the stripped text), then lines: share of repeated pieces, then of their characters.
        let units: [(pieces: () -> [Substring], name: String, frac: Double, charFrac: Double)] = [
            ({ Self.split(String(text.pythonStripped()), minNewlines: 2) }, "para", p.dupParaFrac, p.dupParaCharFrac),
            ({ Self.split(text, minNewlines: 1) }, "line", p.dupLineFrac, p.dupLineCharFrac),
        ]
        for u in units {
            let pieces = u.pieces()   // lines are split only if the paragraphs pass
            let (dup, chars) = Repetition.duplicates(pieces)
            let frac = Double(dup) / Double(pieces.count)
            doc.annotations["gopher_dup_\(u.name)_frac"] = .number(frac)
            if u.frac > 0 && frac > u.frac { return .drop(reason: "dup_\(u.name)_frac") }
            let charFrac = Double(chars) / length
            doc.annotations["gopher_dup_\(u.name)_char_frac"] = .number(charFrac)
            if u.charFrac > 0 && charFrac > u.charFrac { return .drop(reason: "dup_\(u.name)_char_frac") }
        }
        let words = Repetition.Words(doc.words(segmentUnspaced: parameters.segmentUnspaced, language: parameters.language))
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
        // "\n" is one byte and never inside a multi-byte scalar, so byte offsets here are scalar boundaries.
        var ranges: [(Int, Int)] = []
        var t = text
        let n = t.withUTF8 { b -> Int in
            guard let base = b.baseAddress else { return 0 }
            var start = 0, i = 0
            while i < b.count, let p = memchr(base + i, 0x0A, b.count - i) {
                let nl = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                var j = nl
                while j < b.count && b[j] == 0x0A { j += 1 }
                if j - nl >= minNewlines { ranges.append((start, nl)); start = j }
                i = j
            }
            ranges.append((start, b.count))
            return b.count
        }
        if n == 0 { return [text[...]] }
        let u = text.utf8
        let base = u.startIndex
        return ranges.map { text[u.index(base, offsetBy: $0.0)..<u.index(base, offsetBy: $0.1)] }
    }
}
