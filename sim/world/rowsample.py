"""Draw a column for each row of a non-negative sparse weight matrix, in proportion to the
row's weights: one ``searchsorted`` for any mix of rows, because the row-wise cumulative
shares are stored offset by the row index (row r's shares lie in (r, r + 1]).

Used by the journey to crime (:class:`sim.mechanisms.offenders.Journey`) and by long ties
of a city from a table (:func:`sim.world.network.long_tie_ends`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class RowSampler:
    def __init__(self, weights: sp.csr_array):
        k = sp.csr_array(weights)
        k.sort_indices()
        m = k.shape[0]
        row_sum = np.asarray(k.sum(axis=1)).ravel()
        rows = np.repeat(np.arange(m), np.diff(k.indptr))
        cum = np.cumsum(k.data)
        start = np.concatenate(([0.0], cum))[k.indptr[:-1]]
        self.cdf = (cum - start[rows]) / np.where(row_sum[rows] > 0, row_sum[rows], 1) + rows
        self.indices, self.indptr = k.indices, k.indptr
        self.empty = row_sum <= 0

    def draw(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A column for each of ``rows``, from uniforms ``u`` in [0, 1); a row with no weight
        gives itself."""
        pos = np.searchsorted(self.cdf, rows + u, side="right")
        pos = np.clip(pos, self.indptr[rows], self.indptr[rows + 1] - 1)
        return np.where(self.empty[rows], rows, self.indices[pos])
