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

    /// Blocks of scripts without letter case, which count as both lower- and upper-case (spaCy's "uncased"
    /// alphabet: Ethiopic, Bengali, Hebrew, Arabic/Persian, Sinhala, Devanagari, Kannada, Tamil, Telugu,
    /// Hangul, kana and CJK, including each block's marks, digits and punctuation).
    static let uncased: [ClosedRange<UInt32>] = [
        0x0591...0x05F4, 0x0620...0x064A, 0x066E...0x06D5, 0x06E5...0x06FF, 0x0750...0x077F, 0x08A0...0x08BD,
        0x0900...0x097F, 0x0980...0x09FF, 0x0B80...0x0BFF, 0x0C00...0x0C7F, 0x0C80...0x0CFF, 0x0D80...0x0DFF,
        0x1100...0x11FF, 0x1200...0x137F, 0x2E80...0x2FFF, 0x3000...0x303F, 0x3040...0x30FF, 0x31C0...0x31EF,
        0x3200...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0xFB1D...0xFB4F,
        0xFB50...0xFBB1, 0xFBD3...0xFD3D, 0xFD50...0xFDC7, 0xFDF0...0xFDFB, 0xFE30...0xFE4F, 0xFE70...0xFEFC,
        0x1EE00...0x1EEBB, 0x1F200...0x1F2FF, 0x20000...0x2EBEF, 0x2F800...0x2FA1F,
    ]

    static func isUncased(_ v: UInt32) -> Bool {
        guard v >= 0x0591 else { return false }
        return uncased.contains { $0.contains(v) }
    }

    /// A letter for the infix rules: any letter or mark, or anything in an uncased script's block.
    static func isLetter(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return (u.value | 0x20) >= 0x61 && (u.value | 0x20) <= 0x7A }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return isUncased(u.value)
        }
    }

    /// A lower-case letter, or an uncased script's character.
    static func isLowerish(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value >= 0x61 && u.value <= 0x7A }
        return u.properties.generalCategory == .lowercaseLetter || isUncased(u.value)
    }

    /// An upper- or title-case letter, or an uncased script's character.
    static func isUpperish(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value >= 0x41 && u.value <= 0x5A }
        let c = u.properties.generalCategory
        return c == .uppercaseLetter || c == .titlecaseLetter || isUncased(u.value)
    }

    /// Symbols such as dingbats and emoji (Unicode category So).
    @inline(__always) static func isIcon(_ u: Unicode.Scalar) -> Bool {
        u.value >= 0xA6 && u.properties.generalCategory == .otherSymbol
    }
}

/// Whole chunks with a fixed split (English contractions, times) or kept whole (abbreviations).
enum Specials {
    static let table: [String: [String]] = build()

    /// Special cases that the prefix, suffix and infix rules would cut apart (`Rep.`, `):`, `[:`): after a chunk
    /// is split, adjacent pieces that spell one of them are joined again, as spaCy's special-case matcher does.
    static let rejoinable: [String: [String]] = table.filter { key, pieces in
        WordTokenizer.english.affixSplit(Array(key.unicodeScalars)) != pieces
    }
    static let longestRejoinable = rejoinable.keys.map { $0.unicodeScalars.count }.max() ?? 0

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

