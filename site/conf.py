"""Sphinx configuration of the course site (built by ``dglab site`` / ``make site``).

``dglab site`` copies this file, ``_static/`` and the chosen ``labs/*.ipynb`` into a staging
folder beside a generated landing page, then runs Sphinx on it; myst-nb executes each lab once
and caches the result. Everything the pages need is copied into the output: nothing loads from
the network, at build time or when a student reads the pages.
"""

import os

project = "dglab"
author = "the dglab authors"
copyright = "the dglab authors"  # noqa: A001 - Sphinx's name

extensions = [
    "myst_nb",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static/, instead of a CDN script
    "dglab.sphinx_cjk",  # Chinese runs get lang="zh-Hans", so browsers pick a Simplified Chinese font
    "dglab.sphinx_widgets",  # a widget shows its first drawing as static HTML (no CDN widget manager)
]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]

# Execute each lab once; jupyter-cache reuses the outputs until a code cell changes.
nb_execution_mode = "cache"
nb_execution_cache_path = os.environ.get("DGLAB_SITE_CACHE", "../.jupyter_cache")
# Seconds per cell. A lab runs in well under 20 s in all, so 60 s is ample even on a loaded machine.
# It also bounds a stall after ipywidgets cells: a reply that comes while nbclient sends an Output
# widget's update is read only when this timeout expires (outputs intact). dglab's own runners use
# dglab.notebooks.RearmedKernelClient against it; myst-nb makes its own client, so here the bound stays.
nb_execution_timeout = 60
nb_execution_in_temp = True  # files a lab writes land in a temporary folder, not in the site
nb_execution_raise_on_error = True  # a cell that fails without its raises-exception tag fails the build
nb_execution_show_tb = True
# No widget manager from a CDN: on a static page a slider has no kernel to talk to, so
# dglab.sphinx_widgets shows what the widget first drew; JupyterLab runs it for real.
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = "dglab — PyTorch's dynamic graph, hands on"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,  # the lab notebook itself, from _sources/
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "navigation_with_keys": True,
}
html_last_updated_fmt = None
