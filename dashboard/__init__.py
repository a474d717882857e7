"""The survsim Dash dashboard (compare scenarios, what-if runs, educator mode).

Not built yet: see the dashboard issue. ``survsim dashboard`` does not exist until then.
"""
