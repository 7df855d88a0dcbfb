import CZlib
import Foundation

/// The mixture arithmetic, kept free of files so it can be tested on its own: how many training tokens each
/// source gives (targets from normalised weights, capped at `max_epochs` copies, shortfalls reported and
/// renormalised or fatal), and which whole documents, in how many copies, make up each source's share.
public enum Mixture {
    public struct Source: Sendable {
        public let name: String
        public let weight: Double
        public let maxEpochs: Double
        /// Training tokens the cleaned documents hold (end-of-text tokens included).
        public let available: Int64
        public init(name: String, weight: Double, maxEpochs: Double, available: Int64) {
            self.name = name; self.weight = weight; self.maxEpochs = maxEpochs; self.available = available
        }
    }

    public struct Plan: Sendable, Equatable {
        /// Normalised weights: each source's target share.
        public let targetShares: [Double]
        /// Tokens each source is to give.
        public let give: [Int64]
        /// One line per source that cannot give its share: "web: asked 70.0%, can give 61.2% at max_epochs=1".
        public let shortfalls: [String]
    }

    public struct ShortfallError: Error, CustomStringConvertible {
        public let lines: [String]
        public var description: String {
            "the mixture cannot be met (mixture.on_shortfall is \"stop\"; no token shard was written):\n  " + lines.joined(separator: "\n  ")
        }
    }

    /// Tokens per source for a budget of `total` tokens (default: all available tokens).
    public static func plan(_ sources: [Source], total: Int64?, onShortfall: MixtureSpec.OnShortfall) throws -> Plan {
        let sum = sources.reduce(0.0) { $0 + $1.weight }
        let shares = sources.map { $0.weight / sum }
        let budget = Double(total ?? sources.reduce(Int64(0)) { $0 + $1.available })
        let caps = sources.map { Double($0.available) * $0.maxEpochs }
        var shortfalls: [String] = []
        for (i, s) in sources.enumerated() where shares[i] * budget > caps[i] + 0.5 {
            shortfalls.append(String(format: "%@: asked %.1f%%, can give %.1f%% at max_epochs=%@", s.name, 100 * shares[i], budget > 0 ? 100 * caps[i] / budget : 0,
                                     s.maxEpochs == s.maxEpochs.rounded() ? String(Int(s.maxEpochs)) : String(s.maxEpochs)))
        }
        if !shortfalls.isEmpty && onShortfall == .stop { throw ShortfallError(lines: shortfalls) }
        if !shortfalls.isEmpty && onShortfall == .shrink {
            // The largest total at which every source can give its share within max_epochs: the ratios are kept,
            // the size gives way (and every shortfall line says by how much).
            let limit = sources.indices.map { shares[$0] > 0 ? caps[$0] / shares[$0] : .infinity }.min() ?? budget
            let shrunk = min(budget, limit)
            let note = String(format: "; on_shortfall shrink: the total goes from %.0f to %.0f tokens (%.1f%%) so every source keeps its share",
                              budget, shrunk, budget > 0 ? 100 * shrunk / budget : 0)
            return Plan(targetShares: shares, give: shares.map { Int64(($0 * shrunk).rounded(.down)) }, shortfalls: shortfalls.map { $0 + note })
        }
        // Water-filling: a capped source gives all it can; the rest of the budget goes to the others by weight.
        var give = [Double](repeating: 0, count: sources.count)
        var open = Set(sources.indices)
        var remaining = budget
        while !open.isEmpty {
            let w = open.reduce(0.0) { $0 + shares[$1] }
            let capped = open.filter { w > 0 && remaining * shares[$0] / w > caps[$0] }
            if capped.isEmpty {
                for i in open { give[i] = w > 0 ? remaining * shares[i] / w : 0 }
                break
            }
            for i in capped { give[i] = caps[i]; remaining -= caps[i]; open.remove(i) }
        }
        return Plan(targetShares: shares, give: give.map { Int64($0.rounded()) }, shortfalls: shortfalls)
    }

