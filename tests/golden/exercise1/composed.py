"""A correct exercise-1 submission in another style: ops built from other ops, as micrograd does.

``a - b`` is ``a + (-b)``, ``-a`` is ``a * -1``, ``a / b`` is ``a * b ** -1``, ``mean`` is a
scaled ``sum``, ``abs`` is two ``relu``s, ``sigmoid`` is built from ``exp`` and ``tanh`` from
``sigmoid``. Each op's gradient then flows through the nodes it made on the way: it must
get full marks.
"""
from tests.golden.mutants import mutant

MODULE = "exercise1_autograd"


NEG = ('''        result = Matrix(-self.data, children=(self,))

        def _gradient():
            self.grad -= result.grad
        result._gradient = _gradient
        return result
''')
SUB = ('''        other = as_matrix(other)
        result = Matrix(self.data - other.data, children=(self, other))

        def _gradient():
            self.grad += reduce_to_shape(result.grad, self.shape)
            other.grad -= reduce_to_shape(result.grad, other.shape)
        result._gradient = _gradient
        return result
''')
DIV = ('''        other = as_matrix(other)
        result = Matrix(self.data / other.data, children=(self, other))

        def _gradient():
            self.grad += reduce_to_shape(result.grad / other.data, self.shape)
            other.grad += reduce_to_shape(-self.data * result.grad / other.data ** 2, other.shape)
        result._gradient = _gradient
        return result
''')
MEAN = ('''        result = Matrix(self.data.mean(), children=(self,))

        def _gradient():
            self.grad += result.grad / (self.nrow * self.ncol)
        result._gradient = _gradient
        return result
''')
ABS = ('''        result = Matrix(np.abs(self.data), children=(self,))

        def _gradient():
            self.grad += np.sign(self.data) * result.grad
        result._gradient = _gradient
        return result
''')
SIGMOID = ('''        # 0.5 * (1 + tanh(x / 2)) is the same function and never overflows.
        result = Matrix(0.5 * (1.0 + np.tanh(0.5 * self.data)), children=(self,))

        def _gradient():
            s = result.data
            self.grad += s * (1.0 - s) * result.grad
        result._gradient = _gradient
        return result
''')
TANH = ('''        result = Matrix(np.tanh(self.data), children=(self,))

        def _gradient():
            self.grad += (1.0 - result.data ** 2) * result.grad
        result._gradient = _gradient
        return result
''')

COMPOSED = mutant("micrograd_style_composed_ops", (
    (NEG, "        return self * -1.0\n"),
    (SUB, "        return self + (-as_matrix(other))\n"),
    (DIV, "        return self * as_matrix(other) ** -1\n"),
    (MEAN, "        return self.sum() * (1.0 / (self.nrow * self.ncol))\n"),
    (ABS, "        return self.relu() + (-self).relu()\n"),
    (SIGMOID, "        return ((-self).exp() + 1.0) ** -1\n"),
    (TANH, "        return (self * 2.0).sigmoid() * 2.0 - 1.0\n"),
), frozenset())
