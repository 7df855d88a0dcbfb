/// `gopher_quality`: the quality rules of Gopher (Rae et al. 2021, §A.1.1) as datatrove's
/// `GopherQualityFilter` applies them, with its defaults, reason names and order. Words come from
/// `WordTokenizer` (datatrove's English tokenizer); a threshold of 0 switches its rule off, as in datatrove.
/// Computed values are annotations (`gopher_*`).
public final class GopherQuality: DocumentStep {
    public struct Parameters: StepParameters {
        // Gopher, table A1 / datatrove defaults.
        @Param("min_doc_words", Schema.integer("Fewest words that are not only punctuation (0: off).", minimum: 0))
        public var minDocWords = 50
        @Param("max_doc_words", Schema.integer("Most such words (0: off).", minimum: 0))
        public var maxDocWords = 100_000
        @Param("min_avg_word_length", Schema.number("Lowest mean length of those words (0: off).", minimum: 0))
        public var minAvgWordLength = 3.0
        @Param("max_avg_word_length", Schema.number("Highest mean length of those words (0: off).", minimum: 0))
        public var maxAvgWordLength = 10.0
        @Param("max_symbol_word_ratio", Schema.number("Most `#`, and most `...`/`…`, per word (0: off).", minimum: 0))
        public var maxSymbolWordRatio = 0.1
        @Param("max_bullet_lines_ratio", Schema.number("Most share of lines starting with a bullet (• or -) (0: off).", minimum: 0, maximum: 1))
        public var maxBulletLinesRatio = 0.9
        @Param("max_ellipsis_lines_ratio", Schema.number("Most share of lines ending with an ellipsis (0: off).", minimum: 0, maximum: 1))
        public var maxEllipsisLinesRatio = 0.3
        @Param("max_non_alpha_words_ratio", Schema.number("Least share of words with a letter (datatrove's name kept) (0: off).", minimum: 0, maximum: 1))
        public var maxNonAlphaWordsRatio = 0.8
        @Param("min_stop_words", Schema.integer("Fewest distinct stop words present (0: off).", minimum: 0))
        public var minStopWords = 2
        @Param("stop_words", Schema.array("The stop words (matched case-sensitively, as datatrove).", items: Schema.string("A word.", minLength: 1)))
        public var stopWords = ["the", "be", "to", "of", "and", "that", "have", "with"]
        @Param("language", Schema.string("Whose rules split the text into words: en (datatrove's English tokenizer, spaCy's English rules) or a code with spaCy rules of its own (pt, es, fr, de, it, nl, pl, ru, cs, sv, tr, id, ar, fa, uk), or zh (jieba's words, as datatrove's zh tokenizer; needs models/jieba from `make setup`), or ja (Sudachi's words, as datatrove's ja tokenizer; needs models/sudachi from `make setup`), or vi (pyvi's words, as datatrove's vi tokenizer; needs models/pyvi from `make setup`); others split as en. thresholds: fineweb2 sets it to each document's language, as FineWeb-2's pipeline passes its filters the language.", minLength: 1))
        public var language = "en"
        @Param("segment_unspaced", Schema.boolean("Split Chinese, Japanese, Thai, Lao, Khmer and Myanmar runs into characters or syllables instead of one enormous word (false: exactly datatrove's English words)."))
        public var segmentUnspaced = true
        public init() {}
    }

    public let name: String
    public let parameters: Parameters
    /// Compared code point by code point, as datatrove's Python sets compare (a decomposed `é` is not the stop word `é`).
    private let stopWords: Set<Exact>

    public init(name: String = "gopher_quality", parameters: Parameters = Parameters()) {
        self.name = name
        self.parameters = parameters
        stopWords = Set(parameters.stopWords.map(Exact.init))
    }

