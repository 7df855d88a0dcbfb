/// The README's spec reference, generated from the schema so the two cannot drift apart
/// (`winnow schema --markdown`; a test checks the README holds this text).
extension PipelineSchema {
    public static func markdownReference() -> String {
        let schema = build()
        var out = ""
        func table(_ title: String, _ node: JSONValue?, skip: Set<String> = []) {
            guard let node, let props = node["properties"]?.objectValue else { return }
            let required = Set(node["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            out += "#### \(title)\n\n| key | type | default | meaning |\n|---|---|---|---|\n"
            for (key, p) in props.pairs where !skip.contains(key) {
                let description = p["description"]?.stringValue
                    ?? p["$ref"]?.stringValue.flatMap { schema["$defs"]?[String($0.split(separator: "/").last ?? "")]?["description"]?.stringValue } ?? ""
                out += "| `\(key)`\(required.contains(key) ? " (required)" : "") | \(typeText(p)) | \(defaultText(p)) | \(description) |\n"
            }
            out += "\n"
        }
        table("Top level", schema)
        table("`sources[]`", schema["$defs"]?["source"])
        table("`output`", schema["$defs"]?["output"])
        table("`schedule` (see Running on a schedule)", schema["$defs"]?["schedule"])
        table("`train` (settings of `winnow train`; the same keys in a `--config` file)", schema["$defs"]?["train"])
        out += "#### `steps[]`\n\nEvery step has `type` (required) and `name` (optional; default: the type; unique in the spec).\n\n"
        for d in StepRegistry.all {
            let node = schema["$defs"]?["step_\(d.type)"]
            out += "##### `\(d.type)` — \(d.kind.rawValue) step\n\n\(d.summary)\n\n"
            if d.parameters.isEmpty { out += "No parameters.\n\n"; continue }
            out += "| key | type | default | meaning |\n|---|---|---|---|\n"
            for (key, p) in d.parameters {
                let req = node?["required"]?.arrayValue?.contains(.string(key)) == true
                out += "| `\(key)`\(req ? " (required)" : "") | \(typeText(p)) | \(defaultText(p)) | \(p["description"]?.stringValue ?? "") |\n"
            }
            out += "\n"
        }
        return out
    }

    private static func typeText(_ p: JSONValue) -> String {
        if let r = p["$ref"]?.stringValue { return "object (see `\(r.split(separator: "/").last ?? "")`)" }
        if let e = p["enum"]?.arrayValue { return e.map { "`\(JSONWriter.compact($0))`" }.joined(separator: " \\| ") }
        if let branches = p["anyOf"]?.arrayValue { return branches.map(typeText).joined(separator: " \\| ") }
        var t = p["type"]?.stringValue ?? "any"
        if t == "array", let items = p["items"] {
            if let e = items["enum"]?.arrayValue { t = "array of " + e.map { "`\(JSONWriter.compact($0))`" }.joined(separator: " \\| ") }
            else if items["$ref"] != nil { t = "array of objects" }
            else if items["oneOf"] != nil { t = "array of steps" }
            else { t = "array of \(items["type"]?.stringValue ?? "any")s" }
        }
        var bounds: [String] = []
        if let lo = p["minimum"] { bounds.append("≥ \(JSONWriter.compact(lo))") }
        if let lo = p["exclusiveMinimum"] { bounds.append("> \(JSONWriter.compact(lo))") }
        if let hi = p["maximum"] { bounds.append("≤ \(JSONWriter.compact(hi))") }
        return bounds.isEmpty ? t : "\(t) (\(bounds.joined(separator: ", ")))"
    }

    private static func defaultText(_ p: JSONValue) -> String {
        guard let d = p["default"] else { return "—" }
        return "`\(JSONWriter.compact(d))`"
    }
}
