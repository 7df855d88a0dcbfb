import Foundation

/// Models shared by every step (and run) that names the same file, loaded once.
enum FastTextModels {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: [String: (mtime: Date?, size: Int, model: FastTextModel)] = [:]

    /// The model at `path` (a spec parameter): resolved against the spec's folder, then the working
    /// directory, then (by file name) the folder `$WINNOW_MODELS` names; a missing or broken file is a
    /// `StepBuildError` at `pointer`, so `winnow validate` reports it.
    static func load(_ path: String, context: StepContext, pointer: String) throws -> FastTextModel {
        var candidates = [context.resolve(path), PipelineLoader.absolutePath(path)]
        if let dir = ProcessInfo.processInfo.environment["WINNOW_MODELS"], !dir.isEmpty {
            candidates.append(PipelineLoader.resolve((path as NSString).lastPathComponent, dir))
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let tried = Array(NSOrderedSet(array: candidates)).map { "\($0)" }.joined(separator: ", ")
            let hint = path.hasSuffix("lid.176.ftz")
                ? "; `make setup` places lid.176.ftz in the models/ folder of the Winnow checkout: give its full path, run from there, or set WINNOW_MODELS to that folder" : ""
            throw StepBuildError(pointer, "fastText model \"\(path)\" not found (looked for \(tried))\(hint)")
        }
        context.filesRead.note(found)
        let attributes = try? FileManager.default.attributesOfItem(atPath: found)
        let mtime = attributes?[.modificationDate] as? Date
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        lock.lock(); defer { lock.unlock() }
        if let m = loaded[found], m.mtime == mtime, m.size == size { return m.model }
        do {
            let model = try FastTextModel(path: found)
            loaded[found] = (mtime, size, model)
            return model
        } catch let e as FastTextError {
            throw StepBuildError(pointer, e.description)
        }
    }

    /// A document's text as one fastText line, the way datatrove's fastText filters pass it: newlines
    /// replaced by spaces, then the newline the Python binding appends (so `</s>` ends the input).
    static func predict(_ model: FastTextModel, _ text: String, k: Int) -> [FastTextModel.Prediction] {
        var line = [UInt8]()
        line.reserveCapacity(text.utf8.count + 1)
        for b in text.utf8 { line.append(b == 0x0A ? 0x20 : b) }
        line.append(0x0A)
        return line.withUnsafeBufferPointer { model.predict(line: $0, k: k, threshold: 0) }
    }

    /// `__label__pt` → `pt`; other labels as given.
    static func stripPrefix(_ label: String) -> String {
        label.hasPrefix("__label__") ? String(label.dropFirst(9)) : label
    }
}
