// ParameterSpec+Init: a public factory (the memberwise initializer is internal), so that other modules can build a
// ParameterStore with extra trainable tensors (distillation's hidden-state projections, which live beside a
// student's parameters during training only).
extension ParameterSpec {
    public static func extra(path: String, shape: [Int]) -> ParameterSpec { ParameterSpec(path: path, shape: shape) }
}