    private static func build() -> [String: [String]] {
        var t: [String: [String]] = [:]
        func both(_ pieces: [String]) {
            t[pieces.joined()] = pieces
            var title = pieces
            title[0] = title[0].prefix(1).uppercased() + title[0].dropFirst()
            t[title.joined()] = title
        }
        // Negations: do + n't (and can't → ca n't, won't → wo n't), also + 've, with ’, and without apostrophes.
        for verb in ["ai", "are", "ca", "could", "dare", "did", "does", "do", "had", "has", "have", "is", "may", "might", "must",
                     "need", "ought", "sha", "should", "was", "were", "wo", "would"] {
            for a in ["'", "’"] {
                both([verb, "n\(a)t"]); both([verb, "n\(a)t", "\(a)ve"])
            }
            both([verb, "nt"]); both([verb, "nt", "ve"])
        }
        for modal in ["could", "might", "must", "should", "would"] {
            both([modal, "'ve"]); both([modal, "’ve"]); both([modal, "ve"])
        }
        // Pronoun and wh-word contractions. Apostrophe-less forms that are English words themselves
        // (ill, well, hell, shell, its, were, whore, …) are left out of `plain`.
        let d = ["d"], dve = ["d", "ve"], ll = ["ll"], llve = ["ll", "ve"], re = ["re"], ss = ["s"], ve = ["ve"]
        let contractions: [(word: String, plain: [[String]], apostrophe: [[String]])] = [
            ("i", [["m"], ["m", "a"], d, dve, ve, llve], [["m"], ["m", "a"], d, dve, ve, ll, llve]),
            ("you", [d, dve, ll, llve, re, ve], [d, dve, ll, llve, re, ve]),
            ("he", [d, dve, ss, llve], [d, dve, ll, llve]),
            ("she", [ss, dve, llve], [d, dve, ll, llve]),
            ("it", [d, dve, ll, llve], [d, dve, ll, llve]),
            ("we", [d, dve, ve, llve], [d, dve, ll, llve, re, ve]),
            ("they", [d, dve, ll, llve, re, ve], [d, dve, ll, llve, re, ve]),
            ("that", [d, dve, ll, llve, ss], [d, dve, ll, llve, re, ve]),
            ("there", [d, dve, ll, llve, re, ss, ve], [d, dve, ll, llve, re, ve]),
            ("these", [d, dve, ll, llve, re, ve], [d, dve, ll, llve, re, ve]),
            ("this", [d, dve, ll, llve, ss], [d, dve, ll, llve, re, ve]),
            ("those", [d, dve, ll, llve, re, ve], [d, dve, ll, llve, re, ve]),
            ("what", [d, dve, ll, llve, re, ss, ve], [d, dve, ll, llve, re, ve]),
            ("when", [d, dve, ll, llve, re, ss, ve], [d, dve, ll, llve, re, ve]),
            ("where", [d, dve, ll, llve, re, ss, ve], [d, dve, ll, llve, re, ve]),
            ("who", [d, dve, ll, llve, ss, ve], [d, dve, ll, llve, re, ve]),
            ("why", [d, dve, ll, llve, re, ss, ve], [d, dve, ll, llve, re, ve]),
            ("how", [d, dve, ll, llve, re, ss, ve], [d, dve, ll, llve, re, ve]),
        ]
        for (word, plain, apostrophe) in contractions {
            let bases = word == "i" ? ["i", "I"] : [word, word.prefix(1).uppercased() + word.dropFirst()]
            for b in bases {
                for p in plain { t[b + p.joined()] = [b] + p }
                for p in apostrophe {
                    for a in ["'", "’"] {
                        // "I'ma": the article after the contraction has no apostrophe.
                        let pieces = p.enumerated().map { i, x in (x == "a" && i > 0) ? x : a + x }
                        t[b + pieces.joined()] = [b] + pieces
                    }
                }
            }
        }
        both(["y", "all"])
        // Words that begin with an apostrophe, and apostrophes on their own.
        for w in ["'cause", "'cos", "'coz", "'cuz", "'bout", "'em", "'nuff"] {
            for a in ["'", "’"] {
                let word = w.replacingOccurrences(of: "'", with: a)
                t[word] = [word]
                let title = a + word.dropFirst().prefix(1).uppercased() + word.dropFirst(2)
                if w != "'bout" && w != "'em" && w != "'nuff" { t[title] = [title] }
            }
        }
        // Dropped-g forms kept whole.
        for w in ["doin", "goin", "havin", "lovin", "nothin", "nuthin", "somethin"] {
            for a in ["'", "’"] { both([w + a]) }
        }
        both(["ol'"])
        for w in ["'", "''", "’", "’’", "'s", "'S", "’s", "’S", "'d", "’d", "'ll", "’ll", "'re", "’re"] { t[w] = [w] }
        // Emoticons stay whole.
        let emoticons = """
        (*_*) (-8 (-: (-; (-_-) (._.) (: (; (= (>_<) (^_^) (¬_¬) )-: ): -_- -__- ._. 0.0 0_0 8) 8-) :'( :') :'-( :'-)         :( :(( :((( :() :) :)) :))) :* :-( :-(( :-((( :-) :-)) :-))) :-* :-/ :-0 :-3 :-> :-] :-| :-} :/ :0 :1 :3 :> :]         :| :} :’( :’) :’-( :’-) ;) ;-) ;_; <.< </3 <3 <33 <333 =( =) =/ =3 =[ =] =| >.< >.> >:( @_@ [-: [: [= ]= ^_^ ^__^ ^___^         :D :-D :P :-P :p :-p :O :-O :o :-o :X :-X :x :-x ;D ;-D =D 8D 8-D xD XD >:o :o) (o: 0.o 0_o o.O O.o o.o o_O O_o o_o
        """
        for e in emoticons.split(whereSeparator: { $0 == " " || $0 == "\n" }) { t[String(e)] = [String(e)] }
        both(["can", "not"]); both(["gon", "na"]); both(["got", "ta"]); both(["y'", "all"])
        // Times: 5pm → 5 pm, 11a.m. → 11 a.m.
        for h in 1...12 { for m in ["am", "pm", "a.m.", "p.m."] { t["\(h)\(m)"] = ["\(h)", m] } }
        // Abbreviations kept whole.
        let abbreviations = """
        Mr. Mrs. Ms. Dr. Prof. Rev. Gen. Gov. Sen. Rep. Adm. St. Mt. Jr. Messrs. Bros. Co. co. Corp. Inc. Ltd. Ph.D. \
        Jan. Feb. Mar. Apr. Jun. Jul. Aug. Sep. Sept. Oct. Nov. Dec. \
        Ak. Ala. Ariz. Ark. Calif. Colo. Conn. Del. Fla. Ga. Ia. Id. Ill. Ind. Kan. Kans. Ky. La. Mass. Md. Mich. Minn. Miss. \
        Mo. Mont. Neb. Nebr. Nev. Okla. Ore. Pa. Tenn. Va. Wash. Wis. D.C. N.C. N.D. N.H. N.J. N.M. N.Y. S.C. \
        e.g. E.g. E.G. i.e. I.e. I.E. vs. v.s. a.m. p.m. ä. ö. ü. and/or
        """
        for a in abbreviations.split(separator: " ") { t[String(a)] = [String(a)] }
        for c in "abcdefghijklmnopqrstuvwxyz" { t["\(c)."] = ["\(c)."] }
        return t
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
           a[0..<k].allSatisfy({ $0 == "+" || $0 == "." || $0 == "-" || $0 == "_" || Chars.isLetter($0) || $0.properties.numericType != nil }) {
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
