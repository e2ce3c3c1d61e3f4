// Commands write to Console; the shell tests swap Console's streams, so tests in this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
