using Accel.Sql;

namespace Accel.ML;

/// <summary>A step of a <see cref="Pipeline"/>: an estimator or a transformer (Spark's PipelineStage).</summary>
public abstract class PipelineStage : Params
{
    /// <summary>Creates a stage with a fresh uid.</summary>
    protected PipelineStage(string uidPrefix) : base(uidPrefix) { }

    /// <summary>A writer that saves this stage (metadata and data) to a folder.</summary>
    public MLWriter Write() => new(this);

    /// <summary>Writes the stage's own data files into <paramref name="dir"/> (metadata is written by the caller);
    /// stages that are only parameters write nothing.</summary>
    protected internal virtual void SaveData(string dir) { }

    /// <summary>Reads what <see cref="SaveData"/> wrote (parameters are already restored).</summary>
    protected internal virtual void LoadData(string dir) { }
}

/// <summary>Turns one DataFrame into another (Spark's Transformer).</summary>
public abstract class Transformer : PipelineStage
{
    /// <summary>Creates a transformer with a fresh uid.</summary>
    protected Transformer(string uidPrefix) : base(uidPrefix) { }

    /// <summary>The input with this stage's output column(s) added.</summary>
    public abstract DataFrame Transform(DataFrame dataset);
}

/// <summary>The untyped side of an estimator, for pipelines.</summary>
public interface IEstimator
{
    /// <summary>Fits a model to the data.</summary>
    Model FitModel(DataFrame dataset);
}

/// <summary>Learns a <typeparamref name="TModel"/> from a DataFrame (Spark's Estimator[M]).</summary>
public abstract class Estimator<TModel> : PipelineStage, IEstimator where TModel : Model
{
    /// <summary>Creates an estimator with a fresh uid.</summary>
    protected Estimator(string uidPrefix) : base(uidPrefix) { }

    /// <summary>Fits a model to the data; the model carries this estimator's parameter values.</summary>
    public abstract TModel Fit(DataFrame dataset);

    /// <inheritdoc />
    public Model FitModel(DataFrame dataset) => Fit(dataset);
}

/// <summary>A fitted transformer (Spark's Model[M]).</summary>
public abstract class Model : Transformer
{
    /// <summary>Creates a model with a fresh uid (loaders and Fit replace it).</summary>
    protected Model(string uidPrefix) : base(uidPrefix) { }

    /// <summary>The uid of the estimator that produced it (null after loading).</summary>
    public string? ParentUid { get; internal set; }

    /// <summary>Which path each heavy training stage ran on and why the others were not taken (empty for models without heavy training).</summary>
    public virtual IReadOnlyList<TrainingStage> TrainingStages => [];
}

/// <summary>A sequence of stages fitted in order (Spark's Pipeline): an estimator is fitted on the output of the
/// stages before it, then its model transforms the data for the stages after it.</summary>
public sealed class Pipeline : Estimator<PipelineModel>
{
    private readonly Param<string[]> _stagesParam;
    private PipelineStage[] _stages = [];

    /// <summary>Creates an empty pipeline.</summary>
    public Pipeline() : base("pipeline") =>
        _stagesParam = Define<string[]>("stages", "uids of the stages of the pipeline", Array.Empty<string>());

    /// <summary>Sets the stages.</summary>
    public Pipeline SetStages(params PipelineStage[] stages)
    {
        foreach (var s in stages)
            if (s is not Transformer && s is not IEstimator)
                throw new AccelException($"pipeline stage {s.Uid} is neither an estimator nor a transformer");
        _stages = stages.ToArray();
        SetValue(_stagesParam, _stages.Select(s => s.Uid).ToArray());
        return this;
    }

    /// <summary>The stages.</summary>
    public IReadOnlyList<PipelineStage> GetStages() => _stages;

    /// <inheritdoc />
    public override PipelineModel Fit(DataFrame dataset)
    {
        int lastEstimator = Array.FindLastIndex(_stages, s => s is IEstimator);
        var fitted = new List<Transformer>();
        var current = dataset;
        for (int i = 0; i < _stages.Length; i++)
        {
            Transformer t = _stages[i] is IEstimator e ? e.FitModel(current) : (Transformer)_stages[i];
            fitted.Add(t);
            // Stages after the last estimator are not needed to fit anything: transforming there would only waste work.
            if (i < lastEstimator) current = t.Transform(current);
        }
        var model = new PipelineModel(fitted) { ParentUid = Uid };
        model.Uid = Uid;
        return model;
    }

    /// <inheritdoc />
    protected internal override void SaveData(string dir) => Persistence.SaveStages(dir, _stages);

    /// <inheritdoc />
    protected internal override void LoadData(string dir) => SetStages(Persistence.LoadStages(dir));

    /// <summary>Loads a pipeline saved with Write().Save(path).</summary>
    public static Pipeline Load(string path) => Persistence.Load<Pipeline>(path);
}

/// <summary>A fitted pipeline: its transformers applied in order.</summary>
public sealed class PipelineModel : Model
{
    private Transformer[] _stages;

    internal PipelineModel(IEnumerable<Transformer> stages) : base("pipeline") => _stages = stages.ToArray();

    private PipelineModel() : base("pipeline") => _stages = [];

    /// <summary>The fitted stages.</summary>
    public IReadOnlyList<Transformer> Stages => _stages;

    /// <inheritdoc />
    public override IReadOnlyList<TrainingStage> TrainingStages => _stages.OfType<Model>().SelectMany(m => m.TrainingStages).ToArray();

    /// <inheritdoc />
    public override DataFrame Transform(DataFrame dataset)
    {
        var current = dataset;
        foreach (var t in _stages) current = t.Transform(current);
        return current;
    }

    /// <inheritdoc />
    protected internal override void SaveData(string dir) => Persistence.SaveStages(dir, _stages);

    /// <inheritdoc />
    protected internal override void LoadData(string dir) => _stages = Persistence.LoadStages(dir).Cast<Transformer>().ToArray();

    /// <summary>Loads a pipeline model saved with Write().Save(path).</summary>
    public static PipelineModel Load(string path) => Persistence.Load<PipelineModel>(path);
}
