import Foundation
import XCTest
@testable import Winnow

final class SamplingTests: XCTestCase {
    /// The key/value-cached step gives the same next-token distribution as the full forward pass, at every position.
    func testCachedStepsMatchTheFullForwardPass() {
        let config = GPTConfig(vocabSize: 29, context: 12, layers: 2, heads: 2, channels: 16)
        let model = GPT(config: config)
        model.initialize(seed: 9)
        for i in 0..<config.parameterCount { model.parameters[i] *= 5 }
        let tokens: [Int32] = [3, 17, 4, 28, 0, 11, 11, 5, 9, 1]
        let probs = model.forward(inputs: tokens, targets: nil, B: 1, T: tokens.count)
        let inf = GPTInference(model: model)
        for (t, tok) in tokens.enumerated() {
            inf.step(tok)
            let logits = Array(UnsafeBufferPointer(start: inf.logits, count: config.vocabSize))
            let m = logits.max()!
            let e = logits.map { exp($0 - m) }, z = e.reduce(0, +)
            for v in 0..<config.vocabSize { XCTAssertEqual(e[v] / z, probs[t * config.vocabSize + v], accuracy: 1e-5, "position \(t), token \(v)") }
        }
    }

    func testRepetitionPenaltyAndNoRepeatNgramFollowTransformers() {
        var s: [Float] = [2, -2, 1, 0.5]
        Sampler.applyRepetitionPenalty(&s, history: [0, 1, 1], penalty: 2)
        XCTAssertEqual(s, [1, -4, 1, 0.5])               // positive divided, negative multiplied, once per token
        var t: [Float] = [0, 0, 0, 0]
        Sampler.banRepeatedNgrams(&t, history: [1, 2, 3, 1, 2], n: 3)   // "1 2" was followed by 3
        XCTAssertEqual(t, [0, 0, 0, -.infinity])
    }

    func testTopKTopPMinPAndGreedy() {
        let scores: [Float] = [log(0.5), log(0.25), log(0.15), log(0.1)]
        var o = DecodingOptions()
        o.topK = 2
        XCTAssertEqual(Sampler.filteredProbabilities(scores, options: o).map { ($0 * 1000).rounded() / 1000 }, [0.667, 0.333, 0, 0])
        o = DecodingOptions(); o.topP = 0.7
        XCTAssertEqual(Sampler.filteredProbabilities(scores, options: o).map { ($0 * 1000).rounded() / 1000 }, [0.667, 0.333, 0, 0])
        o = DecodingOptions(); o.topP = 0.8
        XCTAssertEqual(Sampler.filteredProbabilities(scores, options: o).filter { $0 > 0 }.count, 3)
        o = DecodingOptions(); o.minP = 0.28               // keeps p ≥ 0.14: drops only 0.1
        XCTAssertEqual(Sampler.filteredProbabilities(scores, options: o).filter { $0 > 0 }.count, 3)
        o = DecodingOptions(); o.temperature = 0
        var greedy = Sampler(options: o)
        var logits: [Float] = [0.1, 3, 0.2, 2.9]
        XCTAssertEqual(logits.withUnsafeMutableBufferPointer { greedy.next($0.baseAddress!, vocab: 4, history: []) }, 1)
        o.repetitionPenalty = 1.2                          // 3 / 1.2 = 2.5 < 2.9
        greedy = Sampler(options: o)
        XCTAssertEqual(logits.withUnsafeMutableBufferPointer { greedy.next($0.baseAddress!, vocab: 4, history: [1]) }, 3)
        // Seeded draws repeat.
        o = DecodingOptions(); o.seed = 4
        var a = Sampler(options: o), b = Sampler(options: o)
        let da = (0..<20).map { _ in logits.withUnsafeMutableBufferPointer { a.next($0.baseAddress!, vocab: 4, history: []) } }
        let db = (0..<20).map { _ in logits.withUnsafeMutableBufferPointer { b.next($0.baseAddress!, vocab: 4, history: []) } }
        XCTAssertEqual(da, db)
        XCTAssertTrue(Set(da).isSuperset(of: [1, 3]))
    }

