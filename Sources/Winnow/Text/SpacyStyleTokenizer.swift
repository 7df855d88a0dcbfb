import Foundation

/// Word splitting for one language the way spaCy's rule-based tokenizer splits it (`spacy.blank(code)`, which is
/// datatrove's `SpaCyTokenizer` for that language), so a filter configured for Portuguese counts Portuguese words as
/// datatrove does: whitespace first; a chunk that is a special case (an abbreviation, a contraction) becomes its
/// tokens; otherwise prefixes and suffixes are cut off, repeatedly, until none is left or what remains is a special
/// case; then the rest is split at its infixes, unless it is a URL. The rules — prefix, suffix, infix and URL
/// patterns and the special cases — are spaCy's own for each language, generated into `SpacyRules.swift` by
/// `scripts/make_spacy_rules.py`; the algorithm is written here from spaCy's description of it. English keeps
/// `WordTokenizer`, a faster hand-written form of the same algorithm with English's rules.
public final class SpacyStyleTokenizer: @unchecked Sendable {
    let language: String
    private let prefix: NSRegularExpression
    private let suffix: NSRegularExpression
    private let infix: NSRegularExpression
    private let url: NSRegularExpression?
    /// A chunk it matches stays whole (French: hyphenated and elided words such as `week-end`, `aujourd'hui`).
    private let tokenMatch: NSRegularExpression?
    /// Special cases: the chunk, and the tokens it becomes (itself when nil).
    private let rules: [Exact: [String]?]

    /// Closing marks that the rules cut off a word of letters ("palavra," → "palavra" ","), as checked on probes
    /// when the tokenizer is built: such chunks — most of those that are not plain words — skip the patterns.
    private var plainSuffixes: Set<Unicode.Scalar> = []
    /// Whether a chunk of ASCII digits stays whole (checked the same way).
    private var plainNumbers = false
    /// Special cases the affix rules would split ("):" → ")" ":", "’s" → "’" "s"), by the first of those pieces: when
    /// the pieces stand together in a chunk they become the special case again (spaCy's special-case matcher).
    private var affixSpecials: [Exact: [(pieces: [String], key: String)]] = [:]

    private init(language: String, prefix: NSRegularExpression, suffix: NSRegularExpression, infix: NSRegularExpression,
                 url: NSRegularExpression?, tokenMatch: NSRegularExpression?, rules: [Exact: [String]?]) {
        self.language = language; self.prefix = prefix; self.suffix = suffix; self.infix = infix; self.url = url; self.rules = rules
        self.tokenMatch = tokenMatch
        for mark in [",", ";", ":", "!", "?", ")", "\"", "."] {
            var probe: [String] = [], upper: [String] = []
            splitWithRules("wxyzq" + mark, into: &probe)
            splitWithRules("Wxyzq" + mark, into: &upper)
            if probe == ["wxyzq", mark] && upper == ["Wxyzq", mark] { plainSuffixes.insert(mark.unicodeScalars.first!) }
        }
        var number: [String] = []
        splitWithRules("1994", into: &number)
        var long: [String] = []
        splitWithRules("31415926", into: &long)
        plainNumbers = number == ["1994"] && long == ["31415926"]
        // spaCy registers a special case with the matcher when a prefix, suffix or infix pattern finds something in it.
        for key in rules.keys.map(\.s) {
            let s = key as NSString
            guard match(prefix, s) != nil || match(suffix, s) != nil || infix.firstMatch(in: key, range: NSRange(location: 0, length: s.length)) != nil else { continue }
            var pieces: [String] = []
            splitWithRules(key, into: &pieces, specials: false)
            guard let first = pieces.first else { continue }
            affixSpecials[Exact(first), default: []].append((pieces, key))
        }
    }

    /// The languages with rules.
    public static var languages: [String] { Array(table.keys).sorted() }