    static let descriptor = StepDescriptor(
        type: "gopher_quality", kind: .document,
        summary: "Gopher's quality rules: word count, mean word length, # and ellipsis ratios, bullet and ellipsis lines, alphabetic words, stop words (reasons as datatrove: gopher_short_doc, gopher_long_doc, gopher_below_avg_threshold, gopher_above_avg_threshold, gopher_too_many_hashes, gopher_too_many_ellipsis, gopher_too_many_bullets, gopher_too_many_end_ellipsis, gopher_below_alpha_threshold, gopher_enough_stop_words).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            try WordModels.prepare(language: p.language, context: context, pointer: "/language")
            return .document(GopherQuality(name: spec.effectiveName, parameters: p))
        })

    public func apply(_ doc: inout Document) -> StepResult {
        let p = parameters
        let text = doc.text
        let words = doc.words(segmentUnspaced: parameters.segmentUnspaced, language: parameters.language)
        let nWords = Double(words.count)
        let content = words.filter { Punctuation.hasNonSymbol($0) }
        doc.annotations["gopher_words"] = .int(content.count)
        if p.minDocWords > 0 && content.count < p.minDocWords { return .drop(reason: "gopher_short_doc") }
        if p.maxDocWords > 0 && content.count > p.maxDocWords { return .drop(reason: "gopher_long_doc") }
        let mean = content.isEmpty ? Double.nan : Double(content.reduce(0) { $0 + $1.scalarCount }) / Double(content.count)
        doc.annotations["gopher_avg_word_length"] = .number(mean.isNaN ? 0 : mean)
        if p.minAvgWordLength > 0 && mean < p.minAvgWordLength { return .drop(reason: "gopher_below_avg_threshold") }
        if p.maxAvgWordLength > 0 && mean > p.maxAvgWordLength { return .drop(reason: "gopher_above_avg_threshold") }
        let hashes = Double(text.occurrences(of: "#")) / nWords
        doc.annotations["gopher_hash_ratio"] = .number(hashes)
        if p.maxSymbolWordRatio > 0 && hashes > p.maxSymbolWordRatio { return .drop(reason: "gopher_too_many_hashes") }
        let ellipses = Double(text.occurrences(of: "...") + text.occurrences(of: "…")) / nWords
        doc.annotations["gopher_ellipsis_ratio"] = .number(ellipses)
        if p.maxSymbolWordRatio > 0 && ellipses > p.maxSymbolWordRatio { return .drop(reason: "gopher_too_many_ellipsis") }
        let lines = TextLines.splitLines(text)
        let nLines = Double(lines.count)
        let bullets = Double(lines.filter { let l = $0.pythonLeftStripped(); return l.scalarsStart(with: "•") || l.scalarsStart(with: "-") }.count) / nLines
        doc.annotations["gopher_bullet_lines_ratio"] = .number(bullets)
        if p.maxBulletLinesRatio > 0 && bullets > p.maxBulletLinesRatio { return .drop(reason: "gopher_too_many_bullets") }
        let endEllipsis = Double(lines.filter { let l = $0.pythonRightStripped(); return l.scalarsEnd(with: "...") || l.scalarsEnd(with: "…") }.count) / nLines
        doc.annotations["gopher_end_ellipsis_lines_ratio"] = .number(endEllipsis)
        if p.maxEllipsisLinesRatio > 0 && endEllipsis > p.maxEllipsisLinesRatio { return .drop(reason: "gopher_too_many_end_ellipsis") }
        let alpha = Double(words.filter { $0.containsLetter }.count) / nWords
        doc.annotations["gopher_alpha_words_ratio"] = .number(alpha)
        if p.maxNonAlphaWordsRatio > 0 && alpha < p.maxNonAlphaWordsRatio { return .drop(reason: "gopher_below_alpha_threshold") }
        var present = Set<Exact>()
        for w in words where stopWords.contains(Exact(w)) { present.insert(Exact(w)) }
        let stops = present.count
        doc.annotations["gopher_stop_words"] = .int(stops)
        if p.minStopWords > 0 && stops < p.minStopWords { return .drop(reason: "gopher_enough_stop_words") }
        return .keep
    }
}