    /// A model whose every next token is `favourite` (greedy): the final LayerNorm outputs its bias whatever the
    /// input, and only `favourite`'s embedding points along it.
    private func modelThatAlwaysSays(_ favourite: Int, vocab: Int = 11, context: Int = 4) -> GPT {
        let config = GPTConfig(vocabSize: vocab, context: context, layers: 1, heads: 1, channels: 8)
        let model = GPT(config: config)
        model.initialize(seed: 3)
        let p = model.p, C = config.channels
        for i in 0..<C { p.lnfw[i] = 0; p.lnfb[i] = 1 }
        for v in 0..<vocab { for i in 0..<C { p.wte[v * C + i] = v == favourite ? 1 : 0 } }
        return model
    }

    /// Item 6 of issue 17: generation stops at the end-of-text token unless told to go on.
    func testGenerationStopsAtTheEndOfTextToken() {
        var greedy = DecodingOptions(); greedy.temperature = 0
        var g = Generator(model: modelThatAlwaysSays(0), options: greedy)
        let stopped = g.generate(prompt: [0, 5], maxNewTokens: 10, stop: 0)
        XCTAssertEqual(stopped.tokens, [])
        XCTAssertTrue(stopped.stopped)
        var g2 = Generator(model: modelThatAlwaysSays(0), options: greedy)
        let goOn = g2.generate(prompt: [0, 5], maxNewTokens: 10, stop: nil)
        XCTAssertEqual(goOn.tokens, Array(repeating: 0, count: 10))
        XCTAssertFalse(goOn.stopped)
    }

    /// Item 6 of issue 17: past the context the window slides (it used to stop in silence at the context length),
    /// and the tokens after the slide are those of a model fed the last `context` tokens from scratch.
    func testGenerationSlidesThePastTheContext() {
        let config = GPTConfig(vocabSize: 13, context: 6, layers: 2, heads: 2, channels: 16)
        let model = GPT(config: config)
        model.initialize(seed: 5)
        for i in 0..<config.parameterCount { model.parameters[i] *= 4 }
        var greedy = DecodingOptions(); greedy.temperature = 0
        var g = Generator(model: model, options: greedy)
        let prompt: [Int32] = [0, 3, 7]
        let out = g.generate(prompt: prompt, maxNewTokens: 20, stop: nil)
        XCTAssertEqual(out.tokens.count, 20, "generation goes on past the context of 6")
        // Every token equals the greedy choice of a fresh forward pass over the last 6 tokens before it.
        let all = prompt + out.tokens
        for k in prompt.count..<all.count {
            let window = Array(all[max(0, k - 6)..<k])
            let probs = model.forward(inputs: window, targets: nil, B: 1, T: window.count)
            let last = (0..<13).map { probs[(window.count - 1) * 13 + $0] }
            XCTAssertEqual(Int32(last.indices.max { last[$0] < last[$1] }!), all[k], "token \(k)")
        }
    }

    /// Item 6 of issue 17: out-of-range decoding settings are named with their valid range.
    func testDecodingOptionsAreChecked() {
        var o = DecodingOptions()
        XCTAssertNil(o.problem)
        o.topP = 0; XCTAssertEqual(o.problem, "--top-p 0.0: must be in (0, 1] (1 keeps every token)")
        o = DecodingOptions(); o.topP = 1.5; XCTAssertNotNil(o.problem)
        o = DecodingOptions(); o.temperature = -1; XCTAssertEqual(o.problem, "--temperature -1.0: must be ≥ 0 (0 is greedy)")
        o = DecodingOptions(); o.topK = -2; XCTAssertNotNil(o.problem)
        o = DecodingOptions(); o.minP = 1.2; XCTAssertNotNil(o.problem)
        o = DecodingOptions(); o.repetitionPenalty = 0; XCTAssertNotNil(o.problem)
    }
}
