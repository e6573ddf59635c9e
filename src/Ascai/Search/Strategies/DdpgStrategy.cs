using Ascai.Compression;
using Ascai.Search.Operators;

namespace Ascai.Search.Strategies;

/// <summary>
/// AMC's reinforcement-learning search (He et al. 2018) through the same evaluator, journal and budget as every
/// strategy: an episode walks the genes in genome order; at each the agent reads the layer's state (AMC's embedding,
/// <see cref="States"/>) and answers a compression level in [0, 1] (0 = as is, 1 = the most the gene allows); the
/// episode's genome is evaluated once and its reward given to every step. The first episodes act at random (AMC's
/// warm-up), then the actor's action plus truncated-normal noise that decays by episode. Options in
/// <see cref="DdpgOptions"/>; sequential by nature (each episode learns from the last).
/// </summary>
public sealed class DdpgStrategy : ISearchStrategy
{
    /// <inheritdoc/>
    public string Name => "ddpg";

    /// <summary>Episodes allowed per evaluation of the budget (episodes that repeat a model evaluate nothing).</summary>
    public const int EpisodesPerEvaluation = 4;

    /// <summary>Features per state: index, type, in, out, stride, kernel, MACs, MACs removed so far, MACs left, the previous action.</summary>
    public const int Features = 10;

    /// <summary>
    /// AMC's state embedding of every gene's layer, before the episode's actions: the seven static features (index, type
    /// 0 conv / 1 linear, in, out, stride, kernel, MACs) each scaled to [0, 1] over the genes (min-max, a constant column
    /// left as is), then MACs removed so far (0), MACs of the following genes' layers over the model's, and the previous
    /// action (0: nothing compressed yet).
    /// </summary>
    public static float[][] States(SearchSpace space)
    {
        var layers = space.Layers;
        var rows = layers.Select((l, i) => new double[] { i, l.IsLinear ? 1 : 0, l.InChannels, l.OutChannels, l.Stride, l.Kernel, l.Macs, 0, 0, 0 }).ToArray();
        for (int f = 0; f < 7; f++)
        {
            double min = rows.Min(r => r[f]), max = rows.Max(r => r[f]);
            if (max > min) foreach (var r in rows) r[f] = (r[f] - min) / (max - min);
        }
        for (int i = 0; i < rows.Length; i++) rows[i][8] = (double)layers.Skip(i + 1).Sum(l => l.Macs) / space.TotalMacs;
        return rows.Select(r => r.Select(v => (float)v).ToArray()).ToArray();
    }

    /// <summary>AMC's accuracy-guaranteed reward: -error x ln(MACs), error = 1 - accuracy.</summary>
    public static double FlopsReward(double accuracyPercent, double macs) => -(100 - accuracyPercent) / 100 * Math.Log(Math.Max(1, macs));

    /// <summary>
    /// One episode's actions and states: per gene, the state (the static embedding with MACs removed so far and the previous
    /// action filled in) and the level chosen by <paramref name="choose"/>, capped by <paramref name="caps"/>.
    /// </summary>
    public static (float[][] States, double[] Actions) Episode(SearchSpace space, float[][] embedding, Func<float[], int, double> choose, double[]? caps = null)
    {
        var states = new float[space.Genes.Count][];
        var actions = new double[space.Genes.Count];
        double removed = 0, previous = 0;
        for (int i = 0; i < actions.Length; i++)
        {
            var state = (float[])embedding[i].Clone();
            state[7] = (float)(removed / space.TotalMacs);
            state[9] = (float)previous;
            states[i] = state;
            actions[i] = Math.Clamp(choose(state, i), 0, caps?[i] ?? 1);
            removed += actions[i] * space.Layers[i].RemovableMacs;
            previous = actions[i];
        }
        return (states, actions);
    }

    /// <inheritdoc/>
    public string? Run(SearchRun run, Random random)
    {
        var options = run.Options.Ddpg;
        var space = run.Space;
        double[]? caps = null;
        if (options.Clip == DdpgClip.Theta)
        {
            run.Phase = "threshold";
            var theta = ThresholdVector.Compute(space, g => GeneticStrategy.Feasible(run, g), run.Options.ThresholdResolution);
            run.Notify(o => o.ThetaComputed(theta));
            caps = theta.Select((t, i) => space.Genes[i].LevelOf(t)).ToArray();
        }
        // The budget counts distinct models, and an episode whose model the journal already holds costs none of it (a
        // converged agent repeats its model): so a budget is spent on that many models, with episodes capped at
        // EpisodesPerEvaluation times the budget for an agent that stays on models it has tried.
        int planned = run.Options.Budget ?? options.Episodes, warmup = options.WarmupFor(planned);
        int episodes = run.Options.Budget is { } budget ? budget * EpisodesPerEvaluation : options.Episodes;
        var embedding = States(space);
        using var agent = new DdpgAgent(Features, options.MemoryPerGene * space.Genes.Count, options, random);
        for (int episode = 0; episode < episodes && !run.ShouldStop && !run.HandOver; episode++)
        {
            run.Phase = episode < warmup ? "warm-up" : "episode";
            double noise = options.InitialNoise * Math.Pow(options.NoiseDecay, episode - warmup);
            var (states, actions) = Episode(space, embedding, (state, _) => episode < warmup ? random.NextDouble() : Noisy(agent.Act(state), noise, random), caps);
            var genome = space.Genes.Select((g, i) => g.AtLevel(actions[i])).ToArray();
            if (run.Evaluate([genome], episode) is not [var record]) break;
            double reward = options.Reward == DdpgReward.Flops ? FlopsReward(record.ValAccuracy, record.CostIn(space.Cost)) : record.Score;
            for (int i = 0; i < actions.Length; i++)
                agent.Observe(new DdpgTransition(states[i], actions[i], reward, states[Math.Min(i + 1, actions.Length - 1)], i == actions.Length - 1));
            if (episode >= warmup)
                for (int i = 0; i < actions.Length; i++) agent.Update(random);
        }
        return run.HandOver ? null : $"episodes ({episodes})";
    }

    /// <summary>A draw of Normal(<paramref name="mean"/>, <paramref name="sigma"/>) truncated to [0, 1] (by rejection; clipped after many misses).</summary>
    public static double Noisy(double mean, double sigma, Random random)
    {
        if (sigma <= 0) return Math.Clamp(mean, 0, 1);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            double value = random.NextGaussian(mean, sigma);
            if (value is >= 0 and <= 1) return value;
        }
        return Math.Clamp(mean, 0, 1);
    }
}
