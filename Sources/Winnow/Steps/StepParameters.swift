import Foundation

/// One parameter of a step, declared once on the step's parameter struct: its JSON key, its schema (without a
/// default) and its default (the property's initial value). The schema the validator and the README use, the
/// decoding of a spec entry and the default a missing key gets all come from this one line:
///
/// ```swift
/// @Param("min_chars", Schema.integer("Fewest characters a kept document has.", minimum: 0)) var minChars = 0
/// ```
@propertyWrapper
public struct Param<Value: Codable & Sendable>: Sendable {
    public var wrappedValue: Value
    let key: String
    let schema: JSONValue
    let required: Bool

    public init(wrappedValue: Value, _ key: String, _ schema: JSONValue, required: Bool = false) {
        self.wrappedValue = wrappedValue
        self.key = key
        self.schema = schema
        self.required = required
    }
}

/// What the parameter machinery needs of a `Param` without knowing its value type.
protocol AnyParam {
    var key: String { get }
    var required: Bool { get }
    /// The schema with the declared default added (none for an optional left nil, or a required parameter).
    var schemaWithDefault: JSONValue { get }
    /// A copy holding `value` decoded (the default when `value` is absent).
    func decoded(_ value: JSONValue?) throws -> Any
    /// The current value.
    var anyValue: Any { get }
}

extension Param: AnyParam {
    var anyValue: Any { wrappedValue }
    var schemaWithDefault: JSONValue {
        guard !required, case .object(var o) = schema, let d = try? JSONValue(encoding: wrappedValue), d != .null else { return schema }
        o["default"] = d
        return .object(o)
    }

    func decoded(_ value: JSONValue?) throws -> Any {
        var copy = self
        if let value { copy.wrappedValue = try value.decode(Value.self) }
        return copy
    }
}

extension Param: Decodable {
    /// Only reached through `StepParameters.decode`, whose decoder hands each `Param` its declaration.
    public init(from decoder: Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Param is decoded by StepParameters.decode"))
    }
}

/// A step's parameter struct: every stored property a `@Param`, defaults in the declarations.
public protocol StepParameters: Decodable, Sendable {
    init()
}

extension StepParameters {
    /// The declared parameters in declaration order, with the Swift property each belongs to.
    static var declared: [(property: String, param: AnyParam)] {
        Mirror(reflecting: Self()).children.compactMap { c in
            guard let label = c.label, let p = c.value as? AnyParam else { return nil }
            return (label.hasPrefix("_") ? String(label.dropFirst()) : label, p)
        }
    }

    /// The schema of each parameter, for the step's descriptor.
    static var schema: [(String, JSONValue)] { declared.map { ($0.param.key, $0.param.schemaWithDefault) } }
    static var keys: [String] { declared.map(\.param.key) }
    static var requiredKeys: [String] { declared.filter(\.param.required).map(\.param.key) }

    /// The parameters of a spec entry (already validated against the schema): each key present decoded, each
    /// absent one its declared default.
    static func decode(_ object: JSONValue) throws -> Self {
        let params = Dictionary(declared.map { ($0.property, $0.param) }, uniquingKeysWith: { a, _ in a })
        return try Self(from: ParamDecoder(object: object.objectValue ?? JSONObject(), params: params))
    }
}

/// The decoder `StepParameters.decode` runs the struct's synthesized `init(from:)` through: asked for the
/// property `minChars`, it returns that property's `Param` holding the spec's `min_chars` (or the default).
private struct ParamDecoder: Decoder {
    let object: JSONObject
    let params: [String: AnyParam]
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Container<Key>(decoder: self))
    }
    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "step parameters are an object"))
    }
    func singleValueContainer() throws -> SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "step parameters are an object"))
    }

    struct Container<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: ParamDecoder
        var codingPath: [CodingKey] { decoder.codingPath }
        var allKeys: [Key] { decoder.params.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { decoder.params[key.stringValue] != nil }
        func decodeNil(forKey key: Key) throws -> Bool { false }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let p = decoder.params[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "\(key.stringValue) is not declared with @Param"))
            }
            let raw = decoder.object[p.key]
            do {
                guard let v = try p.decoded(raw == .null ? nil : raw) as? T else {
                    throw DecodingError.typeMismatch(T.self, .init(codingPath: codingPath + [key], debugDescription: "\(key.stringValue) is not a Param"))
                }
                return v
            } catch let e as DecodingError {
                throw e
            } catch {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: "/\(p.key): \(error)"))
            }
        }

        func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no nested containers"))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no nested containers"))
        }
        func superDecoder() throws -> Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> Decoder { decoder }
    }
}

extension JSONValue {
    /// The JSON form of a Codable value (a parameter's default, for the schema).
    init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self = try JSONParser.parse(Array(try encoder.encode(value)))
    }
}

extension StepDescriptor {
    /// A step whose parameters are the `@Param`s of `P`: schema, required keys, known keys and decoding from there.
    init<P: StepParameters>(type: String, kind: StepKind, summary: String, parameters: P.Type,
                            build: @escaping @Sendable (StepSpec, StepContext) throws -> PipelineStep) {
        self.init(type: type, kind: kind, summary: summary, parameters: P.schema, required: P.requiredKeys, codingKeys: P.keys,
                  build: build, decodeParameters: { try P.decode($0) })
    }
}

extension StepSpec {
    /// The entry's parameters as the step's `@Param` struct (absent keys: the declared defaults).
    public func decodeParameters<T: StepParameters>(_ type: T.Type) throws -> T { try T.decode(.object(parameters)) }
}
