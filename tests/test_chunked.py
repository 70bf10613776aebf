"""clusterfit.chunked: one compiled shape per kernel, outputs equal to one unchunked call."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.chunked import chunked_map


def _kernel(y, x):
    return {"sum": y + x, "pair": (y * x, jnp.stack([y, -x], -1))}


def _shapes_seen():
    seen = []

    def kernel(y, x):
        seen.append(y.shape)
        return _kernel(y, x)

    return seen, kernel


@pytest.mark.parametrize("n, size", [(10, 4), (8, 4), (3, 16), (1, 1)])
def test_chunks_equal_one_call_and_keep_one_shape(n, size):
    y, x = np.arange(n, dtype=float), np.linspace(-1.0, 2.0, n)
    seen, kernel = _shapes_seen()
    out = chunked_map(kernel, (y, x), size)
    want = jax.tree_util.tree_leaves(_kernel(y, x))
    assert len(out) == len(want) == 3
    for got, ref in zip(out, want, strict=True):
        assert isinstance(got, np.ndarray) and got.shape == ref.shape
        np.testing.assert_array_equal(got, np.asarray(ref))
    assert seen == [(size,)] * (-(-n // size))  # every call, the ragged last one too, has `size` rows


def test_ragged_last_chunk_is_padded_with_fill_or_the_last_row():
    rows = []

    def kernel(a, b):
        rows.append((np.asarray(a).copy(), np.asarray(b).copy()))
        return a

    chunked_map(kernel, (np.array([1.0, 2.0, 3.0]), np.array([True, True, True])), 2, fill=(7.0, False))
    np.testing.assert_array_equal(rows[-1][0], [3.0, 7.0])
    np.testing.assert_array_equal(rows[-1][1], [True, False])
    rows.clear()
    chunked_map(kernel, (np.array([1.0, 2.0, 3.0]), np.zeros(3)), 2)
    np.testing.assert_array_equal(rows[-1][0], [3.0, 3.0])


def test_rows_may_be_vectors():
    thetas = np.arange(10.0).reshape(5, 2)
    (out,) = chunked_map(lambda t: t.sum(-1), [thetas], 4)
    np.testing.assert_array_equal(out, [1.0, 5.0, 9.0, 13.0, 17.0])


def test_empty_input_does_not_call_the_kernel():
    def kernel(y, x):
        jax.debug.callback(lambda: (_ for _ in ()).throw(AssertionError("kernel ran")))
        return _kernel(y, x)

    out = chunked_map(kernel, (np.zeros(0), np.zeros(0)), 8)
    assert [a.shape for a in out] == [(0,), (0, 2), (0,)]  # tree_leaves order: "pair" before "sum"
    assert all(a.dtype == jnp.zeros(1).dtype for a in out)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="same length"):
        chunked_map(_kernel, (np.zeros(3), np.zeros(4)), 2)
    with pytest.raises(ValueError, match="chunk size"):
        chunked_map(_kernel, (np.zeros(3), np.zeros(3)), 0)
    with pytest.raises(ValueError, match="fill values"):
        chunked_map(_kernel, (np.zeros(3), np.zeros(3)), 2, fill=(0.0,))
