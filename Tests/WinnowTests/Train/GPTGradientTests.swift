import Foundation
import XCTest
@testable import Winnow

/// The hand-written backward pass against central finite differences of the loss, for entries of every
/// parameter tensor (so every layer type: embeddings, LayerNorms, attention and MLP projections, the tied
/// output), on a tiny model.
final class GPTGradientTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() {
        let config = GPTConfig(vocabSize: 13, context: 6, layers: 2, heads: 2, channels: 8)
        let model = GPT(config: config)
        model.initialize(seed: 42)
        // Larger weights than GPT-2's 0.02 so every path carries a gradient well above float noise.
        for i in 0..<config.parameterCount { model.parameters[i] *= 3 }
        let B = 2, T = 6
        let inputs: [Int32] = (0..<(B * T)).map { Int32(($0 * 7 + 3) % 13) }
        let targets: [Int32] = (0..<(B * T)).map { Int32(($0 * 5 + 1) % 13) }
        model.zeroGradients()
        model.forward(inputs: inputs, targets: targets, B: B, T: T)
        model.backward()
        let analytic = Array(model.gradients)
        func loss() -> Double { model.forward(inputs: inputs, targets: targets, B: B, T: T); return Double(model.meanLoss) }
        let names = ["wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb", "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb"]
        var offset = 0, checked = 0
        for (t, size) in config.parameterSizes.enumerated() {
            for k in 0..<min(size, 8) {
                let i = offset + (k * 7919) % size
                let saved = model.parameters[i], h: Float = 2e-3
                model.parameters[i] = saved + h; let up = loss()
                model.parameters[i] = saved - h; let down = loss()
                model.parameters[i] = saved
                let numeric = (up - down) / Double(2 * h), a = Double(analytic[i])
                XCTAssertEqual(a, numeric, accuracy: 2e-3 + 0.05 * abs(numeric), "\(names[t])[\(i - offset)]")
                checked += 1
            }
            offset += size
        }
        XCTAssertEqual(checked, 16 * 8)
        // The loss of an untrained model is near log(V).
        let fresh = GPT(config: config)
        fresh.initialize(seed: 1)
        fresh.forward(inputs: inputs, targets: targets, B: B, T: T)
        XCTAssertEqual(Double(fresh.meanLoss), log(13.0), accuracy: 0.1)
    }
}
