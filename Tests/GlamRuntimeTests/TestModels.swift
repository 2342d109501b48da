@testable import GlamRuntime

/// Builds an in-memory opset 17 model, for tests whose graph is easier to state than to export.
func testModel(nodes: [Node], inputs: [ValueInfo], outputs: [String], initializers: [String: Tensor] = [:]) -> Model {
    let graph = Graph(name: "test", nodes: nodes, initializers: initializers, inputs: inputs,
                      outputs: outputs.map { ValueInfo(name: $0, dataType: nil, shape: nil) }, valueInfo: [])
    return Model(irVersion: 8, producerName: "test", producerVersion: "", opsetImports: ["": 17], metadata: [], graph: graph)
}

/// Builds a FLOAT graph input with fixed dimensions.
func floatInput(_ name: String, _ shape: [Int]) -> ValueInfo {
    ValueInfo(name: name, dataType: .float, shape: shape.map { .fixed($0) })
}
