"""The survsim dashboard: compare scenarios, what-if runs, educator mode, the analyses the
command line wrote (frontiers, decompositions, sensitivity), calibration.

    python -m dashboard            # or: from dashboard.app import main; main()

Modules: :mod:`~dashboard.app` (create_app, main), :mod:`~dashboard.ids` (component ids),
:mod:`~dashboard.pages` (one layout per page), :mod:`~dashboard.callbacks` (one module
per page), :mod:`~dashboard.data` (runs, caches, sessions), :mod:`~dashboard.urlstate`
(the view in the URL), :mod:`~dashboard.charts` and :mod:`~dashboard.livefigures`
(figures), :mod:`~dashboard.runs` / :mod:`~dashboard.worker` (process pool),
:mod:`~dashboard.jobs` (background jobs), :mod:`~dashboard.whatif` (controls to scenario),
:mod:`~dashboard.educator` (live models), :mod:`~dashboard.snippets` (reproduce in
Python), :mod:`~dashboard.exports` (PNG/SVG/CSV), :mod:`~dashboard.analyses` (analysis
folders under the results folder, read only).
"""
