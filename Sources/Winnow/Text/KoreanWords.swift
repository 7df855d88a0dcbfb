/// Korean words close to what datatrove's Korean word tokenizer (Kiwi 0.21, `model_type="sbg"`) finds, without Kiwi.
///
/// Kiwi is a morphological analyser: a dictionary of morphemes and a language model choose the analysis, and each
/// morpheme becomes a word spanning the syllables it touches (`보장했다` → `보장` `했` `했` `다`: 하 and 었 share 했).
/// FineWeb-2's Korean stop words are such morphemes (의 다 이 는 에 을 …), so Korean split on spaces keeps almost
/// none. This is an approximation written from Korean grammar, not a port: particles are cut off nouns under their
/// sound conditions (은/이/을/과/으로 after a final consonant, 는/가/를/와/로 after a vowel), predicate endings off
/// predicate stems (하 되 있 없 않 이 …), past and future markers after them, an ending fused into the stem's last
/// syllable (`한다` `합니다` `할`) or contracted with it (`했` `해야`) spans that syllable as Kiwi's does, 하/되/있/
/// 없/받/당하/시키 are cut off a noun of two or more syllables, and long Sino-Korean nouns are cut into two-syllable
/// parts (`육아휴직` → `육아` `휴직`). Punctuation, Latin, numbers, URLs, e-mail addresses, hash tags and list
/// numbers (`1.`, `(2)`) are split as Kiwi's pre-tokenizer splits them. What it cannot know without a dictionary
/// and a language model — which nouns are compounds, which syllables are verb stems — it leaves whole, so it finds
/// ~4% fewer words than Kiwi; bench/RESULTS.md "Many languages" gives its agreement with Kiwi's words and with
/// datatrove's decisions on real Korean text.
public enum KoreanWords {
    /// The words of `text`, as datatrove's `KiwiTokenizer.word_tokenize` returns them (spans of the text with
    /// runs of twenty or more digits and commas removed first, sliced from the original text as datatrove does).
    public static func words(_ text: String) -> [String] {
        let original = Array(text.unicodeScalars)
        // Where each scalar starts in the UTF-8, so words are made from bytes.
        let utf8 = Array(text.utf8)
        var offsets = [Int](repeating: 0, count: original.count + 1)
        var o = 0
        for (k, u) in original.enumerated() {
            offsets[k] = o
            o += u.value < 0x80 ? 1 : u.value < 0x800 ? 2 : u.value < 0x10000 ? 3 : 4
        }
        offsets[original.count] = o
        let s = hasLongNumber(original) ? withoutLongNumbers(original) : original
        var out: [String] = []
        out.reserveCapacity(original.count / 2)
        for (a, b) in spans(s) {
            // datatrove slices the original text with offsets into the cleaned one (Python slicing clamps), then
            // strips whitespace and drops empty strings.
            let lo = min(a, original.count), hi = min(b, original.count)
            var x = lo, y = hi
            while x < y, Chars.isSpace(original[x].value) { x += 1 }
            while y > x, Chars.isSpace(original[y - 1].value) { y -= 1 }
            if y > x { out.append(String(decoding: utf8[offsets[x]..<offsets[y]], as: UTF8.self)) }
        }
        return out
    }

    static func hasLongNumber(_ s: [Unicode.Scalar]) -> Bool {
        var run = 0
        for u in s {
            if (u.value >= 0x30 && u.value <= 0x39) || u.value == 0x2C { run += 1; if run >= 20 { return true } } else { run = 0 }
        }
        return false
    }

