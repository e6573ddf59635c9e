namespace Ascai.Search.Strategies;

/// <summary>What the DDPG agent's reward is (AMC's, or the score ASCAI maximises).</summary>
public enum DdpgReward
{
    /// <summary>AMC's accuracy-guaranteed reward, -error x log(MACs) (error in [0, 1]).</summary>
    Flops,
    /// <summary>The score of ASCAI's search (method.md Eq. 4): the saving, penalised below the accuracy floor.</summary>
    Score,
}

/// <summary>How the agent's actions are bounded.</summary>
public enum DdpgClip
{
    /// <summary>Any action in [0, 1] (every gene's whole range).</summary>
    None,
    /// <summary>
    /// Each action at most the gene's threshold theta (the strongest compression of that layer alone that keeps the floor):
    /// the floor enforced by clipping actions, as AMC enforces a FLOPs target.
    /// </summary>
    Theta,
}

/// <summary>Settings of the DDPG strategy; defaults are AMC's (He et al. 2018, and its published search script).</summary>
public sealed record DdpgOptions
{
    /// <summary>Episodes of random actions before the agent learns (AMC: 100 of 800); null = an eighth of the budget, at most 100.</summary>
    public int? Warmup { get; init; }
    /// <summary>Episodes without a budget (AMC's 800).</summary>
    public int Episodes { get; init; } = 800;
    /// <summary>The reward.</summary>
    public DdpgReward Reward { get; init; } = DdpgReward.Flops;
    /// <summary>How actions are bounded.</summary>
    public DdpgClip Clip { get; init; } = DdpgClip.None;
    /// <summary>Units of the actor's and critic's two hidden layers.</summary>
    public int Hidden { get; init; } = 300;
    /// <summary>Learning rate of the actor (Adam).</summary>
    public double ActorRate { get; init; } = 1e-4;
    /// <summary>Learning rate of the critic (Adam).</summary>
    public double CriticRate { get; init; } = 1e-3;
    /// <summary>Transitions per minibatch.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Replay memory per gene, in transitions (AMC: 100 per layer).</summary>
    public int MemoryPerGene { get; init; } = 100;
    /// <summary>Rate of the target networks' soft update.</summary>
    public double Tau { get; init; } = 0.01;
    /// <summary>Discount of the next state's value (AMC: 1, every step shares the episode's reward).</summary>
    public double Discount { get; init; } = 1.0;
    /// <summary>Standard deviation of the truncated-normal exploration noise when the agent starts to learn.</summary>
    public double InitialNoise { get; init; } = 0.5;
    /// <summary>Factor the noise decays by per episode after the warm-up.</summary>
    public double NoiseDecay { get; init; } = 0.95;
    /// <summary>Weight of the newest minibatch in the moving average subtracted from the rewards.</summary>
    public double BaselineRate { get; init; } = 0.5;

    /// <summary>The warm-up for a run of <paramref name="episodes"/> episodes.</summary>
    public int WarmupFor(int episodes) => Warmup ?? Math.Min(100, episodes / 8);

    /// <summary>Throws <see cref="SettingException"/> for values that make no sense.</summary>
    public void Validate()
    {
        static string Key(string property) => SettingException.Of<DdpgOptions>(property);
        if (Warmup is < 0) throw new SettingException(Key(nameof(Warmup)), $"must be at least 0, got {Warmup}");
        if (Episodes < 1) throw new SettingException(Key(nameof(Episodes)), $"must be at least 1, got {Episodes}");
        if (Hidden is < 1 or > 4096) throw new SettingException(Key(nameof(Hidden)), $"must be between 1 and 4096, got {Hidden}");
        if (BatchSize < 1) throw new SettingException(Key(nameof(BatchSize)), $"must be at least 1, got {BatchSize}");
        if (MemoryPerGene < 1) throw new SettingException(Key(nameof(MemoryPerGene)), $"must be at least 1, got {MemoryPerGene}");
        foreach (var (name, value) in new[] { (nameof(ActorRate), ActorRate), (nameof(CriticRate), CriticRate), (nameof(Tau), Tau), (nameof(BaselineRate), BaselineRate) })
            if (!(value > 0 && value <= 1)) throw new SettingException(Key(name), $"must be in (0, 1], got {value}");
        if (!(Discount >= 0 && Discount <= 1)) throw new SettingException(Key(nameof(Discount)), $"must be in [0, 1], got {Discount}");
        if (!(InitialNoise >= 0 && InitialNoise <= 10)) throw new SettingException(Key(nameof(InitialNoise)), $"must be in [0, 10], got {InitialNoise}");
        if (!(NoiseDecay > 0 && NoiseDecay <= 1)) throw new SettingException(Key(nameof(NoiseDecay)), $"must be in (0, 1], got {NoiseDecay}");
    }
}
