import Foundation

/// `c4_badwords`: C4's bad-words filter (Raffel et al. 2020, §2.2): drops a document whose lower-cased
/// text contains an entry of its language's word list, matched on word boundaries (for `ja`, `th`, `zh`,
/// anywhere), unless a deterministic draw keeps it (`keep_fraction`). Winnow ships no lists: `lists` maps
/// language codes to files (one entry per line; blank lines ignored), relative to the spec.
///
/// The document's language is its `language` annotation (the `language` step), else a top-level
/// `"language"` field of its input metadata, else `default_language` — as datatrove reads
/// `doc.metadata["language"]`. Deliberate differences from datatrove's `C4BadWordsFilter`: the keep
/// draw is a hash of (seed, document id), so it does not depend on processing order or worker count; a
/// language without a list is kept and counted (`missing_language: "keep"`) or dropped, never a crash.
public final class C4BadWords: DocumentStep {
    public let name: String
    let lists: [String: BadWordMatcher]
    let keepFraction: Double
    let defaultLanguage: String
    let dropMissing: Bool
    let seed: UInt64

    struct Parameters: StepParameters {
        @Param("lists", Schema.map("Word-list file per language code, relative to the spec (one entry per line).",
                                   value: Schema.string("A word-list file.", minLength: 1), keyPattern: "^[A-Za-z]{2,3}([_-][A-Za-z0-9]+)?$"), required: true)
        var lists: [String: String] = [:]
        // C4 / datatrove C4BadWordsFilter: keep_fraction 0.0, default_language "en".
        @Param("keep_fraction", Schema.number("Share of matching documents kept anyway (a deterministic draw per document id).", minimum: 0, maximum: 1))
        var keepFraction = 0.0
        @Param("default_language", Schema.string("Language of documents with no language annotation or metadata field.", minLength: 1))
        var defaultLanguage = "en"
        @Param("missing_language", Schema.string("A document whose language has no list: keep it, or drop it (reason missing_badwords_language).", enumeration: ["keep", "drop"]))
        var missingLanguage = "keep"
        init() {}
    }

    static let descriptor = StepDescriptor(
        type: "c4_badwords", kind: .document,
        summary: "Drops documents containing a word from their language's list, on word boundaries (reason: document_removed_with_badwords).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            var lists: [String: BadWordMatcher] = [:]
            for (lang, path) in p.lists {
                let words = try context.listEntries(path, pointer: "/lists/\(lang)", comments: false)
                    .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
                lists[lang] = BadWordMatcher(words: words, anywhere: ["ja", "th", "zh"].contains(lang))
            }
            return .document(C4BadWords(name: spec.effectiveName, lists: lists, keepFraction: p.keepFraction,
                                        defaultLanguage: p.defaultLanguage, dropMissing: p.missingLanguage == "drop", seed: UInt64(context.seed)))
        })

    init(name: String, lists: [String: BadWordMatcher], keepFraction: Double, defaultLanguage: String, dropMissing: Bool, seed: UInt64) {
        self.name = name
        self.lists = lists
        self.keepFraction = keepFraction
        self.defaultLanguage = defaultLanguage
        self.dropMissing = dropMissing
        self.seed = seed
    }

    public func apply(_ doc: inout Document) -> StepResult {
        let lang = Self.language(of: doc) ?? defaultLanguage
        guard let matcher = lists[lang] else {
            doc.annotations["badwords_language_missing"] = .string(lang)
            return dropMissing ? .drop(reason: "missing_badwords_language") : .keep
        }
        guard let word = matcher.firstMatch(in: doc.text.lowercased()) else { return .keep }
        doc.annotations["badwords_match_length"] = .int(word)
        if keepFraction > 0 {
            let draw = Double(XXHash64.hash(doc.id, seed: seed ^ 0xBAD_0000) >> 11) / Double(1 << 53)
            if draw < keepFraction { doc.annotations["badwords_kept"] = .bool(true); return .keep }
        }
        return .drop(reason: "document_removed_with_badwords")
    }

    /// The `language` annotation, else a top-level "language" string in the metadata.
    static func language(of doc: Document) -> String? {
        if case .string(let l)? = doc.annotations["language"] { return l }
        guard !doc.metadata.isEmpty, doc.metadata.count < 1 << 20,
              let meta = try? JSONParser.parse(doc.metadata), let l = meta["language"]?.stringValue else { return nil }
        return l
    }
}

/// A word list as a trie over Unicode scalars; a match must start and end at a word boundary (a
/// position next to a non-word character — not a letter, digit or underscore — or the text's ends),
/// exactly what `(?:\W|^)(w1|w2|…)(?:\W|$)` finds with Python's `re`.
struct BadWordMatcher: Sendable {
    private var children: [[UInt32: Int32]] = [[:]]
    private var terminal: [Bool] = [false]
    let anywhere: Bool

    init(words: [String], anywhere: Bool) {
        self.anywhere = anywhere
        for w in words {
            var node = 0
            for u in w.unicodeScalars {
                if let next = children[node][u.value] { node = Int(next) } else {
                    children.append([:]); terminal.append(false)
                    children[node][u.value] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            terminal[node] = true
        }
    }

    @inline(__always) static func isWord(_ u: Unicode.Scalar) -> Bool { u == "_" || u.isAlphanumeric }

    /// The length (in scalars) of the first match, or nil.
    func firstMatch(in text: String) -> Int? {
        let scalars = Array(text.unicodeScalars)
        let n = scalars.count
        for start in 0..<n {
            if !anywhere, start > 0, Self.isWord(scalars[start - 1]) { continue }
            var node = 0
            var j = start
            while j < n, let next = children[node][scalars[j].value] {
                node = Int(next)
                j += 1
                if terminal[node] && (anywhere || j == n || !Self.isWord(scalars[j])) { return j - start }
            }
        }
        return nil
    }
}
