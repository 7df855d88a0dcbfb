/// Japanese words without a dictionary, shaped like the short units datatrove's Japanese tokenizer (spaCy `ja` on
/// SudachiPy, split mode C, with SudachiDict) gives, so the filters' word counts and ratios come out close to its:
/// - a run of katakana (with `ー`, half-width too) is one word; `・` is a word of its own;
/// - a run of kanji is cut into pairs from the left (Sudachi's kanji words are two characters three times in four); a
///   last single kanji keeps the hiragana after it (okurigana: `使っ`, `全て`) unless that is a particle;
/// - a run of hiragana is cut greedily at the commonest function words and endings written in hiragana (`ます`,
///   `ない`, `から`, `この`, `こと`, …, see `hiraganaWords`), else one character per word (particles);
/// - letters (Latin, Cyrillic, full-width, …) of one run are a word; digits likewise, with one decimal point
///   (`1.5`) joined and section numbers (`1.1.1`) not; every other symbol or punctuation mark is a word of its own;
///   whitespace separates and is dropped.
/// SudachiPy's dictionary (SudachiDict-core, about 200 MB) is not shipped: this is the nearest thing without it, and
/// bench/fw2_parity.py measures how often the filters decide as datatrove's do with it (bench/RESULTS.md).
enum JapaneseWords {
    enum Kind: Equatable { case space, hiragana, katakana, kanji, letter, digit, symbol }

    static func kind(_ u: Unicode.Scalar) -> Kind {
        let v = u.value
        switch v {
        case 0x3041...0x3096, 0x309D, 0x309E: return .hiragana
        case 0x30A1...0x30FA, 0x30FC...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return .katakana
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F, 0x3005...0x3007: return .kanji
        default:
            if u.isPythonSpace { return .space }
            let p = u.properties
            if p.numericType == .decimal { return .digit }
            if p.isAlphabetic { return .letter }
            return .symbol
        }
    }

    /// Function words, auxiliaries and endings commonly written in hiragana, as Japanese short-unit segmentation
    /// keeps them whole (2–4 characters).
    static let hiraganaWords: Set<String> = [
        // auxiliaries and endings
        "ます", "まし", "ませ", "ましょ", "です", "でし", "でしょ", "ない", "なかっ", "なく", "なけれ", "なら", "たい", "たく", "たら",
        "られ", "られる", "れる", "させ", "させる", "せる", "ござい", "ください", "くださ", "だっ", "だろ",
        // particles
        "から", "まで", "より", "など", "だけ", "しか", "ほど", "くらい", "ぐらい", "ばかり", "ので", "のに", "けれど", "けど", "ながら",
        "って", "とか", "ずつ", "こそ", "さえ", "でも", "かも", "よう",
        // demonstratives and pronouns
        "これ", "それ", "あれ", "どれ", "この", "その", "あの", "どの", "ここ", "そこ", "どこ", "こう", "そう", "どう", "こんな",
        "そんな", "あなた", "わたし", "だれ", "なに", "いつ", "いくつ",
        // nouns
        "こと", "もの", "ため", "とき", "ところ", "ほう", "ほか", "うち", "あと", "まま", "はず", "わけ", "すべて",
        // verbs and adjectives written in hiragana
        "する", "いる", "ある", "あり", "あっ", "なる", "なり", "なっ", "おく", "おき", "くる", "くれ", "できる", "でき", "いく",
        "いい", "よい", "よく", "みる", "しまう", "しまい",
        // adverbs and conjunctions
        "また", "まだ", "もう", "さらに", "すでに", "ただし", "しかし", "および", "または", "もし", "ただ", "かなり", "すぐ", "まず",
        "つまり", "なお", "とても", "ほとんど", "いずれ", "それぞれ", "あらかじめ", "たとえば", "なぜ", "もっと", "とくに",
    ]

    /// Hiragana that follow a noun rather than end a verb or adjective stem.
    static let particles: Set<Unicode.Scalar> = ["の", "に", "を", "は", "が", "と", "で", "も", "へ", "や", "か", "ね", "よ", "わ", "な"]

    /// The words of `text`, in order.
    static func words(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        let kinds = s.map(kind)
        func okurigana(_ at: Int) -> Bool { at < s.count && kinds[at] == .hiragana && !particles.contains(s[at]) }
        var out: [String] = []
        out.reserveCapacity(s.count / 2)
        func emit(_ r: Range<Int>) {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[r])
            out.append(String(v))
        }
        var i = 0
        let n = s.count
        while i < n {
            let k = kinds[i]
            var j = i + 1
            switch k {
            case .space:
                i = j; continue
            case .symbol:
                emit(i..<j)
            case .katakana, .letter:
                while j < n && kinds[j] == k { j += 1 }
                emit(i..<j)
            case .digit:
                while j < n && kinds[j] == .digit { j += 1 }
                // One decimal point joins (1.5); a number with more (1.1.1) stays cut at each.
                if j + 1 < n, s[j] == ".", kinds[j + 1] == .digit, i == 0 || s[i - 1] != "." {
                    var e = j + 1
                    while e < n && kinds[e] == .digit { e += 1 }
                    if !(e + 1 < n && s[e] == "." && kinds[e + 1] == .digit) { j = e }
                }
                emit(i..<j)
            case .kanji:
                while j < n && kinds[j] == .kanji { j += 1 }
                var a = i
                while a + 2 < j || (a + 2 == j && !okurigana(j)) { emit(a..<(a + 2)); a += 2 }
                // A last single kanji takes its okurigana (使っ, 全て, 行き): the hiragana after it, unless a particle.
                if a + 1 == j && okurigana(j) { j += 1 }
                if a < j { emit(a..<j) }
            case .hiragana:
                while j < n && kinds[j] == .hiragana { j += 1 }
                var a = i
                while a < j {
                    var len = min(4, j - a)
                    while len > 1 {
                        var v = String.UnicodeScalarView()
                        v.append(contentsOf: s[a..<(a + len)])
                        if hiraganaWords.contains(String(v)) { break }
                        len -= 1
                    }
                    emit(a..<(a + len)); a += len
                }
            }
            i = j
        }
        return out
    }
}