    /// The generated rules, parsed once: each language's entry, and the patterns they index.
    private static let parsed: (table: [String: JSONValue], patterns: [String]) = {
        guard case .object(let root)? = try? JSONParser.parse(Array(rulesJSON.utf8)), case .object(let languages)? = root["languages"],
              case .array(let p)? = root["patterns"] else {
            preconditionFailure("SpacyRules.swift does not parse")
        }
        // Letter classes stored once stand in the patterns as private-use characters.
        let classes = root["classes"]?.objectValue?.pairs ?? []
        let patterns = p.compactMap(\.stringValue).map { s in classes.reduce(s) { $0.replacingOccurrences(of: $1.0, with: $1.1.stringValue ?? "") } }
        return (Dictionary(uniqueKeysWithValues: languages.pairs), patterns)
    }()
    private static var table: [String: JSONValue] { parsed.table }
    private static var patterns: [String] { parsed.patterns }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [String: SpacyStyleTokenizer] = [:]
    /// Languages asked for that have no rules (asked again for every document).
    nonisolated(unsafe) private static var missing: Set<String> = []

    /// The tokenizer for `language` (a lid.176 code, or a FineWeb-2 `iso3_Script` name of one), built on first use;
    /// nil for a language without exported rules.
    public static func forLanguage(_ language: String) -> SpacyStyleTokenizer? {
        lock.lock(); defer { lock.unlock() }
        if let t = built[language] { return t }
        if missing.contains(language) { return nil }
        let code = FineWeb2.entries[language].flatMap { e in e.config == language ? FineWeb2.labels.first { $0.config == language }?.label : nil } ?? language
        if let t = built[code] { built[language] = t; return t }
        guard case .object(let o)? = table[code] else { missing.insert(language); return nil }
        func regex(_ key: String, _ options: NSRegularExpression.Options = []) -> NSRegularExpression? {
            guard case .number(let i)? = o[key], Int(i) < patterns.count else { return nil }
            return try? NSRegularExpression(pattern: patterns[Int(i)], options: options)
        }
        guard let p = regex("prefix"), let s = regex("suffix"), let i = regex("infix"), case .object(let r)? = o["rules"] else { return nil }
        var rules: [Exact: [String]?] = [:]
        for (k, v) in r.pairs { rules.updateValue(v.arrayValue.map { $0.compactMap(\.stringValue) }, forKey: Exact(k)) }
        let tokenMatch = regex("token_match", o["token_match_ignores_case"] == .bool(true) ? [.caseInsensitive] : [])
        if o["token_match"] != nil && o["token_match"] != .null && tokenMatch == nil { preconditionFailure("\(code): token_match does not compile") }
        let t = SpacyStyleTokenizer(language: code, prefix: p, suffix: s, infix: i, url: regex("url"), tokenMatch: tokenMatch, rules: rules)
        built[code] = t
        built[language] = t
        return t
    }

