import CCrypto

/// SHA-256 through OpenSSL's libcrypto (SHA-NI where the CPU has it), streaming. Used for spec hashes
/// and shard checksums.
///
/// ```swift
/// var h = SHA256()
/// h.update(bytes)
/// let hex = h.finalize().hex
/// ```
public struct SHA256 {
    private final class Context {
        let ctx: OpaquePointer
        init() {
            ctx = EVP_MD_CTX_new()
            EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        }
        deinit { EVP_MD_CTX_free(ctx) }
    }

    private let context = Context()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context.ctx, p, bytes.count)
    }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let copy = Array(bytes)
        copy.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The digest of everything passed to `update`; the hasher must not be used afterwards.
    public mutating func finalize() -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 32
        EVP_DigestFinal_ex(context.ctx, &out, &len)
        return Digest(bytes: out)
    }

    /// One-shot hash of a byte collection.
    public static func hash<C: Collection>(_ bytes: C) -> Digest where C.Element == UInt8 {
        var h = SHA256(); h.update(bytes); return h.finalize()
    }

    /// One-shot hash of a string's UTF-8 bytes.
    public static func hash(_ string: String) -> Digest {
        var h = SHA256(); h.update(string); return h.finalize()
    }

    /// A finished SHA-256 digest.
    public struct Digest: Equatable, Sendable {
        public let bytes: [UInt8]
        /// Lower-case hexadecimal, 64 characters.
        public var hex: String { bytes.hexString }
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal rendering of the bytes.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
