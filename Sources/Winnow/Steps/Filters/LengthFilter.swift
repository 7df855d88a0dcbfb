/// `length`: keeps documents whose length in characters (Unicode scalars, as Python's `len`) and
/// words (runs of non-whitespace) lies within bounds. Annotates `chars` and `words`.
///
/// ```json
/// { "type": "length", "min_chars": 200, "max_words": 100000 }
/// ```
public final class LengthFilter: DocumentStep {
    public struct Parameters: Codable, Sendable {
        public var minChars: Int = 0
        public var maxChars: Int?
        public var minWords: Int = 0
        public var maxWords: Int?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case minChars = "min_chars", maxChars = "max_chars", minWords = "min_words", maxWords = "max_words"
        }

        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minChars = try c.decodeIfPresent(Int.self, forKey: .minChars) ?? 0
            maxChars = try c.decodeIfPresent(Int.self, forKey: .maxChars)
            minWords = try c.decodeIfPresent(Int.self, forKey: .minWords) ?? 0
            maxWords = try c.decodeIfPresent(Int.self, forKey: .maxWords)
        }
    }

    public let name: String
    public let parameters: Parameters

    public init(name: String = "length", parameters: Parameters) {
        self.name = name
        self.parameters = parameters
    }

    static let descriptor = StepDescriptor(
        type: "length", kind: .document,
        summary: "Drops documents outside character and word bounds (reasons: min_chars, max_chars, min_words, max_words).",
        parameters: [
            ("min_chars", Schema.integer("Fewest characters (Unicode scalars) a kept document has.", default: 0, minimum: 0)),
            ("max_chars", Schema.integer("Most characters a kept document has; no limit when absent.", minimum: 1)),
            ("min_words", Schema.integer("Fewest words (runs of non-whitespace) a kept document has.", default: 0, minimum: 0)),
            ("max_words", Schema.integer("Most words a kept document has; no limit when absent.", minimum: 1)),
        ],
        required: [],
        codingKeys: Parameters.CodingKeys.allCases.map(\.stringValue),
        build: { spec in .document(LengthFilter(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    public func apply(_ doc: inout Document) -> StepResult {
        let (chars, words) = TextStats.charsAndWords(doc.text)
        doc.annotations["chars"] = .int(chars)
        doc.annotations["words"] = .int(words)
        if chars < parameters.minChars { return .drop(reason: "min_chars") }
        if let m = parameters.maxChars, chars > m { return .drop(reason: "max_chars") }
        if words < parameters.minWords { return .drop(reason: "min_words") }
        if let m = parameters.maxWords, words > m { return .drop(reason: "max_words") }
        return .keep
    }
}

/// Counting on UTF-8 bytes, without building characters.
public enum TextStats {
    /// Unicode scalars and whitespace-separated words of `text` in one pass.
    public static func charsAndWords(_ text: String) -> (chars: Int, words: Int) {
        var t = text
        return t.withUTF8 { p in
            var chars = 0, words = 0
            var inWord = false
            var i = 0
            let n = p.count
            while i < n {
                let b = p[i]
                var space = false
                if b < 0x80 {
                    space = b == 0x20 || (b >= 0x09 && b <= 0x0D)
                    i += 1
                } else {
                    // Decode the scalar only to test Unicode whitespace.
                    var v: UInt32
                    var len: Int
                    if b & 0xE0 == 0xC0 { v = UInt32(b & 0x1F); len = 2 } else if b & 0xF0 == 0xE0 { v = UInt32(b & 0x0F); len = 3 } else { v = UInt32(b & 0x07); len = 4 }
                    var k = 1
                    while k < len, i + k < n { v = v << 6 | UInt32(p[i + k] & 0x3F); k += 1 }
                    space = isUnicodeSpace(v)
                    i += len
                }
                chars += 1
                if space { inWord = false } else if !inWord { inWord = true; words += 1 }
            }
            return (chars, words)
        }
    }

    /// White_Space characters outside ASCII (Unicode PropList).
    @inline(__always) static func isUnicodeSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
