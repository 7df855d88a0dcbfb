/// `fineweb_quality`: FineWeb's own heuristics (Penedo et al. 2024, as datatrove's `FineWebQualityFilter`):
/// the share of lines ending in terminal punctuation, the share of short lines, the share of characters in
/// duplicated lines, and newlines per word (list-like pages). Reasons and order as datatrove's; each
/// computed ratio is an annotation (`fineweb_*`).
public final class FineWebQuality: DocumentStep {
    public struct Parameters: StepParameters {
        // datatrove FineWebQualityFilter defaults (the FineWeb recipe).
        @Param("line_punct_thr", Schema.number("Drop when fewer lines than this share end in terminal punctuation.", minimum: 0, maximum: 1))
        public var linePunctThreshold = 0.12
        @Param("line_punct_exclude_zero", Schema.boolean("Do not drop documents where no line ends in terminal punctuation."))
        public var linePunctExcludeZero = false
        @Param("short_line_thr", Schema.number("Drop when more lines than this share are short (1 or more: never, as FineWeb-2's 999).", minimum: 0))
        public var shortLineThreshold = 0.67
        @Param("short_line_length", Schema.integer("A line of at most this many characters is short.", minimum: 0))
        public var shortLineLength = 30
        @Param("char_duplicates_ratio", Schema.number("Drop when more characters than this share are in duplicated lines.", minimum: 0, maximum: 1))
        public var charDuplicatesRatio = 0.01
        @Param("new_line_ratio", Schema.number("Drop when there are more newlines per word than this.", minimum: 0))
        public var newLineRatio = 0.3
        @Param("language", Schema.string("Whose rules split the text into words: en (datatrove's English tokenizer, spaCy's English rules) or a code with spaCy rules of its own (pt, es, fr, de, it, nl, pl, ru, cs, sv, tr, id, ar, fa, uk), or zh (jieba's words, as datatrove's zh tokenizer; needs models/jieba from `make setup`), or ja (Sudachi's words, as datatrove's ja tokenizer; needs models/sudachi from `make setup`), or vi (pyvi's words, as datatrove's vi tokenizer; needs models/pyvi from `make setup`); others split as en. thresholds: fineweb2 sets it to each document's language, as FineWeb-2's pipeline passes its filters the language.", minLength: 1))
        public var language = "en"
        @Param("segment_unspaced", Schema.boolean("Split Chinese, Japanese, Thai, Lao, Khmer and Myanmar runs into characters or syllables instead of one enormous word (false: exactly datatrove's English words)."))
        public var segmentUnspaced = true
        public init() {}
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
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            try WordModels.prepare(language: p.language, context: context, pointer: "/language")
            return .document(FineWebQuality(name: spec.effectiveName, parameters: p))
        })

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
        let words = doc.words(segmentUnspaced: parameters.segmentUnspaced, language: parameters.language).count
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

/// Repetition measures shared by the Gopher and FineWeb filters (datatrove's helpers), on 64-bit hashes
/// of code points rather than Strings, so they compare exactly what Python compares, without allocating.
enum Repetition {
    /// Elements seen before, and their total length in characters.
    static func duplicates<S: StringProtocol>(_ items: [S]) -> (elements: Int, chars: Int) {
        var seen = HashSet64(capacity: items.count)
        var elements = 0, chars = 0
        for x in items {
            if !seen.insert(hash(x)) { elements += 1; chars += x.scalarCount }
        }
        return (elements, chars)
    }

    static func hash<S: StringProtocol>(_ s: S) -> UInt64 {
        if let h = s.utf8.withContiguousStorageIfAvailable({ XXHash64.hash(UnsafeRawBufferPointer($0)) }) { return h }
        return XXHash64.hash(Array(s.utf8))
    }

    /// Words as hashes and lengths, with prefix sums for O(1) n-gram measures.
    struct Words {
        let hashes: [UInt64]
        let lengths: [Int]
        /// Polynomial prefix hashes over the concatenated code points of all words.
        let prefix: [UInt64]
        let powers: [UInt64]
        /// Offset of each word in the concatenation (count + 1 entries).
        let offsets: [Int]
        var count: Int { hashes.count }

        static let base: UInt64 = 0x9E37_79B9_7F4A_7C15 | 1

        init(_ words: [String]) {
            var hashes: [UInt64] = [], lengths: [Int] = [], prefix: [UInt64] = [0], offsets = [0]
            hashes.reserveCapacity(words.count); lengths.reserveCapacity(words.count)
            var h: UInt64 = 0
            for w in words {
                hashes.append(Repetition.hash(w))
                var n = 0
                for u in w.unicodeScalars { h = h &* Words.base &+ UInt64(u.value) &+ 1; prefix.append(h); n += 1 }
                lengths.append(n)
                offsets.append(offsets.last! + n)
            }
            var powers = [UInt64](repeating: 1, count: prefix.count)
            for i in 1..<max(1, powers.count) { powers[i] = powers[i - 1] &* Words.base }
            self.hashes = hashes; self.lengths = lengths; self.prefix = prefix; self.powers = powers; self.offsets = offsets
        }

        /// Hash of the code points of words[i..<i+n] joined without a separator.
        @inline(__always) func concatenationHash(_ i: Int, _ n: Int) -> UInt64 {
            let a = offsets[i], b = offsets[i + n]
            return (prefix[b] &- prefix[a] &* powers[b - a]) ^ UInt64(b - a)
        }

        /// Characters in words[i..<i+n].
        @inline(__always) func chars(_ i: Int, _ n: Int) -> Int { offsets[i + n] - offsets[i] }
    }

    /// The most frequent n-gram (words joined by a space; ties go to the one seen first) times its count,
    /// in characters; nil when there are fewer than `n` words.
    static func topNGramChars(_ words: Words, _ n: Int) -> Int? {
        guard words.count >= n else { return nil }
        // Open addressing on the n-gram hash: counts and first positions in parallel arrays.
        let grams = words.count - n + 1
        var size = 16
        while size < grams * 2 { size <<= 1 }
        let mask = size - 1
        var keys = [UInt64](repeating: 0, count: size)
        var counts = [Int32](repeating: 0, count: size)
        var firsts = [Int32](repeating: 0, count: size)
        var best = (count: Int32(0), first: Int32(0))
        for i in 0..<grams {
            var h: UInt64 = UInt64(n)
            for k in i..<(i + n) { h = (h ^ words.hashes[k]) &* 0x100000001b3 &+ 0x9E37_79B9 }
            var j = Int(truncatingIfNeeded: h ^ (h >> 31)) & mask
            while counts[j] != 0 && keys[j] != h { j = (j + 1) & mask }
            if counts[j] == 0 { keys[j] = h; firsts[j] = Int32(i) }
            counts[j] += 1
            // Most frequent; ties go to the n-gram seen first (as Counter.most_common).
            if counts[j] > best.count || (counts[j] == best.count && firsts[j] < best.first) { best = (counts[j], firsts[j]) }
        }
        return (words.chars(Int(best.first), n) + n - 1) * Int(best.count)
    }

    /// Characters in n-grams (words joined without spaces) that repeat an earlier n-gram, skipping past
    /// each repeat (datatrove's `find_all_duplicate`).
    static func duplicatedNGramChars(_ words: Words, _ n: Int) -> Int {
        var seen = HashSet64(capacity: words.count)
        var repeated = 0, i = 0
        while i < words.count - n + 1 {
            if !seen.insert(words.concatenationHash(i, n)) { repeated += words.chars(i, n); i += n } else { i += 1 }
        }
        return repeated
    }
}
