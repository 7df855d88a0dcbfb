import Foundation

/// One problem in a spec: where (a JSON pointer) and what would be right.
public struct SpecIssue: Equatable, Sendable, CustomStringConvertible {
    public let pointer: String
    public let message: String
    public init(_ pointer: String, _ message: String) { self.pointer = pointer; self.message = message }
    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }
}

/// Validates JSON against the subset of JSON Schema 2020-12 Winnow's schema uses (`type`, `enum`,
/// `const`, bounds, `pattern`, `minLength`, `items`, `minItems`, `uniqueItems`, `properties`, `required`,
/// `additionalProperties` (false or a schema), `propertyNames.pattern`, `minProperties`, `$ref` to
/// `$defs`, `anyOf`, and `oneOf` discriminated by a `type` const), collecting every problem rather than
/// stopping at the first.
public struct SchemaValidator {
    public let schema: JSONValue

    public init(schema: JSONValue) { self.schema = schema }

    public func validate(_ instance: JSONValue) -> [SpecIssue] {
        var issues: [SpecIssue] = []
        check(instance, against: schema, at: "", into: &issues)
        return issues
    }

    private func resolve(_ s: JSONValue) -> JSONValue {
        if let ref = s["$ref"]?.stringValue, ref.hasPrefix("#/$defs/"), let target = schema["$defs"]?[String(ref.dropFirst(8))] {
            return target
        }
        return s
    }

    private func check(_ v: JSONValue, against rawSchema: JSONValue, at ptr: String, into issues: inout [SpecIssue]) {
        let s = resolve(rawSchema)
        if let branches = s["oneOf"]?.arrayValue { checkOneOf(v, branches, at: ptr, into: &issues); return }
        if let branches = s["anyOf"]?.arrayValue {
            var best: [SpecIssue]? = nil
            for b in branches {
                var sub: [SpecIssue] = []
                check(v, against: b, at: ptr, into: &sub)
                if sub.isEmpty { return }
                if best == nil || sub.count < best!.count { best = sub }
            }
            issues += best ?? []
            return
        }
        if let c = s["const"], c != v {
            issues.append(SpecIssue(ptr, "\(render(v)) must be \(render(c))")); return
        }
        if let t = s["type"]?.stringValue, !matches(v, type: t) {
            issues.append(SpecIssue(ptr, "expected \(article(t)), got \(article(v.typeName)) (\(render(v)))")); return
        }
        if let e = s["enum"]?.arrayValue, !e.contains(v) {
            let options = e.map(render).joined(separator: ", ")
            var msg = "\(render(v)) is not one of \(options)"
            if let str = v.stringValue, let near = closest(str, e.compactMap(\.stringValue)) { msg += " (did you mean \"\(near)\"?)" }
            issues.append(SpecIssue(ptr, msg)); return
        }
        switch v {
        case .number(let d):
            let lo = s["minimum"]?.doubleValue, hi = s["maximum"]?.doubleValue, xlo = s["exclusiveMinimum"]?.doubleValue
            if let lo, let hi, d < lo || d > hi { issues.append(SpecIssue(ptr, "\(render(v)) is not in \(fmt(lo))…\(fmt(hi))")) }
            else if let lo, d < lo { issues.append(SpecIssue(ptr, "\(render(v)) is below the minimum \(fmt(lo))")) }
            else if let hi, d > hi { issues.append(SpecIssue(ptr, "\(render(v)) is above the maximum \(fmt(hi))")) }
            if let xlo, d <= xlo { issues.append(SpecIssue(ptr, "\(render(v)) must be greater than \(fmt(xlo))")) }
        case .string(let str):
            if let m = s["minLength"]?.intValue, str.unicodeScalars.count < m { issues.append(SpecIssue(ptr, "must not be empty")) }
            if let p = s["pattern"]?.stringValue, str.range(of: p, options: .regularExpression) == nil {
                issues.append(SpecIssue(ptr, "\(render(v)) does not match \(p)"))
            }
        case .array(let a):
            if let m = s["minItems"]?.intValue, a.count < m { issues.append(SpecIssue(ptr, "needs at least \(m) item\(m == 1 ? "" : "s"), got \(a.count)")) }
            if s["uniqueItems"]?.boolValue == true {
                for (i, e) in a.enumerated() where a[..<i].contains(e) { issues.append(SpecIssue("\(ptr)/\(i)", "\(render(e)) is listed twice")) }
            }
            if let items = s["items"] { for (i, e) in a.enumerated() { check(e, against: items, at: "\(ptr)/\(i)", into: &issues) } }
        case .object(let o):
            let props = s["properties"]?.objectValue ?? JSONObject()
            for r in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[r] == nil {
                issues.append(SpecIssue(ptr, "missing required key \"\(r)\""))
            }
            if let m = s["minProperties"]?.intValue, o.count < m {
                issues.append(SpecIssue(ptr, "needs at least \(m) entr\(m == 1 ? "y" : "ies"), got \(o.count)"))
            }
            for (k, e) in o.pairs {
                let child = "\(ptr)/\(escape(k))"
                if let p = s["propertyNames"]?["pattern"]?.stringValue, k.range(of: p, options: .regularExpression) == nil {
                    issues.append(SpecIssue(child, "key \"\(k)\" does not match \(p)"))
                }
                if let ps = props[k] { check(e, against: ps, at: child, into: &issues) }
                else if let extra = s["additionalProperties"], extra.objectValue != nil { check(e, against: extra, at: child, into: &issues) }
                else if s["additionalProperties"]?.boolValue == false {
                    var msg = "unknown key"
                    if let near = closest(k, props.keys) { msg += "; did you mean \"\(near)\"?" }
                    msg += " (allowed: \(props.keys.joined(separator: ", ")))"
                    issues.append(SpecIssue(child, msg))
                }
            }
        default: break
        }
    }

