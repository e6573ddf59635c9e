using Ascai.Compression;
using Ascai.Data;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Bench;

/// <summary>
/// A committed search run folder read back for replaying its genomes: its config, journal, model (where the run
/// found it, else from this checkout's models/ folder), data set split as the search had it, and search space.
/// </summary>
internal sealed class RecordedSearch : IDisposable
{
    public RecordedSearch(string runDir)
    {
        var store = new RunStore(runDir);
        var config = store.ReadConfig();
        // A committed run names the model and data by where the checkout that made it had them: read the model from this
        // checkout's models/ folder, and the data from its default place, unless they are still where the run had them.
        string model = File.Exists(config.Model) ? config.Model : Path.GetFullPath(Path.Combine("models", Path.GetFileName(config.Model)));
        Config = config with { Model = model, Data = config.Data with { DataDir = Directory.Exists(config.Data.DataDir) ? config.Data.DataDir : null } };
        Journal = store.ReadJournal();
        Model = ModelFile.Load(Config.Model);
        Data = ModelData.Load(Model, Config.Data, Config.Normalization);
        Space = Config.Evaluation.Space(Model.Graph);
    }

    public SearchConfig Config { get; }
    public List<EvaluationRecord> Journal { get; }
    public Model Model { get; }
    public DatasetSplits Data { get; }
    public SearchSpace Space { get; }

    /// <summary>The search's compression options (with a fresh factorisation cache, or none).</summary>
    public CompressionContext Context(bool cacheFactors = true) => Config.Evaluation.Context(cacheFactors);

    public void Dispose() => Model.Dispose();
}
