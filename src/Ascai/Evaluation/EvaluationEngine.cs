namespace Ascai.Evaluation;

/// <summary>Which runtime computes a candidate's validation accuracy.</summary>
public enum EvaluationEngine
{
    /// <summary>TorchSharp (libtorch), the engine the graph itself runs on.</summary>
    TorchSharp,
    /// <summary>ONNX Runtime on the candidate exported in memory (the deployment engine; faster on small CNNs here).</summary>
    OnnxRuntime,
    /// <summary>
    /// Both, on the first candidates in turn, then whichever ran them faster per MAC (same accuracies either way):
    /// which is faster depends on the model and on the channel counts the search produces.
    /// </summary>
    Auto,
}