    /// datatrove's `preprocess`: every run of 20 or more ASCII digits and commas removed.
    static func withoutLongNumbers(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        func digitOrComma(_ u: Unicode.Scalar) -> Bool { (u.value >= 0x30 && u.value <= 0x39) || u.value == 0x2C }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            var j = i
            while j < s.count, digitOrComma(s[j]) { j += 1 }
            if j - i >= 20 { i = j; continue }
            if j > i { out += s[i..<j]; i = j } else { out.append(s[i]); i += 1 }
        }
        return out
    }

    static func string(_ s: ArraySlice<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }

    // MARK: - Pre-tokenizer

    private enum Class: Equatable { case hangul, digit, latin, han, otherLetter, terminal, separator, dash, bracket, ellipsis, symbol }

    private static func isWordChar(_ u: Unicode.Scalar) -> Bool { u.value == 0x5F || u.isAlphanumeric }
    private static func isDecimal(_ u: Unicode.Scalar) -> Bool { u.properties.generalCategory == .decimalNumber }
    private static func isASCIIDigit(_ u: Unicode.Scalar) -> Bool { u.value >= 0x30 && u.value <= 0x39 }

    private static func classify(_ u: Unicode.Scalar) -> Class {
        let v = u.value
        if v >= 0xAC00 && v <= 0xD7A3 { return .hangul }
        if v < 0x80 {
            if (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A { return .latin }
            if v >= 0x30 && v <= 0x39 { return .digit }
        } else if u.properties.numericType == .decimal || u.properties.numericType == .digit {
            return .digit
        }
        if u.isLetter {
            let name = u.properties.name ?? ""
            if name.hasPrefix("LATIN") { return .latin }
            if name.hasPrefix("CJK") || (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0xF900 && v <= 0xFAFF)
                || (v >= 0x20000 && v <= 0x323AF) { return .han }
            return .otherLetter
        }
        switch v {
        case 0x2E, 0x21, 0x3F: return .terminal
        case 0x2C, 0x2F, 0x3A, 0x3B, 0xB7: return .separator
        case 0x2D, 0x7E: return .dash
        case 0x28, 0x5B, 0x7B, 0x3C, 0x201C, 0x2018, 0x300C, 0x300E, 0x300A, 0x3008, 0x3010, 0x22, 0x27, 0x201A, 0x201E,
             0x29, 0x5D, 0x7D, 0x3E, 0x201D, 0x2019, 0x300D, 0x300F, 0x300B, 0x3009, 0x3011: return .bracket
        case 0x2026: return .ellipsis
        default: return .symbol
        }
    }

    /// The end of a URL (`http://`, `https://`, `ftp://` and everything up to whitespace), an e-mail address (ASCII),
    /// a `#tag` (any letters) or an `@mention` (ASCII) starting at `i`, or nil.
    private static func special(_ s: [Unicode.Scalar], _ i: Int) -> Int? {
        let n = s.count
        let c = s[i]
        func ascii(_ u: Unicode.Scalar) -> Bool { u.value < 0x80 && (u.isAlphanumeric || u == "_") }
        if c == "#" || c == "@" {
            var j = i + 1
            while j < n, c == "#" ? isWordChar(s[j]) : ascii(s[j]) { j += 1 }
            return j > i + 1 ? j : nil
        }
        guard c.value < 0x80, c.isAlphanumeric else { return nil }
        for p in schemes {
            if i + p.count <= n, Array(s[i..<(i + p.count)]) == p {
                var j = i + p.count
                while j < n, !Chars.isSpace(s[j].value) { j += 1 }
                if j > i + p.count { return j }
            }
        }
        // [A-Za-z0-9_.+-]+@[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+
        func local(_ u: Unicode.Scalar) -> Bool { ascii(u) || u == "." || u == "+" || u == "-" }
        func domain(_ u: Unicode.Scalar) -> Bool { ascii(u) || u == "-" }
        var j = i
        while j < n, local(s[j]) { j += 1 }
        guard j > i, j < n, s[j] == "@" else { return nil }
        j += 1
        let hostStart = j
        while j < n, domain(s[j]) { j += 1 }
        guard j > hostStart else { return nil }
        var end: Int? = nil
        while j + 1 < n, s[j] == ".", domain(s[j + 1]) {
            j += 1
            while j < n, domain(s[j]) { j += 1 }
            end = j
        }
        return end
    }

    private static let schemes = ["https://", "http://", "ftp://"].map { Array($0.unicodeScalars) }

    /// The end of a number starting at `i` (an ASCII digit): `1.2.3` `12:30` serials, `1,000.5` numbers, and a
    /// list number's `.` or `)` before whitespace.
    private static func number(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        let n = s.count
        func digits(_ k: Int) -> Int { var j = k; while j < n, isDecimal(s[j]) { j += 1 }; return j }
        func groups(_ k: Int, _ seps: Set<Unicode.Scalar>) -> (end: Int, count: Int) {
            var j = k, count = 0
            while j + 1 < n, seps.contains(s[j]), isDecimal(s[j + 1]) { j = digits(j + 1); count += 1 }
            return (j, count)
        }
        let first = digits(i)
        var end: Int
        let serial = groups(first, [".", ":"])
        if serial.count >= 2 {
            end = serial.end
            if end < n, s[end] == "." { end += 1 }
        } else if first + 1 < n, s[first] == ":", isDecimal(s[first + 1]) {
            end = digits(first + 1)
        } else {
            end = groups(first, [".", ","]).end
        }
        if end < n, s[end] == "." || s[end] == ")", end + 1 == n || Chars.isSpace(s[end + 1].value),
           s[end] == "." || i == 0 || Chars.isSpace(s[i - 1].value) {
            end += 1
        }
        return end
    }

    /// Word spans (scalar offsets) of `s`.
    static func spans(_ s: [Unicode.Scalar]) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        let n = s.count
        var i = 0
        while i < n {
            let u = s[i]
            if Chars.isSpace(u.value) { i += 1; continue }
            if let j = special(s, i) { out.append((i, j)); i = j; continue }
            if isASCIIDigit(u) { let j = number(s, i); out.append((i, j)); i = j; continue }
            if u == "(", i + 2 < n, isDecimal(s[i + 1]) {
                var j = i + 1
                while j < n, isDecimal(s[j]) { j += 1 }
                if j < n, s[j] == ")" { out.append((i, j + 1)); i = j + 1; continue }
            }
            let c = classify(u)
            var j = i + 1
            if c != .bracket && c != .digit {
                while j < n, !Chars.isSpace(s[j].value), classify(s[j]) == c { j += 1 }
            }
            if c == .hangul {
                var dependent = false
                let lastCoda = coda(s[j - 1])
                if lastCoda == nieun || lastCoda == rieul, i == 0 || Chars.isSpace(s[i - 1].value), j < n, Chars.isSpace(s[j].value) {
                    var k = j
                    while k < n, Chars.isSpace(s[k].value) { k += 1 }
                    var e = k
                    while e < n, classify(s[e]) == .hangul { e += 1 }
                    if e > k, let first = split(Array(s[k..<e]), beforeDependentNoun: false).first, first.1 <= 2 {
                        dependent = dependentNouns.contains(string(s[k..<(k + first.1)]))
                    }
                }
                for (a, b) in split(Array(s[i..<j]), beforeDependentNoun: dependent) { out.append((i + a, i + b)) }
            } else {
                out.append((i, j))
            }
            i = j
        }
        return out
    }

    // MARK: - One run of Hangul syllables

    private typealias Syllables = [Unicode.Scalar]
    private static func set(_ words: String) -> Set<String> { Set(words.split(separator: " ").map(String.init)) }
    private static func syllables(_ words: String) -> Set<Unicode.Scalar> { Set(words.unicodeScalars.filter { $0 != " " }) }
    /// A particle and the sound it must follow.
    private enum After { case any, consonant, vowel, vowelOrL, consonantNotL, twoSyllables }
    private static let particles: [(Syllables, After)] = {
        let list: [(String, After)] = [
            ("에서", .any), ("에게", .any), ("으로", .consonantNotL), ("로", .vowelOrL), ("까지", .any), ("부터", .any), ("처럼", .any),
            ("보다", .any), ("마다", .any), ("조차", .any), ("밖에", .any), ("한테", .any), ("께서", .any), ("에", .any), ("의", .any),
            ("도", .any), ("만", .any), ("은", .consonant), ("는", .vowel), ("을", .consonant), ("를", .vowel), ("이", .consonant),
            ("가", .vowel), ("과", .consonant), ("와", .vowel), ("이나", .consonant), ("이며", .consonant), ("없이", .twoSyllables),
            ("로서", .vowelOrL), ("으로서", .consonantNotL), ("로써", .vowelOrL), ("으로써", .consonantNotL), ("라도", .vowel),
            ("이라도", .consonant), ("들", .twoSyllables)]
        // Longest first; among equals, in this order.
        return list.enumerated().map { (Array($0.element.0.unicodeScalars), $0.element.1, $0.offset) }
            .sorted { $0.0.count != $1.0.count ? $0.0.count > $1.0.count : $0.2 < $1.2 }.map { ($0.0, $0.1) }
    }()
    /// Endings that do not end nouns, cut off whatever precedes them (first match in this order).
    private static let strongEndings: [Syllables] = ["습니다", "습니까", "십시오", "으므로", "는다", "니다", "니까", "어야", "아야", "여야",
        "어서", "아서", "여서", "으며", "으면", "으나", "으니", "도록", "거나", "지만", "는데", "은데", "면서", "므로", "세요", "시오", "다면",
        "라면", "는지"].map { Array($0.unicodeScalars) }
    private static let honorificImperative: Syllables = Array("십시오".unicodeScalars)
    private static let nida: Syllables = Array("니다".unicodeScalars), nikka: Syllables = Array("니까".unicodeScalars)
    /// One-syllable endings, cut off only after a predicate stem.
    private static let weakEndings = syllables("음 야 다 고 며 면 지 게 기 는 은 을 어 아 여 나 서 요")
    private static let notAfterCopula = syllables("지 기 게 음 야"), onlyAfterContraction = syllables("야 서")
    private static let predicateStems = syllables("하 되 있 없 않 이 같 받 주 보 찾 알 많 시 겠 었 았 였 렇 떻")
    /// Syllables where a stem and an ending contracted (했 = 하 + 었), with the stem's syllable.
    private static let contracted: [Unicode.Scalar: Unicode.Scalar] = ["해": "하", "했": "하", "됐": "되", "돼": "되", "였": "이", "갔": "가",
        "왔": "오", "봤": "보", "줬": "주", "셨": "시", "졌": "지", "켰": "키", "쳤": "치", "렸": "리", "꿨": "꾸", "췄": "추", "웠": "우"]
    private static let tenseMarkers = syllables("었 았 였 겠 시")
    /// Cut off a noun of two or more syllables before them (`보장하` → `보장` `하`), first match in this order.
    private static let derivations: [Syllables] = ["당하", "시키", "하", "되", "있", "없", "받"].map { Array($0.unicodeScalars) }
    /// Verbs ending in 하 that are one word.
    private static let verbsInHa = set("아니하 못하 위하 대하 관하 의하 통하 향하 비롯하 말하")
    /// Adverbs and conjunctions, one word each (none longer than four syllables).
    private static let whole = set("또는 다만 또한 그리고 그러나 따라서 하지만 그런데 그러므로 및 즉 특히 이미 아직 모두 다시 함께 같이 매우 가장 더욱 없이 아니면 만약 비록 오직")
    private static let wholeOrFixedFirst = Set((whole.map { $0 } + fixed.keys.map { $0 }).compactMap { $0.unicodeScalars.first })
    /// Nouns ending in 의 that is not the particle (two syllables each).
    private static let nounsInUi = set("회의 정의 동의 합의 주의 토의 협의 건의 논의 심의 결의 의의 강의 모의 자의 임의 유의")
    /// Nouns that follow a verb's adnominal form (`열 수`, `알 때`; one or two syllables).
    static let dependentNouns = set("수 것 때 줄 데 뿐 바 만큼 동안 경우 후 전 적 리 듯 지")
    /// Syllables frequent in loanwords and rare in Sino-Korean: a noun with one is not cut into two-syllable parts.
    private static let loanSyllables = syllables("스 트 크 프 드 즈 츠 브 르 쓰 티 디 피 케 테 페 레 렉 텍 넷 웨 워 터 퍼 버 커 러 머 니 키 토 포 코 루 쿠 투 푸 뷰 슈 츄 퓨 큐 튜 류 뉴 듀 링 밍 닝 킹 팅 핑 딩 빙 싱 징 칭 캐 패 래 애 맥 팩 랙 백 택 넥 벡 섹 젝 메 네 베 셰 셋 켓 팅 톱 탑 웹 앱 랩 맵 팝 폰 콘 톤 쇼 툴 볼 롤 몰 폴 콜 톨 홀 봇 롯 콧 팟 캣 잉 셸 셀 켈 펠 델 벨 넬 멜 헬 엘")
    private static let fixed: [String: [(Int, Int)]] = ["아닌": [(0, 2), (1, 2)], "아닐": [(0, 2), (1, 2)], "따라": [(0, 2), (1, 2)],
                                                        "할": [(0, 1), (0, 1)], "될": [(0, 1), (0, 1)]]

    /// Final consonant (jongseong index, 0 for none) of a Hangul syllable.
    private static func coda(_ u: Unicode.Scalar) -> Int { u.value >= 0xAC00 && u.value <= 0xD7A3 ? Int(u.value - 0xAC00) % 28 : -1 }
    private static func withoutCoda(_ u: Unicode.Scalar) -> Unicode.Scalar { Unicode.Scalar(u.value - UInt32(max(0, coda(u))))! }
    private static let nieun = 4, rieul = 8, mieum = 16, bieup = 17

    /// Spans of the words of one run of Hangul syllables `w`; `beforeDependentNoun`: the run is a whole word
    /// followed by a dependent noun, so a final ㄴ/ㄹ is read as an adnominal ending.
    static func split(_ w: [Unicode.Scalar], beforeDependentNoun: Bool) -> [(Int, Int)] {
        let n = w.count
        func text(_ a: Int, _ b: Int) -> String { string(w[a..<b]) }
        if n <= 4, wholeOrFixedFirst.contains(w[0]) {
            let all = text(0, n)
            if whole.contains(all) { return [(0, n)] }
            if let f = fixed[all] { return f }
        }
        func ends(_ end: Int, with p: Syllables) -> Bool {
            guard end - p.count >= 1 else { return false }
            for k in 0..<p.count where w[end - p.count + k] != p[k] { return false }
            return true
        }
        var end = n
        var tail: [(Int, Int)] = []          // right to left
        var lastIsEnding = false
        // Particles, up to three (학교에서는 → 학교 에서 는).
        for _ in 0..<3 {
            var hit = false
            for (f, after) in particles where ends(end, with: f) {
                let stem = end - f.count
                let c = coda(w[stem - 1])
                let ok: Bool
                switch after {
                case .any: ok = true
                case .consonant: ok = c > 0
                case .vowel: ok = c == 0
                case .vowelOrL: ok = c == 0 || c == rieul
                case .consonantNotL: ok = c > 0 && c != rieul
                case .twoSyllables: ok = stem >= 2
                }
                guard ok, end > 4 || !wholeOrFixedFirst.contains(w[0]) || !whole.contains(text(0, end)) else { continue }
                if f.count == 1, f[0] == "의", (end == 2 && nounsInUi.contains(text(0, end))) || (end >= 3 && w[end - 2] == "주") { continue }
                tail.append((stem, end)); end = stem; hit = true; lastIsEnding = false
                break
            }
            if !hit { break }
        }
        if end >= 3, w[end - 1] == "적" { tail.append((end - 1, end)); end -= 1; lastIsEnding = false }
        // A predicate ending, then past/future/honorific markers.
        if let f = strongEndings.first(where: { ends(end, with: $0) }) {
            tail.append((end - f.count, end))
            if f == honorificImperative { tail.append((end - f.count, end - f.count + 1)) }
            end -= f.count; lastIsEnding = true
        } else if end >= 2 {
            let f = w[end - 1], prev = w[end - 2]
            if weakEndings.contains(f), !(prev == "이" && notAfterCopula.contains(f)), !(onlyAfterContraction.contains(f) && contracted[prev] == nil),
               predicateStems.contains(prev) || contracted[prev] != nil || (f == "다" && coda(prev) == nieun) {
                tail.append((end - 1, end)); end -= 1; lastIsEnding = true
            }
        }
        while lastIsEnding, end >= 2, tenseMarkers.contains(w[end - 1]), predicateStems.contains(w[end - 2]) || contracted[w[end - 2]] != nil {
            tail.append((end - 1, end)); end -= 1
        }

        func nounParts(_ a: Int, _ b: Int) -> [(Int, Int)] {
            let l = b - a
            guard l >= 4, l <= 8, !w[a..<b].contains(where: { loanSyllables.contains($0) }) else { return [(a, b)] }
            let cuts = [4: [2], 5: [2], 6: [2, 4], 7: [2, 4], 8: [2, 4, 6]][l]!
            let points = [a] + cuts.map { a + $0 } + [b]
            return (0..<(points.count - 1)).map { (points[$0], points[$0 + 1]) }
        }
        func stem(_ stemEnd: Int, fused: Bool) -> [(Int, Int)] {
            var base = Array(w[0..<stemEnd])
            if fused, let last = base.last {
                base[base.count - 1] = contracted[last] ?? withoutCoda(last)
            }
            for d in derivations where base.count - d.count >= 2 && Array(base.suffix(d.count)) == d {
                if d == derivations[2], base.count <= 4, verbsInHa.contains(string(base[...])) { continue }
                let cut = stemEnd - d.count
                return nounParts(0, cut) + [(cut, stemEnd)]
            }
            // A noun and the copula 이 fused with its ending (것입니다 → 것 입 입니다).
            if fused, base.last == "이", base.count >= 2 { return nounParts(0, stemEnd - 1) + [(stemEnd - 1, stemEnd)] }
            return fused ? [(0, stemEnd)] : nounParts(0, stemEnd)
        }
        func sortedTail() -> [(Int, Int)] { tail.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 } }

        let last = w[end - 1]
        if contracted[last] != nil, lastIsEnding || end == n {
            // The stem's syllable is also the first ending's (했 → 하 + 었; 해야 → 해 + 해야).
            if lastIsEnding, !(tail[tail.count - 1].1 - tail[tail.count - 1].0 == 1 && tenseMarkers.contains(w[tail[tail.count - 1].0])),
               last == "해" || last == "돼" {
                let (_, b) = tail.removeLast(); tail.append((end - 1, b))
            } else {
                tail.append((end - 1, end))
            }
            return stem(end, fused: true) + sortedTail()
        }
        // A noun and the copula 이 before an ending (사람이었다 → 사람 이 었 다).
        if lastIsEnding, last == "이", end >= 2 { return nounParts(0, end - 1) + [(end - 1, end)] + sortedTail() }
        let c = coda(last)
        let next: Syllables = tail.last.map { Array(w[$0.0..<$0.1]) } ?? []
        let open = withoutCoda(last)
        var fused = false
        if c == nieun, next == ["다"], lastIsEnding { fused = true }                                   // 한다, 진다
        if c == bieup, next == nida || next == nikka, lastIsEnding { fused = true }                    // 합니다
        if c == nieun || c == rieul || c == mieum, end == n, end >= 2, open == "하" || open == "되" { fused = true }   // 보장한, 작성함
        if c == nieun || c == rieul, end == n, tail.isEmpty, beforeDependentNoun { fused = true }       // 열 수
        if c == nieun || c == rieul, end == n, end >= 3, open == "이" { fused = true }                 // 대통령인
        if fused {
            if lastIsEnding, !tail.isEmpty { let (_, b) = tail.removeLast(); tail.append((end - 1, b)) } else { tail.append((end - 1, end)) }
            return stem(end, fused: true) + sortedTail()
        }
        return stem(end, fused: false) + sortedTail()
    }
}
