/// One document flowing through a pipeline.
public struct Document: Sendable {
    /// The id from the input's `id_field`, or `<source>:<input>:<line>` when the input has none.
    public var id: String
    /// The text (rewritten in place by steps that clean it).
    public var text: String { didSet { escapedText = nil; cachedWords = nil; cachedSegmentedWords = nil; cachedLanguageWords = nil } }
    /// The text as JSON-escaped in the input, while `text` is unchanged: written back as is.
    var escapedText: [UInt8]?
    /// The words of `text` (WordTokenizer), computed once and shared by every step that needs them.
    var cachedWords: [String]?
    /// The same words with runs of scripts written without spaces split further (`UnspacedScripts`).
    var cachedSegmentedWords: [String]?
    /// The words as another language's rules split them (`SpacyStyleTokenizer`), with that language and whether
    /// unspaced runs were segmented.
    var cachedLanguageWords: (language: String, segmented: Bool, words: [String])?

    /// The words of the text as `language`'s rules split them (`SpacyStyleTokenizer`, for the languages it has
    /// rules for; English's and every other language's: `WordTokenizer.english`), segmented as `words(segmentUnspaced:)`.
    public mutating func words(segmentUnspaced: Bool = false, language: String) -> [String] {
        // Chinese: jieba's words (datatrove's zh tokenizer); Japanese: Sudachi's (datatrove's ja tokenizer); Vietnamese:
        // pyvi's (datatrove's vi tokenizer); Korean: close to Kiwi's (datatrove's ko tokenizer, `KoreanWords`). None needs
        // the unspaced runs segmented again.
        let unspaced: ((String) -> [String])? = language == "zh" ? ChineseWords.shared.map { c in { c.words($0) } }
            : language == "ja" ? JapaneseWords.shared.map { j in { j.words($0) } }
            : language == "vi" ? VietnameseWords.shared.map { v in { v.words($0) } }
            : language == "ko" ? { KoreanWords.words($0) } : nil
        if let unspaced {
            if let c = cachedLanguageWords, c.language == language { return c.words }
            let w = unspaced(text)
            cachedLanguageWords = (language, segmentUnspaced, w)
            return w
        }
        guard language != "en", let tokenizer = SpacyStyleTokenizer.forLanguage(language) else { return words(segmentUnspaced: segmentUnspaced) }
        if let c = cachedLanguageWords, c.language == language, c.segmented == segmentUnspaced { return c.words }
        var w = tokenizer.words(text)
        if segmentUnspaced && UnspacedScripts.present(in: text) { w = UnspacedScripts.segment(w) }
        cachedLanguageWords = (language, segmentUnspaced, w)
        return w
    }

    /// The words of the text, as `WordTokenizer.english` splits them, and with `segmentUnspaced` Chinese,
    /// Japanese, Thai, Lao, Khmer and Myanmar runs split as `UnspacedScripts` says; cached until the text changes.
    public mutating func words(segmentUnspaced: Bool = false) -> [String] {
        if segmentUnspaced {
            if let w = cachedSegmentedWords { return w }
            let english = words()
            let w = UnspacedScripts.present(in: text) ? UnspacedScripts.segment(english) : english
            cachedSegmentedWords = w
            return w
        }
        if let w = cachedWords { return w }
        let w = WordTokenizer.english.words(text)
        cachedWords = w
        return w
    }
    /// The name of the source the document came from.
    public var source: String
    /// Every other input field, as the raw bytes of one JSON object (empty when there were none).
    public var metadata: [UInt8]
    /// Values steps computed (scores, counts); stored in lineage as a JSON object.
    public var annotations: Annotations

    public init(id: String, text: String, source: String, metadata: [UInt8] = [], annotations: Annotations = Annotations()) {
        self.escapedText = nil
        self.cachedWords = nil
        self.cachedSegmentedWords = nil
        self.id = id
        self.text = text
        self.source = source
        self.metadata = metadata
        self.annotations = annotations
    }
}

/// A step's computed value for a document.
public enum Annotation: Equatable, Sendable {
    case int(Int)
    case number(Double)
    case string(String)
    case bool(Bool)
    /// A JSON array or object, already written compactly (`decontaminate`'s `contamination`).
    case json(String)
}

/// Ordered key → value annotations; setting a key again replaces its value.
public struct Annotations: Equatable, Sendable {
    public private(set) var items: [(key: String, value: Annotation)] = []

    public init() {}

    public static func == (a: Annotations, b: Annotations) -> Bool {
        a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public subscript(key: String) -> Annotation? {
        get { items.first { $0.key == key }?.value }
        set {
            if let i = items.firstIndex(where: { $0.key == key }) {
                if let v = newValue { items[i].value = v } else { items.remove(at: i) }
            } else if let v = newValue {
                items.append((key, v))
            }
        }
    }

    public var isEmpty: Bool { items.isEmpty }

    /// The annotations as one compact JSON object, in insertion order.
    public func json() -> String {
        var out = [UInt8](); appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func appendJSON(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (n, item) in items.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            JSONEscape.appendQuoted(item.key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch item.value {
            case .int(let v): out += Array(String(v).utf8)
            case .number(let d): JSONWriter.appendNumber((d * 1e6).rounded() / 1e6, to: &out)
            case .string(let s): JSONEscape.appendQuoted(s, to: &out)
            case .bool(let b): out += Array((b ? "true" : "false").utf8)
            case .json(let j): out += Array(j.utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}
