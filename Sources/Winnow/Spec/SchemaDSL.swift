/// Small builders for JSON Schema fragments, so the schema, the validator and the README reference
/// are all produced from one description of each key.
enum Schema {
    static func string(_ description: String, default d: String? = nil, enumeration: [String]? = nil,
                       minLength: Int? = nil, pattern: String? = nil) -> JSONValue {
        var o = JSONObject()
        o["type"] = "string"
        o["description"] = .string(description)
        if let enumeration { o["enum"] = .array(enumeration.map { .string($0) }) }
        if let minLength { o["minLength"] = .number(Double(minLength)) }
        if let pattern { o["pattern"] = .string(pattern) }
        if let d { o["default"] = .string(d) }
        return .object(o)
    }

    static func integer(_ description: String, default d: Int? = nil, minimum: Int? = nil, maximum: Int? = nil) -> JSONValue {
        var o = JSONObject()
        o["type"] = "integer"
        o["description"] = .string(description)
        if let minimum { o["minimum"] = .number(Double(minimum)) }
        if let maximum { o["maximum"] = .number(Double(maximum)) }
        if let d { o["default"] = .number(Double(d)) }
        return .object(o)
    }

    static func number(_ description: String, default d: Double? = nil, minimum: Double? = nil, maximum: Double? = nil,
                       exclusiveMinimum: Double? = nil) -> JSONValue {
        var o = JSONObject()
        o["type"] = "number"
        o["description"] = .string(description)
        if let minimum { o["minimum"] = .number(minimum) }
        if let exclusiveMinimum { o["exclusiveMinimum"] = .number(exclusiveMinimum) }
        if let maximum { o["maximum"] = .number(maximum) }
        if let d { o["default"] = .number(d) }
        return .object(o)
    }

    static func boolean(_ description: String, default d: Bool? = nil) -> JSONValue {
        var o = JSONObject()
        o["type"] = "boolean"
        o["description"] = .string(description)
        if let d { o["default"] = .bool(d) }
        return .object(o)
    }

    static func array(_ description: String, items: JSONValue, minItems: Int? = nil, uniqueItems: Bool = false,
                      default d: JSONValue? = nil) -> JSONValue {
        var o = JSONObject()
        o["type"] = "array"
        o["description"] = .string(description)
        o["items"] = items
        if let minItems { o["minItems"] = .number(Double(minItems)) }
        if uniqueItems { o["uniqueItems"] = true }
        if let d { o["default"] = d }
        return .object(o)
    }

    /// A closed object: unknown keys are errors.
    static func object(_ description: String, properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var o = JSONObject()
        o["type"] = "object"
        o["description"] = .string(description)
        o["properties"] = .object(JSONObject(properties))
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        o["additionalProperties"] = false
        return .object(o)
    }

    /// An object used as a map: any keys matching `keyPattern`, each value matching `value`.
    static func map(_ description: String, value: JSONValue, keyPattern: String, minProperties: Int = 1) -> JSONValue {
        var o = JSONObject()
        o["type"] = "object"
        o["description"] = .string(description)
        o["propertyNames"] = .object(JSONObject([("pattern", .string(keyPattern))]))
        o["additionalProperties"] = value
        o["minProperties"] = .number(Double(minProperties))
        return .object(o)
    }

    static func ref(_ name: String) -> JSONValue { .object(JSONObject([("$ref", .string("#/$defs/\(name)"))])) }

    static func anyOf(_ description: String, _ branches: [JSONValue], default d: JSONValue? = nil) -> JSONValue {
        var o = JSONObject([("description", .string(description)), ("anyOf", .array(branches))])
        if let d { o["default"] = d }
        return .object(o)
    }
}
