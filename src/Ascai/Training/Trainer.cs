using System.Diagnostics;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Training;

/// <summary>
/// Trains a <see cref="LayerGraph"/> with SGD (momentum, weight decay) and a per-step cosine schedule, measuring
/// validation accuracy after each epoch. The graph's weights are updated in place. With a teacher (the original
/// model, when fine-tuning a compressed one) the loss is knowledge distillation: the weighted sum of cross-entropy
/// with the labels and T^2 times the KL divergence from the teacher's softened outputs.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Steps in a row whose gradients may come out NaN or infinite before the training counts as diverged. libtorch's
    /// multithreaded CPU convolution backward now and then returns a non-finite weight gradient for a layer with one
    /// input channel (seen fine-tuning pruned LeNet-5s at 0.5 loss, for up to four steps in a row, never with one
    /// thread; pytorch/pytorch#34344 reports the same class of fault), and one such step would turn every weight into
    /// NaN. Such a step's backward is done again on one thread; if that too is not finite, the step is skipped
    /// (nothing is updated), as a mixed-precision gradient scaler does.
    /// </summary>
    public const int SkippableSteps = 3;

    /// <summary>Runs <see cref="TrainOptions.Epochs"/> epochs over the training split of <paramref name="data"/>.</summary>
    public static IReadOnlyList<EpochResult> Train(LayerGraph graph, DatasetSplits data, TrainOptions options,
        IProgress<TrainProgress>? progress = null, CancellationToken cancel = default, LayerGraph? teacher = null)
    {
        options.Validate();
        var shapes = graph.InferShapes();
        if (!graph.InputShape.Equals(data.InputShape))
            throw new AscaiException($"the model takes {graph.InputShape} inputs but {data.Name} images are {data.InputShape}");
        if (shapes[graph.Output].Elements != data.Train.NumClasses)
            throw new AscaiException($"the model has {shapes[graph.Output]} outputs but {data.Name} has {data.Train.NumClasses} classes");

        var loader = new BatchLoader(data.Train, data.Normalization);
        if (!options.UnfoldBatchNorms) return TrainInPlace(graph, data, options, loader, progress, cancel, teacher);
        IReadOnlyList<string> inserted;
        using (NewDisposeScope())
            inserted = BatchNormFolding.InsertForTraining(graph, loader.Batches(data.TrainIndices.Take(UnfoldImages).ToArray(), ActivationBudget.Inference(graph, options.BatchSize)).Select(b => b.Images));
        try
        {
            return TrainInPlace(graph, data, options, loader, progress, cancel, teacher);
        }
        finally
        {
            BatchNormFolding.FoldInserted(graph, inserted);
        }
    }

    /// <summary>Training images the re-inserted batch-norms' starting statistics are measured on (<see cref="TrainOptions.UnfoldBatchNorms"/>).</summary>
    public const int UnfoldImages = 1024;

    private static IReadOnlyList<EpochResult> TrainInPlace(LayerGraph graph, DatasetSplits data, TrainOptions options, BatchLoader loader,
        IProgress<TrainProgress>? progress, CancellationToken cancel, LayerGraph? teacher)
    {
        var augmentation = options.Augment ? Augmentation.For(data.InputShape) : null;
        var shuffle = new Random(options.Seed);
        random.manual_seed(options.Seed);
        int steps = (data.TrainIndices.Length + options.BatchSize - 1) / options.BatchSize;
        // Large images: a step's batch runs in parts whose gradients add up, so memory stays within the budget.
        int part = ActivationBudget.Backward(graph, options.BatchSize, ActivationBudget.TrainingBytes);
        long totalSteps = (long)steps * options.Epochs, step = 0;

        using var optimizer = optim.SGD(graph.Parameters(), options.LearningRate, options.Momentum,
            weight_decay: options.WeightDecay, nesterov: options.Nesterov);
        using var zeros = new ZeroMasks(options.KeepZeros ? graph : null);
        var clock = Stopwatch.StartNew();
        var results = new List<EpochResult>();
        for (int epoch = 1; epoch <= options.Epochs && !(options.TimeLimit is { } limit && clock.Elapsed >= limit); epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            int s = 0, skippedInARow = 0;
            using var batches = loader.Batches(data.TrainIndices, options.BatchSize, shuffle, augmentation).GetEnumerator();
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                if (options.TimeLimit is { } stepLimit && clock.Elapsed >= stepLimit && seen > 0) break;
                using var scope = NewDisposeScope(); // before the batch is made, so that it is freed here too
                if (!batches.MoveNext()) break;
                var (images, labels) = batches.Current;
                SetLearningRate(optimizer, options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step++ / totalSteps)));
                optimizer.zero_grad();
                float value;
                long hits;
                bool finite;
                Func<bool> onOneThread; // the step's backward again on one thread (see SkippableSteps): whether its gradients are finite
                if (part < labels.shape[0])
                {
                    (value, hits, finite) = StepInParts(graph, images, labels, part, teacher, options, epoch, s + 1);
                    onOneThread = () => OnOneThread(optimizer, () => StepInParts(graph, images, labels, part, teacher, options, epoch, s).Finite);
                }
                else
                {
                    var logits = graph.Logits(images, training: true);
                    var loss = teacher is null ? nn.functional.cross_entropy(logits, labels) : Distillation(logits, labels, teacher, images, options);
                    // A diverged step turns every weight into NaN from here on: stop before it reaches the weights.
                    value = loss.item<float>();
                    if (!float.IsFinite(value))
                        throw Diverged(options, $"loss {value} at epoch {epoch}, step {s + 1}");
                    loss.backward(retain_graph: true); // kept for a second backward on one thread, freed with the step's scope
                    hits = logits.argmax(1).eq(labels).sum().item<long>();
                    finite = GradientsFinite(graph);
                    onOneThread = () => OnOneThread(optimizer, () => { loss.backward(); return GradientsFinite(graph); });
                }
                s++;
                if (!finite && !onOneThread())
                {
                    if (++skippedInARow > SkippableSteps)
                        throw Diverged(options, $"non-finite gradients at epoch {epoch}, steps {s - SkippableSteps} to {s}");
                    continue;
                }
                skippedInARow = 0;
                optimizer.step();
                zeros.Apply();
                lossSum += value * labels.shape[0];
                correct += hits;
                seen += labels.shape[0];
                progress?.Report(new TrainProgress(epoch, options.Epochs, s, steps, lossSum / seen, 100.0 * correct / seen, null, clock.Elapsed));
            }
            var validation = Evaluator.Evaluate(graph, data.Validation, data.ValidationIndices, data.Normalization, cancel: cancel);
            if (!validation.Finite) // the last step's update can break the weights after a finite loss
                throw Diverged(options, $"NaN or infinite outputs after epoch {epoch}");
            if (seen == 0) // every step of a short epoch was skipped: nothing was learnt, and there is no loss to report
                throw Diverged(options, $"non-finite gradients at every step of epoch {epoch}");
            results.Add(new EpochResult(epoch, lossSum / seen, 100.0 * correct / seen, validation.Accuracy, epochClock.Elapsed.TotalSeconds));
            progress?.Report(new TrainProgress(epoch, options.Epochs, steps, steps, lossSum / seen, 100.0 * correct / seen, validation.Accuracy, clock.Elapsed));
        }
        return results;
    }

    // One reduction and one synchronisation per step, not one per parameter.
    private static bool GradientsFinite(LayerGraph graph)
    {
        var finite = graph.Parameters().Select(p => p.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToArray();
        return finite.Length == 0 || stack(finite).all().item<bool>();
    }

    // (1 - w) CE(student, labels) + w T^2 KL(teacher_T || student_T), the teacher in eval mode and without gradients.
    private static Tensor Distillation(Tensor logits, Tensor labels, LayerGraph teacher, Tensor images, TrainOptions options)
    {
        Tensor target;
        using (no_grad()) target = nn.functional.softmax(teacher.Logits(images) / options.DistillTemperature, 1);
        // log_target: false, explicitly: TorchSharp's kl_div defaults to log-probability targets (PyTorch's to probabilities).
        var soft = nn.functional.kl_div(nn.functional.log_softmax(logits / options.DistillTemperature, 1), target, log_target: false, reduction: nn.Reduction.Sum) / labels.shape[0];
        double t2 = options.DistillTemperature * options.DistillTemperature;
        return nn.functional.cross_entropy(logits, labels) * (1 - options.DistillWeight) + soft * (options.DistillWeight * t2);
    }

    /// <summary>
    /// One step's forward and backward over a batch too large for memory, in parts of <paramref name="part"/> images: each
    /// part's loss weighted by its share of the batch, so the summed gradients are the batch's (batch-norms in training
    /// mode see each part's statistics). Returns the batch's loss, its correct predictions and whether the gradients are finite.
    /// </summary>
    internal static (float Value, long Hits, bool Finite) StepInParts(LayerGraph graph, Tensor images, Tensor labels, int part, LayerGraph? teacher,
        TrainOptions options, int epoch, int step)
    {
        long n = labels.shape[0], hits = 0;
        double value = 0;
        for (long start = 0; start < n; start += part)
        {
            using var scope = NewDisposeScope(); // a part's activations freed before the next part's
            long size = Math.Min(part, n - start);
            var (x, y) = (images.narrow(0, start, size), labels.narrow(0, start, size));
            var logits = graph.Logits(x, training: true);
            var loss = teacher is null ? nn.functional.cross_entropy(logits, y) : Distillation(logits, y, teacher, x, options);
            float partValue = loss.item<float>();
            if (!float.IsFinite(partValue)) throw Diverged(options, $"loss {partValue} at epoch {epoch}, step {step}");
            value += partValue * (double)size / n;
            loss.mul((double)size / n).backward();
            hits += logits.argmax(1).eq(y).sum().item<long>();
        }
        return ((float)value, hits, GradientsFinite(graph));
    }

    // A step's backward again, on one thread, from zeroed gradients (see SkippableSteps); whether its gradients are finite.
    private static bool OnOneThread(optim.Optimizer optimizer, Func<bool> backward)
    {
        int threads = get_num_threads();
        if (threads == 1) return false;
        optimizer.zero_grad();
        set_num_threads(1);
        try
        {
            return backward();
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    // The one error of a training that diverged, naming the setting to change.
    private static TrainingDivergedException Diverged(TrainOptions options, string what) =>
        new(SettingException.Of<TrainOptions>(nameof(TrainOptions.LearningRate)), $"{options.LearningRate} made the training diverge ({what}): try a lower one");

    /// <summary>The zero entries of every conv and linear weight, put back after each step (non-structured pruning's).</summary>
    private sealed class ZeroMasks : IDisposable
    {
        private readonly List<(Tensor Weight, Tensor Mask)> _masks = [];

        public ZeroMasks(LayerGraph? graph)
        {
            if (graph is null) return;
            foreach (var node in graph.Nodes)
                if (node.Parameters.TryGetValue("weight", out var weight) && node is Graph.Nodes.Conv2dNode or Graph.Nodes.LinearNode)
                    using (no_grad()) _masks.Add((weight, weight.ne(0).to_type(ScalarType.Float32).DetachFromDisposeScope()));
        }

        public void Apply()
        {
            if (_masks.Count == 0) return;
            using var _ = no_grad();
            foreach (var (weight, mask) in _masks) weight.mul_(mask);
        }

        public void Dispose()
        {
            foreach (var (_, mask) in _masks) mask.Dispose();
        }
    }

    /// <summary>
    /// What a model file records of a training (<paramref name="kind"/> "train") or fine-tuning ("finetune") run:
    /// the data, the settings, the time and the accuracies it reached, and the command that ran it.
    /// </summary>
    public static TrainingRecord Record(string kind, DatasetSplits data, TrainOptions options, IReadOnlyList<EpochResult> results, double? testAccuracy, string command) => new()
    {
        Dataset = data.Name, Epochs = options.Epochs, Seconds = results.Sum(r => r.Seconds), Seed = options.Seed,
        ValidationAccuracy = results[^1].ValidationAccuracy, ValidationSize = data.ValidationIndices.Length, TestAccuracy = testAccuracy, Command = command,
        // What was held out, so that a search can tell which images the model never saw.
        HeldOutFolder = data.ValidationSource?.Name, HeldOutIndices = data.ValidationSource is null && data.SplitSeed is null ? data.ValidationIndices : null,
        Settings = new()
        {
            ["kind"] = kind, ["optimizer"] = $"SGD momentum {options.Momentum} nesterov {options.Nesterov} weight-decay {options.WeightDecay}",
            ["schedule"] = $"cosine from {options.LearningRate}", ["batchSize"] = options.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["augment"] = options.Augment.ToString(), ["threads"] = get_num_threads().ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    private static void SetLearningRate(optim.Optimizer optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
    }
}
