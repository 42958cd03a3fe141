"""Lets a script use ``cronium.*`` without importing it (helpers/SPEC.md, "No-import use").

Put this folder on PYTHONPATH (``cronium run`` and the runner images do):

    PYTHONPATH=/opt/cronium/helpers/python/preload python3 script.py

Python imports ``sitecustomize`` at start-up; this one puts the ``cronium`` module into builtins,
so ``cronium.getVariable("X")`` works with no import, and registers it in ``sys.modules``, so an
explicit ``import cronium`` gives the very same module. The package is the ``cronium`` folder
beside this one (``../cronium``); when that is missing, an installed ``cronium`` is used.

The module is loaded lazily (importlib's LazyLoader): a Python process that never touches
``cronium`` does not pay for importing http.client.

Only the first ``sitecustomize`` on the path runs, so this one shadows any other; it therefore
runs the next ``sitecustomize`` on ``sys.path`` (a distribution's or your own) after its own work.
"""

import builtins
import importlib.machinery
import importlib.util
import os
import sys


def _lazy_module(name, spec):
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)  # with LazyLoader: runs on first attribute access
    return module


def _cronium():
    if "cronium" in sys.modules:
        return sys.modules["cronium"]
    here = os.path.dirname(os.path.realpath(__file__))
    package = os.path.join(os.path.dirname(here), "cronium")
    init = os.path.join(package, "__init__.py")
    if os.path.isfile(init):
        spec = importlib.util.spec_from_file_location("cronium", init, submodule_search_locations=[package])
    else:
        spec = importlib.util.find_spec("cronium")
    if spec is None or spec.loader is None:
        raise ImportError("the cronium helper package is neither beside %s nor installed" % here)
    return _lazy_module("cronium", spec)


def _chain():
    """Runs the sitecustomize this file shadows, if there is one."""
    here = os.path.dirname(os.path.realpath(__file__))
    rest = [p for p in sys.path if os.path.realpath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None or spec.origin is None:
        return None
    if os.path.realpath(spec.origin) == os.path.realpath(__file__):
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


try:
    builtins.cronium = _cronium()  # type: ignore[attr-defined]
finally:
    chained = _chain()