    /// The words of `text`, in order, without whitespace tokens: chunks between whitespace (Python's `str.isspace`,
    /// as spaCy splits: the Unicode spaces, and 0x1C–0x1F) found on the UTF-8 bytes.
    public func words(_ text: String) -> [String] {
        var out: [String] = []
        var t = text
        t.withUTF8 { b in
            out.reserveCapacity(b.count / 5)
            var start = 0, i = 0
            while i < b.count {
                let w = Self.whitespaceLength(b, i)
                if w == 0 { i += 1; continue }
                if i > start { split(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self), into: &out) }
                i += w
                start = i
            }
            if b.count > start { split(String(decoding: UnsafeBufferPointer(rebasing: b[start...]), as: UTF8.self), into: &out) }
        }
        return out
    }

    /// The length of the whitespace character at `i`, or 0.
    @inline(__always) static func whitespaceLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let c = b[i]
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) ? 1 : 0 }
        switch c {
        case 0xC2: return i + 1 < b.count && (b[i + 1] == 0x85 || b[i + 1] == 0xA0) ? 2 : 0
        case 0xE1: return i + 2 < b.count && b[i + 1] == 0x9A && b[i + 2] == 0x80 ? 3 : 0                      // U+1680
        case 0xE2:
            guard i + 2 < b.count else { return 0 }
            if b[i + 1] == 0x80 && (b[i + 2] <= 0x8A || b[i + 2] == 0xA8 || b[i + 2] == 0xA9 || b[i + 2] == 0xAF) { return 3 }   // U+2000–200A, 2028, 2029, 202F
            return b[i + 1] == 0x81 && b[i + 2] == 0x9F ? 3 : 0                                                   // U+205F
        case 0xE3: return i + 2 < b.count && b[i + 1] == 0x80 && b[i + 2] == 0x80 ? 3 : 0                      // U+3000
        default: return 0
        }
    }

    /// Letters and marks only: no prefix, suffix or infix pattern of any exported language matches such a chunk (each
    /// needs punctuation, a symbol or a digit), so only the special cases can split it.
    @inline(__always) static func lettersOnly(_ s: String) -> Bool {
        var ascii = true
        for b in s.utf8 {
            if b >= 0x80 { ascii = false; break }
            if (b | 0x20) < 0x61 || (b | 0x20) > 0x7A { return false }
        }
        if ascii { return true }
        return s.unicodeScalars.allSatisfy { u in
            if u.isASCII { return (u.value | 0x20) >= 0x61 && (u.value | 0x20) <= 0x7A }
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark, .spacingMark: return true
            default: return false
            }
        }
    }

    /// Whether `token_match` matches at the start of `s` (Python's `re.match`). Every alternative of French's needs a
    /// hyphen or an apostrophe, and starts with a letter (its ASCII characters are only A–Z and a–z), so other French
    /// chunks (`--option`, `(voir`, `2-3`) are not run through it.
    private func matchesWhole(_ s: NSString) -> Bool {
        guard let tokenMatch else { return false }
        if language == "fr" {
            let first = s.length > 0 ? s.character(at: 0) : 0
            if first < 0x80 && !((first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A)) { return false }
            if !(s as String).unicodeScalars.contains(where: { Self.joiners.contains($0) }) { return false }
        }
        return match(tokenMatch, s, anchored: true) != nil
    }
    private static let joiners: Set<Unicode.Scalar> = Set("-–—‐‑'’".unicodeScalars)

    /// The first match of `re` in `s`; `anchored`: only one starting at 0 (Python's `re.match`), which ICU finds
    /// without trying every other position.
    private func match(_ re: NSRegularExpression, _ s: NSString, anchored: Bool = false) -> NSRange? {
        let r = re.rangeOfFirstMatch(in: s as String, options: anchored ? [.anchored] : [], range: NSRange(location: 0, length: s.length))
        return r.location == NSNotFound ? nil : r
    }

    /// One whitespace-free chunk.
    func split(_ chunk: String, into out: inout [String]) {
        if let special = rules[Exact(chunk)] { out += special ?? [chunk]; return }
        if Self.lettersOnly(chunk) { out.append(chunk); return }
        let scalars = chunk.unicodeScalars
        if plainNumbers && scalars.allSatisfy({ $0.value >= 0x30 && $0.value <= 0x39 }) { out.append(chunk); return }
        if let last = scalars.last, plainSuffixes.contains(last), scalars.count >= 2 {
            var word = scalars
            word.removeLast()
            let w = String(word)
            // A period is cut after a lower-case letter (spaCy's suffix rule); other letters go the long way.
            let beforePeriod = word.last.map { $0.value >= 0x61 && $0.value <= 0x7A } ?? false
            if (last != "." || beforePeriod) && Self.lettersOnly(w) {
                if let special = rules[Exact(w)] { out += special ?? [w] } else { out.append(w) }
                out.append(String(last))
                return
            }
        }
        // Chunks that need the patterns repeat (numbers with punctuation, words in brackets): their words are kept,
        // as spaCy keeps them, up to `cacheLimit` chunks.
        cacheLock.lock()
        let cached = cache[Exact(chunk)]
        cacheLock.unlock()
        if let cached { out += cached; return }
        var tokens: [String] = []
        splitWithRules(chunk, into: &tokens)
        if tokens.count > 1 && !affixSpecials.isEmpty { tokens = rejoinSpecials(tokens) }
        out += tokens
        cacheLock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[Exact(chunk)] = tokens
        cacheLock.unlock()
    }
    private let cacheLock = NSLock()
    private var cache: [Exact: [String]] = [:]
    static let cacheLimit = 200_000

    /// Runs of pieces that spell a special case become it: every match is found, then the longest (and of equal
    /// length the later) are kept first where they do not touch a kept one — spaCy's `_filter_special_spans`.
    func rejoinSpecials(_ tokens: [String]) -> [String] {
        var matches: [(start: Int, end: Int, key: String)] = []
        for i in tokens.indices {
            for (pieces, key) in affixSpecials[Exact(tokens[i])] ?? [] where i + pieces.count <= tokens.count
                && zip(tokens[i..<(i + pieces.count)], pieces).allSatisfy({ $0.utf8.elementsEqual($1.utf8) }) {
                matches.append((i, i + pieces.count, key))
            }
        }
        guard !matches.isEmpty else { return tokens }
        matches.sort { ($0.end - $0.start, $0.start) < ($1.end - $1.start, $1.start) }
        var seen = Set<Int>(), kept: [Int: (end: Int, key: String)] = [:]
        for m in matches.reversed() {
            if !seen.contains(m.start) && !seen.contains(m.end - 1) { kept[m.start] = (m.end, m.key) }
            for t in m.start..<m.end { seen.insert(t) }
        }
        var out: [String] = [], i = 0
        while i < tokens.count {
            if let (end, key) = kept[i] {
                if let special = rules[Exact(key)] { out += special ?? [key] } else { out += tokens[i..<end] }
                i = end
            } else {
                out.append(tokens[i]); i += 1
            }
        }
        return out
    }

    /// One chunk through the prefix, suffix, special-case and infix rules (`specials: false`: without the special
    /// cases, as spaCy splits a special case to learn what its pieces are).
    func splitWithRules(_ chunk: String, into out: inout [String], specials: Bool = true) {
        let rules = specials ? self.rules : [:]
        if let special = rules[Exact(chunk)] { out += special ?? [chunk]; return }
        var string = chunk as NSString
        var prefixes: [String] = [], suffixes: [String] = []
        var lastSize = -1
        while string.length > 0 && string.length != lastSize {
            if matchesWhole(string) { break }
            if rules[Exact(string as String)] != nil { break }
            lastSize = string.length
            let pre = match(prefix, string, anchored: true)?.length ?? 0
            var minusPre: NSString = string
            if pre > 0 {
                minusPre = string.substring(from: pre) as NSString
                if minusPre.length > 0 && rules[Exact(minusPre as String)] != nil {
                    prefixes.append(string.substring(to: pre)); string = minusPre
                    break
                }
            }
            let rest = string.substring(from: pre) as NSString
            let suf = match(suffix, rest).map { $0.location + $0.length == rest.length ? $0.length : 0 } ?? 0
            var minusSuf: NSString = string
            if suf > 0 {
                minusSuf = string.substring(to: string.length - suf) as NSString
                if minusSuf.length > 0 && rules[Exact(minusSuf as String)] != nil {
                    suffixes.append(string.substring(from: string.length - suf)); string = minusSuf
                    break
                }
            }
            if pre > 0 && suf > 0 && pre + suf <= string.length {
                prefixes.append(string.substring(to: pre)); suffixes.append(string.substring(from: string.length - suf))
                string = string.substring(with: NSRange(location: pre, length: string.length - pre - suf)) as NSString
            } else if pre > 0 {
                prefixes.append(string.substring(to: pre)); string = minusPre
            } else if suf > 0 {
                suffixes.append(string.substring(from: string.length - suf)); string = minusSuf
            }
        }
        out += prefixes
        if string.length > 0 {
            let s = string as String
            if let special = rules[Exact(s)] {
                out += special ?? [s]
            } else if matchesWhole(string) {
                out.append(s)
            } else if let url, let m = match(url, string, anchored: true), m.location == 0 {
                out.append(s)
            } else {
                let matches = infix.matches(in: s, options: [], range: NSRange(location: 0, length: string.length))
                var start = 0
                for m in matches {
                    let a = m.range.location, b = m.range.location + m.range.length
                    if a == 0 { continue }                                     // an infix at the very start is no split
                    if a != start { out.append(string.substring(with: NSRange(location: start, length: a - start))) }
                    if a != b { out.append(string.substring(with: m.range)) }
                    start = b
                }
                if start < string.length { out.append(string.substring(from: start)) }
            }
        }
        out += suffixes.reversed()
    }
}

/// A string compared code point by code point, as Python compares `str` (spaCy's special cases and cache), not by
/// Swift's canonical equivalence: `delà` written with a combining accent is not the special case `delà`.
struct Exact: Hashable {
    let s: String
    init(_ s: String) { self.s = s }
    static func == (a: Exact, b: Exact) -> Bool { a.s.utf8.elementsEqual(b.s.utf8) }
    func hash(into h: inout Hasher) { for b in s.utf8 { h.combine(b) } }
}
