namespace TinyGpt;

/// <summary>
/// nanoGPT's <c>get_lr</c>: linear warmup to the peak, then a half cosine down to the minimum,
/// which holds after the decay ends.
/// </summary>
public sealed record LearningRateSchedule(double Peak, double Min, int WarmupSteps, int DecaySteps)
{
    /// <summary>The schedule of <paramref name="options"/>.</summary>
    public static LearningRateSchedule From(TrainingOptions options) =>
        new(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.EffectiveDecaySteps);

    /// <summary>The learning rate used for the update at zero-based <paramref name="step"/>.</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
            return Peak * (step + 1) / (WarmupSteps + 1);
        if (step > DecaySteps || DecaySteps == WarmupSteps)
            return Min;
        var progress = (double)(step - WarmupSteps) / (DecaySteps - WarmupSteps);   // 0 .. 1
        var coefficient = 0.5 * (1.0 + Math.Cos(Math.PI * progress));              // 1 .. 0
        return Min + coefficient * (Peak - Min);
    }
}
