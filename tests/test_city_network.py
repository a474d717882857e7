"""The city and the social network have the structure the design asks for."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.city import build_city
from sim.network import build_network, to_networkx
from sim.streams import stream
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
