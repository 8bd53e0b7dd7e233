"""The report templates and style sheet, shipped as the package ``verify.templates``.

This folder stays at the top of the repository (the project layout keeps ``templates/`` beside
``verify/``); ``pyproject.toml`` maps it to the package ``verify.templates`` so that a wheel, an
sdist and ``pip install .`` carry it, and :func:`verify.resources.templates_dir` is the one place
the code finds it.
"""
