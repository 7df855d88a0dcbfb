/// Character classes of the English word tokenizer (from spaCy's documented punctuation classes).
enum Chars {
    static func set(_ s: String) -> Set<UInt32> { Set(s.unicodeScalars.map(\.value)) }

    /// Punctuation that is cut off as a prefix or suffix.
    static let punct = set("…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪")
    /// Quotes and brackets that are cut off as a prefix or suffix.
    static let quotes = set("'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧")
    /// Characters after which a final period is cut off (besides digits and lower-case letters).
    static let periodFollowers = punct.union(quotes).union(set("%²-+(?:)"))
    static let hyphens: [[Unicode.Scalar]] = ["-", "–", "—", "--", "---", "——", "~"].map { Array($0.unicodeScalars) }

    static let currencySymbols = set("$£€¥฿₽﷼₴").union(Set(0x20A0...0x20BF))
    static let currencyMulti: [[Unicode.Scalar]] = ["US$", "C$", "A$"].map { Array($0.unicodeScalars) }
    static let units = ("km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz m/s km/h kmh mph "
                        + "hPa Pa mbar mb MB kb KB gb GB tb TB T G M K % км км² км³ м м² м³ дм дм² дм³ см см² см³ мм мм² мм³ нм кг г мг м/с км/ч "
                        + "кПа Па мбар Кб КБ кб Мб МБ мб Гб ГБ гб Тб ТБ тб")
        .split(separator: " ").map { Array(String($0).unicodeScalars) }
    /// Suffixes cut off after a digit: units and currency symbols.
    static let unitsAndCurrency: [[Unicode.Scalar]] = units + currencyMulti + currencySymbols.compactMap { Unicode.Scalar($0).map { [$0] } }

    /// A currency prefix at the start of `s`: `US$`, `C$`, `A$` or one symbol.
    static func currencyPrefix(_ s: ArraySlice<Unicode.Scalar>) -> Int? {
        guard let first = s.first else { return nil }
        if currencySymbols.contains(first.value) { return 1 }
        for m in currencyMulti where s.count >= m.count && s.prefix(m.count).elementsEqual(m) { return m.count }
        return nil
    }

    @inline(__always) static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }

    /// Python `str.isspace()`.
    @inline(__always) static func isSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// spaCy's ALPHA (letters of the scripts spaCy lists, plus whole blocks of uncased scripts): what the infix
    /// rules call a letter. Letters of scripts spaCy does not list (Georgian, Armenian, most Cyrillic
    /// extensions, …) are not in it, exactly as in datatrove's English word splitting.
    static func isLetter(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return (u.value | 0x20) >= 0x61 && (u.value | 0x20) <= 0x7A }
        return SpacyTables.contains(SpacyTables.alpha, u.value)
    }

    /// spaCy's ALPHA_LOWER: a lower-case letter of a listed script, or an uncased script's character.
    static func isLowerish(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value >= 0x61 && u.value <= 0x7A }
        return SpacyTables.contains(SpacyTables.alphaLower, u.value)
    }

    /// spaCy's ALPHA_UPPER: an upper-case letter of a listed script, or an uncased script's character.
    static func isUpperish(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value >= 0x41 && u.value <= 0x5A }
        return SpacyTables.contains(SpacyTables.alphaUpper, u.value)
    }

    /// spaCy's ICONS: symbols such as dingbats and emoji (its list of category So code points).
    @inline(__always) static func isIcon(_ u: Unicode.Scalar) -> Bool {
        u.value >= 0xA6 && SpacyTables.contains(SpacyTables.icons, u.value)
    }
}

/// Whole chunks with a fixed split (English contractions, times) or kept whole (abbreviations, emoticons):
/// spaCy's English special cases, from `SpacyTables.specialCases`.
enum Specials {
    static let table: [String: [String]] = {
        var t: [String: [String]] = [:]
        for line in SpacyTables.specialCases.split(separator: "\n") {
            guard case .array(let pair)? = try? JSONParser.parse(String(line)), pair.count == 2,
                  let key = pair[0].stringValue, let pieces = pair[1].arrayValue?.compactMap(\.stringValue) else { continue }
            t[key] = pieces
        }
        return t
    }()

    /// Special cases that contain a prefix, suffix or infix (`Rep.`, `):`, `d.`): spaCy's special-case matcher
    /// finds them again in a chunk's tokens, as the token sequence the affix rules alone would give
    /// (`d.` → `d` `.`), and replaces each match by the special case's tokens. Keyed by the first token.
    static let rejoinable: [String: [(pattern: [String], tokens: [String])]] = {
        var byFirst: [String: [(pattern: [String], tokens: [String])]] = [:]
        for (key, pieces) in table {
            let pattern = WordTokenizer.english.affixSplit(Array(key.unicodeScalars))
            guard pattern != [key], let first = pattern.first else { continue }
            byFirst[first, default: []].append((pattern, pieces))
        }
        return byFirst
    }()

    /// The table keyed by a hash of the scalars, so a lookup builds no String (and hashes code points, not
    /// canonically equivalent characters, as Python compares them).
    static let longestKey = table.keys.map { $0.unicodeScalars.count }.max() ?? 0

    @inline(__always) static func hash(_ s: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for u in s { h = (h ^ UInt64(u.value)) &* 0x100000001b3 }
        return h
    }

