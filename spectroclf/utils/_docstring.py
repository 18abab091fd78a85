"""Shared parameter text in docstrings, as imbalanced-learn's ``Substitution``."""

__all__ = [
    "Substitution",
    "TRAINING_DOC",
    "VALIDATION_DOC",
    "INIT_FROM_DOC",
    "DEVICE_DOC",
    "CLASSIFIER_LOSS_DOC",
    "REGRESSOR_LOSS_DOC",
]


class Substitution:
    """Decorator filling ``{name}`` fields of a docstring from keyword arguments.

    Only the named fields are replaced (``str.format_map`` of the known
    names), so the braces of literal sets such as ``{"auto", "cpu"}`` in the
    docstring stay as they are. A name the docstring does not use is an
    error, and so is a field left unfilled by a typo: the text can never be
    assembled silently wrong.

    Parameters
    ----------
    **params : str
        The text of each field.

    Examples
    --------
    >>> from spectroclf.utils import Substitution
    >>> @Substitution(lr="lr : float\\n    Learning rate.")
    ... def f():
    ...     '''Train.
    ...
    ...     {lr}
    ...     '''
    >>> "Learning rate." in f.__doc__
    True
    """

    def __init__(self, **params):
        self.params = params

    def __call__(self, obj):
        doc = obj.__doc__ or ""
        for name, text in self.params.items():
            field = "{" + name + "}"
            if field not in doc:
                raise ValueError(
                    f"the docstring of {obj.__qualname__} has no field {field}"
                )
            doc = doc.replace(field, text)
        obj.__doc__ = doc
        return obj


# -- parameter text shared by the estimators that own a skorch net -------------
# (``str.format`` fields: ``lr``, ``max_epochs``; ``stratified``; ``valid_extra``)
TRAINING_DOC = """
    lr : float, default={lr}
        Learning rate.
    max_epochs : int, default={max_epochs}
        Passes over the training data.
    batch_size : int, default=32
        Clips per batch; each batch is padded to its longest clip.
    bucket_by_length : bool, default=False
        Train on batches of clips of similar length (shuffled pools of 16
        batches sorted by length, the batches in a new random order every
        epoch; still deterministic under ``random_state``), so that batches
        carry little padding: faster when clip lengths vary (beat-synced
        clips), no gain when they are all alike (full-length clips).
        Validation and prediction keep the input order.
    optimizer : {{"adam", "adamw", "sgd"}} or torch optimizer class, default="adam"
        ``"sgd"`` uses momentum 0.9.
    weight_decay : float, default=0.0
        L2 penalty (decoupled for ``"adamw"``)."""

VALIDATION_DOC = """
    validation_fraction : float in (0, 1), default=None
        Fraction of the training clips held out{stratified} to report
        ``valid_loss`` in ``history_`` each epoch. ``None`` trains on
        everything (0.1 is held out when ``early_stopping``).
    early_stopping : bool, default=False
        Stop when the validation loss has not improved by at least ``tol``
        for ``n_iter_no_change`` epochs, and restore the weights of the epoch
        with the lowest validation loss. (skorch's own ``EarlyStopping`` with
        ``load_best=True``, which may also be passed in ``callbacks``,
        restores the last epoch that improved by more than its threshold,
        which is not always the lowest.)
    n_iter_no_change : int, default=5
        Patience of early stopping.
    tol : float, default=1e-4
        Smallest decrease of the validation loss that counts as an
        improvement for early stopping (absolute, in the loss's units).
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks (e.g. ``skorch.callbacks.LRScheduler``); they
        are copied, never modified.
    checkpoint : str or path-like, default=None
        A directory where the training state is saved after every epoch
        (``checkpoint.pt``, written to a temporary file and then renamed).
        Fitting again with the same directory resumes from the last saved
        epoch and stops at ``max_epochs`` in all."""

INIT_FROM_DOC = """
    init_from : fitted estimator of the same family, or a Pipeline ending in one, default=None
        Start from this estimator's network (all but the output layer), e.g.
        a genre classifier to fine-tune for emotion regression. The
        architecture parameters and the number of bins must match; any
        mismatch is a ``ValueError`` naming both shapes.
    freeze : bool, default=False
        With ``init_from``, train only the new output layer: the body keeps
        ``init_from``'s weights and batch-normalisation statistics."""

DEVICE_DOC = """
    device : {{"auto", "cpu", "cuda"}} or str, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU. Ignored with an
        ``accelerator``, which places the network itself.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        run the script with ``accelerate launch --multi_gpu --num_processes N``
        for data-parallel training on N GPUs, each process fitting on
        ``batch_size`` clips per step (an effective batch of
        ``batch_size * N``), or use the accelerator's mixed precision. Every
        process returns all the predictions; ``checkpoint`` files are written
        by the main process only. Needs ``pip install "spectroclf[accelerate]"``.
        See :ref:`scaling`.
    amp : {{"auto"}} or bool, default="auto"
        Automatic mixed precision: forward passes under ``torch.autocast``
        in float16 with gradient scaling on CUDA, in bfloat16 on the CPU
        (outputs, losses and probabilities stay float32). ``"auto"`` is on
        for CUDA and off on the CPU, where results are exactly those of
        float32. On CUDA, batches are also pinned and copied to the GPU
        without blocking. With an ``accelerator``, use its own
        ``mixed_precision`` instead.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split; the same value gives the same predictions on the CPU.
    verbose : int, default=0
        1 prints one line per epoch, 2 adds a progress bar per epoch.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch network (its ``module_`` is the torch module).
    history_ : skorch.History
        Per-epoch ``train_loss`` (and ``valid_loss``{valid_extra} with a
        validation split); ``history_[:, "train_loss"]`` gives a curve.
    n_epochs_ : int
        Epochs trained.
    n_features_in_ : int
        Number of frequency bins per frame.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when 2-D input with string column names was given.
    device_ : str
        The device used for training."""

CLASSIFIER_LOSS_DOC = """
    criterion : "cross_entropy" or torch loss class, default="cross_entropy"
        The loss; a class is built as skorch builds its ``criterion`` (with
        ``weight=`` when ``class_weight`` is set) and called with the
        network's logits and the class indices. ``torch.nn.NLLLoss``, which
        needs log-probabilities, is refused. ``predict_proba`` is the softmax
        of the logits whatever the loss."""

REGRESSOR_LOSS_DOC = """
    criterion : {"mse", "l1", "smooth_l1"} or torch loss class, default="mse"
        The loss on standardised targets: mean squared error, mean absolute
        error or Huber-like smooth L1 (a searchable hyperparameter); a class
        is built as skorch builds its ``criterion``.
    target_weights : array-like of shape (n_targets,), default=None
        Weight of each target's loss (multitask learning): the loss is
        ``(1 / n_targets) * sum_j target_weights[j] * loss_j``. A zero
        leaves that target untrained; ``None`` weighs every target 1."""
