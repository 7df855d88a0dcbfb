import Foundation
import XCTest
@testable import Winnow

/// Issue 19, item 5: for every registered step, each default the schema (and so the README) states is the value the
/// step's parameter struct decodes when the key is absent, and the struct's `@Param` keys are the schema's keys.
final class StepDefaultsTests: XCTestCase {
    /// A value of the schema's type, for required parameters.
    private func sample(_ schema: JSONValue) -> JSONValue {
        if let e = schema["enum"]?.arrayValue?.first { return e }
        switch schema["type"]?.stringValue {
        case "integer", "number": return .number(max(1, schema["minimum"]?.doubleValue ?? 1))
        case "boolean": return .bool(true)
        case "array": return .array([schema["items"].map(sample) ?? .string("x")])
        case "object":
            var o = JSONObject()
            let properties = schema["properties"]
            for case .string(let name) in schema["required"]?.arrayValue ?? [] { o[name] = properties?[name].map(sample) ?? .string("x") }
            return .object(o)
        default: return .string("x")
        }
    }

    /// `value` (a decoded property) as JSON, for the kinds of values step parameters hold.
    private func json(_ value: Any) -> JSONValue? {
        let m = Mirror(reflecting: value)
        if m.displayStyle == .optional { return m.children.first.map { json($0.value) } ?? .null }
        switch value {
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(Double(i))
        case let d as Double: return .number(d)
        case let f as Float: return .number(Double(f))
        case let s as String: return .string(s)
        case let r as any RawRepresentable: return json(r.rawValue)
        case let a as [Any]: return .array(a.compactMap(json))
        case let o as [String: Any]:
            var out = JSONObject()
            for k in o.keys.sorted() { guard let v = json(o[k]!) else { return nil }; out[k] = v }
            return .object(out)
        default:
            // An enum case without a payload and without a raw value (pii's `fields: .all`): its name.
            if m.displayStyle == .enum && m.children.isEmpty { return .string("\(value)") }
            return nil
        }
    }

    func testSchemaDefaultsAreTheDecodedDefaults() throws {
        var checked = 0
        var problems: [String] = []
        for d in StepRegistry.all {
            guard let decode = d.decodeParameters else { problems.append("\(d.type): no decodeParameters"); continue }
            var o = JSONObject()
            o["type"] = .string(d.type)
            for (name, schema) in d.parameters where d.required.contains(name) { o[name] = sample(schema) }
            let decoded: Any
            do { decoded = try decode(.object(o)) } catch { problems.append("\(d.type): minimal parameters do not decode: \(error)"); continue }
            var values: [String: Any] = [:]
            for c in Mirror(reflecting: decoded).children {
                // Every stored property of a step's parameter struct is a `@Param` carrying its spec key.
                guard let p = c.value as? AnyParam else { problems.append("\(d.type).\(c.label ?? "?"): not declared with @Param"); continue }
                values[p.key] = p.anyValue
            }
            if Set(values.keys) != Set(d.parameterNames) {
                problems.append("\(d.type): decoded keys \(values.keys.sorted()) differ from the schema's \(d.parameterNames.sorted())")
            }
            for (name, schema) in d.parameters {
                guard let expected = schema["default"] else { continue }
                guard let v = values[name] else { problems.append("\(d.type).\(name): the schema has a default, no property decodes it"); continue }
                guard let got = json(v) else { problems.append("\(d.type).\(name): decoded value \(v) is not comparable"); continue }
                checked += 1
                if got != expected { problems.append("\(d.type).\(name): schema default \(JSONWriter.compact(expected)), decoded \(JSONWriter.compact(got))") }
            }
        }
        XCTAssertEqual(problems, [], problems.joined(separator: "\n"))
        XCTAssertGreaterThan(checked, 40)
    }
}