    /// Open-addressing slots over `entries`, indexed by our own hash (no SipHash on the hot path).
    static let entries: [(key: [Unicode.Scalar], hash: UInt64, tokens: [String])] = table.map { k, v in
        let key = Array(k.unicodeScalars); return (key, hash(key[...]), v)
    }
    static let slotMask = 16383
    static let slots: [Int32] = {
        var s = [Int32](repeating: -1, count: slotMask + 1)
        for (i, e) in entries.enumerated() {
            var j = Int(truncatingIfNeeded: e.hash) & slotMask
            while s[j] >= 0 { j = (j + 1) & slotMask }
            s[j] = Int32(i)
        }
        return s
    }()

    /// `tokens(for:)` for a chunk of ASCII bytes (whose byte values are its scalars).
    static func tokens(forASCII s: UnsafeBufferPointer<UInt8>) -> [String]? {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        var j = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let i = slots[j]
            if i < 0 { return nil }
            let e = entries[Int(i)]
            if e.hash == h && e.key.count == s.count && zip(e.key, s).allSatisfy({ $0.value == UInt32($1) }) { return e.tokens }
            j = (j + 1) & slotMask
        }
    }

    static func tokens(for s: ArraySlice<Unicode.Scalar>) -> [String]? {
        guard s.count <= longestKey else { return nil }
        let h = hash(s)
        var j = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let i = slots[j]
            if i < 0 { return nil }
            let e = entries[Int(i)]
            if e.hash == h && e.key.elementsEqual(s) { return e.tokens }
            j = (j + 1) & slotMask
        }
    }
}

/// Chunks that look like a URL or an e-mail address stay whole: spaCy's `URL_PATTERN`, matched the way
/// Python's `re` would (with backtracking over the optional scheme and user info): `[scheme://][user@]`, then
/// a public IPv4 address or dot-separated host labels ending in a top-level domain of 2–63 lower-case (or
/// uncased-script) letters, then an optional `:port` and an optional path starting with `/`, `?` or `#`.
enum URLShape {
    static func matches(_ s: ArraySlice<Unicode.Scalar>) -> Bool {
        // Cheap exit: both the host and the IP form need a ".".
        guard s.contains(where: { $0.value == 0x2E }) else { return false }
        let a = Array(s)
        let n = a.count
        var starts = [0]
        // scheme: two or more of [\w+.-] before "://".
        if let k = (0..<max(0, n - 2)).first(where: { a[$0] == ":" && a[$0 + 1] == "/" && a[$0 + 2] == "/" }), k >= 2,
           a[0..<k].allSatisfy({ $0 == "+" || $0 == "." || $0 == "-" || $0 == "_" || $0.isAlphanumeric }) {
            starts.append(k + 3)
        }
        // user info: one or more non-space characters, then "@" (any "@" of the chunk, as backtracking would try).
        for p in 1..<max(1, n) where a[p] == "@" { starts.append(p + 1) }
        return starts.contains { hostAndRest(a[$0...]) }
    }

    /// `[A-Za-z0-9\u00a1-\uffff]`: the characters a host label starts and ends with.
    @inline(__always) private static func isLabelChar(_ u: Unicode.Scalar) -> Bool {
        u.isASCIIAlnum || (u.value >= 0xA1 && u.value <= 0xFFFF)
    }

    private static func hostAndRest(_ a: ArraySlice<Unicode.Scalar>) -> Bool {
        let end = a.firstIndex { $0 == ":" || $0 == "/" || $0 == "?" || $0 == "#" } ?? a.endIndex
        // ":port" (2–5 digits), then nothing or a path.
        var rest = a[end...]
        if rest.first == ":" {
            let digits = rest.dropFirst().prefix { Chars.isDigit($0.value) }
            guard (2...5).contains(digits.count) else { return false }
            rest = rest.dropFirst(1 + digits.count)
            if let c = rest.first, c != "/", c != "?", c != "#" { return false }
        }
        let host = a[a.startIndex..<end]
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        if isPublicIPv4(labels) { return true }
        let tld = labels.last!
        guard (2...63).contains(tld.count), tld.allSatisfy(Chars.isLowerish) else { return false }
        return labels.dropLast().allSatisfy { label in
            guard let f = label.first, let l = label.last, label.count <= 64, isLabelChar(f), isLabelChar(l) else { return false }
            return label.allSatisfy { isLabelChar($0) || $0 == "_" || $0 == "-" }
        }
    }

    /// spaCy's dotted IPv4 form: first octet 1–223, last 1–254, private and loopback networks excluded.
    private static func isPublicIPv4(_ labels: [ArraySlice<Unicode.Scalar>]) -> Bool {
        guard labels.count == 4 else { return false }
        let texts = labels.map { String(String.UnicodeScalarView($0)) }
        guard texts.allSatisfy({ (1...3).contains($0.count) && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) else { return false }
        let v = texts.map { Int($0)! }
        // [1-9]\d?|1\d\d|2[01]\d|22[0-3], then twice 1?\d{1,2}|2[0-4]\d|25[0-5], then [1-9]\d?|1\d\d|2[0-4]\d|25[0-4].
        func noLeadingZero(_ t: String) -> Bool { t.first != "0" }
        guard noLeadingZero(texts[0]), (1...223).contains(v[0]), noLeadingZero(texts[3]), (1...254).contains(v[3]) else { return false }
        for i in 1...2 where texts[i].count == 3 && (!noLeadingZero(texts[i]) || v[i] > 255) { return false }
        let first = texts[0], second = texts[1]
        if first == "10" || first == "127" { return false }
        if (first == "169" && second == "254") || (first == "192" && second == "168") { return false }
        if first == "172", let b = Int(second), (16...31).contains(b), second.count == 2 { return false }
        return true
    }
}
