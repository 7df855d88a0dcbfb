/// GPT-2's byte-level alphabet: every byte is shown as one printable Unicode character (the printable Latin-1
/// bytes as themselves, the others as U+0100 onwards), which is how `tokenizer.json` and `vocab.json` /
/// `merges.txt` spell tokens. Inside Winnow a token is its bytes; this mapping is only used at the file edge.
enum ByteLevel {
    /// byte → its character's scalar value.
    static let scalarOfByte: [UInt32] = {
        var printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = printable.map(UInt32.init)
        var next: UInt32 = 256
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            scalars.append(next)
            next += 1
        }
        var table = [UInt32](repeating: 0, count: 256)
        for (b, s) in zip(printable, scalars) { table[b] = s }
        return table
    }()

    /// scalar value → byte, for the 256 characters of the alphabet.
    static let byteOfScalar: [UInt32: UInt8] = {
        var m: [UInt32: UInt8] = [:]
        for (b, s) in scalarOfByte.enumerated() { m[s] = UInt8(b) }
        return m
    }()

    /// A token's bytes spelled in the alphabet ("Ġthe" for " the").
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(scalarOfByte[Int(b)])!) }
        return String(s)
    }

    /// The bytes a spelled token stands for; nil if a character is outside the alphabet.
    static func decode(_ spelled: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(spelled.unicodeScalars.count)
        for u in spelled.unicodeScalars {
            guard let b = byteOfScalar[u.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
