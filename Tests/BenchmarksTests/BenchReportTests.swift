import Foundation
import Testing
import TinyGPT
@testable import Benchmarks

private func sampleReport() -> BenchReport {
    var r = BenchReport()
    r.cores = 2
    r.model = GPTConfig(vocabSize: 285)
    r.wire.trajectories = WireBenchmark.Result(messages: 1, payloadBytesPerMessage: 100, wireBytesPerMessage: 50, compressionRatio: 2,
                                               megabytesPerSecond: Stats([1, 2]), secondsPerMessage: Stats([0.001]))
    r.breakdown = [.init(stage: "sampling", milliseconds: Stats([1, 2, 3]), source: "test")]
    r.targets = [.init(name: "wire", value: 0.5, goal: "≤ 2 %", met: true)]
    r.torch.note = "skipped"
    return r
}

@Test func reportEncodesAndDecodes() throws {
    let data = try JSONEncoder().encode(sampleReport())
    let back = try JSONDecoder().decode(BenchReport.self, from: data)
    #expect(back.cores == 2 && back.breakdown.count == 1 && back.targets.first?.met == true)
    let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    #expect(obj?["wire"] != nil && obj?["cluster"] != nil)
}

@Test func tableAndChartRenderAPartialReport() {
    let r = sampleReport()
    let table = BenchTable.render(r)
    #expect(table.contains("TARGET") && table.contains("sampling"))
    let svg = BenchChart.render(r)
    #expect(svg.hasPrefix("<svg") && svg.contains("no cluster runs") && svg.hasSuffix("</svg>\n"))
    #expect(BenchChart.render(BenchReport()).contains("no stages measured"))
}

/// `--real-model-only` measures neither our GPT-2 nor the wire: their sections are left out.
@Test func sectionsWithNothingMeasuredAreLeftOut() {
    var r = BenchReport()
    r.realModel = BenchReport.RealModel()
    r.realModel?.sampling = .init(ours: Stats([250]), theirs: Stats([150]), ratios: Stats([250.0 / 150]), theirPeakResidentMB: nil)
    let table = BenchTable.render(r)
    #expect(table.contains("REAL MODEL") && table.contains("ratio 1.67"))
    #expect(!table.contains("POLICY rows") && !table.contains("VS PYTORCH") && !table.contains("WIRE") && !table.contains("END TO END"), "\(table)")
    #expect(BenchTable.render(sampleReport()).contains("WIRE") && BenchTable.render(sampleReport()).contains("VS PYTORCH"))
}

@Test func badOptionsAreRejected() {
    var o = BenchOptions()
    o.batchSizes = [0]
    #expect(throws: BenchError.self) { try o.validate() }
    o = .quickPreset
    #expect(throws: Never.self) { try o.validate() }
    o.clusterSteps = 1
    #expect(throws: BenchError.self) { try o.validate() }
}