    /// Copies of each document of one source so that their tokens come to `give`: every document
    /// floor(rate) times, then documents in the order of `keys` (a hash of seed and id: stable across runs and
    /// machines) while a further copy brings the total closer to `give`.
    ///
    /// With `weights` (rehydration), document i stands `weights[i]` times in the pool: every pass over the pool
    /// copies it that many times, and the last, partial pass up to that many.
    public static func copies(tokens: [Int64], keys: [UInt64], give: Int64, weights: [Int]? = nil) -> [Int] {
        let w = weights ?? [Int](repeating: 1, count: tokens.count)
        let available = zip(tokens, w).reduce(Int64(0)) { $0 + $1.0 * Int64($1.1) }
        guard available > 0, give > 0 else { return [Int](repeating: 0, count: tokens.count) }
        let full = Int(give / available)
        var out = w.map { full * $0 }
        var need = give - Int64(full) * available
        for i in tokens.indices.sorted(by: { (keys[$0], $0) < (keys[$1], $1) }) where need > 0 {
            var extra = 0
            while extra < w[i] && 2 * need >= tokens[i] { out[i] += 1; need -= tokens[i]; extra += 1 }
        }
        return out
    }
}

/// Per-document difficulty scores for `curriculum.score`.
public enum DifficultyScore {
    /// Readability: the Flesch–Kincaid grade when the document is English (0.39 × words per sentence + 11.8 ×
    /// syllables per word − 15.59, syllables as vowel groups), else the Automated Readability Index, which needs
    /// no syllables and so works for any alphabetic language (4.71 × characters per word + 0.5 × words per
    /// sentence − 21.43). Sentences end at . ! ? and their CJK forms.
    public static func readability(_ text: String, english: Bool) -> Double {
        var t = text
        return t.withUTF8 { readability(bytes: $0, english: english) }
    }

    /// The same over UTF-8 bytes. Words are runs of letters and numbers (Unicode categories L and N), split at
    /// White_Space — the classes the tokenizer's pre-tokenisation uses.
    public static func readability(bytes t: UnsafeBufferPointer<UInt8>, english: Bool) -> Double {
        var words = 0, chars = 0, syllables = 0, sentences = 0
        var wordChars = 0, vowelRun = false, wordSyllables = 0
        let table = PreTokenizer.table                  // letter / number / space / other for the BMP
        @inline(__always) func endWord() {
            if wordChars > 0 { words += 1; chars += wordChars; syllables += max(1, wordSyllables) }
            wordChars = 0; wordSyllables = 0; vowelRun = false
        }
        var i = 0
        while i < t.count {
            let b = t[i]
            if b < 0x80 {
                i += 1
                switch b {
                case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C: endWord()
                case 0x2E, 0x21, 0x3F: sentences += 1; endWord()
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A:
                    wordChars += 1
                    let l = b | 0x20
                    let vowel = l == 0x61 || l == 0x65 || l == 0x69 || l == 0x6F || l == 0x75 || l == 0x79
                    if vowel && !vowelRun { wordSyllables += 1 }
                    vowelRun = vowel
                default: break
                }
                continue
            }
            // Decode one scalar (an invalid byte counts as nothing).
            var v: UInt32 = 0, n = 1
            if b >= 0xF0 { v = UInt32(b & 0x07); n = 4 } else if b >= 0xE0 { v = UInt32(b & 0x0F); n = 3 } else if b >= 0xC0 { v = UInt32(b & 0x1F); n = 2 }
            guard n > 1, i + n <= t.count else { i += 1; continue }
            for k in 1..<n { v = v << 6 | UInt32(t[i + k] & 0x3F) }
            i += n
            if v == 0x3002 || v == 0xFF01 || v == 0xFF1F { sentences += 1; endWord(); continue }
            let cls: PreTokenizer.Class
            if v < 0x10000 { cls = table[Int(v)] } else if let u = Unicode.Scalar(v) { cls = PreTokenizer.classify(u) } else { continue }
            switch cls {
            case .space: endWord()
            case .letter, .number: wordChars += 1; vowelRun = false
            case .other: break
            }
        }
        endWord()
        guard words > 0 else { return 0 }
        let wps = Double(words) / Double(max(1, sentences))
        if english { return 0.39 * wps + 11.8 * Double(syllables) / Double(words) - 15.59 }
        return 4.71 * Double(chars) / Double(words) + 0.5 * wps - 21.43
    }

    /// zlib-compressed size over raw size (level 6): repetitive text scores low, dense text high.
    public static func compressionRatio(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
        guard bytes.count > 0 else { return 0 }
        var bound = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let rc = out.withUnsafeMutableBufferPointer { compress2($0.baseAddress, &bound, bytes.baseAddress, uLong(bytes.count), 6) }
        return rc == Z_OK ? Double(bound) / Double(bytes.count) : 1
    }
}
