using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ascai.Search.Strategies;

/// <summary>One step of an episode, as the agent stores it: the state, the action, the episode's reward, the next state.</summary>
public sealed record DdpgTransition(float[] State, double Action, double Reward, float[] Next, bool Last);

/// <summary>
/// AMC's DDPG agent (Lillicrap et al.'s deep deterministic policy gradient, as AMC uses it): an actor state -> hidden ->
/// hidden -> action in [0, 1] (sigmoid) and a critic (state, action) -> value, small MLPs on TorchSharp with target copies
/// updated softly; a replay memory of the last transitions; each update draws a minibatch, subtracts a moving average of
/// the rewards (AMC's baseline), fits the critic to r + discount x Q'(s', actor'(s')) and moves the actor up the critic.
/// Weights are drawn from the strategy's seeded <see cref="Random"/> (PyTorch's default ranges), so a run is reproducible.
/// </summary>
public sealed class DdpgAgent : IDisposable
{
    private readonly DdpgOptions _options;
    private readonly Sequential _actor, _actorTarget;
    private readonly Critic _critic, _criticTarget;
    private readonly optim.Optimizer _actorOptimizer, _criticOptimizer;
    private readonly List<DdpgTransition> _memory = [];
    private readonly int _capacity;
    private int _oldest;
    private double? _baseline;

    /// <summary>An agent for states of <paramref name="features"/> numbers, remembering <paramref name="capacity"/> transitions.</summary>
    public DdpgAgent(int features, int capacity, DdpgOptions options, Random random)
    {
        (_options, _capacity) = (options, capacity);
        _actor = Actor(features, options.Hidden);
        _actorTarget = Actor(features, options.Hidden);
        _critic = new Critic(features, options.Hidden);
        _criticTarget = new Critic(features, options.Hidden);
        foreach (var module in new Module[] { _actor, _critic }) Initialize(module, random);
        Copy(_actorTarget, _actor, 1);
        Copy(_criticTarget, _critic, 1);
        _actorOptimizer = optim.Adam(_actor.parameters(), options.ActorRate);
        _criticOptimizer = optim.Adam(_critic.parameters(), options.CriticRate);
    }

    private static Sequential Actor(int features, int hidden) =>
        Sequential(Linear(features, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, 1), Sigmoid());

    /// <summary>The critic: the state and the action enter the first hidden layer side by side (AMC's fc11 + fc12).</summary>
    private sealed class Critic : Module<Tensor, Tensor, Tensor>
    {
        private readonly Linear _state, _action, _hidden, _value;

        public Critic(int features, int hidden) : base("critic")
        {
            (_state, _action, _hidden, _value) = (Linear(features, hidden), Linear(1, hidden), Linear(hidden, hidden), Linear(hidden, 1));
            RegisterComponents();
        }

        public override Tensor forward(Tensor state, Tensor action) =>
            _value.forward(functional.relu(_hidden.forward(functional.relu(_state.forward(state) + _action.forward(action)))));
    }

    /// <summary>Transitions remembered.</summary>
    public int Remembered => _memory.Count;

    /// <summary>The actor's action for <paramref name="state"/>, without noise.</summary>
    public double Act(float[] state)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _actor.forward(tensor(state).view(1, -1)).item<float>();
    }

    /// <summary>Remembers a transition (the oldest is forgotten once the memory is full).</summary>
    public void Observe(DdpgTransition transition)
    {
        if (_memory.Count < _capacity) _memory.Add(transition);
        else
        {
            _memory[_oldest] = transition;
            _oldest = (_oldest + 1) % _capacity;
        }
    }

    /// <summary>One update of the critic, the actor and their targets from a minibatch drawn with <paramref name="random"/>.</summary>
    public void Update(Random random)
    {
        if (_memory.Count == 0) return;
        using var scope = NewDisposeScope();
        var batch = Enumerable.Range(0, Math.Min(_options.BatchSize, _memory.Count)).Select(_ => _memory[random.Next(_memory.Count)]).ToList();
        var rewards = batch.Select(t => t.Reward).ToArray();
        double mean = rewards.Average();
        _baseline = _baseline is { } b ? b + _options.BaselineRate * (mean - b) : mean;
        var states = Stack(batch.Select(t => t.State));
        var next = Stack(batch.Select(t => t.Next));
        var actions = tensor(batch.Select(t => (float)t.Action).ToArray()).view(-1, 1);
        var reward = tensor(rewards.Select(r => (float)(r - _baseline.Value)).ToArray()).view(-1, 1);
        var continues = tensor(batch.Select(t => t.Last ? 0f : 1f).ToArray()).view(-1, 1);
        Tensor target;
        using (no_grad())
        using (var discount = _options.Discount.ToScalar()) // explicit and disposed: see Runtime/Scalars
            target = reward + continues.mul(discount) * _criticTarget.forward(next, _actorTarget.forward(next));

        _criticOptimizer.zero_grad();
        functional.mse_loss(_critic.forward(states, actions), target).backward();
        _criticOptimizer.step();

        _actorOptimizer.zero_grad();
        (-_critic.forward(states, _actor.forward(states)).mean()).backward();
        _actorOptimizer.step();

        Copy(_actorTarget, _actor, _options.Tau);
        Copy(_criticTarget, _critic, _options.Tau);
    }

    private static Tensor Stack(IEnumerable<float[]> rows)
    {
        var list = rows.ToList();
        return tensor(list.SelectMany(r => r).ToArray(), [list.Count, list[0].Length]);
    }

    // PyTorch's default initialisation of a linear layer (weights and bias uniform in +-1/sqrt(fan_in)), from the seeded Random.
    private static void Initialize(Module module, Random random)
    {
        using var _ = no_grad();
        foreach (var linear in module.modules().OfType<Linear>())
        {
            double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
            foreach (var p in new[] { linear.weight!, linear.bias! })
                p.copy_(tensor(Enumerable.Range(0, (int)p.numel()).Select(_ => (float)((random.NextDouble() * 2 - 1) * bound)).ToArray(), p.shape));
        }
    }

    // target <- (1 - tau) target + tau source
    private static void Copy(Module target, Module source, double tau)
    {
        using var _ = no_grad();
        using Scalar keep = (1 - tau).ToScalar(), take = tau.ToScalar();
        foreach (var (t, s) in target.parameters().Zip(source.parameters()))
            t.mul_(keep).add_(s, take);
    }

    /// <summary>Disposes the networks and their optimisers.</summary>
    public void Dispose()
    {
        _actorOptimizer.Dispose();
        _criticOptimizer.Dispose();
        foreach (var module in new Module[] { _actor, _actorTarget, _critic, _criticTarget }) module.Dispose();
    }
}
