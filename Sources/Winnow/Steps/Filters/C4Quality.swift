/// `c4_quality`: C4's cleaning (Raffel et al. 2020, §2.2) as datatrove's `C4QualityFilter`: line by line,
/// drop lines with a word over `max_word_length` characters, remove citation markers, drop lines without
/// terminal punctuation (or ending in an ellipsis), with fewer than `min_words_per_line` words, mentioning
/// "javascript" or a cookie/terms policy; drop the whole document on "lorem ipsum" or a curly bracket, or
/// when fewer than `min_num_sentences` sentences remain. The document's text is **rewritten** to the kept
/// lines. Every rule can be switched off. Annotates the lines read, kept and the sentences counted.
public final class C4Quality: DocumentStep {
    public struct Parameters: StepParameters {
        // datatrove C4QualityFilter defaults (the C4 paper's rules).
        @Param("split_paragraph", Schema.boolean("Work on lines (true, as C4) or on sentences (false)."))
        public var splitParagraph = true
        @Param("remove_citations", Schema.boolean("Remove Wikipedia-style markers: [1], [edit], [citation needed]."))
        public var removeCitations = true
        @Param("filter_no_terminal_punct", Schema.boolean("Drop lines that do not end in . ? ! \" ' (or that end in ...)."))
        public var filterNoTerminalPunct = true
        @Param("min_num_sentences", Schema.integer("Drop documents with fewer sentences left (-1: off).", minimum: -1))
        public var minNumSentences = 5
        @Param("min_words_per_line", Schema.integer("Drop lines with fewer words (-1: off).", minimum: -1))
        public var minWordsPerLine = 3
        @Param("max_word_length", Schema.integer("Drop lines with a longer word (-1: off).", minimum: -1))
        public var maxWordLength = 1000
        @Param("filter_lorem_ipsum", Schema.boolean("Drop documents containing \"lorem ipsum\"."))
        public var filterLoremIpsum = true
        @Param("filter_javascript", Schema.boolean("Drop lines mentioning \"javascript\"."))
        public var filterJavascript = true
        @Param("filter_curly_bracket", Schema.boolean("Drop documents containing a curly bracket."))
        public var filterCurlyBracket = true
        @Param("filter_policy", Schema.boolean("Drop lines about terms of use, privacy or cookie policies."))
        public var filterPolicy = true
        public init() {}
    }

    static let policySubstrings = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]

    public let name: String
    public let parameters: Parameters

    public init(name: String = "c4_quality", parameters: Parameters = Parameters()) {
        self.name = name
        self.parameters = parameters
    }

    static let descriptor = StepDescriptor(
        type: "c4_quality", kind: .document,
        summary: "C4's line cleaning, which rewrites the text, and its document rules (reasons as datatrove: lorem_ipsum, curly_bracket, too_few_sentences).",
        parameters: Parameters.self,
        build: { spec, _ in .document(C4Quality(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    public func apply(_ doc: inout Document) -> StepResult {
        let p = parameters
        let lines: [Substring] = p.splitParagraph ? TextLines.splitLines(doc.text) : Sentences.split(doc.text).map { Substring($0) }
        var sentences = 0
        var kept: [String] = []
        for raw in lines {
            var line = String(raw.pythonStripped())
            let words = line.unicodeScalars.split(whereSeparator: { $0.isPythonSpace })
            if p.maxWordLength != -1 && words.contains(where: { $0.count > p.maxWordLength }) { continue }
            if p.removeCitations { line = Self.removeCitations(line) }
            if p.filterNoTerminalPunct {
                let ends = [".", "?", "!", "\"", "'"].contains { line.scalarsEnd(with: $0) }
                if !ends || line.scalarsEnd(with: "...") { continue }
            }
            if words.count < p.minWordsPerLine { continue }
            let lower = line.lowercased()
            if p.filterLoremIpsum && lower.containsBytes("lorem ipsum") { return .drop(reason: "lorem_ipsum") }
            if p.filterJavascript && lower.containsBytes("javascript") { continue }
            if p.filterCurlyBracket && line.utf8.contains(UInt8(ascii: "{")) { return .drop(reason: "curly_bracket") }
            if p.filterPolicy && Self.policySubstrings.contains(where: { lower.containsBytes($0) }) { continue }
            if p.minNumSentences != -1 { sentences += p.splitParagraph ? Sentences.count(line) : 1 }
            kept.append(line)
        }
        doc.annotations["c4_lines"] = .int(lines.count)
        doc.annotations["c4_kept_lines"] = .int(kept.count)
        doc.annotations["c4_sentences"] = .int(sentences)
        if sentences < p.minNumSentences { return .drop(reason: "too_few_sentences") }
        doc.text = String(kept.joined(separator: p.splitParagraph ? "\n" : " ").pythonStripped())
        return .keep
    }

    /// Removes `[digits]`, `[edit]` and `[citation needed]` (datatrove's CITATION_REGEX; digits of any script).
    static func removeCitations(_ line: String) -> String {
        guard line.contains("[") else { return line }
        let u = Array(line.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < u.count {
            if u[i] == "[" {
                var j = i + 1
                while j < u.count, u[j].properties.numericType == .decimal { j += 1 }
                if j < u.count, u[j] == "]" { i = j + 1; continue }
                for marker in ["[edit]", "[citation needed]"] {
                    let m = Array(marker.unicodeScalars)
                    if i + m.count <= u.count && u[i..<(i + m.count)].elementsEqual(m) { i += m.count; break }
                }
                if i < u.count, u[i] == "[" { out.append(u[i]); i += 1 }
                continue
            }
            out.append(u[i])
            i += 1
        }
        return String(out)
    }
}

/// Sentence boundaries as spaCy's sentencizer draws them over `WordTokenizer`'s words: a new sentence
/// starts at the first word that is neither punctuation nor a sentence ender after a sentence ender.
enum Sentences {
    static func isPunct(_ w: String) -> Bool {
        w.unicodeScalars.allSatisfy {
            switch $0.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
            default: return false
            }
        }
    }

    static func isEnder(_ w: String) -> Bool {
        let u = w.unicodeScalars
        return u.count == 1 && Punctuation.sentenceEnders.contains(u.first!.value)
    }

    /// The number of sentences in `text`.
    static func count(_ text: String) -> Int {
        let words = WordTokenizer.english.words(text)
        guard !words.isEmpty else { return 0 }
        var n = 1
        var seenEnd = false
        for w in words {
            if seenEnd && !isPunct(w) && !isEnder(w) { n += 1; seenEnd = false } else if isEnder(w) { seenEnd = true }
        }
        return n
    }

    /// The sentences of `text`, each the words from its first to the next sentence's first, joined by spaces.
    static func split(_ text: String) -> [String] {
        let words = WordTokenizer.english.words(text)
        var out: [[String]] = []
        var seenEnd = false
        for w in words {
            if out.isEmpty || (seenEnd && !isPunct(w) && !isEnder(w)) { out.append([w]); seenEnd = false }
            else { out[out.count - 1].append(w); if isEnder(w) { seenEnd = true } }
        }
        return out.map { $0.joined(separator: " ") }
    }
}
