"""The city and the social network have the structure the design asks for."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.world.city import build_city
from sim.world.network import SortedContacts, build_network, row_normalise, to_networkx
from sim.core.streams import stream
from tests.conftest import small


@pytest.mark.parametrize("target", [0.3, 0.55, 0.8])
def test_segregation_hits_target_dissimilarity(target):
    c = build_city(small(residents=20_000, **{"city.dissimilarity": target, "city.grid_side": 10}), stream(1, "city"))
    assert abs(c.dissimilarity - target) < 0.05, f"dissimilarity {c.dissimilarity:.3f}, target {target}"


def test_group_shares_follow_parameters():
    p = small(residents=50_000)
    c = build_city(p, stream(2, "city"))
    shares = np.bincount(c.group, minlength=len(p.group_keys)) / len(c.group)
    np.testing.assert_allclose(shares, [p.groups.shares[k] for k in p.group_keys], atol=0.01)


def test_jurisdictions_cover_every_neighbourhood():
    p = small(**{"city.n_jurisdictions": 5})
    c = build_city(p, stream(3, "city"))
    assert set(np.unique(c.dept)) == set(range(5))


def test_network_is_homophilous_and_mostly_local():
    p = small(residents=4000)
    c = build_city(p, stream(4, "city"))
    a = build_network(c, p.network, stream(4, "network"))
    g = to_networkx(a, c.category)
    assert nx.number_of_nodes(g) == 4000
    assert nx.attribute_assortativity_coefficient(g, "group") > 0.2, "ties should favour one's own group"
    rows = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
    local = (c.nbh[rows] == c.nbh[a.indices]).mean()
    assert local > 0.6, f"only {local:.0%} of ties are inside the neighbourhood"
    assert (a != a.T).nnz == 0, "ties must be symmetric"
    assert a.diagonal().sum() == 0, "no self-ties"
    # a giant component: word of mouth can reach most of the city
    assert len(max(nx.connected_components(g), key=len)) > 0.95 * 4000


def tie_distances(radius: float) -> np.ndarray:
    """Grid distance (cells) of every tie when residents make only long ties (and household ties)."""
    p = small(residents=4000, **{"network.local_ties": 0, "network.long_tie_radius": radius})
    c = build_city(p, stream(5, "city"))
    a = build_network(c, p.network, stream(5, "network"))
    rows = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
    return np.hypot(*(c.xy[c.nbh[rows]] - c.xy[c.nbh[a.indices]]).T)


def test_long_ties_stay_within_their_radius():
    near = tie_distances(1.5)
    assert near.max() <= 1.5 and near.max() > 1.4, "ties should reach diagonal neighbours and no further"
    anywhere = tie_distances(300)  # beyond the 6 x 6 grid's diagonal: anyone in the city
    assert anywhere.max() > 5 and anywhere.mean() > 2 * near.mean()


def test_long_ties_skip_empty_neighbourhoods():
    p = small(residents=60, **{"city.grid_side": 10})  # most of the 100 neighbourhoods are empty
    c = build_city(p, stream(7, "city"))
    a = build_network(c, p.network, stream(7, "network"))
    assert a.shape == (60, 60) and a.indices.max() < 60


def test_sorted_contacts_hold_every_row_in_degree_order_within_neighbourhoods():
    p = small(residents=4000)
    c = build_city(p, stream(6, "city"))
    a = build_network(c, p.network, stream(6, "network"))
    s = SortedContacts(a, c.nbh, c.n_neighbourhoods)
    assert s.indices.dtype == s.indptr.dtype == s.resident.dtype == np.uint32
    assert sorted(s.resident.tolist()) == list(range(4000)), "every resident exactly once"
    deg = np.diff(s.indptr.astype(np.int64))
    for k in range(c.n_neighbourhoods):  # the neighbourhood is the outer key, degree the inner
        rows = np.arange(s.nbh_start[k], s.nbh_start[k + 1])
        assert (c.nbh[s.resident[rows]] == k).all() and (np.diff(deg[rows]) >= 0).all()
    for r in np.random.default_rng(0).choice(4000, 50, replace=False):  # each row is its resident's, in order
        i = s.resident[r]
        np.testing.assert_array_equal(s.indices[s.indptr[r]:s.indptr[r + 1]], a.indices[a.indptr[i]:a.indptr[i + 1]])
    w = row_normalise(a)  # a tie weighs what the row-normalised matrix has, bit for bit
    np.testing.assert_array_equal(w.data, s.inv_degree[np.repeat(np.diff(a.indptr), np.diff(a.indptr))])


def test_sorted_contacts_refuse_weighted_or_unsorted_input():
    p = small(residents=500)
    c = build_city(p, stream(6, "city"))
    a = build_network(c, p.network, stream(6, "network"))
    with pytest.raises(ValueError, match="0/1 matrix"):
        SortedContacts(row_normalise(a), c.nbh, c.n_neighbourhoods)
    with pytest.raises(ValueError, match="sorted by neighbourhood"):
        SortedContacts(a, c.nbh[::-1].copy(), c.n_neighbourhoods)
