"""Transfer learning: a fitted estimator's network initialises another's.

``init_from`` copies every weight but the output layer from a fitted estimator
of the same family; ``freeze`` then trains only the output layer. Both are
functions of the estimator being fitted and its :class:`~._base.Network`.
"""

from torch import nn

from ._accelerate import unwrap_module


def source_module(estimator, source, network):
    """The torch module of ``source`` (``init_from``), checked against ours, or None.

    Raises
    ------
    ValueError
        If ``source``'s network is not a ``network.module``.
    """
    if source is None:
        return None
    theirs = unwrap_module(source.net_)
    if type(theirs) is not network.module:
        raise ValueError(
            f"init_from is a {type(source).__name__}, whose network (a "
            f"{type(theirs).__name__}) cannot initialise a "
            f"{type(estimator).__name__} (a {network.module.__name__}); use an "
            f"estimator of the same family, whose network is a "
            f"{network.module.__name__}"
        )
    return theirs


def copy_weights(estimator, source, network):
    """Copy every weight but the head from ``source`` into ``estimator.net_``.

    Nothing is copied unless everything fits: the same layers, of the same
    shapes (bins, depth and widths).

    Raises
    ------
    ValueError
        Naming the first layer that differs, and how many more do.
    """
    theirs = unwrap_module(source.net_).state_dict()
    ours = estimator.net_.module_.state_dict()
    body = [k for k in ours if not k.startswith(network.head)]
    their_body = [k for k in theirs if not k.startswith(network.head)]
    problems = [
        f"{k!r}: {tuple(theirs[k].shape) if k in theirs else 'missing'} in "
        f"init_from vs {tuple(ours[k].shape)} here"
        for k in body if k not in theirs or theirs[k].shape != ours[k].shape
    ] + [f"{k!r}: {tuple(theirs[k].shape)} in init_from, missing here"
         for k in their_body if k not in ours]
    if problems:
        raise ValueError(
            f"init_from's network does not match this one at {problems[0]}"
            f"{f' (and {len(problems) - 1} more)' if len(problems) > 1 else ''}; "
            "use the same architecture parameters and the same number of bins "
            f"(init_from has n_features_in_={source.n_features_in_}, this "
            f"data has {estimator.n_features_in_})"
        )
    for key in body:
        ours[key] = theirs[key].to(ours[key].device)
    estimator.net_.module_.load_state_dict(ours)


def _in_eval_mode(module, args):
    """Forward pre-hook of a frozen batch normalisation: eval mode, whatever
    ``train()`` set (skorch sets training mode before every step)."""
    module.training = False


def freeze_body(net, network):
    """Let the skorch ``net`` train only the output layer.

    The body's batch normalisation stays in eval mode: it normalises with the
    statistics ``init_from`` learnt and does not update them, so the features
    the output layer trains on are the source network's.
    """
    for name, param in net.module_.named_parameters():
        param.requires_grad = name.startswith(network.head)
    for name, module in net.module_.named_modules():
        if (isinstance(module, nn.modules.batchnorm._BatchNorm)
                and not name.startswith(network.head)):
            module.register_forward_pre_hook(_in_eval_mode)
    net.initialize_optimizer()