    private func checkOneOf(_ v: JSONValue, _ branches: [JSONValue], at ptr: String, into issues: inout [SpecIssue]) {
        let resolved = branches.map(resolve)
        let consts = resolved.compactMap { $0["properties"]?["type"]?["const"]?.stringValue }
        if consts.count == resolved.count {
            // Discriminated by "type": report against the one branch the value names.
            guard case .object(let o) = v else { issues.append(SpecIssue(ptr, "expected an object, got \(article(v.typeName))")); return }
            guard let t = o["type"] else { issues.append(SpecIssue(ptr, "missing required key \"type\" (one of: \(consts.joined(separator: ", ")))")); return }
            guard let ts = t.stringValue, let i = consts.firstIndex(of: ts) else {
                var msg = "\(render(t)) is not a known step type"
                if let str = t.stringValue, let near = closest(str, consts) { msg += " (did you mean \"\(near)\"?)" }
                msg += "; known: \(consts.sorted().joined(separator: ", "))"
                issues.append(SpecIssue("\(ptr)/type", msg)); return
            }
            check(v, against: resolved[i], at: ptr, into: &issues)
            return
        }
        var passing = 0
        for b in resolved {
            var sub: [SpecIssue] = []
            check(v, against: b, at: ptr, into: &sub)
            if sub.isEmpty { passing += 1 }
        }
        if passing != 1 { issues.append(SpecIssue(ptr, "must match exactly one of \(resolved.count) alternatives, matches \(passing)")) }
    }

    private func matches(_ v: JSONValue, type t: String) -> Bool {
        switch (t, v) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number): return true
        case ("integer", .number): return v.intValue != nil
        default: return false
        }
    }

    private func article(_ t: String) -> String { ["array", "object", "integer"].contains(t) ? "an \(t)" : "a \(t)" }
    private func fmt(_ d: Double) -> String { d.rounded() == d ? String(Int(d)) : String(d) }
    private func escape(_ k: String) -> String { k.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }

    private func render(_ v: JSONValue) -> String {
        let s = JSONWriter.compact(v)
        return s.count > 60 ? String(s.prefix(57)) + "..." : s
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
func closest(_ word: String, _ candidates: [String]) -> String? {
    var best: (String, Int)? = nil
    for c in candidates {
        let d = editDistance(Array(word.lowercased()), Array(c.lowercased()))
        if d <= max(2, c.count / 3), best == nil || d < best!.1 { best = (c, d) }
    }
    if let best { return best.0 }
    // A word that starts a longer name ("minhash" → "minhash_dedup"): the shortest such name.
    let w = word.lowercased()
    guard w.count >= 3 else { return nil }
    return candidates.filter { $0.lowercased().hasPrefix(w) }.min { $0.count < $1.count }
}

func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count { cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)) }
        swap(&prev, &cur)
    }
    return prev[b.count]
}
