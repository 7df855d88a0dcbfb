import Foundation

/// Reading and writing tokenizers in the files other tools use: Hugging Face's `tokenizer.json` (a BPE model
/// with the ByteLevel pre-tokenizer and decoder) and GPT-2's `vocab.json` + `merges.txt`.
public enum TokenizerFile {
    public struct Failure: Error, CustomStringConvertible {
        public let file: String
        public let message: String
        public var description: String { "\(file): \(message)" }
    }

    /// Loads `tokenizer.json`, or `vocab.json` when `merges.txt` sits beside it (or is named).
    public static func load(_ path: String, merges: String? = nil) throws -> BPEModel {
        if path.hasSuffix("vocab.json") || merges != nil {
            let mergesPath = merges ?? (path as NSString).deletingLastPathComponent + "/merges.txt"
            return try loadGPT2(vocab: path, merges: mergesPath)
        }
        return try loadHF(path)
    }

    /// The file's bytes (read with Winnow's own reader: Foundation's leaks a page on an empty file, as fuzzing found).
    static func read(_ path: String) throws -> [UInt8] {
        do { return try readFileBytes(path) } catch { throw Failure(file: path, message: "cannot read the file (\(describe(error)))") }
    }

    public static func loadHF(_ path: String) throws -> BPEModel {
        let root: JSONValue
        do { root = try JSONParser.parse(read(path)) } catch let e as Failure { throw e } catch { throw Failure(file: path, message: "not JSON: \(error)") }
        func fail(_ m: String) -> Failure { Failure(file: path, message: m) }
        guard let model = root["model"]?.objectValue else { throw fail("no \"model\" object") }
        guard model["type"]?.stringValue == "BPE" else { throw fail("model.type is \(model["type"].map { JSONWriter.compact($0) } ?? "missing"); Winnow reads BPE models") }
        if let b = model["byte_fallback"]?.boolValue, b { throw fail("model.byte_fallback is true (a SentencePiece-style BPE); Winnow reads byte-level BPE") }
        for field in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[field], v != .null, v != .string("") { throw fail("model.\(field) is set; Winnow reads byte-level BPE without it") }
        }
        if let d = model["dropout"], d != .null, d.doubleValue != 0 { throw fail("model.dropout is set; encoding would not be deterministic") }
        if let n = root["normalizer"], n != .null { throw fail("a normalizer (\(n["type"]?.stringValue ?? "?")) is set; Winnow reads tokenizers without one") }
        var addPrefixSpace = false
        if let pre = root["pre_tokenizer"], pre != .null {
            guard pre["type"]?.stringValue == "ByteLevel" else { throw fail("pre_tokenizer.type is \(pre["type"]?.stringValue ?? "missing"); Winnow reads ByteLevel") }
            if pre["use_regex"]?.boolValue == false { throw fail("pre_tokenizer.use_regex is false; Winnow splits with GPT-2's pattern") }
            addPrefixSpace = pre["add_prefix_space"]?.boolValue ?? false
        } else {
            throw fail("no pre_tokenizer; Winnow reads the ByteLevel one")
        }
        guard let vocab = model["vocab"]?.objectValue else { throw fail("no model.vocab object") }
        var tokens = [[UInt8]?](repeating: nil, count: vocab.count)
        var idOf: [String: Int32] = [:]
        // Ids run from 0 without gaps, so none reaches the number of entries (a larger one would size the table).
        let entries = vocab.count + (root["added_tokens"]?.arrayValue?.count ?? 0)
        for (spelled, v) in vocab.pairs {
            guard let id = v.intValue, id >= 0 else { throw fail("model.vocab[\"\(spelled)\"] is not an id") }
            guard id < entries else { throw fail("model.vocab[\"\(spelled)\"] has id \(id), beyond the \(entries) tokens (ids must run from 0 without gaps)") }
            if id >= tokens.count { tokens += [[UInt8]?](repeating: nil, count: id + 1 - tokens.count) }
            guard let bytes = ByteLevel.decode(spelled) else { throw fail("model.vocab token \"\(spelled)\" has a character outside the byte-level alphabet") }
            tokens[id] = bytes
            idOf[spelled] = Int32(id)
        }
        var specials: [(text: [UInt8], id: Int32)] = []
        for (k, t) in (root["added_tokens"]?.arrayValue ?? []).enumerated() {
            guard let id = t["id"]?.intValue, id >= 0, let content = t["content"]?.stringValue else { throw fail("added_tokens[\(k)] needs an id and a content") }
            guard id < entries else { throw fail("added_tokens[\(k)] has id \(id), beyond the \(entries) tokens (ids must run from 0 without gaps)") }
            if id >= tokens.count { tokens += [[UInt8]?](repeating: nil, count: id + 1 - tokens.count) }
            tokens[id] = Array(content.utf8)
            specials.append((Array(content.utf8), Int32(id)))
        }
        if let hole = tokens.firstIndex(where: { $0 == nil }) { throw fail("no token has id \(hole); ids must run from 0 without gaps") }
        let merges = try parseMerges(model["merges"]?.arrayValue ?? [], idOf: idOf, file: path)
        do { return try BPEModel(tokens: tokens.map { $0! }, merges: merges, specials: specials, addPrefixSpace: addPrefixSpace) }
        catch { throw fail("\(error)") }
    }

    /// Merges are "left right" strings (tokenizers before 0.20) or ["left", "right"] pairs (after).
    static func parseMerges(_ list: [JSONValue], idOf: [String: Int32], file: String) throws -> [(left: Int32, right: Int32, merged: Int32)] {
        var out: [(left: Int32, right: Int32, merged: Int32)] = []
        out.reserveCapacity(list.count)
        for (k, m) in list.enumerated() {
            let parts: [String]
            if let s = m.stringValue { parts = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init) }
            else if let a = m.arrayValue?.compactMap(\.stringValue) { parts = a }
            else { parts = [] }
            guard parts.count == 2 else { throw Failure(file: file, message: "model.merges[\(k)] is not a pair of tokens") }
            guard let l = idOf[parts[0]], let r = idOf[parts[1]], let merged = idOf[parts[0] + parts[1]] else {
                throw Failure(file: file, message: "model.merges[\(k)] (\(parts[0]) \(parts[1])) names a token not in the vocabulary")
            }
            out.append((l, r, merged))
        }
        return out
    }

    public static func loadGPT2(vocab: String, merges: String) throws -> BPEModel {
        guard let obj = (try? JSONParser.parse(read(vocab)))?.objectValue else { throw Failure(file: vocab, message: "not a JSON object of token → id") }
        var tokens = [[UInt8]?](repeating: nil, count: obj.count)
        var idOf: [String: Int32] = [:]
        var specials: [(text: [UInt8], id: Int32)] = []
        for (spelled, v) in obj.pairs {
            guard let id = v.intValue, id >= 0 else { throw Failure(file: vocab, message: "\"\(spelled)\" is not mapped to an id") }
            if id >= tokens.count { tokens += [[UInt8]?](repeating: nil, count: id + 1 - tokens.count) }
            if let bytes = ByteLevel.decode(spelled) { tokens[id] = bytes } else {
                tokens[id] = Array(spelled.utf8); specials.append((Array(spelled.utf8), Int32(id)))   // "<|endoftext|>"
            }
            idOf[spelled] = Int32(id)
        }
        // GPT-2's own vocab.json spells <|endoftext|> in plain characters that are all inside the alphabet;
        // a token written like "<|...|>" is taken as special.
        for (spelled, id) in idOf where spelled.hasPrefix("<|") && spelled.hasSuffix("|>") && !specials.contains(where: { $0.id == id }) {
            tokens[Int(id)] = Array(spelled.utf8); specials.append((Array(spelled.utf8), id))
        }
        if let hole = tokens.firstIndex(where: { $0 == nil }) { throw Failure(file: vocab, message: "no token has id \(hole)") }
        guard let text = String(data: Data(try read(merges)), encoding: .utf8) else { throw Failure(file: merges, message: "not UTF-8") }
        var list: [JSONValue] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || (n == 0 && line.hasPrefix("#version")) { continue }
            list.append(.string(String(line.hasSuffix("\r") ? line.dropLast() : line)))
        }
        let m = try parseMerges(list, idOf: idOf, file: merges)
        do { return try BPEModel(tokens: tokens.map { $0! }, merges: m, specials: specials) }
        catch { throw Failure(file: vocab, message: "\(error)") }
    }

    /// The model as Hugging Face `tokenizer.json` (tokenizers 0.20+ layout: merges as pairs).
    public static func hfJSON(_ m: BPEModel) -> String {
        let specialIds = Set(m.specials.map(\.id))
        var vocab = JSONObject()
        for (id, t) in m.tokens.enumerated() where !specialIds.contains(Int32(id)) { vocab[ByteLevel.encode(t)] = .number(Double(id)) }
        for s in m.specials.sorted(by: { $0.id < $1.id }) { vocab[String(decoding: s.text, as: UTF8.self)] = .number(Double(s.id)) }
        let merges: [JSONValue] = m.merges.map { .array([.string(ByteLevel.encode(m.tokens[Int($0.left)])), .string(ByteLevel.encode(m.tokens[Int($0.right)]))]) }
        let added: [JSONValue] = m.specials.sorted(by: { $0.id < $1.id }).map { s in
            .object(JSONObject([("id", .number(Double(s.id))), ("content", .string(String(decoding: s.text, as: UTF8.self))),
                                ("single_word", .bool(false)), ("lstrip", .bool(false)), ("rstrip", .bool(false)),
                                ("normalized", .bool(false)), ("special", .bool(true))]))
        }
        func byteLevel(_ prefix: Bool, _ trim: Bool) -> JSONValue {
            .object(JSONObject([("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefix)), ("trim_offsets", .bool(trim)), ("use_regex", .bool(true))]))
        }
        let model = JSONObject([("type", .string("BPE")), ("dropout", .null), ("unk_token", .null), ("continuing_subword_prefix", .null),
                                ("end_of_word_suffix", .null), ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)),
                                ("ignore_merges", .bool(false)), ("vocab", .object(vocab)), ("merges", .array(merges))])
        let root = JSONObject([("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", .array(added)),
                               ("normalizer", .null), ("pre_tokenizer", byteLevel(m.addPrefixSpace, true)),
                               ("post_processor", byteLevel(true, false)), ("decoder", byteLevel(true, true)), ("model", .object(model))])
        return JSONWriter.pretty(.object(root)) + "\n"
    }
}
